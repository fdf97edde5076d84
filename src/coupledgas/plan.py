"""What a sweep or a figure will cost before it runs, and what precision a budget buys.

``plan(parts)`` prices every point of one or more sweeps (``sweep.SweepSpec``) from short
pilot runs on this machine; ``fit_budget(parts, core_hours)`` scales every point's
measured time by one common factor so that the plan fits a budget.

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
shorter: see ``_run_pilot``) is the steady state's, and holds during the transient too
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
its CPU seconds doubled a step: ``_stretched``) while one of the target's currents is
within ``RESOLVED_SIGMAS`` errors of zero, up to ``PILOT_CAP_SECONDS``. A precision
target whose currents even that pilot knows to less than two errors
(``Pilot.unresolved(name, 2)``) would get a time that is anyone's guess (the square of a
ratio the pilot hardly knows): it is planned at ``t_max``, where the run stops at the
latest (``PointPlan.fallback`` says why, and how long the pilot measured). ``schedule``
turns the core-seconds into a wall time on N workers and splits the points that exceed a
walltime into replicas.

A budget scales every point's measured time t_measure (and t_max; a precision target
``rel_err`` becomes rel_err / sqrt(s), which asks for s times the time) by one factor s
and keeps the transients whole: s = (budget - transients) / (measurements), refined
(the fixed costs do not scale) and rounded down to three digits. The factor chosen for
a sweep directory is recorded there (``budget.json``) and reused when the same budget
is given again, so that an interrupted budgeted sweep resumes its points instead of
re-planning them under another factor.
"""

from __future__ import annotations

import inspect
import json
import math
import os
import platform
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from ._version import __version__
from .files import write_text
from .heat_engine import heat_engine
from .observables import block_estimate
from .onsager import (
    ENTRIES,
    _checked,
    bound,
    force_points,
    forces_entries,
    measurement_groups,
    next_time,
    onsager,
)
from .params import ParameterError, RunParams, positive
from .simulate import N_BLOCKS, Run, transferred
from .sweep import SweepSpec, digest, point_path

#: CPU seconds of one pilot run (and an engine point's pilot)
PILOT_SECONDS = 0.5
#: events of the probe that sizes a pilot
PROBE_EVENTS = 1e5
#: a pilot measures at least this many blocks
MIN_PILOT_BLOCKS = 32
#: a pilot's transient ends where the event rate changed less than this fraction
#: between the last two doublings of the time ...
STEADY = 0.1
#: ... or after this many times its planned CPU seconds
PILOT_STRETCH = 8.0
#: a pilot whose precision-target currents are within this many errors of zero goes on
#: measuring (its CPU seconds doubled a step) until they are not ...
RESOLVED_SIGMAS = 3.0
#: ... or until this many CPU seconds. At L = 1280 (about 250 time units per CPU second)
#: 60 s measure some 1.5e4 time units; a current that is still within 3 errors of zero
#: then needs more than 1.5e4 (1 / (3 x 0.005))^2 = 7e7 time units for the paper's 0.5%,
#: close to its t_max = 1e8, where such a target is planned anyway: longer pilots would
#: change little. The pilot cache makes it a one-off cost (fig5's 11: 11 minutes).
PILOT_CAP_SECONDS = 60.0
#: the estimates each kind of point reports (relative errors)
REPORTED = {"run": ("J_rho", "J_u"), "engine": ("J_circ", "power"),
            "onsager": ("L_rr", "L_ru", "L_ur", "L_uu")}
#: a relative error above this is reported as unresolved (an Onsager entry's at the
#: pilots' times, any estimate's at the planned times); above half of it, as rough
UNRESOLVED = 1.0
#: settings that do not change a run's event rate or speed (pilots ignore them)
UNPRICED = ("t_transient", "t_measure", "t_max", "rel_err", "seed", "replica")
SECONDS_PER_HOUR = 3600.0


