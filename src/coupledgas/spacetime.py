"""Seeing the gas, the data: world lines and kymographs of one channel.

Views of one run of the kernel (same parameters and seed, same trajectory as
``simulate``), each with memory that does not grow with the simulated time (their
pictures: ``spacetime_pictures``; the movie: ``movie``):

* ``world_lines``: every particle's path x(t) in a window [T0, T1], exact. The kernel
  writes each event (time, kind, the ids of the particles involved, position) into a
  log of ``CHUNK_EVENTS`` rows that is reused as a ring; after each chunk the events are
  turned into straight segments (particles fly freely between events). Streamed: the
  kernel's memory is bounded; what is kept is the window's events and segments, so a
  window may hold at most ``max_events`` events (a long stretch is the kymograph's job).
* ``kymograph``: the local mean mass <m(x)> (the Letter's Fig. 5b) and the species'
  densities against x and t. The kernel's exact profile accumulators are read every
  ``interval``; their differences are exact time averages over each interval (every free
  flight counted, nothing sampled), and memory is one row per interval, whatever the
  number of events.

Units: lengths in the channel's units (L), times in the model's time units, masses
M1 (bullet) and M2 (rod), k_B = 1.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .kernel import advance_to, new_channel
from .kernel.layout import (
    BULLET,
    C_ENCOUNTERS,
    C_EVENTS,
    C_PASSES,
    LOG_ABSORPTION,
    LOG_COLLISION,
    LOG_CROSS,
    LOG_LEAVE,
    LOG_WIDTH,
    P_MASS,
    SPECIES,
)
from .kernel.profiles import TIME, UNSIGNED
from .params import ParameterError, RunParams
from .simulate import seed_sequence

#: event kinds by kernel log code (LOG_PASS, LOG_COLLISION, LOG_WALL, ...); with a
#: barrier of range r > 0 a pass is the pair entering the shoulder, then it crosses and
#: leaves
EVENT_KINDS = ("pass", "bounce", "wall", "absorption", "injection", "leave", "cross")
#: events per kernel call while logging (rows of the reused log)
CHUNK_EVENTS = 1 << 16
#: default bound on the events of a world-line window (about 100 bytes each are kept)
MAX_EVENTS = 2_000_000


def parse_window(text: str) -> tuple[float, float]:
    """``"T0:T1"`` as two times, checked (see ``check_window``)."""
    try:
        t0, t1 = (float(part) for part in str(text).split(":"))
    except ValueError:
        raise ParameterError("window", f"expected T0:T1 (two times), got {text!r}") from None
    return check_window((t0, t1))


def check_window(window) -> tuple[float, float]:
    """The window (T0, T1) as floats; raises ``ParameterError`` unless 0 <= T0 < T1 < inf."""
    t0, t1 = (float(t) for t in window)
    if not 0 <= t0 < np.inf:
        raise ParameterError("window", f"T0 must be a finite time >= 0, got {t0:g}")
    if not t0 < t1 < np.inf:
        raise ParameterError("window", f"T1 must be finite and after T0 = {t0:g}, "
                             f"got {t1:g}")
    return t0, t1


def started(window, n_bins, parameters):
    """Parameters, state and generator of the run, advanced to the window's start.

    The window is recorded as the run's transient (T0) and measured time (T1 - T0); the
    state and generator are those of ``simulate`` with the same seed.
    """
    t0, t1 = check_window(window)
    params = RunParams.create(**parameters, t_transient=t0, t_measure=t1 - t0)
    rng = np.random.default_rng(seed_sequence(params))
    state = new_channel(params, rng, n_bins=n_bins)
    state, _ = advance_to(state, rng, t0)
    return params, state, rng, t0, t1


def particles_at(state, t):
    """Ids, species and positions of the particles in the channel at time ``t``."""
    slots = state.order()
    x = state.x[slots] + state.v[slots] * (t - state.t_last[slots])
    return state.ident[slots], state.species[slots], x


def _link(open_points, points, ends):
    """Segments joining each particle's consecutive points.

    Parameters
    ----------
    open_points, points : dict of ndarray
        ``id``, ``t``, ``x``, ``species``: the last point of each particle whose line is
        open, and new points in time order.
    ends : ndarray of bool
        Which of ``points`` end a line (absorptions).

    Returns
    -------
    open_points : dict of ndarray
        The last point of every line still open.
    segments : dict of ndarray
        ``t_start``, ``x_start``, ``t_end``, ``x_end``, ``particle``, ``species``.
    """
    merged = {k: np.concatenate([open_points[k], points[k]]) for k in points}
    closing = np.concatenate([np.zeros(len(open_points["id"]), bool), ends])
    order = np.argsort(merged["id"], kind="stable")  # stays in time order per particle
    p = {k: a[order] for k, a in merged.items()}
    closing = closing[order]
    same = p["id"][1:] == p["id"][:-1]
    segments = {"t_start": p["t"][:-1][same], "x_start": p["x"][:-1][same],
                "t_end": p["t"][1:][same], "x_end": p["x"][1:][same],
                "particle": p["id"][1:][same], "species": p["species"][1:][same]}
    last = np.append(p["id"][1:] != p["id"][:-1], True) & ~closing
    return {k: a[last] for k, a in p.items()}, segments


def _event_points(rows, reach):
    """Each event's points: the left particle (a) and, at an encounter, the right one (b).

    The log holds a's position; at the edge of a shoulder of range r (enter, bounce,
    leave) b is r to its right, at a crossing at the same place.
    """
    code = rows[:, 1]
    pair = (code <= LOG_COLLISION) | (code == LOG_LEAVE) | (code == LOG_CROSS)
    both = np.concatenate([np.arange(len(rows)), np.flatnonzero(pair)])
    both.sort(kind="stable")  # time order; a before b
    second = np.zeros(len(both), bool)
    second[1:] = both[1:] == both[:-1]
    chosen = rows[both]
    offset = np.where(second & (chosen[:, 1] != LOG_CROSS), reach, 0.0)
    points = {"id": np.where(second, chosen[:, 6], chosen[:, 5]).astype(np.int64),
              "t": chosen[:, 0], "x": chosen[:, 7] + offset,
              "species": np.where(second, chosen[:, 4], chosen[:, 3]).astype(np.int64)}
    return points, chosen[:, 1] == LOG_ABSORPTION


def world_lines(window, max_events: int = MAX_EVENTS, **parameters) -> xr.Dataset:
    """Every particle's world line x(t) in a window, exact, from the kernel's events.

    Parameters
    ----------
    window : (float, float)
        (T0, T1), time units since the equilibrium start, 0 <= T0 < T1.
    max_events : int
        Refuse windows with more events than this (memory: about 100 bytes per event).
    **parameters
        The keywords of ``RunParams.create`` (as for ``simulate``) except ``t_transient``
        and ``t_measure``, which are set to T0 and T1 - T0.

    Returns
    -------
    xarray.Dataset
        On ``event`` (time order): ``time``, ``x`` (where it happened), ``kind`` (pass,
        bounce, wall, absorption, injection; with a range r > 0 also leave and cross:
        a pass is then the pair entering the shoulder), ``particle_a``, ``particle_b`` (ids of the
        left and right particle before an encounter; b is -1 otherwise), ``species_a``,
        ``species_b``. On ``segment`` (free flights, straight lines in (x, t)):
        ``t_start``, ``x_start``, ``t_end``, ``x_end``, ``particle``, ``species``. Every
        line starts at T0 or at an injection and ends at T1 or at an absorption.
        ``attrs``: the run's parameters and the kernel's counts over the window
        (``events``, ``passes``, ``bounces``).
    """
    params, state, rng, t0, t1 = started(window, 0, parameters)
    counters0 = state.counters.copy()
    ids, kinds, x = particles_at(state, t0)
    open_points = {"id": ids, "t": np.full(len(ids), t0), "x": x, "species": kinds}
    log = np.zeros((CHUNK_EVENTS, LOG_WIDTH))
    events, segments = [], []
    while True:
        first = int(state.counters[C_EVENTS])
        state, done = advance_to(state, rng, t1, max_events=CHUNK_EVENTS, log=log)
        if int(state.counters[C_EVENTS] - counters0[C_EVENTS]) > max_events:
            raise ParameterError("window", f"holds more than {max_events:,} events: choose "
                                 f"a shorter window (or the kymograph for long stretches)")
        rows = log[(first + np.arange(done)) % CHUNK_EVENTS]
        events.append(rows)
        open_points, new = _link(open_points,
                                 *_event_points(rows, params.interaction_range))
        segments.append(new)
        if done < CHUNK_EVENTS:
            break
    ids, kinds, x = particles_at(state, t1)
    final = {"id": ids, "t": np.full(len(ids), t1), "x": x, "species": kinds}
    _, new = _link(open_points, final, np.zeros(len(ids), bool))
    segments.append(new)
    rows = np.concatenate(events)
    counts = state.counters - counters0
    passes = int(counts[C_PASSES:C_PASSES + 3].sum())
    data = {"time": ("event", rows[:, 0]), "x": ("event", rows[:, 7]),
            "kind": ("event", np.array(EVENT_KINDS)[rows[:, 1].astype(int)]),
            "particle_a": ("event", rows[:, 5].astype(np.int64)),
            "particle_b": ("event", rows[:, 6].astype(np.int64)),
            "species_a": ("event", rows[:, 3].astype(np.int64)),
            "species_b": ("event", rows[:, 4].astype(np.int64))}
    data.update({name: ("segment", np.concatenate([s[name] for s in segments]))
                 for name in segments[0]})
    attrs = params.as_attrs()
    attrs.update(window_start=t0, window_end=t1, events=int(counts[C_EVENTS]), passes=passes,
                 bounces=int(counts[C_ENCOUNTERS:C_ENCOUNTERS + 3].sum()) - passes)
    return xr.Dataset(data, attrs=attrs)


def kymograph(window, interval: float | None = None, bins: int = 80,
              **parameters) -> xr.Dataset:
    """Exact time averages of the profiles over consecutive intervals of a window.

    Parameters
    ----------
    window : (float, float)
        (T0, T1), time units since the equilibrium start; T0 = 0 includes the transient.
    interval : float, optional
        Averaging time of each row [default: (T1 - T0) / 256]; T1 - T0 is rounded to a
        whole number of intervals. Memory is one row per interval.
    bins : int
        Bins along the channel.
    **parameters
        The keywords of ``RunParams.create`` except ``t_transient`` and ``t_measure``.

    Returns
    -------
    xarray.Dataset
        On ``time`` (interval midpoints) and ``x_edge`` (bin edges): ``mean_mass``, the
        mass averaged over every crossing of the edge during the interval (the Letter's
        <m(x)>, NaN without crossings), and ``crossings`` (all species); on ``x`` (bin
        centres): ``density`` (species, number per unit length) and ``bullet_fraction``
        (bullets among the particles in the bin, time-averaged). Averaging ``density``
        over rows, or ``mean_mass`` over rows weighted by ``crossings``, gives exactly
        the profiles ``simulate`` reports for a run measured over the same stretch.
    """
    bins = int(bins)
    if bins < 1:
        raise ParameterError("bins", f"must be a positive integer, got {bins}")
    params, state, rng, t0, t1 = started(window, bins, parameters)
    interval = (t1 - t0) / 256 if interval is None else float(interval)
    if not 0 < interval <= t1 - t0:
        raise ParameterError("interval", f"must lie in (0, T1 - T0 = {t1 - t0:g}], "
                             f"got {interval:g}")
    n_rows = max(round((t1 - t0) / interval), 1)
    edges = t0 + (t1 - t0) * np.arange(n_rows + 1) / n_rows
    masses = state.params[P_MASS:P_MASS + 2]
    width = params.length / bins
    occupancy = np.empty((n_rows, 2, bins))
    crossings = np.empty((n_rows, 2, bins + 1))
    previous = state.profiles_now()
    for row, t in enumerate(edges[1:]):
        state, _ = advance_to(state, rng, t)
        now = state.profiles_now()
        occupancy[row] = (now[0] - previous[0])[..., TIME]
        crossings[row] = (now[1] - previous[1])[..., UNSIGNED]
        previous = now
    total = crossings.sum(axis=1)
    with np.errstate(invalid="ignore"):
        mean_mass = np.einsum("s,tse->te", masses, crossings) / total
        bullet_fraction = occupancy[:, BULLET] / occupancy.sum(axis=1)
    duration = np.diff(edges)
    coords = {"time": 0.5 * (edges[1:] + edges[:-1]), "x": (np.arange(bins) + 0.5) * width,
              "x_edge": np.arange(bins + 1) * width, "species": list(SPECIES)}
    data = {"mean_mass": (("time", "x_edge"), mean_mass),
            "crossings": (("time", "x_edge"), total),
            "density": (("time", "species", "x"),
                        occupancy / (width * duration[:, None, None])),
            "bullet_fraction": (("time", "x"), bullet_fraction)}
    attrs = params.as_attrs()
    attrs.update(window_start=t0, window_end=t1, interval=(t1 - t0) / n_rows)
    return xr.Dataset(data, coords=coords, attrs=attrs)
