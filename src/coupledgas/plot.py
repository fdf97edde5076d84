"""Figures of result files (``coupledgas plot``): whatever the file holds, drawn as it asks.

``kind_of`` recognises four kinds of result:

* a run (``coupledgas run --out``): its profiles and the block series of its currents
  (of replicas: each replica's currents);
* a sweep's ``results.nc``: each current with its error bars against each swept axis,
  one line per value of the other axes (and per replica);
* an Onsager matrix (``coupledgas onsager --out``): the four entries and sigma, kappa,
  S, ZT with their errors;
* a heat engine (``coupledgas heat-engine --out``): its currents, power and heat
  currents, its efficiency beside Carnot's, and the reservoirs' chemical potentials
  over time.

Axes are labelled ``long_name [units]`` (``metadata``; files written before results
carried these attributes get them from ``metadata.lookup``).
"""

from __future__ import annotations

from itertools import product
from pathlib import Path

import numpy as np
import xarray as xr

from .files import atomic_path, read_netcdf
from .metadata import label, lookup
from .onsager import ENTRIES
from .params import ParameterError
from .point_kinds import KINDS

#: an Onsager matrix's panels
ONSAGER = (*ENTRIES, "sigma", "kappa", "S", "ZT", "L_ru_normalised")
#: a sweep's legend is left out above this many lines
MAX_LEGEND = 12


def kind_of(ds: xr.Dataset) -> str | None:
    """The kind of result ``ds`` holds: "sweep", "onsager", "engine", "run", or None."""
    if ds.attrs.get("kind") in KINDS and "axes" in ds.attrs:
        return "sweep"
    if "L_rr" in ds:
        return "onsager"
    if "J_circ" in ds:
        return "engine"
    if "J_rho_end" in ds and "length" in ds.attrs:
        return "run"
    return None


def plot_result(path, out=None) -> Path:
    """Draw the result in ``path``, whichever of ``kind_of``'s kinds it is.

    Parameters
    ----------
    path : path
        A netCDF file: a run, a sweep's ``results.nc``, an Onsager matrix or a heat
        engine's result.
    out : path, optional
        Image file; default: ``path`` with the suffix ``.png``.

    Returns
    -------
    Path
        The image written.

    Raises
    ------
    ParameterError
        ``result``: the file is missing, unreadable, or none of these kinds.
    """
    return _plot(path, out, tuple(DRAW))


def plot_run(path, out=None) -> Path:
    """Draw a run's file (``coupledgas run --out``) as ``plot_result`` does; a
    ``ParameterError`` if it holds another kind of result."""
    return _plot(path, out, ("run",))


def _plot(path, out, kinds) -> Path:
    path = Path(path)
    ds = _read(path)
    kind = kind_of(ds)
    if kind not in kinds:
        names = {"run": "a run", "sweep": "a sweep's results.nc",
                 "onsager": "an Onsager matrix", "engine": "a heat engine's result"}
        listed = [names[k] for k in kinds]
        raise ParameterError("result", f"{path} is not " + (
            f"{', '.join(listed[:-1])} or {listed[-1]}" if len(listed) > 1 else listed[0]))
    out = path.with_suffix(".png") if out is None else Path(out)
    fig = DRAW[kind](ds)
    fig.tight_layout()
    with atomic_path(out) as tmp:
        fig.savefig(tmp, dpi=110)
    _pyplot().close(fig)
    return out


def _read(path: Path) -> xr.Dataset:
    """The Dataset in ``path``, or a one-line ParameterError naming the file."""
    if not path.is_file():
        raise ParameterError("result", f"no such file: {path}")
    try:
        return read_netcdf(path)
    except (OSError, ValueError) as err:
        reason = ("not a netCDF file" if "Unknown file format" in str(err)
                  else " ".join(str(err).split()))
        raise ParameterError("result", f"cannot read {path}: {reason}") from None


