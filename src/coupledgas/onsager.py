"""The Onsager matrix and the thermoelectric coefficients, by two independent methods.

J = (Lmat / L) F (the Letter, Eq. 4), F = (F_rho, F_u).

* ``forces`` (the Letter's way, Supplement Fig. 8): runs at (F_rho, F_u) = (f, 0) and
  (0, f); L_rr = L J_rho / f and L_ur = L J_u / f from the first, L_ru and L_uu from the
  second. With ``symmetric`` also at -f, and L_ij = L (J_i(+f) - J_i(-f)) / 2f, which
  removes the quadratic response.
* ``fluctuation``: one equilibrium run; the zero-frequency noise of the transferred
  particle number and energy, S_ij = lim (1/t) Cov(Q_i(t), Q_j(t)) = t Cov(J_i, J_j) of the
  run's mean currents, gives Lmat = L S / 2 (PHYSICS.md, fluctuation-dissipation). The
  covariance comes from blocks at least ``block_time`` long (default 10000): the
  particle-energy cross term decorrelates over thousands of time units (at L = 20 its
  plateau needs blocks of 5000-10000, PHYSICS.md), too slowly for the automated
  blocking test to notice, which then picks blocks short enough to bias L_ru by tens of
  percent toward zero. Longer systems relax more slowly: check the plateau
  or raise ``block_time``.

Which to use: at L = 20, h = 1 (``benchmarks/onsager_methods.py``, 60 CPU s each) the
relative error of L_ru times sqrt(CPU seconds) is 1.24 by finite forces and 2.11 by
fluctuations: forces reach a given error on L_ru in a third of the CPU time, and their
error bars rest on the variance of the currents alone, which converges fast. It is the
default. The fluctuation method gives all four entries from one equilibrium run with no
nonlinear bias, and is the independent check.

Errors on sigma, kappa, S and ZT (Supplement, Eqs. 6-7) are propagated from the
covariance of the matrix entries by Monte Carlo (a fixed seed, so results repeat).
"""

from __future__ import annotations

import inspect
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

import numpy as np
import xarray as xr

from . import thermo
from ._version import __version__
from .observables import block_covariance
from .params import ParameterError, RunParams
from .simulate import Run, transferred

METHODS = ("forces", "fluctuation")
#: shortest block (time units) for the fluctuation method's covariance (see above)
BLOCK_TIME = 10000.0
ENTRIES = ("L_rr", "L_ru", "L_ur", "L_uu")


def _mean_currents(params: RunParams, rel_err, t_max, extend_to=None, block_time=0.0):
    """One run: mean (J_rho, J_u), their covariance (with errors), time and CPU.

    ``extend_to``: a function of the covariance estimate returning True when precise
    enough; the run's measured time is doubled until it is, or ``t_max`` is reached.
    ``block_time``: the shortest block for the covariance.
    """
    run = Run.start(params, n_bins=0, rel_err=None if extend_to else rel_err,
                    t_max=None if extend_to else t_max).advance()
    while True:
        snap = np.array(run.snapshots["flows"])
        moved = transferred(np.diff(snap, axis=0))
        J = np.stack([moved["particles"].mean(-1), moved["energy"].mean(-1)], axis=-1)
        cov = block_covariance(J / run.block_length,
                               min_block=int(np.ceil(block_time / run.block_length)))
        if extend_to is None or extend_to(cov, run.measured_time) or \
                run.measured_time >= t_max * (1 - 1e-12):
            break
        run.extend_to(min(2 * run.measured_time, t_max))
        run.advance()
    run.dataset()  # checks the bookkeeping
    return {"J": J.mean(axis=0) / run.block_length, "cov": cov, "time": run.measured_time,
            "cpu": run.kernel_seconds, "events": run.events}


