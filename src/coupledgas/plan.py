"""What a sweep or a figure will cost before it runs, and what precision a budget buys.

``plan(parts)`` prices every point of one or more sweeps (``sweep.SweepSpec``) from short
pilot runs on this machine; ``fit_budget(parts, core_hours)`` scales every point's
measured time by one common factor so that the plan fits a budget. The parts live in
modules of their own, whose names are importable from here as well: ``pilots`` (the
pilot runs and their cache), ``point_plans`` (the plan of one point, by its kind),
``costs`` (the plan of whole sweeps) and ``budget`` (fitting a budget).

The model
---------
A point is one or more simulated runs (a run point: one; an engine point: one circuit of
two channels; an Onsager point: two to eight finite-force runs (``onsager.force_points``),
or one equilibrium run, times its replicas). For each run a **pilot** (``PILOT_SECONDS``
of CPU) measures, after a short transient of its own, the events per unit of simulated
time ``r``, the events per CPU second ``e`` of this machine at this size, and the
currents with their blocking errors over the pilot's measured time ``t_p``. Then

* core-seconds = (t_transient + t_measure) r / e (an engine point: its CPU seconds per
  unit of simulated time, reservoir updates included, times its simulated time);
* relative error at a measured time t: the pilot's, times sqrt(t_p / t);
* with a precision target ``rel_err``: t_measure = t_p (pilot's relative error /
  rel_err)^2 for the slowest current (J_rho and J_u; a closed channel: J_u), within
  [t_measure, t_max] (an Onsager point: its entries' errors, from the pilots' currents
  as ``onsager.forces_entries`` combines them, or the Wishart error of its noise matrix
  with blocks of ``block_time``, through the rounds of ``onsager.next_time``).

What it assumes: (1) the event rate after the pilot's transient (the point's own, or
shorter: see ``pilots._run_pilot``) is the steady state's, and holds during the transient too
(at large L the content relaxes over L^2 / 2, longer than any pilot: at L = 1280,
F_u = 0.5 the rate grows from 3.70e4 to 3.89e4 events per time unit over the first 8e3
time units, where the pilots measure it, and it is 3.3e4 after a point's transient of
8.2e5 (F_u = 0.35-0.45, docs/figures/fig5-1280-data), so the plan is some 15% high
there); a pilot whose event rate still drifts when
it must stop is stretched up to ``PILOT_STRETCH`` times and its point marked
``drifting`` (lossy bounces: the rate grows 150-fold over thousands of time units, and
the plan can be off by 2.5x). (2) The machine runs the points as fast as
it ran the pilots (both are CPU seconds, so other load on the machine changes little).
(3) Errors fall as 1 / sqrt(t), and the pilot's blocking errors are right: short pilots
see only the faster correlations (blocks shorter than the relaxation time L^2 / 2,
which make a current's error too large: 1.35x at L = 80, so a target's time is up to
1.8x too long there) and know a current near zero poorly, so a precision target's time
can be off by a factor of several there (such errors are marked ``uncertain``). At
L = 1280 the currents' noise over a pilot's 1.5e4 time units is mostly that of short
times: at F_u = 0.5 a pilot of 60 s gives J_rho = -0.020 +- 0.0088, where the spread
over windows of 5e4 time units (0.0017) would give +- 0.0031, so a target's time comes
out 8-12x too long (beyond t_max = 1e8, where some 1e7 would do).
(4) A point's fixed costs (starting the run, its Dataset) are measured; a worker
process's loading of the compiled kernel (``Plan.load_seconds``, once per worker) is
reported beside the total, not in it. Points whose file exists count as
done: cost 0, no pilot. Pilots are shared by points that differ only in times, seed or
replica (the same channel and forces), and kept in a cache file if ``Pilots`` is given
one (the command line's: ``pilot_cache()``), so that planning the same points again
reuses them.

What a pilot cannot resolve is not reported as a number: an estimate whose pilot value
is within one error of zero (or has no error), or whose relative error would exceed
``UNRESOLVED`` (an Onsager entry's at the pilots' times), is ``unresolved``, with the
reason. The pilot of a point with a precision target goes on measuring (the same run,
its CPU seconds doubled a step: ``pilots._stretched``) while one of the target's currents is
within ``RESOLVED_SIGMAS`` errors of zero, up to ``PILOT_CAP_SECONDS``. A precision
target whose currents even that pilot knows to less than two errors
(``Pilot.unresolved(name, 2)``) would get a time that is anyone's guess (the square of a
ratio the pilot hardly knows): it is planned at ``t_max``, where the run stops at the
latest (``PointPlan.fallback`` says why, and how long the pilot measured). ``schedule``
turns the core-seconds into a wall time on N workers and splits the points that exceed a
walltime into replicas; ``budget`` says how a budget scales the measured times.
"""