@dataclass(frozen=True)
class Pilot:
    """A short run of a point's channel on this machine.

    Attributes
    ----------
    events_per_time : float
        Events per unit of simulated time after the pilot's transient.
    events_per_second : float
        Events per CPU second (this machine, this size).
    t_measured : float
        The pilot's measured time (time units).
    estimates : dict
        Name -> (value, standard error over ``t_measured``).
    correlation : float
        Correlation of the J_rho and J_u block means (for the noise matrix).
    fixed_seconds : float
        CPU seconds to start a run and make its Dataset.
    drifting : bool
        Its event rate was still changing when its transient had to end.
    cpu_seconds : float
        What the pilot cost (probe included; while ``_run_pilot`` stretches it: the CPU
        seconds of its run).
    """

    events_per_time: float
    events_per_second: float
    t_measured: float
    estimates: dict
    correlation: float = 0.0
    fixed_seconds: float = 0.0
    drifting: bool = False
    cpu_seconds: float = 0.0

    def error(self, name, t) -> float:
        """Standard error of ``name`` after a measured time ``t`` (error ~ 1/sqrt(t))."""
        return self.estimates[name][1] * math.sqrt(self.t_measured / t)

    def relative_error(self, name, t) -> float:
        """Relative error of ``name`` after a measured time ``t`` (error ~ 1/sqrt(t));
        inf where the pilot's value is zero."""
        value = self.estimates[name][0]
        return self.error(name, t) / abs(value) if value else math.inf

    def significant(self, name) -> bool:
        """Whether the pilot's value of ``name`` is at least twice its error: else its
        relative errors (and a target's time) rest on a value the pilot hardly knows."""
        return self.unresolved(name, 2) is None

    def unresolved(self, name, sigmas=1) -> str | None:
        """Why the pilot cannot resolve ``name`` (its value is within ``sigmas`` errors of
        zero, or it has no error), or None where it can."""
        value, error = self.estimates[name]
        if not (math.isfinite(value) and error > 0 and math.isfinite(error)):
            return f"{name} has no error estimate in the pilot"
        if abs(value) <= sigmas * error:
            return f"{name} within {sigmas:g} sigma of 0 in the pilot"
        return None


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
        ``sweep.KINDS``.
    varied : dict
        The settings its axes give it (and ``replica``).
    key : str
        Its file's name (``SweepPoint.key``).
    done : bool
        Its file exists: cost 0.
    runs : list of RunPlan
        Its runs (empty when done).
    target : float or None
        Its precision target ``rel_err``.
    errors : dict
        Name -> expected relative error at the planned times (``REPORTED``).
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
        The key of the first point of its chain (``sweep.SweepPoint.previous``): the
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