def _covariance_of_entries(C, n):
    """Covariance of (C_rr, C_ru, C_ur, C_uu) estimated from n blocks (Wishart)."""
    index = [(0, 0), (0, 1), (1, 0), (1, 1)]
    out = np.empty((4, 4))
    for a, (i, j) in enumerate(index):
        for b, (k, q) in enumerate(index):
            out[a, b] = (C[i, k] * C[j, q] + C[i, q] * C[j, k]) / max(n - 1, 1)
    return out


def propagate(values, covariance, T, mu, samples=20000, seed=0):
    """Transport coefficients and their errors from the matrix entries and covariance.

    The error is half the width of the central 68% of the Monte Carlo distribution (the
    standard deviation for a Gaussian; robust against the heavy tails of ratios such as
    kappa and S when L_rr is poorly known).
    """
    central = thermo.transport_coefficients(*values, T, mu)
    rng = np.random.default_rng(seed)
    draws = rng.multivariate_normal(values, covariance, size=samples, method="eigh")
    sampled = thermo.transport_coefficients(*draws.T, T, mu)
    out = {}
    for name in central:
        low, high = np.percentile(sampled[name], [15.865, 84.135])
        out[name] = (float(central[name]), float(0.5 * (high - low)))
    return out


def onsager(length=20.0, barrier=1.0, T=1.0, mu=1.5, *, m_bullet=1.0, m_rod=0.5,
            n_rods=None, rod_walls="thermal", method="forces", force=0.04,
            symmetric=False, t_transient=None, t_measure=100000.0, rel_err=None,
            t_max=None, block_time=BLOCK_TIME, replicas=1, workers=1,
            seed=1, interaction_range=0.0) -> xr.Dataset:
    """Onsager matrix L_rr, L_ru, L_ur, L_uu and sigma, kappa, S, ZT with errors.

    Parameters
    ----------
    length, barrier, T, mu, m_bullet, m_rod, n_rods, rod_walls, t_transient, seed,
    interaction_range
        As for ``simulate``; (T, mu) is the equilibrium state the forces perturb.
    method : {"forces", "fluctuation"}
        See the module docstring (forces is the default: more precise per CPU second).
    force : float
        f of the forces method (the Letter: 0.04).
    symmetric : bool
        Forces method: also run at -f and take central differences.
    t_measure : float
        Measured time of each run (with ``rel_err``: the shortest).
    rel_err : float, optional
        Forces method: each run until its currents are known to this fraction.
        Fluctuation method: the run's time is doubled until every matrix entry is known
        to this fraction. Both stop at ``t_max`` (default 100 t_measure).
    block_time : float
        Fluctuation method: the shortest block for the covariance (see above); the run
        must be many times longer.
    replicas, workers : int
        Independent replicas per run, on ``workers`` processes.

    Returns
    -------
    xarray.Dataset
        Scalars ``L_rr``, ``L_ru``, ``L_ur``, ``L_uu``, ``sigma``, ``kappa``, ``S``,
        ``ZT``, ``det`` with ``_err``; ``reciprocity_gap`` = (L_ru - L_ur) in standard
        errors; attrs: method, parameters, CPU seconds, events.
    """
    setup, base, t_max = _checked(
        length=length, barrier=barrier, T=T, mu=mu, m_bullet=m_bullet, m_rod=m_rod,
        n_rods=n_rods, rod_walls=rod_walls, method=method, force=force, symmetric=symmetric,
        t_transient=t_transient, t_measure=t_measure, rel_err=rel_err, t_max=t_max,
        block_time=block_time, replicas=replicas, workers=workers, seed=seed,
        interaction_range=interaction_range)
    force = float(force)

    if method == "forces":
        signs = (1.0, -1.0) if symmetric else (1.0,)
        points = [(s * force, 0.0) for s in signs] + [(0.0, s * force) for s in signs]
    else:
        points = [(0.0, 0.0)]
    jobs = []
    for p, (F_rho, F_u) in enumerate(points):
        params = RunParams.create(**setup, F_rho=F_rho, F_u=F_u)
        jobs += [replace(params, replica=p * replicas + r) for r in range(replicas)]
    check = _FluctuationPrecision(rel_err) if method == "fluctuation" and rel_err else None
    block_time = float(block_time) if method == "fluctuation" else 0.0
    args = ([rel_err] * len(jobs), [t_max] * len(jobs), [check] * len(jobs),
            [block_time] * len(jobs))
    if workers == 1 or len(jobs) == 1:
        results = [_mean_currents(j, *a) for j, *a in zip(jobs, *args)]
    else:
        with ProcessPoolExecutor(max_workers=int(workers)) as pool:
            results = list(pool.map(_mean_currents, jobs, *args))
    per_point = [results[p * replicas:(p + 1) * replicas] for p in range(len(points))]

    if method == "forces":
        values, covariance = _from_forces(per_point, length, force, symmetric)
    else:
        values, covariance = _from_fluctuations(per_point[0], length)
    errors = np.sqrt(np.diag(covariance))
    coefficients = propagate(values, covariance, T, mu)
    data = {}
    for name, value, err in zip(ENTRIES, values, errors):
        data[name], data[name + "_err"] = value, err
    for name, (value, err) in coefficients.items():
        data[name], data[name + "_err"] = value, err
    gap_err = np.sqrt(max(covariance[1, 1] + covariance[2, 2] - 2 * covariance[1, 2], 0.0))
    data["reciprocity_gap"] = (values[1] - values[2]) / gap_err if gap_err > 0 else 0.0
    attrs = {k: v for k, v in base.as_attrs().items()
             if k not in ("T_left", "T_right", "mu_left", "mu_right", "F_rho", "F_u")}
    attrs.update(T=T, mu=mu, method=method, force=force if method == "forces" else 0.0,
                 block_time=block_time,
                 symmetric=int(symmetric), replicas=int(replicas),
                 rel_err_target=rel_err or 0.0,
                 t_measured=float(np.mean([r["time"] for r in results])),
                 cpu_seconds=float(sum(r["cpu"] for r in results)),
                 events=int(sum(r["events"] for r in results)),
                 coupledgas_version=__version__)
    return xr.Dataset({k: ((), v) for k, v in data.items()}, attrs=attrs)


