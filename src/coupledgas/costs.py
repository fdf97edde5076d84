"""What the points of some sweeps cost: each priced by its kind's planner, the whole
printed as a table or JSON, and what finished points really took.

``plan`` asks each point's kind for its planner (``point_kinds.PointKind.planner``,
``point_plans``) and gathers the ``PointPlan`` entries into a ``Plan``; done points
cost nothing. The model and its assumptions: ``coupledgas.plan``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .files import netcdf_attrs
from .pilots import PILOT_CAP_SECONDS, Pilots
from .point_kinds import KINDS
from .point_plans import PointPlan
from .sweep_files import point_path
from .sweep_spec import SweepSpec

SECONDS_PER_HOUR = 3600.0


@dataclass
class Plan:
    """The plan of every point of some sweeps; ``table()`` and ``as_json()`` print it.

    Attributes
    ----------
    points : list of PointPlan
    pilot_seconds : float
        CPU seconds the pilots took.
    scale : float
        The budget's factor on the measured times (1: as specified).
    budget : float or None
        The budget (core-hours).
    load_seconds : float
        CPU seconds a worker process spends loading the compiled kernel before its
        first point (not in the total: once per worker, not per point).
    specs : dict
        Part -> its ``SweepSpec`` (as planned: scaled to the budget).
    pilots_reused : int
        Pilots taken from the pilot cache (``Pilots``) instead of run.
    schedule : schedule.Schedule or None
        The wall time on some workers and the split into replicas (``schedule``).
    """

    points: list
    pilot_seconds: float = 0.0
    scale: float = 1.0
    budget: float | None = None
    load_seconds: float = 0.0
    specs: dict = field(default_factory=dict)
    pilots_reused: int = 0
    schedule: object = None

    @property
    def core_seconds(self) -> float:
        return sum(p.core_seconds for p in self.points)

    @property
    def core_hours(self) -> float:
        return self.core_seconds / SECONDS_PER_HOUR

    @property
    def events(self) -> float:
        return sum(p.events for p in self.points)

    def as_json(self) -> dict:
        """One JSON-able object: ``core_hours`` (the total) and ``points``; with a
        schedule also ``wall_seconds``, ``workers``, ``walltime``, the ``replicas`` of
        every part and point and the ``split_specs`` to run (``Schedule.as_json``)."""
        points = [p.as_dict() for p in self.points]
        scheduled = {}
        if self.schedule is not None:
            scheduled = self.schedule.as_json()
            for entry in points:
                entry["replicas"] = 1 if entry["done"] else scheduled["replicas"][entry["part"]]
        return {"core_hours": self.core_hours, "core_seconds": self.core_seconds,
                "events": self.events, "points_total": len(self.points),
                "points_done": sum(p.done for p in self.points),
                "pilot_seconds": self.pilot_seconds, "pilots_reused": self.pilots_reused,
                "budget_core_hours": self.budget,
                "load_seconds_per_worker": self.load_seconds,
                "scale": self.scale, **scheduled, "points": points}

    def table(self) -> str:
        """One line per point and the totals."""
        head = (f"{'part':10s} {'point':34s} {'runs':>4s} {'t_trans':>8s} {'t_meas':>9s} "
                f"{'events':>9s} {'core-s':>8s}  expected relative errors")
        lines = [head]
        for p in self.points:
            if p.done:
                lines.append(f"{p.part:10s} {p.label:34s} {'':>4s} {'':>8s} {'':>9s} "
                             f"{'':>9s} {0.0:8.1f}  done")
                continue
            t_meas = max(r.t_measure for r in p.runs)
            mark = "+" if p.fallback else "*" if p.target else " "
            errors = ", ".join(p.error_text(k) for k in p.errors)
            lines.append(f"{p.part:10s} {p.label:34s} {len(p.runs):4d} "
                         f"{p.runs[0].t_transient:8.3g} {t_meas:8.3g}{mark} "
                         f"{p.events:9.3g} {p.core_seconds:8.1f}{'!' if p.drifting else ' '} "
                         f"{errors}")
        done = sum(p.done for p in self.points)
        lines.append(f"total: {len(self.points)} points ({done} done), {self.events:.3g} "
                     f"events, {self.core_seconds:,.0f} core-seconds = "
                     f"{self.core_hours:.3g} core-hours (pilots took "
                     f"{self.pilot_seconds:.1f} s"
                     f"{f'; {self.pilots_reused} from the cache' if self.pilots_reused else ''})")
        if self.load_seconds:
            lines.append(f"plus about {self.load_seconds:.1f} core-seconds per worker "
                         f"process, loading the compiled kernel")
        if any(p.drifting for p in self.points):
            lines.append("! the event rate was still changing at the end of the pilot's "
                         "transient: the cost may be much higher")
        if any(p.uncertain for p in self.points):
            lines.append("? the pilot's value is within two errors of zero: a rough "
                         "relative error")
        if any(p.target and not p.fallback for p in self.points):
            lines.append("* measured time estimated for the precision target rel_err")
        if any(p.fallback for p in self.points):
            lines.append(f"+ precision target out of the pilot's reach (a target current "
                         f"within 2 sigma of 0 in a pilot of up to {PILOT_CAP_SECONDS:g} CPU "
                         f"s): planned at t_max, where the run stops at the latest")
        if self.budget is not None:
            lines.append(f"budget {self.budget:g} core-hours: every measured time x "
                         f"{self.scale:g}, transients whole")
        if self.schedule is not None:
            lines += self.schedule.lines()
        return "\n".join(lines)


def plan(parts: dict, pilots: Pilots | None = None, done=True) -> Plan:
    """The cost of every point of some sweeps, from pilot runs on this machine.

    Parameters
    ----------
    parts : dict
        Name -> ``(spec, out)`` as in ``sweep.sweeps``: a spec (``SweepSpec``, dict or
        TOML path) and its sweep directory, where finished points count as done.
    pilots : Pilots, optional
        Pilots already run (shared with another plan of the same points).
    done : bool
        Whether finished points count as done (else every point is priced).

    Returns
    -------
    Plan
        Per point: runs, times (time units), events, core-seconds and the expected
        relative errors; totals in core-hours. The model: ``coupledgas.plan``.
    """
    pilots = Pilots() if pilots is None else pilots
    before, reused = pilots.cpu_seconds, pilots.reused
    points, specs = [], {}
    for part, (spec, out) in parts.items():
        spec = specs[part] = SweepSpec.load(spec)
        for point in spec.points():
            varied = {k: v for k, v in point.settings.items()
                      if k not in spec.base or spec.base[k] != v}
            if point.replicated:
                varied["replica"] = point.replica
            first = point
            while first.previous is not None:
                first = first.previous
            entry = PointPlan(part=part, kind=point.kind, varied=varied, key=point.key(),
                              reported=KINDS[point.kind].reported,
                              chain=first.key() if point.chained else None)
            entry.done = done and point_path(out, point).exists()
            if not entry.done:
                KINDS[point.kind].planner(point, pilots, entry)
            points.append(entry)
    return Plan(points=points, pilot_seconds=pilots.cpu_seconds - before,
                load_seconds=pilots.load_seconds, specs=specs,
                pilots_reused=pilots.reused - reused)


def actual_core_seconds(parts: dict) -> dict:
    """Point key -> the CPU seconds its run took (``point_cpu_seconds`` of its file),
    for the finished points of ``parts`` that recorded it."""
    out = {}
    for _, (spec, path) in parts.items():
        for point in SweepSpec.load(spec).points():
            file = point_path(path, point)
            if file.exists():
                attrs = netcdf_attrs(file)
                if "point_cpu_seconds" in attrs:
                    out[point.key()] = float(attrs["point_cpu_seconds"])
    return out

