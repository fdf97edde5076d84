"""Figure recipes: the data (through the sweep machinery, so they resume and distribute)
and the matplotlib drawing, with a ``quick`` preset for a laptop and a ``paper`` preset
for a cluster.

A recipe is a ``Recipe``: ``specs(preset)`` gives the sweep specs, ``draw(results, out)``
the figure, ``summary(results)`` what the figure finds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .files import atomic_path, write_netcdf, write_text
from .params import ParameterError
from .sweep import sweep

PRESETS = ("quick", "paper")


@dataclass(frozen=True)
class Recipe:
    """A figure: what it shows, how its data are swept, drawn and summarised."""

    name: str
    description: str
    specs: Callable[[str], dict]
    draw: Callable[[dict, Path], None]
    summary: Callable[[dict], dict]


# --- heat conduction and the nonequilibrium phase transition (slides; PRL 118, 040601) ---

PT_T = 1.0
PT_MASSES = (1.0, 0.5)
#: a domain is pure where <m(x)> is within this fraction of (M1 - M2) of one mass
PURE = 0.01


def _force_for(delta_T, T=PT_T):
    """F_u = 1/T_R - 1/T_L for T_L,R = T +- delta_T / 2."""
    return 1.0 / (T - delta_T / 2) - 1.0 / (T + delta_T / 2)


def _delta_T(F_u, T=PT_T):
    """Inverse of ``_force_for`` (PHYSICS.md: dT/2 = (sqrt(1 + F_u^2 T^2) - 1) / F_u)."""
    return 2 * (np.sqrt(1 + (F_u * T) ** 2) - 1) / F_u


def _phase_transition_specs(preset):
    quick = preset == "quick"
    delta_T = np.linspace(0.2, 1.6, 8 if quick else 15)
    return {"scan": {
        "base": {"barrier": 1.0, "T": PT_T, "m_bullet": PT_MASSES[0], "m_rod": PT_MASSES[1],
                 "bullet_walls": "thermal", "bins": 20 if quick else 40,
                 "t_transient": 2000.0 if quick else 20000.0,
                 "t_measure": 20000.0 if quick else 1e6},
        "axes": {"length": [20, 40, 80] if quick else [20, 40, 80, 160, 320, 640],
                 "F_u": [round(float(_force_for(d)), 6) for d in delta_T]},
    }}


def _pure_fraction(mean_mass):
    """Fraction of the bin edges inside a pure bullet or pure rod domain."""
    heavy, light = PT_MASSES
    tolerance = PURE * (heavy - light)
    pure = (np.abs(mean_mass - heavy) < tolerance) | (np.abs(mean_mass - light) < tolerance)
    return pure.mean(axis=-1)


def _phase_transition_summary(results):
    ds = results["scan"]
    delta_T = _delta_T(ds.F_u.values)
    log_L = np.log(ds.length.values)
    exponent = np.array([np.polyfit(log_L, np.log(ds.kappa.isel(F_u=i).values), 1)[0]
                         for i in range(ds.sizes["F_u"])])
    pure = _pure_fraction(ds.mean_mass.isel(length=-1).values)

    def crossing(values, level):
        """Where ``values`` first reach ``level`` (None: not bracketed by the scan)."""
        above = np.nonzero(values >= level)[0]
        if above.size == 0 or above[0] == 0:
            return None
        i = above[0]
        f = (level - values[i - 1]) / (values[i] - values[i - 1])
        return float(delta_T[i - 1] + f * (delta_T[i] - delta_T[i - 1]))

    return {
        "delta_T": delta_T.round(4).tolist(),
        "kappa_exponent": exponent.round(3).tolist(),
        "pure_fraction_largest_L": pure.round(3).tolist(),
        "transition_from_exponent": crossing(exponent, 0.5),
        "transition_from_separation": crossing(pure, 0.5),
        "criteria": "kappa ~ L^alpha with alpha crossing 1/2; more than half of the largest "
                    "channel in pure single-species domains (<m(x)> within 1% of a mass); "
                    "null: the scan does not bracket the crossing",
    }


def _phase_transition_draw(results, out):
    import matplotlib.pyplot as plt

    ds = results["scan"]
    summary = _phase_transition_summary(results)
    delta_T = np.array(summary["delta_T"])
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    ax = axes[0]
    for L in ds.length.values:
        d = ds.sel(length=L)
        ax.errorbar(delta_T, d.kappa, d.kappa_err, marker="o", ms=4, capsize=2,
                    label=f"L = {L:g}")
    ax.set_xlabel(r"$\Delta T$")
    ax.set_ylabel(r"$\kappa = J_u L / \Delta T$")
    ax.legend(fontsize=8)
    ax = axes[1]
    for i in range(0, ds.sizes["F_u"], max(ds.sizes["F_u"] // 4, 1)):
        d = ds.isel(F_u=i)
        ax.errorbar(d.length, d.kappa, d.kappa_err, marker="o", ms=4, capsize=2,
                    label=rf"$\Delta T$ = {delta_T[i]:.2f} ($\alpha$ = "
                          rf"{summary['kappa_exponent'][i]:.2f})")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("L")
    ax.set_ylabel(r"$\kappa$")
    ax.legend(fontsize=7)
    ax = axes[2]
    largest = ds.isel(length=-1)
    for i in range(ds.sizes["F_u"]):
        ax.plot(largest.x_edge_rel, largest.mean_mass.isel(F_u=i),
                color=plt.cm.viridis(i / max(ds.sizes["F_u"] - 1, 1)),
                label=rf"{delta_T[i]:.2f}")
    ax.set_xlabel(f"x / L (L = {largest.length.item():g}, hot end left)")
    ax.set_ylabel(r"$\langle m(x) \rangle$")
    ax.legend(title=r"$\Delta T$", fontsize=6, ncol=2)
    for key, label in (("transition_from_exponent", "exponent"),
                       ("transition_from_separation", "separation")):
        if summary[key] is not None:
            axes[0].axvline(summary[key], ls="--" if label == "exponent" else ":",
                            color="k", lw=0.8)
    fig.suptitle("Heat-bath conduction: species separate and kappa becomes ~ L "
                 f"(h = 1, T = {PT_T:g}, masses {PT_MASSES[0]:g} and {PT_MASSES[1]:g})")
    fig.tight_layout()
    _save(fig, out)


RECIPES = {
    "phase-transition": Recipe(
        name="phase-transition",
        description="heat baths: kappa(dT, L), kappa ~ L^alpha, <m(x)>; locates the "
                    "nonequilibrium phase transition (slides; Wang and Casati, PRL 118)",
        specs=_phase_transition_specs, draw=_phase_transition_draw,
        summary=_phase_transition_summary),
}


def _save(fig, out):
    import matplotlib.pyplot as plt

    for suffix in (".png", ".pdf"):
        with atomic_path(out.with_suffix(suffix)) as tmp:
            fig.savefig(tmp, dpi=120)
    plt.close(fig)


def figure(name, preset="quick", out="figures", workers=None, scheduler=None,
           slurm=None) -> dict:
    """Compute (or reuse) a recipe's data, draw it, and return its summary.

    Writes ``out/NAME.nc`` (per sweep: ``out/NAME.<part>.nc``), ``out/NAME.png``,
    ``out/NAME.pdf`` and ``out/NAME.json`` (the summary); the sweep points live in
    ``out/NAME-data/`` so that an interrupted figure resumes.
    """
    import matplotlib

    matplotlib.use("Agg")
    if name not in RECIPES:
        raise ParameterError("name", f"unknown figure {name!r}; known: "
                             f"{', '.join(RECIPES)}")
    if preset not in PRESETS:
        raise ParameterError("preset", f"must be one of {', '.join(PRESETS)}, got {preset!r}")
    recipe = RECIPES[name]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    results = {}
    for part, spec in recipe.specs(preset).items():
        results[part] = sweep(spec, out / f"{name}-data" / part, workers=workers,
                              scheduler=scheduler, slurm=slurm)
        write_netcdf(results[part], out / (f"{name}.nc" if part == "scan"
                                          else f"{name}.{part}.nc"))
    recipe.draw(results, out / name)
    summary = {"figure": name, "preset": preset, **recipe.summary(results)}
    write_text(out / f"{name}.json", json.dumps(summary, indent=1))
    return summary
