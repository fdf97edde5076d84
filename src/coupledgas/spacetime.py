"""Seeing the gas: world lines, kymographs and movies of one channel.

Three views of one run of the kernel (same parameters and seed, same trajectory as
``simulate``), each with memory that does not grow with the simulated time:

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
* ``movie``: the particles in the channel at frames ``frame_interval`` apart (the kernel
  stopped exactly at each frame time), with a clock and the running currents.

Units: lengths in the channel's units (L), times in the model's time units, masses
M1 (bullet) and M2 (rod), k_B = 1.
"""

from __future__ import annotations

import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import xarray as xr

from .figures.common import _pyplot
from .files import atomic_path
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
    ROD,
    SPECIES,
)
from .kernel.profiles import TIME, UNSIGNED
from .params import ParameterError, RunParams
from .simulate import seed_sequence, transferred

#: event kinds by kernel log code (LOG_PASS, LOG_COLLISION, LOG_WALL, ...); with a
#: barrier of range r > 0 a pass is the pair entering the shoulder, then it crosses and
#: leaves
EVENT_KINDS = ("pass", "bounce", "wall", "absorption", "injection", "leave", "cross")
#: colours of the species (bullet, rod)
COLOURS = ("tab:orange", "tab:blue")
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


def _start(window, n_bins, parameters):
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


def _particles_at(state, t):
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
    params, state, rng, t0, t1 = _start(window, 0, parameters)
    counters0 = state.counters.copy()
    ids, kinds, x = _particles_at(state, t0)
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
    ids, kinds, x = _particles_at(state, t1)
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
    params, state, rng, t0, t1 = _start(window, bins, parameters)
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


def _title(attrs) -> str:
    return (f"L = {attrs['length']:g}, h = {attrs['barrier']:g}, "
            f"T_L = {attrs['T_left']:.3g}, T_R = {attrs['T_right']:.3g}, "
            f"mu_L = {attrs['mu_left']:.3g}, mu_R = {attrs['mu_right']:.3g}")


def world_lines_figure(ds: xr.Dataset):
    """Draw world lines, x across and t up, with the bullet-rod passes and bounces.

    Bullets and rods are drawn in two colours (``COLOURS``), passes as circles, bounces
    as dots.

    Parameters
    ----------
    ds : xarray.Dataset
        A result of ``world_lines``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    fig, ax = _pyplot().subplots(figsize=(7.5, 8.5), layout="constrained")
    for s, name in enumerate(SPECIES):
        seg = ds.segment[ds.species.values == s]
        lines = np.stack([np.stack([ds.x_start[seg], ds.t_start[seg]], axis=-1),
                          np.stack([ds.x_end[seg], ds.t_end[seg]], axis=-1)], axis=1)
        ax.add_collection(LineCollection(lines, colors=COLOURS[s], linewidths=0.7,
                                         label=f"{name}s"))
    mixed = ds.species_a.values != ds.species_b.values
    for kind, label, style in (("pass", "bullet-rod passes",
                                dict(marker="o", s=9, facecolors="none", edgecolors="k",
                                     linewidths=0.5)),
                               ("bounce", "bullet-rod bounces",
                                dict(marker=".", s=8, color="k", linewidths=0))):
        chosen = (ds.kind.values == kind) & mixed
        ax.scatter(ds.x.values[chosen], ds.time.values[chosen], zorder=3, label=label,
                   **style)
    ax.set(xlim=(0, ds.attrs["length"]), ylim=(ds.attrs["window_start"],
                                               ds.attrs["window_end"]),
           xlabel="position x", ylabel="time t", title=_title(ds.attrs))
    handles = [Line2D([], [], color=COLOURS[s], label=f"{SPECIES[s]}s") for s in (0, 1)]
    handles += ax.collections[2:]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.06), ncol=4,
              frameon=False)
    return fig


def kymograph_figure(ds: xr.Dataset):
    """Draw a kymograph: <m(x)> against x (across) and t (up).

    Parameters
    ----------
    ds : xarray.Dataset
        A result of ``kymograph``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = _pyplot().subplots(figsize=(7.5, 6), layout="constrained")
    interval = ds.attrs["interval"]
    times = np.append(ds.time.values - 0.5 * interval, ds.time.values[-1] + 0.5 * interval)
    width = float(ds.x_edge[1] - ds.x_edge[0])
    columns = np.append(ds.x_edge.values - 0.5 * width, ds.x_edge.values[-1] + 0.5 * width)
    mesh = ax.pcolormesh(np.clip(columns, 0, ds.attrs["length"]), times, ds.mean_mass,
                         cmap="coolwarm", vmin=ds.attrs["m_rod"], vmax=ds.attrs["m_bullet"])
    fig.colorbar(mesh, ax=ax, label="mean mass <m(x)> of the particles crossing x "
                 f"(bullets {ds.attrs['m_bullet']:g}, rods {ds.attrs['m_rod']:g})")
    ax.set(xlabel="position x", ylabel=f"time t (rows averaged over {interval:.3g})",
           title=_title(ds.attrs))
    return fig


