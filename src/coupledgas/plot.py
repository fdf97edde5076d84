"""Plots of one run: its profiles and the block series of its currents."""

from __future__ import annotations

from pathlib import Path

import xarray as xr

from .files import atomic_path
from .params import ParameterError


def plot_run(path, out=None) -> Path:
    """Draw density, temperature and <m(x)> profiles and the J_rho, J_u block series.

    Parameters
    ----------
    path : path
        A run's netCDF file (``coupledgas run --out``).
    out : path, optional
        Image file; default: ``path`` with the suffix ``.png``.

    Returns
    -------
    Path
        The image written.
    """
    # matplotlib only when drawing: its import costs more than half a second
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    if not path.is_file():
        raise ParameterError("result", f"no such file: {path}")
    try:
        ds = xr.load_dataset(path, engine="h5netcdf")
    except (OSError, ValueError) as err:
        raise ParameterError("result", f"cannot read {path}: {err}") from None
    out = path.with_suffix(".png") if out is None else Path(out)
    has_profiles = "density" in ds
    fig, axes = plt.subplots(2 if has_profiles else 1, 3 if has_profiles else 2,
                             figsize=(13, 7 if has_profiles else 3.5), squeeze=False)
    a = ds.attrs
    fig.suptitle(f"L = {a['length']:g}, h = {a['barrier']:g}, F_rho = {a['F_rho']:.3g}, "
                 f"F_u = {a['F_u']:.3g}, t = {a['t_measured']:g}, seed {a['seed']}")
    series_row = axes[-1]
    for ax, name, label in ((series_row[0], "J_rho", r"$J_\rho$"),
                            (series_row[1], "J_u", r"$J_u$")):
        if name + "_block" in ds:
            ax.plot(ds.block, ds[name + "_block"], lw=0.5, color="0.6", label="blocks")
        ax.axhline(ds[name].item(), color="C3",
                   label=f"{ds[name].item():.4g} ± {ds[name + '_err'].item():.2g}")
        ax.set_xlabel("t")
        ax.set_ylabel(label)
        ax.legend(fontsize=8)
    if has_profiles:
        for ax, name, label in ((axes[0][0], "density", "density"),
                                (axes[0][1], "temperature", "kinetic temperature")):
            for species in ds.species.values:
                ax.errorbar(ds.x, ds[name].sel(species=species),
                            ds[name + "_err"].sel(species=species), label=str(species),
                            marker=".", capsize=2)
            ax.set_xlabel("x")
            ax.set_ylabel(label)
            ax.legend(fontsize=8)
        ax = axes[0][2]
        ax.errorbar(ds.x_edge, ds.mean_mass, ds.mean_mass_err, marker=".", capsize=2)
        ax.set_xlabel("x")
        ax.set_ylabel(r"$\langle m(x) \rangle$")
        ax = series_row[2]
        ax.errorbar(ds.x_edge, ds.bullet_current, ds.bullet_current_err, marker=".",
                    capsize=2)
        ax.set_xlabel("x")
        ax.set_ylabel(r"bullet current $J_\rho(x)$")
    fig.tight_layout()
    with atomic_path(out) as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)
    return out
