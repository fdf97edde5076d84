"""The Onsager matrix and the thermoelectric coefficients, by two independent methods.

J = (Lmat / L) F (the Letter, Eq. 4), F = (F_rho, F_u).

* ``forces`` (the Letter's way, Supplement Fig. 8): runs at (F_rho, F_u) = (f, 0) and
  (0, f); L_rr = L J_rho / f and L_ur = L J_u / f from the first, L_ru and L_uu from the
  second. With ``symmetric`` also at -f, and D(f) = L (J_i(+f) - J_i(-f)) / 2f, which
  removes the quadratic response. With ``extrapolate`` (the default) also at +-f/2, and
  L_ij = (4 D(f/2) - D(f)) / 3 (Richardson), which removes the cubic one too.

  The signal grows with the force and the noise does not, so a large force buys
  precision, and the extrapolation removes the bias it brings. At L = 20, h = 1 the
  central differences D(f) of a long reference (f = 0.1 ... 0.4,
  ``benchmarks/onsager_default.py --reference``) follow D(0) + c f^2, with c = 2.0 for
  L_ru (D(0.2) is 2% off, D(0.4) 7%); the default f = 0.4 extrapolates from 0.2 and
  0.4. Beyond f = 0.5 D(f) leaves the curve (docs/results.md, "Why the Onsager
  defaults").
* ``fluctuation``: one equilibrium run; the zero-frequency noise of the transferred
  particle number and energy, S_ij = lim (1/t) Cov(Q_i(t), Q_j(t)) = t Cov(J_i, J_j) of the
  run's mean currents, gives Lmat = L S / 2 (docs/model.md, "Exact results the tests
  hold the code to"). The covariance comes from blocks at least ``block_time`` long
  (default 10000): the particle-energy cross term decorrelates over thousands of time
  units (at L = 20 its
  plateau needs blocks of 5000-10000, docs/model.md), too slowly for the automated
  blocking test to notice, which then picks blocks short enough to bias L_ru by tens of
  percent toward zero. Longer systems relax more slowly: check the plateau
  or raise ``block_time``.

Which to use: the finite-force method is the default. At L = 20, h = 1 it reaches 5%
on every entry in about a minute of CPU (docs/results.md, "Why the Onsager defaults"),
and its error bars rest on the
variance of the currents alone, which converges fast; with f = 0.04 at +f only it was
already 3x faster than the fluctuation method on L_ru (``benchmarks/onsager_methods.py``:
relative error of L_ru times sqrt(CPU seconds) 1.24 against 2.11), and the default is
14x faster again (35 s of wall time where the former default took 489 s). The
fluctuation method gives all four entries from one equilibrium run with no nonlinear
bias at all, and is the independent check.

Errors on sigma, kappa, S and ZT (Supplement, Eqs. 6-7) are propagated from the
covariance of the matrix entries by Monte Carlo (a fixed seed, so results repeat).
"""

from __future__ import annotations

import inspect
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import replace

import numpy as np
import xarray as xr

from . import thermo
from ._version import __version__
from .kernel.layout import Choice, registry
from .metadata import describe
from .observables import block_covariance
from .params import (
    LETTER_MU,
    LETTER_T,
    Channel,
    ParameterError,
    RunParams,
    canonical,
    number,
    precision_target,
    unknown_keyword,
    whole_number,
)
from .simulate import Run, parameter_attrs, transferred

#: the two methods (see above)
METHODS = registry(
    Choice("forces", None, "currents at (F_rho, F_u) = (f, 0) and (0, f), the Letter's way"),
    Choice("fluctuation", None, "one equilibrium run, Lmat = L S / 2 from the noise of the "
                                "transferred particles and energy"))
#: shortest block (time units) for the fluctuation method's covariance (see above)
BLOCK_TIME = 10000.0
ENTRIES = ("L_rr", "L_ru", "L_ur", "L_uu")
#: the forces method's default force f: the largest applied (see the module docstring)
FORCE = 0.4
#: with ``extrapolate``, the runs at f / 2 measure this many times longer than those at
#: f: the split of a CPU budget that minimises the variance of (4 D(f/2) - D(f)) / 3
#: when the currents' noise does not depend on the force (16 * 2^2 / 1, square-rooted)
HALF_FORCE_SHARE = 8.0
#: an extrapolation that moves an entry by more than this fraction has a force beyond
#: the range where D(f) = a + c f^2 holds (at L = 20 the default moves L_ru by 2%)
LARGE_SHIFT = 0.1
#: a precision target's next round runs the time its errors predict (error ~ t^-1/2)
#: times this margin, growing the time by at least GROWTH[0] and at most GROWTH[1]: a
#: small margin, since a round more costs little (at L = 20 the default's errors fall
#: short after the first round by a factor 5-8 in time, predicted to about 15%)
MARGIN, GROWTH = 1.05, (1.1, 10.0)