def spacetime(window, mode: str = "worldlines", interval: float | None = None,
              bins: int = 80, **parameters):
    """A space-time picture of one channel: world lines, or a kymograph of <m(x)>.

    Parameters
    ----------
    window : (float, float)
        (T0, T1), time units since the equilibrium start.
    mode : {"worldlines", "kymograph"}
        ``world_lines`` (exact paths; short windows) or ``kymograph`` (exact interval
        averages; long stretches, the transient included when T0 = 0).
    interval, bins
        The kymograph's averaging time and bins (see ``kymograph``).
    **parameters
        The keywords of ``RunParams.create`` except ``t_transient`` and ``t_measure``.

    Returns
    -------
    (matplotlib.figure.Figure, xarray.Dataset)
        The picture and the data it shows.
    """
    if mode == "worldlines":
        ds = world_lines(window, **parameters)
        return world_lines_figure(ds), ds
    if mode == "kymograph":
        ds = kymograph(window, interval=interval, bins=bins, **parameters)
        return kymograph_figure(ds), ds
    raise ParameterError("mode", f"must be worldlines or kymograph, got {mode!r}")


def _encoder(out: Path):
    """The ffmpeg that writes ``out`` (None for a GIF, which Pillow writes)."""
    if out.suffix.lower() == ".gif":
        return None
    if out.suffix.lower() != ".mp4":
        raise ParameterError("out", f"must end in .gif or .mp4, got {out.name!r}")
    try:
        import imageio_ffmpeg
        return imageio_ffmpeg.get_ffmpeg_exe()
    except ImportError:
        ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise ParameterError("out", "an .mp4 needs an ffmpeg encoder: pip install "
                             "'coupledgas[movie]' (imageio-ffmpeg), or write a .gif")
    return ffmpeg


@contextmanager
def _frame_sink(out: Path, ffmpeg, fps: float):
    """Yield a function taking one RGBA frame (ndarray (h, w, 4)) for ``out``.

    GIF (``ffmpeg`` None): Pillow, frames on the first frame's palette, held in memory
    (one byte per pixel) until written. MP4: piped into ``ffmpeg`` as they come (H.264).
    """
    if ffmpeg is None:
        from PIL import Image

        frames = []

        def add(rgba):
            image = Image.fromarray(rgba).convert("RGB")
            frames.append(image.quantize(colors=64) if not frames
                          else image.quantize(palette=frames[0]))

        yield add
        frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:],
                       duration=round(1000 / fps), loop=0)
        return
    process = None

    def add(rgba):
        nonlocal process
        if process is None:
            height, width, _ = rgba.shape
            process = subprocess.Popen(
                [ffmpeg, "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgba",
                 "-s", f"{width}x{height}", "-r", f"{fps:g}", "-i", "-", "-vf",
                 "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-pix_fmt", "yuv420p", "-vcodec",
                 "libx264", "-f", "mp4", str(out)], stdin=subprocess.PIPE)
        process.stdin.write(rgba.tobytes())

    yield add
    process.stdin.close()
    if process.wait() != 0:
        raise RuntimeError(f"ffmpeg failed to write {out} (exit code {process.returncode})")