from __future__ import annotations

from os import cpu_count

from .budget import Budget, check_budget, fit_budget, scaled_parts, scaled_spec
from .costs import SECONDS_PER_HOUR, Plan, actual_core_seconds, plan
from .pilots import (
    MIN_PILOT_BLOCKS,
    PILOT_CAP_SECONDS,
    PILOT_SECONDS,
    PILOT_STRETCH,
    PROBE_EVENTS,
    RESOLVED_SIGMAS,
    STEADY,
    UNPRICED,
    Pilot,
    Pilots,
    pilot_cache,
)
from .point_plans import UNRESOLVED, PointPlan, RunPlan, onsager_runs
from .schedule import check_workers, parse_walltime, schedule

# the names this module has always offered, defined in the modules above, and the
# two entry points below (``--plan`` and ``--budget``)
__all__ = [
    "MIN_PILOT_BLOCKS", "PILOT_CAP_SECONDS", "PILOT_SECONDS", "PILOT_STRETCH",
    "PROBE_EVENTS", "RESOLVED_SIGMAS", "SECONDS_PER_HOUR", "STEADY", "UNPRICED",
    "UNRESOLVED", "Budget", "Pilot", "Pilots", "Plan", "PointPlan", "RunPlan",
    "actual_core_seconds", "check_budget", "fit_budget", "onsager_runs", "pilot_cache",
    "plan", "scaled_parts", "scaled_spec", "scheduled_plan", "budgeted",
]


def _priced(parts, budget, record):
    """``plan.plan`` of ``parts``, or with a budget ``plan.fit_budget``'s (parts, plan,
    budget), from pilots kept in ``plan.pilot_cache()``."""
    pilots = Pilots(cache=pilot_cache())
    if budget is None:
        return parts, plan(parts, pilots), None
    return fit_budget(parts, budget, record=record, pilots=pilots)


def scheduled_plan(parts, workers=None, walltime=None, budget=None, record=None):
    """What some sweeps will cost before they run (``--plan``).

    Parameters
    ----------
    parts : dict
        As for ``plan.plan``.
    workers : int, optional
        Workers for the wall time [default: one per core].
    walltime : str, optional
        The longest a worker may run one point (HH:MM:SS); longer points are split into
        replicas.
    budget : float, optional
        CPU core-hours: the plan of the points scaled to fit them (``plan.fit_budget``).
    record : path, optional
        The budget's record, as for ``plan.fit_budget`` (read, not written).

    Returns
    -------
    plan.Plan
        With its ``schedule`` on ``workers`` workers; ``table()`` and ``as_json()``
        print it.
    """
    limit = None if walltime is None else parse_walltime(walltime)  # checked before pilots
    workers = check_workers((cpu_count() or 1) if workers is None else workers)
    planned = _priced(parts, budget, record)[1]
    planned.schedule = schedule(planned, workers, limit)
    return planned


def budgeted(parts, budget, record=None):
    """Some sweeps with their measured times scaled to fit a budget (``--budget``).

    Parameters
    ----------
    parts : dict
        As for ``plan.plan``.
    budget : float
        CPU core-hours for all the points.
    record : path, optional
        Where the factor chosen is kept (``plan.fit_budget``); written.

    Returns
    -------
    (dict, plan.Plan)
        The scaled parts and their plan (``budget_text`` says it).
    """
    parts, planned, fitted = _priced(parts, budget, record)
    fitted.write()
    return parts, planned