def _short(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _percent(value) -> str:
    if not math.isfinite(value):
        return "-"
    return f"{100 * value:.2g}%"


def _finite(value):
    return value if math.isfinite(value) else None


# --- pilots ---

class Pilots:
    """Pilot runs by what sets a run's event rate and speed: each is run once.

    Parameters
    ----------
    seconds : float
        CPU seconds of a pilot.
    cache : path, optional
        A JSON file of pilots (``pilot_cache()``; None: memory only). A pilot found
        there, of the same channel and forces, the same pilot settings, package version
        and machine, is not run again; every new one is added to it (atomically), so
        that a second plan of the same points takes seconds.
    """

    def __init__(self, seconds=PILOT_SECONDS, cache=None):
        self.seconds = positive("pilot_seconds", seconds)
        self.file = None if cache is None else Path(cache)
        self.cache = {}
        self.cpu_seconds = 0.0
        #: pilots taken from the cache file
        self.reused = 0
        self.warm = set()
        #: CPU seconds of the first warm-up: what a new worker process spends loading
        #: the compiled kernel before its first point
        self.load_seconds = 0.0
        #: what makes a pilot's result beside its channel (part of its cache key)
        self.settings = {"seconds": self.seconds, "probe_events": PROBE_EVENTS,
                         "min_blocks": MIN_PILOT_BLOCKS, "steady": STEADY,
                         "stretch": PILOT_STRETCH, "resolved_sigmas": RESOLVED_SIGMAS,
                         "cap": PILOT_CAP_SECONDS, "version": __version__,
                         "machine": platform.node()}
        self.saved = _read_cache(self.file)

    def run(self, params: RunParams, n_bins: int, resolve=()) -> Pilot:
        """The pilot of a run of ``params`` with ``n_bins`` profile bins, stretched until
        it resolves the currents ``resolve`` (a precision target's; ``_stretched``)."""
        identity = {k: v for k, v in params.identity().items() if k not in UNPRICED}
        return self._pilot({"run": identity, "bins": n_bins, "resolve": list(resolve)},
                           n_bins, lambda: _warm_up(params, n_bins),
                           lambda: _run_pilot(params, n_bins, self.seconds, resolve))

    def engine(self, settings: dict) -> Pilot:
        """The pilot of an engine point (``heat_engine``'s keywords)."""
        return self._pilot(
            {"engine": {k: v for k, v in settings.items() if k not in UNPRICED}}, "engine",
            lambda: heat_engine(**{**settings, "t_transient": 0.0, "t_measure": 1.0}),
            lambda: _engine_pilot(settings, self.seconds))

    def _pilot(self, what: dict, kernel, warm_up, measure) -> Pilot:
        """The pilot of ``what``: in memory, in the cache file, or run (by ``measure``,
        after ``warm_up`` has loaded the ``kernel`` it uses, outside its time)."""
        key = digest({**what, "pilot": self.settings})
        load_key = digest({"load": self.settings})
        if key not in self.cache and key in self.saved["pilots"]:
            self.cache[key] = self.saved["pilots"][key]
            self.reused += 1
            self.load_seconds = self.load_seconds or self.saved["loads"].get(load_key, 0.0)
        if key not in self.cache:
            if kernel not in self.warm:  # load the compiled kernel before timing it
                before = self.cpu_seconds
                self._measured(warm_up)
                if not self.warm:
                    self.load_seconds = self.cpu_seconds - before
                    self.saved["loads"][load_key] = self.load_seconds
                self.warm.add(kernel)
            self.cache[key] = self.saved["pilots"][key] = self._measured(measure)
            self._write(key, load_key)
        return self.cache[key]

    def _write(self, key, load_key) -> None:
        """Add the pilot ``key`` (and the kernel's load) to the cache file, with what
        other plans wrote there meanwhile."""
        if self.file is None:
            return
        current = _read_cache(self.file)
        current["pilots"][key] = self.saved["pilots"][key]
        if load_key in self.saved["loads"]:
            current["loads"][load_key] = self.saved["loads"][load_key]
        self.file.parent.mkdir(parents=True, exist_ok=True)
        write_text(self.file, json.dumps({
            "pilots": {k: asdict(pilot) for k, pilot in current["pilots"].items()},
            "loads": current["loads"]}))

    def _measured(self, function):
        started = time.process_time()
        pilot = function()
        spent = time.process_time() - started
        self.cpu_seconds += spent
        return replace(pilot, cpu_seconds=spent) if isinstance(pilot, Pilot) else None


def pilot_cache() -> Path:
    """The pilot cache file of the command line: ``pilots.json`` in the folder that the
    environment variable ``COUPLEDGAS_CACHE_DIR`` names, else in ``coupledgas`` under
    ``XDG_CACHE_HOME`` (default ``~/.cache``). Delete it to pilot anew."""
    folder = os.environ.get("COUPLEDGAS_CACHE_DIR")
    if not folder:
        folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "coupledgas"
    return Path(folder) / "pilots.json"


def _read_cache(file) -> dict:
    """The pilots (key -> ``Pilot``) and kernel loads (key -> seconds) in a cache file;
    none where it is missing or unreadable (entries of another form are skipped)."""
    out = {"pilots": {}, "loads": {}}
    try:
        saved = json.loads(Path(file).read_text()) if file is not None else {}
        out["loads"] = {k: float(v) for k, v in saved.get("loads", {}).items()}
        pilots = dict(saved.get("pilots", {}))
    except (OSError, ValueError, TypeError, AttributeError):
        return out
    for key, entry in pilots.items():
        try:
            out["pilots"][key] = Pilot(**{**entry, "estimates": {
                name: tuple(value) for name, value in entry["estimates"].items()}})
        except (TypeError, KeyError, AttributeError):
            continue
    return out


def _warm_up(params: RunParams, n_bins: int) -> None:
    """A run of a few events: numba loads (or compiles) the kernel, and xarray its
    machinery, outside the pilots."""
    Run.start(replace(params, t_transient=0.0, t_measure=1e-3), n_bins=n_bins).advance() \
        .dataset()


def _run_pilot(params: RunParams, n_bins: int, seconds: float, resolve=()) -> Pilot:
    """Probe the event rate, then run a pilot of about ``seconds`` CPU seconds: a
    transient, then a measurement of at least ``MIN_PILOT_BLOCKS`` blocks, continued
    where it leaves a current of ``resolve`` within ``RESOLVED_SIGMAS`` errors of zero
    (``_stretched``, up to ``PILOT_CAP_SECONDS``).

    The transient is the point's own, or shorter: it ends at half the pilot's planned
    simulated time if the event rate has settled there (within ``STEADY`` between the
    last two doublings of the time), else at the next doubling where it has, at the
    point's transient, or after ``PILOT_STRETCH`` times ``seconds`` (the pilot is then
    marked ``drifting``: its rate may still change, as when lossy bounces pile the
    channel up). The pilot's blocks are the point's own (t_measure / 1024) where that
    leaves it ``MIN_PILOT_BLOCKS`` of them, so that it stops its kernel as often per
    event as the point will (a block's snapshot weighs more in a short run); shorter
    otherwise. All times are the process's CPU time.
    """
    guess = 5.0 * (params.n_rods + max(params.n_bullets, 0) + 4.5 * params.length)
    probe = replace(params, t_transient=0.0, t_measure=PROBE_EVENTS / guess)
    started = time.process_time()
    run = Run.start(probe, n_bins=n_bins).advance()
    speed = run.events / max(time.process_time() - started, 1e-3)
    total = seconds * speed / (run.events / probe.t_measure)  # the pilot's simulated time
    check = min(params.t_transient, 0.5 * total)
    block = min(params.t_measure / N_BLOCKS, 0.5 * total / MIN_PILOT_BLOCKS)
    started = time.process_time()
    run = Run.start(replace(params, t_measure=block * N_BLOCKS), n_bins=n_bins)
    fixed = time.process_time() - started
    started, history, drifting = time.process_time(), [(0.0, 0)], False
    while not run.snapshots["time"]:  # the transient
        run.advance_block()
        history.append((run.state.clock, run.events))
        if run.state.clock < check or run.snapshots["time"]:
            continue
        clock = np.array(history)
        at = np.interp([check / 4, check / 2, check], clock[:, 0], clock[:, 1])
        earlier, later = 4 * (at[1] - at[0]) / check, 2 * (at[2] - at[1]) / check
        drifting = not abs(later - earlier) <= STEADY * later
        if not drifting or time.process_time() - started > PILOT_STRETCH * seconds:
            run.params = replace(run.params, t_transient=run.state.clock)  # ends it here
        check *= 2
    drifting = drifting and run.params.t_transient < params.t_transient  # cut short
    after_transient = run.events
    measuring = time.process_time()
    while run.n_blocks < MIN_PILOT_BLOCKS or (
            time.process_time() - measuring < 0.5 * seconds and run.n_blocks < N_BLOCKS):
        run.advance_block()
    cpu = time.process_time() - started
    made = time.process_time()
    run.dataset()  # what a point's Dataset costs (and its bookkeeping check)
    fixed += time.process_time() - made

    def so_far() -> Pilot:
        moved = transferred(np.diff(np.array(run.snapshots["flows"]), axis=0))
        series = [moved[key].mean(axis=-1) / run.block_length
                  for key in ("particles", "energy")]
        # a pilot is shorter than the relaxation time at large L: its own blocking level
        # (the runs' errors with blocks of L^2 / 2 are smaller, 1.35x at L = 80)
        estimates = {name: (float(est.mean), float(est.error)) for name, est in (
            (name, block_estimate(values)) for name, values in zip(("J_rho", "J_u"), series))}
        correlation = np.corrcoef(*series)[0, 1]
        return Pilot(events_per_time=(run.events - after_transient) / run.measured_time,
                     events_per_second=run.events / max(cpu, 1e-3),
                     t_measured=run.measured_time, estimates=estimates,
                     correlation=float(np.nan_to_num(correlation)), fixed_seconds=fixed,
                     drifting=drifting, cpu_seconds=cpu)

    def more(seconds_more) -> Pilot:
        nonlocal cpu
        going_on = time.process_time()
        run.advance_block()
        while time.process_time() - going_on < seconds_more:
            run.advance_block()
        cpu += time.process_time() - going_on
        return so_far()

    return _stretched(so_far(), more, resolve, PILOT_CAP_SECONDS)


def _stretched(pilot: Pilot, more, names, cap) -> Pilot:
    """A pilot measured on until it resolves ``names``, or until its cap.

    Parameters
    ----------
    pilot : Pilot
        The pilot so far (``cpu_seconds``: what its run has taken).
    more : callable
        ``more(seconds)`` continues the same run for about ``seconds`` more CPU seconds
        (at least one block) and returns the pilot so far.
    names : tuple
        The currents to resolve (a precision target's): each must be more than
        ``RESOLVED_SIGMAS`` errors from zero.
    cap : float
        CPU seconds after which the pilot stops, resolved or not.

    Returns
    -------
    Pilot
        The first pilot that resolves ``names``, or the one at the cap. Each step
        doubles the CPU seconds (so that the time a current needs is overshot by at most
        2x), the last one up to the cap.
    """
    while pilot.cpu_seconds < cap and any(pilot.unresolved(n, RESOLVED_SIGMAS) for n in names):
        pilot = more(min(pilot.cpu_seconds, cap - pilot.cpu_seconds))
    return pilot


def _engine_pilot(settings: dict, seconds: float) -> Pilot:
    """A short engine run: CPU seconds per unit of simulated time (reservoir updates
    included), as events per time unit and events per second, and its errors.

    The pilot measures at least 1024 slices (``heat_engine`` cuts its measured time into
    1024 blocks, a block into slices of at most ``slice_time``): shorter ones would
    update the reservoirs more often per unit time than the point does.
    """
    defaults = _defaults(heat_engine)
    t_transient = float(settings.get("t_transient", defaults["t_transient"]))
    t_measure = float(settings.get("t_measure", defaults["t_measure"]))
    slices = N_BLOCKS * float(settings.get("slice_time", defaults["slice_time"]))
    started = time.process_time()
    probe = min(t_measure, slices)
    heat_engine(**{**settings, "t_transient": 0.0, "t_measure": probe})
    per_time = max(time.process_time() - started, 1e-3) / probe  # CPU s per time unit
    total = seconds / per_time
    transient = min(t_transient, 0.5 * total)
    measure = min(max(total - transient, slices), t_measure)
    started = time.process_time()
    ds = heat_engine(**{**settings, "t_transient": transient, "t_measure": measure})
    cpu = max(time.process_time() - started, 1e-3)
    simulated = ds.attrs["t_transient"] + ds.attrs["t_measure"]
    estimates = {name: (float(ds[name]), float(ds[name + "_err"]))
                 for name in REPORTED["engine"]}
    return Pilot(events_per_time=ds.attrs["events"] / simulated,
                 events_per_second=ds.attrs["events"] / cpu,
                 t_measured=ds.attrs["t_measure"], estimates=estimates)


def _defaults(function) -> dict:
    return {n: p.default for n, p in inspect.signature(function).parameters.items()}


# --- points ---

def _run_cost(t_transient, t, pilot: Pilot) -> RunPlan:
    """A run of ``t_transient`` and a measured time ``t``: events and core-seconds."""
    events = (t_transient + t) * pilot.events_per_time
    seconds = events / pilot.events_per_second + (pilot.fixed_seconds if t > 0 else 0.0)
    return RunPlan(t_transient, t, events, seconds)


def _unscaled(t_transient, pilot: Pilot) -> float:
    """The core-seconds of a run that do not grow with its measured time: its transient
    and its fixed costs."""
    return _run_cost(t_transient, 0.0, pilot).core_seconds + pilot.fixed_seconds


def _target_time(pilot: Pilot, names, rel_err, t_measure, t_max) -> tuple:
    """(the measured time at which the slowest of ``names`` reaches ``rel_err``, None);
    or (``t_max``, why) where the pilot's value of one of them is within two errors of
    zero (after its stretch, ``_stretched``), so that the time it would give is anyone's
    guess."""
    why = next((why for n in names if (why := pilot.unresolved(n, 2))), None)
    if why:
        return float(t_max), (f"{why} after {pilot.t_measured:.3g} time units "
                              f"({pilot.cpu_seconds:.3g} CPU s; a pilot stops at "
                              f"{PILOT_CAP_SECONDS:g} s)")
    needed = max(pilot.t_measured * (pilot.relative_error(n, pilot.t_measured) / rel_err) ** 2
                 for n in names)
    return float(min(max(needed, t_measure), t_max)), None


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


def _plan_run_point(point, pilots: Pilots, plan: PointPlan):
    params, options = point.params(), point.options()
    names = ("J_rho", "J_u") if params.bullet_walls == "exchange" else ("J_u",)
    pilot = pilots.run(params, options["n_bins"], names if options["rel_err"] else ())
    t = params.t_measure
    if options["rel_err"]:
        plan.target = options["rel_err"]
        t_max = options["t_max"] or 100.0 * t
        t, plan.fallback = _target_time(pilot, names, options["rel_err"], t, t_max)
    plan.runs = [_run_cost(params.t_transient, t, pilot)]
    plan.measurement_seconds = plan.core_seconds - _unscaled(params.t_transient, pilot)
    plan.errors = {n: pilot.relative_error(n, t) for n in REPORTED["run"]}
    _resolved(plan, pilot, REPORTED["run"])
    plan.drifting = pilot.drifting


def _plan_engine_point(point, pilots: Pilots, plan: PointPlan):
    settings = point.params()
    defaults = _defaults(heat_engine)
    pilot = pilots.engine(settings)
    t_measure = float(settings.get("t_measure", defaults["t_measure"]))
    t_transient = float(settings.get("t_transient", defaults["t_transient"]))
    plan.runs = [_run_cost(t_transient, t_measure, pilot)]
    plan.measurement_seconds = plan.core_seconds - _unscaled(t_transient, pilot)
    plan.errors = {n: pilot.relative_error(n, t_measure) for n in REPORTED["engine"]}
    _resolved(plan, pilot, REPORTED["engine"])


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


def _plan_onsager_point(point, pilots: Pilots, plan: PointPlan):
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


PLANNERS = {"run": _plan_run_point, "engine": _plan_engine_point,
            "onsager": _plan_onsager_point}


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
        relative errors; totals in core-hours. See the module docstring for the model.
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
                              chain=first.key() if point.chained else None)
            entry.done = done and point_path(out, point).exists()
            if not entry.done:
                PLANNERS[point.kind](point, pilots, entry)
            points.append(entry)
    return Plan(points=points, pilot_seconds=pilots.cpu_seconds - before,
                load_seconds=pilots.load_seconds, specs=specs,
                pilots_reused=pilots.reused - reused)


