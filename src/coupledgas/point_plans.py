"""The plan of one sweep point, by its kind: its runs, their core-seconds, and the
relative errors they will reach.

Each kind of point declares its planner (``point_kinds.PointKind.planner``): a run point
is one run (``plan_run_point``), an engine point one circuit (``plan_engine_point``), an
Onsager point its finite-force or equilibrium runs (``plan_onsager_point``), each priced
from its pilots (``pilots``) as the model says (``coupledgas.plan``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .heat_engine import heat_engine
from .onsager import (
    ENTRIES,
    _checked,
    bound,
    force_points,
    forces_entries,
    measurement_groups,
    next_time,
)
from .params import RunParams
from .pilots import Pilot, Pilots, keyword_defaults

#: a relative error above this is reported as unresolved (an Onsager entry's at the
#: pilots' times, any estimate's at the planned times); above half of it, as rough
UNRESOLVED = 1.0


@dataclass(frozen=True)
class RunPlan:
    """One simulated run of a point: times (time units), events and core-seconds."""

    t_transient: float
    t_measure: float
    events: float
    core_seconds: float


@dataclass
class PointPlan:
    """The plan of one sweep point.

    Attributes
    ----------
    part : str
        The sweep it belongs to (a figure has several).
    kind : str
        ``point_kinds.KINDS``.
    varied : dict
        The settings its axes give it (and ``replica``).
    key : str
        Its file's name (``sweep_spec.SweepPoint.key``).
    done : bool
        Its file exists: cost 0.
    runs : list of RunPlan
        Its runs (empty when done).
    target : float or None
        Its precision target ``rel_err``.
    reported : tuple
        The estimates its kind reports (``point_kinds.PointKind.reported``).
    errors : dict
        Name -> expected relative error at the planned times, for each of ``reported``.
    uncertain : tuple
        The names whose pilot value is within two errors of zero: their relative
        errors are rough.
    unresolved : dict
        Name -> why the pilot cannot resolve it (``Pilot.unresolved``: within one error
        of zero; an Onsager entry: a relative error above ``UNRESOLVED`` at the pilots'
        times): reported without a number.
    fallback : str or None
        Why the measured time of a precision target is not estimated (a target's value
        within two errors of zero in the pilot, stretched up to ``PILOT_CAP_SECONDS``):
        it is then ``t_max``, where the run stops at the latest.
    chain : str or None
        The key of the first point of its chain (``sweep_spec.SweepPoint.previous``): the
        points of one chain run one after the other.
    drifting : bool
        A pilot's event rate still changed when it had to stop (``Pilot.drifting``):
        the cost may be off by much (lossy bounces: up to 2.5x off; docs/sweeps.md,
        "How well a plan predicts").
    measurement_seconds : float
        The part of ``core_seconds`` that a budget scales and a split into replicas
        divides (``schedule``): all but the transients and the runs' fixed costs.
    """

    part: str
    kind: str
    varied: dict
    key: str
    done: bool = False
    reported: tuple = ()
    runs: list = field(default_factory=list)
    target: float | None = None
    errors: dict = field(default_factory=dict)
    uncertain: tuple = ()
    unresolved: dict = field(default_factory=dict)
    fallback: str | None = None
    chain: str | None = None
    drifting: bool = False
    measurement_seconds: float = 0.0

    @property
    def core_seconds(self) -> float:
        return sum(r.core_seconds for r in self.runs)

    @property
    def events(self) -> float:
        return sum(r.events for r in self.runs)

    @property
    def label(self) -> str:
        """The settings its axes give it, as the table shows them."""
        return ", ".join(f"{k}={_short(v)}" for k, v in self.varied.items()) or "-"

    def as_dict(self) -> dict:
        """The JSON entry of the point."""
        first = self.runs[0] if self.runs else None
        return {"part": self.part, "kind": self.kind, "key": self.key,
                "settings": self.varied, "done": self.done,
                "runs": len(self.runs),
                "t_transient": first.t_transient if first else None,
                "t_measure": max(r.t_measure for r in self.runs) if first else None,
                "rel_err_target": self.target, "events": self.events,
                "core_seconds": self.core_seconds,
                "relative_errors": {k: None if k in self.unresolved else _finite(v)
                                    for k, v in self.errors.items()},
                "uncertain_errors": list(self.uncertain), "unresolved": self.unresolved,
                "target_fallback": self.fallback, "chain": self.chain,
                "rate_drifting": self.drifting}

    def error_text(self, name) -> str:
        """``name``'s expected relative error for the table: a percentage (``?``: rough),
        or ``unresolved`` and why."""
        if name in self.unresolved:
            return f"{name} unresolved ({self.unresolved[name].removeprefix(name + ' ')})"
        return f"{name} {_percent(self.errors[name])}{'?' if name in self.uncertain else ''}"



def _short(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _percent(value) -> str:
    if not math.isfinite(value):
        return "-"
    return f"{100 * value:.2g}%"


def _finite(value):
    return value if math.isfinite(value) else None



def _run_cost(t_transient, t, pilot: Pilot) -> RunPlan:
    """A run of ``t_transient`` and a measured time ``t``: events and core-seconds."""
    events = (t_transient + t) * pilot.events_per_time
    seconds = events / pilot.events_per_second + (pilot.fixed_seconds if t > 0 else 0.0)
    return RunPlan(t_transient, t, events, seconds)


def _unscaled(t_transient, pilot: Pilot) -> float:
    """The core-seconds of a run that do not grow with its measured time: its transient
    and its fixed costs."""
    return _run_cost(t_transient, 0.0, pilot).core_seconds + pilot.fixed_seconds



def _resolved(entry: PointPlan, pilot: Pilot, names) -> None:
    """Mark the estimates ``names`` of ``entry`` that its pilot does not resolve
    (``Pilot.unresolved``, or a planned relative error above ``UNRESOLVED``) and those
    it knows roughly (within two errors of zero)."""
    entry.unresolved = {n: why for n in names if (why := pilot.unresolved(n))}
    entry.unresolved.update({n: f"{n}'s expected relative error above {UNRESOLVED:.0%}"
                             for n in names if n not in entry.unresolved
                             and not entry.errors[n] <= UNRESOLVED})
    entry.uncertain = tuple(n for n in names
                            if n not in entry.unresolved and not pilot.significant(n))


def plan_run_point(point, pilots: Pilots, plan: PointPlan) -> None:
    """The planner of run points: one run, measured for its ``t_measure`` or, with a
    precision target, for the time its pilot says the target needs."""
    params, options = point.params(), point.options()
    names = ("J_rho", "J_u") if params.bullet_walls == "exchange" else ("J_u",)
    pilot = pilots.run(params, options["n_bins"], names if options["rel_err"] else ())
    t = params.t_measure
    if options["rel_err"]:
        plan.target = options["rel_err"]
        t_max = options["t_max"] or 100.0 * t
        t, plan.fallback = pilot.target_time(names, options["rel_err"], t, t_max)
    plan.runs = [_run_cost(params.t_transient, t, pilot)]
    plan.measurement_seconds = plan.core_seconds - _unscaled(params.t_transient, pilot)
    plan.errors = {n: pilot.relative_error(n, t) for n in plan.reported}
    _resolved(plan, pilot, plan.reported)
    plan.drifting = pilot.drifting


def plan_engine_point(point, pilots: Pilots, plan: PointPlan) -> None:
    """The planner of engine points: one ``heat_engine`` circuit, priced by its own
    pilot."""
    settings = point.params()
    defaults = keyword_defaults(heat_engine)
    pilot = pilots.engine(settings)
    t_measure = float(settings.get("t_measure", defaults["t_measure"]))
    t_transient = float(settings.get("t_transient", defaults["t_transient"]))
    plan.runs = [_run_cost(t_transient, t_measure, pilot)]
    plan.measurement_seconds = plan.core_seconds - _unscaled(t_transient, pilot)
    plan.errors = {n: pilot.relative_error(n, t_measure) for n in plan.reported}
    _resolved(plan, pilot, plan.reported)


def onsager_runs(settings: dict) -> tuple:
    """The runs of an Onsager point, as ``onsager`` makes them.

    Returns
    -------
    tuple
        (list of ``RunParams``, one per force point of ``onsager.force_points``
        (replicas not repeated), each with its share of ``t_measure``; the number of
        replicas; the bound keywords of ``onsager`` with defaults; t_max)
    """
    kw = bound(**settings)
    setup, _, t_max = _checked(**kw)
    points = force_points(kw["method"], float(kw["force"]), kw["symmetric"],
                          kw["extrapolate"])
    runs = [RunParams.create(**{**setup, "t_measure": share * float(kw["t_measure"])},
                             F_rho=F_rho, F_u=F_u) for F_rho, F_u, share in points]
    return runs, int(kw["replicas"]), kw, t_max


def plan_onsager_point(point, pilots: Pilots, plan: PointPlan) -> None:
    """The planner of Onsager points: the runs of ``onsager_runs`` (times their
    replicas), measured through the rounds ``onsager`` takes towards a precision
    target."""
    runs, replicas, kw, t_max = onsager_runs(point.params())
    pilots_of = [pilots.run(params, 0) for params in runs]
    rel_err, t_measure = kw["rel_err"], float(kw["t_measure"])
    shares = [params.t_measure / t_measure for params in runs]
    plan.target = rel_err
    if kw["method"] == "fluctuation":
        pilot = pilots_of[0]
        block_time = float(kw["block_time"])
        rho = max(abs(pilot.correlation), 1e-3)

        def relative_errors(times):  # Wishart: the diagonal and off-diagonal entries
            n = max(times[0] / block_time - 1.0, 1.0) * replicas
            diagonal, off = math.sqrt(2.0 / n), math.sqrt((1.0 + rho**2) / n) / rho
            return {"L_rr": diagonal, "L_ru": off, "L_ur": off, "L_uu": diagonal}
    else:
        def relative_errors(times):  # the pilots' currents at these measured times
            measured = [(np.array([p.estimates[n][0] for n in ("J_rho", "J_u")]),
                         np.diag([p.error(n, t) ** 2 / replicas for n in ("J_rho", "J_u")]))
                        for p, t in zip(pilots_of, times)]
            values, covariance, _ = forces_entries(measured, kw["length"],
                                                   float(kw["force"]), kw["symmetric"],
                                                   kw["extrapolate"])
            with np.errstate(divide="ignore"):
                return dict(zip(ENTRIES, np.sqrt(np.diag(covariance)) / np.abs(values)))

        at_pilots = relative_errors([p.t_measured for p in pilots_of])
        plan.unresolved = {n: f"{n}'s relative error at the pilots' times above "
                              f"{UNRESOLVED:.0%}" for n, e in at_pilots.items()
                           if not e <= UNRESOLVED}
        plan.uncertain = tuple(n for n, e in at_pilots.items()
                               if n not in plan.unresolved and not e <= UNRESOLVED / 2)
    times = [t_measure * share for share in shares]
    for members, entries in measurement_groups(kw["method"], len(runs)):
        t = t_measure  # the rounds of ``onsager._measured``: the group's longest runs
        rough = [ENTRIES[e] for e in entries
                 if ENTRIES[e] in plan.unresolved or ENTRIES[e] in plan.uncertain]
        if rel_err and rough:  # a time from these would be anyone's guess
            plan.fallback = (f"{rough[0]}'s relative error at the pilots' times above "
                             f"{UNRESOLVED / 2:.0%}")
            t = t_max
            for i in members:
                times[i] = t * shares[i]
        while rel_err and t < t_max:
            errors = relative_errors(times)
            worst = max(errors[ENTRIES[e]] for e in entries)
            if worst <= rel_err:
                break
            t = next_time(t, (worst / rel_err) ** 2, True, t_max)
            for i in members:
                times[i] = t * shares[i]
    plan.errors = relative_errors(times)
    plan.unresolved.update({n: f"{n}'s expected relative error above {UNRESOLVED:.0%}"
                            for n, e in plan.errors.items()
                            if n not in plan.unresolved and not e <= UNRESOLVED})
    plan.drifting = any(pilot.drifting for pilot in pilots_of)
    plan.runs = [_run_cost(params.t_transient, t, pilot) for params, pilot, t in
                 zip(runs, pilots_of, times) for _ in range(replicas)]
    plan.measurement_seconds = plan.core_seconds - sum(
        _unscaled(params.t_transient, pilot) for params, pilot in zip(runs, pilots_of)) \
        * replicas