def _advanced(run: Run) -> Run:
    """``run`` advanced to its measured time (a process pool's task)."""
    return run.advance()


def _currents(run: Run, block_time):
    """A run's mean (J_rho, J_u), their blocking covariance, time, CPU and events.

    ``block_time``: the shortest block for the covariance (time units), at least the
    run's own (``Run.min_block``).
    """
    snap = np.array(run.snapshots["flows"])
    moved = transferred(np.diff(snap, axis=0))
    J = np.stack([moved["particles"].mean(-1), moved["energy"].mean(-1)], axis=-1)
    cov = block_covariance(J / run.block_length, min_block=max(
        int(np.ceil(block_time / run.block_length)), run.min_block))
    return {"J": J.mean(axis=0) / run.block_length, "cov": cov, "time": run.measured_time,
            "cpu": run.kernel_seconds, "events": run.events}


def _measured(jobs, groups, combine, rel_err, t_max, workers, block_time):
    """Run ``jobs`` (``RunParams``) and combine them, in rounds until precise enough.

    ``combine(results)`` turns the runs' ``_currents`` into the matrix entries, their
    covariance and whether the errors are reliable. Without ``rel_err`` every run
    measures its ``t_measure``. With it, ``groups`` (pairs of the jobs' indices and the
    entries they measure: the F_rho runs give L_rr and L_ur, the F_u runs L_ru and L_uu)
    are extended in rounds, the times of a group's runs scaled alike (``next_time``),
    until each group's entries are known to ``rel_err`` reliably, or its longest runs
    reach ``t_max``.

    Returns
    -------
    results, values, covariance, reached
        The runs' ``_currents``, the entries, their covariance, and whether the
        precision target was reached (False without one).
    """
    runs = [Run.start(params, n_bins=0) for params in jobs]
    times = [max(jobs[i].t_measure for i in members) for members, _ in groups]
    shares = {i: jobs[i].t_measure / times[g] for g, (members, _) in enumerate(groups)
              for i in members}
    parallel = workers > 1 and len(jobs) > 1
    with ProcessPoolExecutor(max_workers=int(workers)) if parallel else nullcontext() as pool:
        while True:
            runs = list((pool.map if parallel else map)(_advanced, runs))
            results = [_currents(run, block_time) for run in runs]
            values, covariance, reliable = combine(results)
            reached = extended = False
            if rel_err is None:
                break
            reached = True
            for g, (members, entries) in enumerate(groups):
                shortfall = float(np.max(np.diag(covariance)[entries]
                                         / (rel_err * values[entries]) ** 2))
                if reliable and shortfall <= 1.0:
                    continue
                reached = False
                if times[g] >= t_max * (1 - 1e-12):
                    continue
                times[g] = next_time(times[g], shortfall, reliable, t_max)
                for i in members:
                    runs[i].extend_to(shares[i] * times[g])
                extended = True
            if not extended:
                break
    for run in runs:
        run.dataset()  # checks the bookkeeping
    return results, values, covariance, reached