def check(**parameters) -> None:
    """Check the keywords of ``onsager`` without running anything.

    Raises
    ------
    ParameterError
        Naming the first bad keyword (an unknown one included).
    """
    signature = inspect.signature(onsager)
    unknown = sorted(set(parameters) - set(signature.parameters))
    if unknown:
        raise ParameterError(unknown[0], "is not a keyword of onsager")
    bound = signature.bind(**parameters)
    bound.apply_defaults()
    _checked(**bound.arguments)


def _checked(*, length, barrier, T, mu, m_bullet, m_rod, n_rods, rod_walls, method, force,
             symmetric, t_transient, t_measure, rel_err, t_max, block_time, replicas,
             workers, seed, interaction_range):
    """Check every keyword of ``onsager``; a bad one raises ParameterError.

    Returns
    -------
    tuple
        The runs' common settings (a dict), their ``RunParams`` at zero force, and
        ``t_max`` (its default with ``rel_err``).
    """
    if method not in METHODS:
        raise ParameterError("method", f"must be one of {', '.join(METHODS)}, got {method!r}")
    if symmetric not in (True, False):
        raise ParameterError("symmetric", f"must be true or false, got {symmetric!r}")
    setup = dict(length=length, barrier=barrier, T=T, mu=mu, m_bullet=m_bullet, m_rod=m_rod,
                 n_rods=n_rods, rod_walls=rod_walls, t_transient=t_transient,
                 t_measure=t_measure, seed=seed, interaction_range=interaction_range)
    base = RunParams.create(**setup)
    force, block_time = _number("force", force), _number("block_time", block_time)
    if method == "forces" and not (force > 0 and np.isfinite(force)):
        raise ParameterError("force", f"must be positive, got {force:g}")
    if method == "fluctuation" and not (block_time > 0 and 16 * block_time <= t_measure):
        raise ParameterError("block_time", f"must be positive and at most t_measure / 16 "
                             f"({t_measure / 16:g}), got {block_time:g}")
    for name, value in (("replicas", replicas), ("workers", workers)):
        if _number(name, value) != int(value) or value < 1:
            raise ParameterError(name, f"must be a positive integer, got {value!r}")
    if rel_err is not None and not 0 < _number("rel_err", rel_err) < 1:
        raise ParameterError("rel_err", f"must lie in (0, 1), got {rel_err}")
    if t_max is not None and rel_err is None:
        raise ParameterError("t_max", "only applies with a precision target (rel_err)")
    if rel_err is not None:
        t_max = 100.0 * t_measure if t_max is None else _number("t_max", t_max)
        if not t_max >= t_measure:
            raise ParameterError("t_max", f"must be >= t_measure ({t_measure:g})")
    return setup, base, t_max


