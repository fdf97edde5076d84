"""Independent replicas of one run, on several processes, combined.

Replica k uses child k of the run's seed (``SeedSequence(seed).spawn``), so replicas are
independent and each is reproducible on its own. The combined value of a quantity is the
mean over replicas and its error sqrt(sum_k err_k^2) / K. The spread of the replicas is
also compared with their own errors: ``chi2_per_dof_<name>`` = sum_k ((x_k - mean) /
err_k)^2 / (K - 1) should be about 1 (much larger means the errors are too small).
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

import numpy as np
import xarray as xr

from .params import ParameterError, RunParams
from .simulate import Run

#: quantities whose per-replica values and errors are kept on the ``replica`` dimension
KEPT = ("J_rho", "J_u", "entropy_production")


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
        entropy production) on the ``replica`` dimension; ``attrs`` of replica 0 with
        the events and kernel time summed over replicas.
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
                attrs[f"chi2_per_dof_{name}"] = float(
                    np.sum(((values - values.mean()) / errors) ** 2) / (K - 1))
    for key in ("events", "events_total", "kernel_seconds"):
        attrs[key] = sum(r.attrs[key] for r in results)
    attrs["events_per_second"] = float(np.mean([r.attrs["events_per_second"] for r in results]))
    attrs["replicas"] = K
    attrs["replica"] = -1
    attrs["errors_reliable"] = int(all(r.attrs["errors_reliable"] for r in results))
    attrs["target_reached"] = int(all(r.attrs["target_reached"] for r in results))
    coords = {k: v for k, v in results[0].coords.items() if k != "block"}
    coords["replica"] = np.arange(K)
    return xr.Dataset(data, coords=coords, attrs=attrs)
