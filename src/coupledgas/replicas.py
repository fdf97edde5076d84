"""Independent replicas of one run, on several processes, combined.

Replica k uses child k of the run's seed (``SeedSequence(seed).spawn``), so replicas are
independent and each is reproducible on its own. The combined value of a quantity is the
mean over replicas and its error sqrt(sum_k err_k^2) / K.

The spread of the replicas is compared with their own errors by
``spread_ratio_<name>`` = s^2 / mean_k(err_k^2), the replicas' sample variance over the
mean of their squared errors. Honest errors give 1 on average, whatever the number of
blocks behind each error (a ratio per replica, (x_k - mean)^2 / err_k^2, is biased
upwards where err_k comes from few blocks: with 4 blocks its mean is 3); for K replicas
it lies in ``spread_range(K)`` 95% of the time. With at least ``SPREAD_REPLICAS``
replicas the combined error is the larger of the propagated one and s / sqrt(K), so
errors that are too small do not survive combining.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

import numpy as np
import xarray as xr

from .metadata import describe
from .observables import chi2_quantile
from .params import ParameterError, RunParams
from .simulate import Run

#: quantities whose per-replica values and errors are kept on the ``replica`` dimension
KEPT = ("J_rho", "J_u", "entropy_production")
#: from this many replicas on, their spread bounds the combined error from below
SPREAD_REPLICAS = 8


def spread_ratio(values, errors) -> float:
    """The replicas' sample variance over the mean of their squared errors (about 1
    when the errors are right; see the module docstring)."""
    values, errors = np.asarray(values, float), np.asarray(errors, float)
    return float(np.var(values, ddof=1) / np.mean(errors**2))


def spread_range(replicas: int, probability: float = 0.95) -> tuple[float, float]:
    """Where ``spread_ratio`` of ``replicas`` values with exact errors lies with
    ``probability``: the quantiles of chi^2 with K - 1 degrees of freedom over K - 1
    (errors that are themselves estimated widen it a little)."""
    dof = replicas - 1
    tail = (1 - probability) / 2
    return (float(chi2_quantile(tail, dof) / dof),
            float(chi2_quantile(1 - tail, dof) / dof))


def _run_one(params: RunParams, n_bins: int, rel_err, t_max) -> xr.Dataset:
    return Run.start(params, n_bins=n_bins, rel_err=rel_err, t_max=t_max).advance().dataset()


def run_replicas(params: RunParams, replicas: int, workers: int = 1, n_bins: int = 40,
                 rel_err=None, t_max=None) -> xr.Dataset:
    """Run ``replicas`` independent copies of ``params`` on ``workers`` processes.

    Returns
    -------
    xarray.Dataset
        Every quantity that has an ``_err`` companion, combined over replicas; counts
        summed; ``J_rho_replica``, ``J_rho_err_replica`` (and likewise for J_u and the
        entropy production) on the ``replica`` dimension; ``attrs`` of replica 0 (but
        its ``replica``) with the events and kernel time summed over replicas.
    """
    if int(replicas) != replicas or replicas < 1:
        raise ParameterError("replicas", f"must be a positive integer, got {replicas!r}")
    if int(workers) != workers or workers < 1:
        raise ParameterError("workers", f"must be a positive integer, got {workers!r}")
    runs = [replace(params, replica=k) for k in range(int(replicas))]
    if workers == 1 or replicas == 1:
        results = [_run_one(p, n_bins, rel_err, t_max) for p in runs]
    else:
        with ProcessPoolExecutor(max_workers=int(workers)) as pool:
            results = list(pool.map(_run_one, runs, [n_bins] * len(runs),
                                    [rel_err] * len(runs), [t_max] * len(runs)))
    return combine(results)


def combine(results: list[xr.Dataset]) -> xr.Dataset:
    """Combine replica Datasets (see ``run_replicas``)."""
    K = len(results)
    data, attrs = {}, dict(results[0].attrs)
    for name, var in results[0].data_vars.items():
        if name.endswith("_block"):
            continue
        stacked = np.stack([r[name].values for r in results])
        if name.endswith("_err"):
            data[name] = (var.dims, np.sqrt(np.sum(stacked**2, axis=0)) / K)
        elif name in ("encounters", "passes", "bounces_made_elastic"):
            data[name] = (var.dims, stacked.sum(axis=0))
        else:
            data[name] = (var.dims, stacked.mean(axis=0))
    for name in KEPT:
        values = np.array([r[name].item() for r in results])
        errors = np.array([r[name + "_err"].item() for r in results])
        data[name + "_replica"] = (("replica",), values)
        data[name + "_err_replica"] = (("replica",), errors)
        if K > 1:
            with np.errstate(divide="ignore", invalid="ignore"):
                attrs[f"spread_ratio_{name}"] = spread_ratio(values, errors)
        if K >= SPREAD_REPLICAS:
            spread = np.std(values, ddof=1) / np.sqrt(K)
            data[name + "_err"] = ((), max(float(data[name + "_err"][1]), float(spread)))
    if K > 1:
        attrs["spread_ratio_range"] = spread_range(K)
    for key in ("events", "events_total", "kernel_seconds"):
        attrs[key] = sum(r.attrs[key] for r in results)
    attrs["events_per_second"] = float(np.mean([r.attrs["events_per_second"] for r in results]))
    attrs["replicas"] = K
    attrs.pop("replica", None)  # the replicas' result is none of them
    attrs["errors_reliable"] = int(all(r.attrs["errors_reliable"] for r in results))
    attrs["target_reached"] = int(all(r.attrs["target_reached"] for r in results))
    coords = {k: v for k, v in results[0].coords.items() if k != "block"}
    coords["replica"] = np.arange(K)
    return describe(xr.Dataset(data, coords=coords, attrs=attrs))
