"""Pilot runs: short runs of a point's channel on this machine, and their cache.

A pilot measures what a point's plan (``point_plans``) rests on: the events per unit of
simulated time, the events per CPU second, the fixed costs of a run and the currents'
blocking errors (the model and its assumptions: ``coupledgas.plan``). ``Pilots`` runs
each distinct pilot once and keeps it, in memory and in a cache file (``pilot_cache``).
"""

from __future__ import annotations

import inspect
import json
import math
import os
import platform
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from ._version import __version__
from .digests import digest
from .files import write_text
from .heat_engine import heat_engine
from .observables import block_estimate
from .params import RunParams, positive
from .simulate import N_BLOCKS, Run, transferred

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
#: settings that do not change a run's event rate or speed (pilots ignore them)
UNPRICED = ("t_transient", "t_measure", "t_max", "rel_err", "seed", "replica")


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

    def target_time(self, names, rel_err, t_measure, t_max) -> tuple:
        """(the measured time at which the slowest of ``names`` reaches ``rel_err``,
        within [``t_measure``, ``t_max``], None); or (``t_max``, why) where the pilot's
        value of one of them is within two errors of zero (after its stretch,
        ``_stretched``), so that the time it would give is anyone's guess."""
        why = next((why for n in names if (why := self.unresolved(n, 2))), None)
        if why:
            return float(t_max), (f"{why} after {self.t_measured:.3g} time units "
                                  f"({self.cpu_seconds:.3g} CPU s; a pilot stops at "
                                  f"{PILOT_CAP_SECONDS:g} s)")
        needed = max(self.t_measured * (self.relative_error(n, self.t_measured) / rel_err) ** 2
                     for n in names)
        return float(min(max(needed, t_measure), t_max)), None


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
    defaults = keyword_defaults(heat_engine)
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
                 for name in ds.data_vars if name + "_err" in ds and ds[name].ndim == 0}
    return Pilot(events_per_time=ds.attrs["events"] / simulated,
                 events_per_second=ds.attrs["events"] / cpu,
                 t_measured=ds.attrs["t_measure"], estimates=estimates)


def keyword_defaults(function) -> dict:
    """Keyword -> its default in the signature of ``function``."""
    return {n: p.default for n, p in inspect.signature(function).parameters.items()}