# --- budgets ---

def scaled_spec(spec: SweepSpec, scale: float) -> dict:
    """``spec`` as a dict with every measured time (t_measure, t_max) times ``scale`` and
    every precision target rel_err / sqrt(scale); transients untouched."""
    kind = spec.kind
    if kind == "run":
        default = _defaults(RunParams.create)["t_measure"]
    else:
        default = _defaults(heat_engine if kind == "engine" else onsager)["t_measure"]
    base = dict(spec.base)
    axes = {k: list(v) for k, v in spec.axes.items()}
    zipped = {k: {n: list(v) for n, v in g.items()} for k, g in spec.zipped.items()}

    def rescale(name, value):
        if name in ("t_measure", "t_max"):
            return float(value) * scale
        if name == "rel_err" and value is not None:
            if not float(value) / math.sqrt(scale) < 1:
                raise ParameterError("budget", f"too small: the measured times x {scale:g} "
                                     f"make the precision target rel_err = {value:g} "
                                     f"{float(value) / math.sqrt(scale):.3g}, not below 1")
            return float(value) / math.sqrt(scale)
        return value

    for table in [base, axes] + list(zipped.values()):
        for name, value in table.items():
            table[name] = [rescale(name, v) for v in value] if isinstance(value, list) \
                else rescale(name, value)
    varied = set(axes) | {n for g in zipped.values() for n in g}
    if "t_measure" not in base and "t_measure" not in varied:
        base["t_measure"] = float(default) * scale
    out = {"kind": kind, "replicas": spec.replicas, "base": base, "axes": {**axes, **zipped}}
    if spec.chain:
        out.update(chain=spec.chain, chain_transient=spec.chain_transient)
    return out