def _pyplot():
    """matplotlib's pyplot on the Agg backend, imported only when drawing (its import
    costs more than half a second)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _run(ds: xr.Dataset):
    """Density, temperature and <m(x)> profiles, the J_rho and J_u block series (of
    replicas: each replica's value) and the bullet current's profile (without
    profiles: the currents alone)."""
    has_profiles = "density" in ds
    fig, axes = _pyplot().subplots(2 if has_profiles else 1, 3 if has_profiles else 2,
                                   figsize=(13, 7 if has_profiles else 3.5), squeeze=False)
    a = ds.attrs
    fig.suptitle(f"L = {a['length']:g}, h = {a['barrier']:g}, F_rho = {a['F_rho']:.3g}, "
                 f"F_u = {a['F_u']:.3g}, t = {a['t_measured']:g}, seed {a['seed']}")
    series_row = axes[-1]
    for ax, name in ((series_row[0], "J_rho"), (series_row[1], "J_u")):
        if name + "_block" in ds:
            ax.plot(ds.block, ds[name + "_block"], lw=0.5, color="0.6", label="blocks")
            ax.set_xlabel(label(ds.block))
        elif name + "_replica" in ds:
            ax.errorbar(ds.replica, ds[name + "_replica"], ds[name + "_err_replica"],
                        ls="none", marker=".", capsize=2, color="0.4", label="replicas")
            ax.set_xticks(ds.replica.values)
            ax.set_xlabel(label(ds.replica))
        ax.axhline(ds[name].item(), color="C3",
                   label=f"{ds[name].item():.4g} ± {ds[name + '_err'].item():.2g}")
        ax.set_ylabel(label(ds[name]))
        ax.legend(fontsize=8)
    if has_profiles:
        for ax, name in ((axes[0][0], "density"), (axes[0][1], "temperature")):
            for species in ds.species.values:
                ax.errorbar(ds.x, ds[name].sel(species=species),
                            ds[name + "_err"].sel(species=species), label=str(species),
                            marker=".", capsize=2)
            ax.set_xlabel(label(ds.x))
            ax.set_ylabel(label(ds[name]))
            ax.legend(fontsize=8)
        for ax, name in ((axes[0][2], "mean_mass"), (series_row[2], "bullet_current")):
            ax.errorbar(ds.x_edge, ds[name], ds[name + "_err"], marker=".", capsize=2)
            ax.set_xlabel(label(ds.x_edge))
            ax.set_ylabel(label(ds[name]))
    return fig


def _sweep(ds: xr.Dataset):
    """Each result its kind draws (``point_kinds.PointKind.drawn``) against each swept
    axis, one line per value of the other axes and per replica (a sweep of one point: its
    values)."""
    swept = KINDS[ds.attrs["kind"]].drawn
    axes = [d for d in str(ds.attrs["axes"]).split(",") if d] or \
        [d for d in ("replica",) if d in ds.dims]
    if not axes:
        fig, panels = _pyplot().subplots(1, len(swept), figsize=(3.5 * len(swept), 3.5))
        for ax, name in zip(panels, swept):
            _points(ax, ds, [name], label(ds[name]))
        return fig
    fig, panels = _pyplot().subplots(len(swept), len(axes), figsize=(
        5 * len(axes), 3.2 * len(swept)), squeeze=False)
    fig.suptitle(f"sweep of {ds.attrs['kind']} points over {', '.join(axes)}"
                 + (f", {ds.attrs['replicas']} replicas" if ds.attrs["replicas"] > 1 else ""))
    for row, name in zip(panels, swept):
        for ax, dim in zip(row, axes):
            x, x_label = _axis(ds, dim)
            others = [d for d in ds[name].dims if d != dim]
            lines = list(product(*(range(ds.sizes[d]) for d in others)))
            for where in lines:
                at = dict(zip(others, where))
                ax.errorbar(x, ds[name].isel(at), ds[name + "_err"].isel(at), marker=".",
                            capsize=2, label=", ".join(_value(ds, d, i) for d, i in
                                                       at.items()) or None)
            ax.axhline(0.0, color="0.8", lw=0.8, zorder=0)
            ax.set_xlabel(x_label)
            ax.set_ylabel(label(ds[name]))
            if others and len(lines) <= MAX_LEGEND:
                ax.legend(fontsize=7)
    return fig


def _axis(ds: xr.Dataset, dim: str):
    """The values along a sweep's dimension and their label: its coordinate, or for a
    zipped axis the first of its parameters."""
    if dim in ds.coords:
        return ds[dim].values, label(ds[dim])
    along = [c for c in ds.coords if ds[c].dims == (dim,)]
    if along:
        return ds[along[0]].values, label(ds[along[0]])
    return np.arange(ds.sizes[dim]), dim


def _value(ds: xr.Dataset, dim: str, i: int) -> str:
    """``name = value`` of entry ``i`` along ``dim`` (of each parameter of a zipped axis)."""
    names = [dim] if dim in ds.coords else [c for c in ds.coords if ds[c].dims == (dim,)]
    if not names:
        return f"{dim} {i}"
    return ", ".join(f"{n} = {ds[n].values[i]:g}" if np.issubdtype(ds[n].dtype, np.number)
                     else f"{n} = {ds[n].values[i]}" for n in names)


def _points(ax, ds: xr.Dataset, names, ylabel: str):
    """Scalars ``names`` with their errors (none where a name has no ``_err``) side by
    side, beside a zero line."""
    for i, name in enumerate(names):
        value, has_err = ds[name].item(), name + "_err" in ds
        err = ds[name + "_err"].item() if has_err else 0.0
        ax.errorbar([i], [value], [err], marker="o", capsize=4, label=f"{name} = {value:.4g}"
                    + (f" ± {err:.2g}" if has_err else ""))
    ax.axhline(0.0, color="0.8", lw=0.8, zorder=0)
    ax.set_xticks(range(len(names)), names)
    ax.set_xlim(-0.6, len(names) - 0.4)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=7)


def _onsager(ds: xr.Dataset):
    """The matrix entries, sigma, kappa, S, ZT and the normalised L_ru (``ONSAGER``; those
    a file has), each with its error."""
    fig, axes = _pyplot().subplots(3, 3, figsize=(12, 9))
    a = ds.attrs
    fig.suptitle(f"Onsager matrix ({a['method']}): L = {a['length']:g}, h = "
                 f"{a['barrier']:g}, T = {a['T']:g}, mu = {a['mu']:g}; L_ru - L_ur = "
                 f"{ds.reciprocity_gap.item():+.2f} standard errors")
    for ax, name in zip(axes.flat, [name for name in ONSAGER if name in ds]):
        _points(ax, ds, [name], "")
        ax.set_title(label(ds[name]), fontsize=9)
    return fig


def _engine(ds: xr.Dataset):
    """The engine's particle currents, its power and heat currents, its efficiency
    beside Carnot's, and the reservoirs' chemical potentials over time."""
    fig, axes = _pyplot().subplots(1, 5, figsize=(19, 3.8))
    a = ds.attrs
    fig.suptitle(f"heat engine: T_hot = {a['T_hot']:g}, T_cold = {a['T_cold']:g}, "
                 f"loads U_A = {a['load_a']:g}, U_B = {a['load_b']:g}, "
                 f"t = {a['t_measure']:g}")
    for ax, names, what in ((axes[0], ("J_A", "J_B", "J_circ"), "particle currents"),
                            (axes[1], ("power",), "power"),
                            (axes[2], ("heat_hot", "heat_cold"), "heat currents"),
                            (axes[3], ("efficiency", "efficiency_carnot"), "efficiencies")):
        _points(ax, ds, names, f"{what} [{lookup(names[0])[1]}]")
    for side in ("hot", "cold"):
        axes[4].plot(ds.time, ds[f"mu_{side}_series"], lw=0.8, label=f"{side} reservoir")
    axes[4].set_xlabel(label(ds.time))
    axes[4].set_ylabel(f"chemical potential [{lookup('mu_hot')[1]}]")
    axes[4].legend(fontsize=7)
    return fig


#: kind -> the function that draws it
DRAW = {"run": _run, "sweep": _sweep, "onsager": _onsager, "engine": _engine}