def movie(window, out, frame_interval: float = 1.0, fps: float = 20.0, dpi: int = 80,
          **parameters) -> int:
    """Write an animation of the particles in the channel, with a clock and the currents.

    Frames are the exact state at T0, T0 + frame_interval, ... up to T1 (the kernel is
    stopped at each frame time, which does not change the trajectory). Bullets are
    drawn as circles, rods as bars, in the colours of ``world_lines_figure``; the
    running currents are the particles and energy moved left to right since T0 per
    unit time (mean of the two ends).

    Parameters
    ----------
    window : (float, float)
        (T0, T1), time units since the equilibrium start.
    out : path
        ``.gif`` (Pillow; the frames, one byte per pixel, are held in memory until
        written) or ``.mp4`` (H.264 through an ffmpeg, streamed: the ``movie`` extra
        installs one).
    frame_interval : float
        Simulated time between frames.
    fps : float
        Frames per second of the animation.
    dpi : int
        Resolution (the frame is 8 x 2.4 inches).
    **parameters
        The keywords of ``RunParams.create`` except ``t_transient`` and ``t_measure``.

    Returns
    -------
    int
        Number of frames written.
    """
    out = Path(out)
    ffmpeg = _encoder(out)
    t0, t1 = check_window(window)
    if not 0 < float(frame_interval) <= t1 - t0:
        raise ParameterError("frame_interval", f"must lie in (0, T1 - T0 = {t1 - t0:g}], "
                             f"got {frame_interval:g}")
    params, state, rng, t0, t1 = _start(window, 0, parameters)
    times = t0 + frame_interval * np.arange(int(np.floor((t1 - t0) / frame_interval)) + 1)
    flows0 = state.flows.copy()
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 2.4), layout="constrained")
    L = params.length
    pad = 0.06 * L
    for x0, T in ((-pad, params.T_left), (L, params.T_right)):
        ax.axvspan(x0, x0 + pad, color="0.85")
        ax.text(x0 + pad / 2, 0, f"T = {T:.3g}", ha="center", va="center", rotation=90,
                fontsize=8)
    ax.axhline(0, color="0.8", lw=6, zorder=0)
    rods = ax.plot([], [], "|", ms=22, mew=1.5, color=COLOURS[ROD], label="rods",
                   animated=True)[0]
    bullets = ax.plot([], [], "o", ms=5, color=COLOURS[BULLET], label="bullets",
                      animated=True)[0]
    ax.set(xlim=(-pad, L + pad), ylim=(-1, 1), yticks=[], xlabel="position x")
    ax.legend(loc="lower right", ncol=2, fontsize=8, frameon=False)
    clock = ax.text(0.01, 0.97, "", transform=ax.transAxes, va="top", fontsize=9,
                    family="monospace", animated=True)
    ax.set_title(_title(params.as_attrs()), fontsize=9)
    fig.set_dpi(dpi)
    fig.canvas.draw()  # the still background, once; each frame redraws the particles
    background = fig.canvas.copy_from_bbox(fig.bbox)
    with atomic_path(out) as tmp, _frame_sink(tmp, ffmpeg, fps) as add_frame:
        for t in times:
            state, _ = advance_to(state, rng, t)
            _, kinds, x = _particles_at(state, t)
            bullets.set_data(x[kinds == BULLET], np.zeros(np.sum(kinds == BULLET)))
            rods.set_data(x[kinds == ROD], np.zeros(np.sum(kinds == ROD)))
            moved = transferred(state.flows - flows0)
            elapsed = t - t0
            currents = (f"J_rho = {moved['particles'].mean() / elapsed:+.3f}  "
                        f"J_u = {moved['energy'].mean() / elapsed:+.3f}" if elapsed > 0
                        else "J_rho, J_u: running means from here on")
            clock.set_text(f"t = {t:8.1f}  {np.sum(kinds == BULLET):3d} bullets  "
                           f"{currents}")
            fig.canvas.restore_region(background)
            for artist in (rods, bullets, clock):
                ax.draw_artist(artist)
            add_frame(np.array(fig.canvas.buffer_rgba()))
    plt.close(fig)
    return len(times)