def next_time(t, shortfall, reliable, t_max) -> float:
    """The next round's measured time under a precision target.

    Errors fall as t^-1/2, so the target needs ``shortfall`` = (error / target)^2 times
    the time: ``MARGIN`` times that, growing by at least ``GROWTH[0]`` and at most
    ``GROWTH[1]`` (twice where the errors are not reliable yet), and at most ``t_max``.
    """
    growth = float(np.clip(MARGIN * shortfall, *GROWTH)) if reliable else 2.0
    return min(t * growth, t_max)


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
    kappa and S when L_rr is poorly known). Draws that make a coefficient undefined (a
    negative L_rr L_uu under the normalised L_ru's root) are left out of its error, as
    ``heat_engine.linear_response`` leaves out unphysical draws.
    """
    central = thermo.transport_coefficients(*values, T, mu)
    rng = np.random.default_rng(seed)
    draws = rng.multivariate_normal(values, covariance, size=samples, method="eigh")
    with np.errstate(invalid="ignore"):
        sampled = thermo.transport_coefficients(*draws.T, T, mu)
    out = {}
    for name in central:
        low, high = np.nanpercentile(sampled[name], [15.865, 84.135])
        out[name] = (float(central[name]), float(0.5 * (high - low)))
    return out


def onsager(channel: Channel | None = None, T=LETTER_T, mu=LETTER_MU, *, method="forces",
            force=FORCE, symmetric=True, extrapolate=True, t_transient=None,
            t_measure=100000.0, rel_err=None, t_max=None, block_time=BLOCK_TIME,
            replicas=1, workers=1, seed=1, **channel_fields) -> xr.Dataset:
    """Onsager matrix L_rr, L_ru, L_ur, L_uu and sigma, kappa, S, ZT with errors.

    Parameters
    ----------
    channel : Channel, optional
        The channel (default ``Channel()``, the Letter's at L = 20, h = 1), with any
        rule: passing rules, dissipation and where it acts, rod walls, a finite range.
        Its bullets must be exchanged with the reservoirs.
    T, mu : float
        The equilibrium state the forces perturb.
    **channel_fields
        ``Channel`` fields that replace the record's (``length=80``, ``barrier=0.5``,
        ``passing="smooth"``, ...).
    t_transient, seed
        As for ``simulate``.
    method : {"forces", "fluctuation"}
        See the module docstring (forces is the default: more precise per CPU second).
    force : float
        f of the forces method, the largest force applied (the Letter: 0.04, one-sided).
    symmetric : bool
        Forces method: also run at -f and take central differences (no quadratic bias).
    extrapolate : bool
        Forces method: central differences at f / 2 and f, extrapolated to zero force
        (Richardson: (4 D(f/2) - D(f)) / 3, no cubic bias); needs ``symmetric``. The
        runs at f / 2 measure ``HALF_FORCE_SHARE`` times longer.
    t_measure : float
        Measured time of each run (at f / 2 with ``extrapolate``; with ``rel_err``: the
        shortest).
    rel_err : float, optional
        Run in rounds, every run's time scaled alike, until every matrix entry is known
        to this fraction (reliably), or until ``t_max`` (default 100 t_measure).
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
        errors; forces method: ``nonlinear_shift``, the largest relative change that
        the extrapolation made to an entry (above ``LARGE_SHIFT``: lower the force);
        attrs: method, parameters (``force`` for the forces method, ``block_time`` for
        the fluctuation method, ``rel_err_target`` with a target), CPU seconds, events,
        whether a target was reached. Every variable has a ``long_name`` and ``units``
        (``metadata``).
    """
    setup, base, t_max = _checked(
        channel=channel, T=T, mu=mu, method=method, force=force, symmetric=symmetric,
        extrapolate=extrapolate, t_transient=t_transient, t_measure=t_measure,
        rel_err=rel_err, t_max=t_max, block_time=block_time, replicas=replicas,
        workers=workers, seed=seed, **channel_fields)
    length = base.length
    force = float(force)
    points = force_points(method, force, symmetric, extrapolate)
    jobs = []
    for p, (F_rho, F_u, share) in enumerate(points):
        params = RunParams.create(**{**setup, "t_measure": share * t_measure},
                                  F_rho=F_rho, F_u=F_u)
        jobs += [replace(params, replica=p * replicas + r) for r in range(replicas)]

    def by_point(results):
        return [results[p * replicas:(p + 1) * replicas] for p in range(len(points))]

    def combine(results):
        reliable = all(r["cov"].reliable for r in results)
        if method == "fluctuation":
            return (*_from_fluctuations(by_point(results)[0], length), reliable)
        return (*_from_forces(by_point(results), length, force, symmetric, extrapolate)[:2],
                reliable)

    groups = measurement_groups(method, len(jobs))
    block_time = float(block_time) if method == "fluctuation" else 0.0
    results, values, covariance, reached = _measured(jobs, groups, combine, rel_err,
                                                     t_max, workers, block_time)
    errors = np.sqrt(np.diag(covariance))
    coefficients = propagate(values, covariance, T, mu)
    data = {}
    for name, value, err in zip(ENTRIES, values, errors):
        data[name], data[name + "_err"] = value, err
    for name, (value, err) in coefficients.items():
        data[name], data[name + "_err"] = value, err
    if method == "forces" and extrapolate:
        shift = _from_forces(by_point(results), length, force, symmetric, extrapolate)[2]
        data["nonlinear_shift"] = float(np.max(np.abs(shift / values)))
    gap_err = np.sqrt(max(covariance[1, 1] + covariance[2, 2] - 2 * covariance[1, 2], 0.0))
    data["reciprocity_gap"] = (values[1] - values[2]) / gap_err if gap_err > 0 else 0.0
    attrs = {k: v for k, v in parameter_attrs(base).items()
             if k not in ("T_left", "T_right", "mu_left", "mu_right", "F_rho", "F_u")}
    attrs.update(T=T, mu=mu, method=method, symmetric=int(symmetric),
                 extrapolate=int(extrapolate), replicas=int(replicas),
                 target_reached=int(reached),
                 t_measured=float(max(r["time"] for r in results)),
                 cpu_seconds=float(sum(r["cpu"] for r in results)),
                 events=int(sum(r["events"] for r in results)),
                 coupledgas_version=__version__)
    # set only where the method uses it: the force, or the covariance's shortest block
    if method == "forces":
        attrs["force"] = force
    else:
        attrs["block_time"] = block_time
    if rel_err is not None:
        attrs["rel_err_target"] = rel_err
    return describe(xr.Dataset({k: ((), v) for k, v in data.items()}, attrs=attrs))


def keywords() -> tuple[str, ...]:
    """Every keyword ``onsager`` takes: its own and the ``Channel`` fields."""
    own = tuple(n for n in inspect.signature(onsager).parameters if n != "channel_fields")
    return own + Channel.names()


def bound(**parameters) -> dict:
    """The keywords of an ``onsager`` call with its defaults filled in, the channel's
    fields among them (flat, aliases resolved); an unknown keyword raises
    ``ParameterError`` naming the closest known one."""
    parameters = {canonical(n): v for n, v in parameters.items()}
    unknown = sorted(set(parameters) - set(keywords()))
    if unknown:
        raise unknown_keyword(unknown[0], keywords(), "a keyword of onsager")
    arguments = inspect.signature(onsager).bind(**parameters)
    arguments.apply_defaults()
    arguments = dict(arguments.arguments)
    channel_fields = arguments.pop("channel_fields", {})
    return {**arguments, **channel_fields}


def check(**parameters) -> None:
    """Check the keywords of ``onsager`` without running anything.

    Raises
    ------
    ParameterError
        Naming the first bad keyword (an unknown one included).
    """
    _checked(**bound(**parameters))


def _checked(*, channel, T, mu, method, force, symmetric, extrapolate, t_transient,
             t_measure, rel_err, t_max, block_time, replicas, workers, seed,
             **channel_fields):
    """Check every keyword of ``onsager``; a bad one raises ParameterError.

    Returns
    -------
    tuple
        The runs' common settings (a dict of ``RunParams.create`` keywords), their
        ``RunParams`` at zero force, and ``t_max`` (its default with ``rel_err``).
    """
    if method not in METHODS:
        raise ParameterError("method", f"must be one of {', '.join(METHODS)}, got {method!r}")
    for name, value in (("symmetric", symmetric), ("extrapolate", extrapolate)):
        if value not in (True, False):
            raise ParameterError(name, f"must be true or false, got {value!r}")
    if method == "forces" and extrapolate and not symmetric:
        raise ParameterError("extrapolate", "needs central differences (symmetric)")
    setup = dict(channel=channel, T=T, mu=mu, t_transient=t_transient, t_measure=t_measure,
                 seed=seed, **channel_fields)
    base = RunParams.create(**setup)
    if base.bullet_walls != "exchange":
        raise ParameterError("bullet_walls", "an Onsager matrix needs bullets exchanged "
                             f"with the reservoirs (exchange), got {base.bullet_walls!r}")
    force, block_time = number("force", force), number("block_time", block_time)
    if method == "forces" and not (force > 0 and np.isfinite(force)):
        raise ParameterError("force", f"must be positive, got {force:g}")
    if method == "fluctuation" and not (block_time > 0 and 16 * block_time <= t_measure):
        raise ParameterError("block_time", f"must be positive and at most t_measure / 16 "
                             f"({t_measure / 16:g}), got {block_time:g}")
    for name, value in (("replicas", replicas), ("workers", workers)):
        whole_number(name, value)
    _, t_max = precision_target(rel_err, t_max, t_measure)
    return setup, base, t_max


def force_points(method, force, symmetric=True, extrapolate=True):
    """The runs of an Onsager matrix: (F_rho, F_u, share of ``t_measure``) each.

    Forces method: for F_rho, then F_u, the magnitudes f / 2 (with ``extrapolate``, share
    ``HALF_FORCE_SHARE`` relative to the runs at f) and f, each at +f and (``symmetric``)
    -f; the shares are scaled so that the longest is 1. Fluctuation method: one run at
    zero force.
    """
    if method == "fluctuation":
        return [(0.0, 0.0, 1.0)]
    sizes = ((0.5 * force, 1.0), (force, 1.0 / HALF_FORCE_SHARE)) if extrapolate else \
        ((force, 1.0),)
    signs = (1.0, -1.0) if symmetric else (1.0,)
    return [(s * f if direction == 0 else 0.0, s * f if direction == 1 else 0.0, share)
            for direction in (0, 1) for f, share in sizes for s in signs]


def measurement_groups(method, n_runs):
    """Which runs measure which entries: pairs of run indices (in the order of
    ``force_points``, replicas included) and entry indices (``ENTRIES``).

    Forces method: the first half, at F_rho, gives L_rr and L_ur; the second, at F_u,
    L_ru and L_uu. Fluctuation method: every run gives every entry.
    """
    if method == "fluctuation":
        return [(list(range(n_runs)), [0, 1, 2, 3])]
    half = n_runs // 2
    return [(list(range(half)), [0, 2]), (list(range(half, n_runs)), [1, 3])]


def _from_forces(per_point, length, force, symmetric, extrapolate):
    """Entries and their covariance from the finite-force runs (replicas averaged)."""
    def mean_and_cov(results):
        K = len(results)
        return (np.mean([r["J"] for r in results], axis=0),
                sum(r["cov"].covariance for r in results) / K**2)

    return forces_entries([mean_and_cov(r) for r in per_point], length, force, symmetric,
                          extrapolate)


def forces_entries(measured, length, force, symmetric=True, extrapolate=True):
    """Onsager entries and their covariance from the runs of ``force_points``.

    Parameters
    ----------
    measured : list of (J, C)
        Per force point, in the order of ``force_points``: the mean currents
        J = (J_rho, J_u) and their 2 x 2 covariance.
    length, force, symmetric, extrapolate
        As for ``onsager``.

    Returns
    -------
    values, covariance
        As ``entries_from_forces``: L J / f, central differences
        D(f) = L (J(+f) - J(-f)) / 2f, or their extrapolation (4 D(f/2) - D(f)) / 3.
    shift : ndarray (4,)
        What the extrapolation changed, (4 D(f/2) - D(f)) / 3 - D(f/2) (zero without
        it): a large shift says the force is beyond the range where D(f) is a + c f^2.
    """
    per_size = 2 if symmetric else 1
    sizes = (0.5 * force, force) if extrapolate else (force,)

    def differenced(first):  # (J, C) of the points from ``first``: J(+f) - J(-f)
        (J, C), *minus = measured[first:first + per_size]
        return (J - minus[0][0], C + minus[0][1]) if minus else (J, C)

    estimates = [entries_from_forces(differenced(k * per_size),
                                     differenced((len(sizes) + k) * per_size),
                                     length, per_size * f) for k, f in enumerate(sizes)]
    if extrapolate:
        (half, C_half), (full, C_full) = estimates
        return (4.0 * half - full) / 3.0, (16.0 * C_half + C_full) / 9.0, (half - full) / 3.0
    return (*estimates[0], np.zeros(4))


def measured_currents(ds):
    """(J, C) of one run's result (``simulate``, or one point of a sweep's results):
    the mean currents J = (J_rho, J_u) and their 2 x 2 covariance, from the errors and
    their correlation ``J_rho_J_u_correlation`` (taken as zero where not recorded)."""
    J = np.array([float(ds["J_rho"]), float(ds["J_u"])])
    errors = np.array([float(ds["J_rho_err"]), float(ds["J_u_err"])])
    correlation = float(ds["J_rho_J_u_correlation"]) if "J_rho_J_u_correlation" in ds \
        else np.nan
    correlation = correlation if np.isfinite(correlation) else 0.0
    return J, np.outer(errors, errors) * np.array([[1.0, correlation], [correlation, 1.0]])


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
