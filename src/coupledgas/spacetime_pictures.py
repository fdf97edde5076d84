"""Seeing the gas, the pictures: world lines and kymographs drawn from their data
(``spacetime``), and ``spacetime``, the command line's one call for data and picture.

Units: lengths in the channel's units (L), times in the model's time units.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .figures.common import _pyplot
from .kernel.layout import SPECIES
from .params import ParameterError
from .spacetime import kymograph, world_lines

#: colours of the species (bullet, rod)
COLOURS = ("tab:orange", "tab:blue")


def title(attrs) -> str:
    """The channel and its reservoirs, for a picture's title."""
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
           xlabel="position x", ylabel="time t", title=title(ds.attrs))
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
           title=title(ds.attrs))
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
