"""The wall time of a plan on N workers, and the replicas that fit a wall-time limit.

``schedule(plan, workers, walltime)`` places the core-seconds of every point of a
``plan.Plan`` on ``workers`` workers by longest-processing-time-first list scheduling
(``makespan``): the jobs, longest first, each to the worker that is free first. A job is
one point, or one chain of a sweep with ``chain = "F_u"`` (``sweep``): a chain's points
continue each other, so they run one after the other on one worker. The wall time is
when the last worker finishes, plus one load of the compiled kernel
(``Plan.load_seconds``); LPT finishes within 4/3 of the shortest possible schedule.

A walltime (the longest a worker may run one point: a cluster job's limit) splits every
point that would run longer on one core into **replicas**: K independent runs of the
point (each with its own seed, combined as ``replicas.combine`` does), each measuring a
K-th of its time (``t_measure`` and ``t_max`` / K; a precision target rel_err x sqrt(K)
asks for a K-th of the time) and each paying **its own whole transient** (the simplest
honest choice: every replica starts from equilibrium). A replica then costs transient +
measurement / K core-seconds. A sweep's ``replicas`` are for all its points, so a part
(one sweep of a figure) is split as a whole: K is the least number that makes every one
of its points (every link of a chain) fit, and ``split_spec`` is the sweep to run. A
point whose transient alone exceeds the walltime, and a heat-engine or Onsager point
(their sweeps have no replicas; an Onsager point runs its runs in one process), cannot
be split: the plan reports it as not fitting, with the reason.

The least K that fits is not always the quickest: 66 jobs on 64 workers take two rounds.
A split part's K is therefore raised, up to twice the least, where that shortens the wall
time by more than ``MIN_GAIN`` while the extra replicas' transients add at most
``EXTRA_COST`` to the core-seconds (fig5's paper preset on 64 workers with a walltime of
24 h, its 11 points planned at about t_max: 5 replicas a point fit, 55 jobs in one round
of 23.7 h; 10 take two rounds of 10.9 h, 21.8 h, for 3.9% more core-hours). With several
split parts, each part's K is chosen in turn, the others' held.
"""

from __future__ import annotations

import heapq
import math
import re
from dataclasses import dataclass, field

from .params import ParameterError
from .plan import scaled_spec
from .point_kinds import KINDS
from .sweep import SweepSpec

#: more replicas than fit the walltime must shorten the wall time by more than this ...
MIN_GAIN = 0.05
#: ... and may add at most this fraction to the core-seconds (their own transients)
EXTRA_COST = 0.1

_WALLTIME = re.compile(r"(?:(\d+)-)?(\d+):(\d{2}):(\d{2})")


def parse_walltime(text) -> float:
    """Seconds of a walltime written ``HH:MM:SS`` (or SLURM's ``D-HH:MM:SS``).

    Raises
    ------
    ParameterError
        Naming ``walltime``: another form, minutes or seconds above 59, or zero.
    """
    match = _WALLTIME.fullmatch(str(text).strip())
    if match is None or int(match[3]) > 59 or int(match[4]) > 59:
        raise ParameterError("walltime", f"expected HH:MM:SS (or D-HH:MM:SS), got {text!r}")
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    total = ((24 * days + hours) * 60 + minutes) * 60 + seconds
    if total <= 0:
        raise ParameterError("walltime", f"must be longer than zero, got {text!r}")
    return float(total)


def format_walltime(seconds: float) -> str:
    """``HH:MM:SS`` of ``seconds`` (rounded up to a second; hours may exceed 24)."""
    seconds = math.ceil(seconds)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def check_workers(workers) -> int:
    """A number of workers: a positive integer, or a ParameterError naming ``workers``."""
    if isinstance(workers, bool) or not isinstance(workers, (int, float)) or \
            int(workers) != workers or workers < 1:
        raise ParameterError("workers", f"must be a positive integer, got {workers!r}")
    return int(workers)


