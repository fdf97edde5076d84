"""Seeing the gas, the movie: the particles in the channel at frames ``frame_interval``
apart (the kernel stopped exactly at each frame time), with a clock and the running
currents, written as a GIF (Pillow) or an MP4 (ffmpeg).

Units: lengths in the channel's units (L), times in the model's time units.
"""

from __future__ import annotations

import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .figures.common import _pyplot
from .files import atomic_path
from .kernel import advance_to
from .kernel.layout import BULLET, ROD
from .params import ParameterError
from .simulate import transferred
from .spacetime import check_window, particles_at, started
from .spacetime_pictures import COLOURS, title


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
    params, state, rng, t0, t1 = started(window, 0, parameters)
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
    ax.set_title(title(params.as_attrs()), fontsize=9)
    fig.set_dpi(dpi)
    fig.canvas.draw()  # the still background, once; each frame redraws the particles
    background = fig.canvas.copy_from_bbox(fig.bbox)
    with atomic_path(out) as tmp, _frame_sink(tmp, ffmpeg, fps) as add_frame:
        for t in times:
            state, _ = advance_to(state, rng, t)
            _, kinds, x = particles_at(state, t)
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