def scaled_parts(parts: dict, scale: float) -> dict:
    """``parts`` with every spec's measured times scaled (``scaled_spec``); a spec that
    the scaling makes invalid is a ParameterError naming ``budget``."""
    out = {}
    for name, (spec, path) in parts.items():
        try:
            out[name] = (SweepSpec.from_dict(scaled_spec(SweepSpec.load(spec), scale)), path)
        except ParameterError as err:
            if err.name == "budget":
                raise
            raise ParameterError("budget", f"the measured times x {scale:g} make the "
                                 f"spec invalid ({err})") from None
    return out


def check_budget(core_hours) -> float:
    """A budget in core-hours: a positive, finite number, or a ParameterError."""
    return positive("budget", core_hours)


def fit_budget(parts: dict, core_hours, record=None, pilots: Pilots | None = None):
    """Scale every point's measured time by one factor so that the plan fits a budget.

    Parameters
    ----------
    parts : dict
        As for ``plan``.
    core_hours : float
        The budget (CPU core-hours for all the points, done ones included).
    record : path, optional
        A JSON file keeping the factor chosen for this budget and these specs: given
        again, the same factor is used (so that finished points are found again) and
        none is chosen anew. Written when ``write`` is called on the result.
    pilots : Pilots, optional

    Returns
    -------
    (dict, Plan, Budget)
        The scaled parts, their plan (done points cost 0) and the ``Budget`` (factor and
        where it is recorded).

    Raises
    ------
    ParameterError
        Naming ``budget``: not a positive number, or smaller than the transients alone.
    """
    core_hours = check_budget(core_hours)
    pilots = Pilots() if pilots is None else pilots
    specs = {name: SweepSpec.load(spec) for name, (spec, _) in parts.items()}
    parts = {name: (specs[name], path) for name, (_, path) in parts.items()}
    identity = digest({"budget": core_hours,
                       "specs": {name: spec.to_toml() for name, spec in specs.items()}})
    recorded = _recorded(record, identity)
    started = pilots.cpu_seconds
    if recorded is not None:
        scale = recorded
    else:
        # the whole plan, as if no point were done: the budget is for all of them
        full = plan(parts, pilots, done=False)
        transients = full.core_seconds - sum(p.measurement_seconds for p in full.points)
        measurements = full.core_seconds - transients
        budget_seconds = core_hours * SECONDS_PER_HOUR
        if budget_seconds <= transients or measurements <= 0:
            raise ParameterError("budget", f"{core_hours:g} core-hours does not cover the "
                                 f"transients alone ({transients / SECONDS_PER_HOUR:.3g} "
                                 f"core-hours)")

        def cost(scale):
            return plan(scaled_parts(parts, scale), pilots, done=False).core_seconds

        # the blocks make the cost not quite linear in the factor: a few secant steps
        scale = _round_down((budget_seconds - transients) / measurements)
        for _ in range(12):
            spent = cost(scale)
            if 0.98 * budget_seconds <= spent <= budget_seconds:
                break
            if spent > transients:
                scale = _round_down(scale * 0.995 * (budget_seconds - transients)
                                    / (spent - transients))
            else:
                scale = _round_down(2 * scale)
        for _ in range(40):
            if cost(scale) <= budget_seconds:
                break
            scale = _round_down(0.97 * scale)
        else:
            raise ParameterError("budget", f"{core_hours:g} core-hours is too small for "
                                 f"these points")
    scaled = scaled_parts(parts, scale)
    result = plan(scaled, pilots)
    result.pilot_seconds = pilots.cpu_seconds - started
    result.scale, result.budget = scale, core_hours
    return scaled, result, Budget(core_hours, scale, identity, record)