def makespan(jobs, workers: int) -> float:
    """When the last of ``workers`` workers finishes ``jobs`` (seconds each), placed by
    longest-processing-time-first list scheduling."""
    free = [0.0] * min(int(workers), len(jobs))
    for job in sorted(jobs, reverse=True):
        heapq.heapreplace(free, free[0] + job)
    return max(free, default=0.0)


def split_spec(spec: SweepSpec, replicas: int) -> SweepSpec:
    """``spec`` with every point split into ``replicas`` replicas: its measured times
    (``t_measure``, ``t_max``) divided by ``replicas``, a precision target ``rel_err``
    times sqrt(``replicas``), transients whole, the sweep's replicas times ``replicas``."""
    scaled = scaled_spec(spec, 1.0 / replicas)
    return SweepSpec.from_dict({**scaled, "replicas": spec.replicas * replicas})


def _replicas_needed(point, walltime) -> tuple:
    """(K, None): the fewest replicas of ``point`` (a ``plan.PointPlan``) that each fit
    ``walltime``; or (1, why it cannot fit)."""
    if walltime is None or point.core_seconds <= walltime:
        return 1, None
    fixed = point.core_seconds - point.measurement_seconds
    hours = f"{point.core_seconds / 3600:.3g} h on one core"
    if not KINDS[point.kind].replicas:
        return 1, f"{hours}, and {KINDS[point.kind].noun} point cannot be split into replicas"
    if fixed >= walltime:
        return 1, f"its transient alone takes {fixed / 3600:.3g} h on one core"
    return math.ceil(point.measurement_seconds / (walltime - fixed)), None


@dataclass
class Schedule:
    """Where the points of a plan run: the split, the wall time, what does not fit.

    Attributes
    ----------
    workers : int
    walltime : float or None
        The longest a worker may run one point (seconds); None: no limit, no split.
    wall_seconds : float
        When the last worker finishes (a worker's kernel load included).
    core_seconds : float
        The points' core-seconds with the split's replicas (each its own transient).
    jobs : int
        Point replicas and chains placed on the workers.
    replicas : dict
        Part -> K, the replicas every point of it is split into (1: not split).
    fitting : dict
        Part -> the least K whose replicas fit the walltime (``replicas`` may be more:
        fewer rounds on the workers).
    wall_fitting, core_fitting : float
        The wall time and core-seconds with the ``fitting`` replicas.
    specs : dict
        Part -> the ``SweepSpec`` to run instead (``split_spec``), for the split parts.
    unfit : dict
        Point key -> one line: the point and why it does not fit the walltime.
    """

    workers: int
    walltime: float | None
    wall_seconds: float
    core_seconds: float
    jobs: int
    replicas: dict = field(default_factory=dict)
    fitting: dict = field(default_factory=dict)
    wall_fitting: float = 0.0
    core_fitting: float = 0.0
    specs: dict = field(default_factory=dict)
    unfit: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        """The JSON entries of the schedule (beside ``Plan.as_json``'s)."""
        return {"workers": self.workers, "wall_seconds": self.wall_seconds,
                "walltime": format_walltime(self.walltime) if self.walltime else None,
                "walltime_seconds": self.walltime, "jobs": self.jobs,
                "core_seconds_split": self.core_seconds, "replicas": self.replicas,
                "replicas_fitting": self.fitting,
                "wall_seconds_fitting": self.wall_fitting,
                "core_seconds_fitting": self.core_fitting,
                "split_specs": {part: spec.to_toml() for part, spec in self.specs.items()},
                "not_fitting": self.unfit}

    def lines(self) -> list:
        """The table's lines about the split, the wall time and what does not fit."""
        out = []
        for part, spec in self.specs.items():
            base = spec.base
            times = ", ".join(f"{name} {base[name]:.3g}" for name in
                              ("t_measure", "t_max", "rel_err") if base.get(name))
            out.append(f"split: part {part} into {self.replicas[part]} replicas a point "
                       f"(replicas = {spec.replicas}; each {times} and its own whole "
                       f"transient): run that spec (--json: split_specs)")
            if self.replicas[part] > self.fitting[part]:
                extra = self.core_seconds - self.core_fitting
                out.append(f"  {self.fitting[part]} replicas a point would fit the "
                           f"walltime; {self.replicas[part]} take "
                           f"{self.wall_seconds / 3600:.3g} h instead of "
                           f"{self.wall_fitting / 3600:.3g} h (fewer rounds on the "
                           f"workers) for {extra / 3600:.3g} more core-hours "
                           f"(+{extra / self.core_fitting:.1%}, their transients)")
        limit = f", walltime {format_walltime(self.walltime)}" if self.walltime else ""
        out.append(f"wall time on {self.workers} workers{limit}: "
                   f"{format_walltime(self.wall_seconds)} = {self.wall_seconds / 3600:.3g} h "
                   f"({self.jobs} jobs, longest first; "
                   f"{self.core_seconds / 3600:.3g} core-hours)")
        out += [f"does not fit the walltime: {line}" for line in self.unfit.values()]
        if self.walltime and self.wall_seconds > self.walltime:
            out.append("the wall time exceeds one walltime: the workers must be started "
                       "again (a point in flight resumes from its checkpoint)")
        return out