def _number(name, value) -> float:
    """``value`` as a float; ParameterError naming ``name`` if it is not a number."""
    if isinstance(value, bool):
        raise ParameterError(name, f"must be a number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ParameterError(name, f"must be a number, got {value!r}") from None


class _FluctuationPrecision:
    """Picklable stopping rule: every entry of the noise matrix known to ``rel_err``."""

    def __init__(self, rel_err):
        self.rel_err = rel_err

    def __call__(self, cov, measured_time):
        return bool(cov.reliable and np.all(cov.error <= self.rel_err * np.abs(cov.covariance)))


def _from_forces(per_point, length, force, symmetric):
    """Entries and their covariance from finite-force runs (replicas averaged)."""
    def mean_and_cov(results):
        K = len(results)
        return (np.mean([r["J"] for r in results], axis=0),
                sum(r["cov"].covariance for r in results) / K**2)

    stats = [mean_and_cov(r) for r in per_point]
    if symmetric:  # J(+force) - J(-force): the response to a force 2 force
        (Jp_r, Cp_r), (Jm_r, Cm_r), (Jp_u, Cp_u), (Jm_u, Cm_u) = stats
        return entries_from_forces((Jp_r - Jm_r, Cp_r + Cm_r), (Jp_u - Jm_u, Cp_u + Cm_u),
                                   length, 2 * force)
    return entries_from_forces(*stats, length, force)


def entries_from_forces(rho_run, u_run, length, force):
    """Onsager entries L = L J / force from two finite-force measurements (the Letter, Eq. 4).

    Parameters
    ----------
    rho_run, u_run : tuple (J, C)
        Mean currents J = (J_rho, J_u) and their 2 x 2 covariance C, measured at the
        forces (F_rho, F_u) = (force, 0) and (0, force).
    length, force : float

    Returns
    -------
    values : ndarray (4,)
        L_rr, L_ru, L_ur, L_uu (``ENTRIES``).
    covariance : ndarray (4, 4)
        Their covariance (the two runs independent).
    """
    (J_r, C_r), (J_u, C_u) = rho_run, u_run
    scale = length / force
    # F_rho run gives (L_rr, L_ur); F_u run gives (L_ru, L_uu)
    values = scale * np.array([J_r[0], J_u[0], J_r[1], J_u[1]])
    covariance = np.zeros((4, 4))
    rho_entries, u_entries = [0, 2], [1, 3]
    covariance[np.ix_(rho_entries, rho_entries)] = scale**2 * C_r
    covariance[np.ix_(u_entries, u_entries)] = scale**2 * C_u
    return values, covariance


def _from_fluctuations(results, length):
    """Entries L = L S / 2 with S = t Cov(J) and their covariance (replicas averaged)."""
    K = len(results)
    matrices, covariances = [], []
    for r in results:
        factor = length * r["time"] / 2.0
        C = r["cov"].covariance * factor
        matrices.append(C.ravel())
        covariances.append(_covariance_of_entries(C, r["cov"].n_blocks))
    return np.mean(matrices, axis=0), sum(covariances) / K**2