@dataclass(frozen=True)
class Budget:
    """The factor chosen for a budget, and the file that keeps it."""

    core_hours: float
    scale: float
    identity: str
    record: Path | None = None

    def write(self):
        """Keep the factor (atomically) so that the same budget resumes the same points."""
        if self.record is not None:
            Path(self.record).parent.mkdir(parents=True, exist_ok=True)
            write_text(self.record, json.dumps({"budget_core_hours": self.core_hours,
                                                "scale": self.scale,
                                                "identity": self.identity}))


def _recorded(record, identity):
    """The factor recorded for ``identity``, or None."""
    if record is None or not Path(record).exists():
        return None
    try:
        saved = json.loads(Path(record).read_text())
    except (OSError, ValueError):
        return None
    return float(saved["scale"]) if saved.get("identity") == identity else None


def _round_down(x: float) -> float:
    """``x`` rounded down to three significant digits."""
    if x <= 0:
        return x
    step = 10.0 ** (math.floor(math.log10(x)) - 2)
    return math.floor(x / step * (1 + 1e-12)) * step


def actual_core_seconds(parts: dict) -> dict:
    """Point key -> the CPU seconds its run took (``point_cpu_seconds`` of its file),
    for the finished points of ``parts`` that recorded it."""
    import xarray as xr

    out = {}
    for _, (spec, path) in parts.items():
        for point in SweepSpec.load(spec).points():
            file = point_path(path, point)
            if file.exists():
                with xr.open_dataset(file, engine="h5netcdf") as ds:
                    if "point_cpu_seconds" in ds.attrs:
                        out[point.key()] = float(ds.attrs["point_cpu_seconds"])
    return out