def schedule(plan, workers: int, walltime: float | None = None) -> Schedule:
    """The wall time of ``plan`` (a ``plan.Plan``) on ``workers`` workers, its points
    split into replicas that fit ``walltime`` (seconds). See the module docstring.

    Raises
    ------
    ParameterError
        Naming ``workers``: not a positive integer.
    """
    workers = check_workers(workers)
    todo = [p for p in plan.points if not p.done]
    fitting, unfit = {}, {}
    for part in dict.fromkeys(p.part for p in todo):
        needed = {p.key: (p, *_replicas_needed(p, walltime)) for p in todo if p.part == part}
        unfit.update({key: f"{p.part} {p.label}: {why}"
                      for key, (p, _, why) in needed.items() if why})
        fitting[part] = max(k for _, k, _ in needed.values())
    specs = {}
    for part, k in fitting.items():
        if k > 1:
            try:
                specs[part] = split_spec(plan.specs[part], k)
            except ParameterError as err:
                unfit[part] = f"part {part}: cannot be split {k} ways ({err})"

    def wall(replicas) -> float:
        costs = _job_costs(todo, replicas)
        return makespan(costs, workers) + (plan.load_seconds if costs else 0.0)

    replicas = dict(fitting)
    core_fitting = sum(_job_costs(todo, fitting))
    for part in specs:  # more replicas where they save a round
        for k in range(fitting[part] + 1, 2 * fitting[part] + 1):
            trial = {**replicas, part: k}
            if sum(_job_costs(todo, trial)) > (1.0 + EXTRA_COST) * core_fitting:
                break
            if wall(trial) < (1.0 - MIN_GAIN) * wall(replicas):
                try:
                    specs[part] = split_spec(plan.specs[part], k)
                except ParameterError:  # rel_err x sqrt(k) too large: so for more
                    break
                replicas = trial
    costs = _job_costs(todo, replicas)
    return Schedule(workers=workers, walltime=walltime, wall_seconds=wall(replicas),
                    core_seconds=sum(costs), jobs=len(costs), replicas=replicas,
                    fitting=fitting, wall_fitting=wall(fitting), core_fitting=core_fitting,
                    specs=specs, unfit=unfit)


def _job_costs(todo, replicas) -> list:
    """The core-seconds of every job: each replica (``replicas``: part -> K) of a point,
    or of a chain, its points one after the other; each replica with its own transient."""
    jobs = {}  # a chain (its first point's key) or a point -> (replicas, core-seconds)
    for p in todo:
        k = replicas[p.part]
        cost = p.core_seconds - p.measurement_seconds * (1.0 - 1.0 / k)
        count, total = jobs.get(p.chain or p.key, (k, 0.0))
        jobs[p.chain or p.key] = (count, total + cost)
    return [total for count, total in jobs.values() for _ in range(count)]
