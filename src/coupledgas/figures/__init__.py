"""Figure recipes: the data (through the sweep machinery, so they resume and distribute)
and the matplotlib drawing, with a ``quick`` preset for a laptop and a ``paper`` preset
for a cluster.

A recipe is a ``Recipe``: ``specs(preset)`` gives the sweep specs (runs, engine runs,
Onsager matrices), ``extra(results)`` what is derived from the sweeps' results (a
linear-response prediction, say), ``draw(results, out)`` the figure,
``summary(results)`` what the figure finds. ``RECIPES`` holds them by name, grouped by
source: ``letter`` (Figs. 2-5), ``letter_sizes`` (spot checks at the Letter's sizes),
``supplement`` (Figs. 6-9), ``slides``, ``encounters`` (dissipation and other passing
rules) and ``finite_range`` (the barrier of range r);
``common`` holds what they share.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..files import write_netcdf, write_text
from ..onsager import ENTRIES
from ..params import ParameterError
from ..sweep import sweeps
from .common import PRESETS, Recipe, _force_scan_draw
from .conjecture import _conjecture_draw, _conjecture_specs, _conjecture_summary
from .encounters import (
    _dissipation_draw,
    _dissipation_specs,
    _dissipation_summary,
    _passing_draw,
    _passing_specs,
    _passing_summary,
)
from .finite_range import _range_draw, _range_specs, _range_summary
from .icc_map import _icc_map_draw, _icc_map_specs, _icc_map_summary
from .letter import (
    _fig2_specs,
    _fig2_summary,
    _fig3_draw,
    _fig3_specs,
    _fig3_summary,
    _fig4_draw,
    _fig4_specs,
    _fig4_summary,
    _fig5_draw,
    _fig5_specs,
    _fig5_summary,
)
from .letter_sizes import (
    _fig4_160_draw,
    _fig4_160_specs,
    _fig4_160_summary,
    _fig5_1280_draw,
    _fig5_1280_specs,
    _fig5_1280_summary,
    _fig5_sizes_draw,
    _fig5_sizes_specs,
    _fig5_sizes_summary,
    _fig9_320_draw,
    _fig9_320_specs,
    _fig9_320_summary,
)
from .slides import (
    _engine_draw,
    _engine_extra,
    _engine_setup,
    _engine_specs,
    _engine_summary,
    _force_for,  # noqa: F401 - the tests build phase-transition grids with it
    _phase_transition_draw,
    _phase_transition_specs,
    _phase_transition_summary,
    _yt_draw,
    _yt_extra,
    _yt_setup,
    _yt_specs,
    _yt_summary,
    adapted_barrier,
)
from .supplement import (
    FIG9_COEFFICIENTS,
    _coefficients_by_size_draw,
    _coefficients_by_size_specs,
    _coefficients_by_size_summary,
    _currents_by_size_specs,
    _currents_by_size_summary,
)

__all__ = ["PRESETS", "RECIPES", "Recipe", "adapted_barrier", "budget_record", "figure",
           "figure_parts"]

# The engine figures' set-ups are looked up here when a figure is made (so that a caller
# can shrink them by replacing ``_engine_setup`` or ``_yt_setup`` in this module).
RECIPES = {recipe.name: recipe for recipe in (
    Recipe(
        name="fig2",
        description="the Letter's Fig. 2: J_rho, J_u against F_u (F_rho = 0) and against "
                    "F_rho (F_u = 0), L = 20",
        specs=_fig2_specs, summary=_fig2_summary,
        draw=_force_scan_draw(False, "Fig. 2: currents against one force, L = 20, h = 1 "
                                     "(the other force 0)")),
    Recipe(
        name="fig3",
        description="the Letter's Fig. 3: J_rho and J_u over the (F_rho, F_u) plane with "
                    "the zero-current contours; the inverse-current regions must not overlap",
        specs=_fig3_specs, draw=_fig3_draw, summary=_fig3_summary),
    Recipe(
        name="fig4",
        description="the Letter's Fig. 4: J_rho and L_ru against the barrier h at "
                    "F_u = 0.1 (L = 160; quick: L = 40)",
        specs=_fig4_specs, draw=_fig4_draw, summary=_fig4_summary),
    Recipe(
        name="fig5",
        description="the Letter's Fig. 5: J_rho(F_u) at L = 1280 (quick: 320) with "
                    "J_rho L / F_u, and <m(x)> showing the bullets' domain at the hot end; "
                    "reports the onset",
        specs=_fig5_specs, draw=_fig5_draw, summary=_fig5_summary),
    Recipe(
        name="fig6",
        description="the Supplement's Fig. 6: Fig. 2 for several sizes (quick: L = 20, 40, "
                    "80; paper: up to 320)",
        specs=_currents_by_size_specs, summary=_currents_by_size_summary,
        draw=_force_scan_draw(False, "Fig. 6: Fig. 2 for several sizes (h = 1)")),
    Recipe(
        name="fig7",
        description="the Supplement's Fig. 7: J_rho/J_u (F_rho = 0) and J_u/J_rho "
                    "(F_u = 0) for several sizes (the data of fig6)",
        specs=_currents_by_size_specs, summary=_currents_by_size_summary, data_name="fig6",
        draw=_force_scan_draw(True, "Fig. 7: current ratios for several sizes")),
    Recipe(
        name="fig8",
        description="the Supplement's Fig. 8: Onsager coefficients against L (finite "
                    "forces (f, 0) and (0, f))",
        specs=_coefficients_by_size_specs, summary=_coefficients_by_size_summary,
        draw=_coefficients_by_size_draw(ENTRIES,
                                        "Fig. 8: Onsager coefficients against L (h = 1)")),
    Recipe(
        name="fig9",
        description="the Supplement's Fig. 9: sigma, kappa, S and ZT against L (the data "
                    "of fig8)",
        specs=_coefficients_by_size_specs, summary=_coefficients_by_size_summary,
        data_name="fig8",
        draw=_coefficients_by_size_draw(
            FIG9_COEFFICIENTS, "Fig. 9: transport coefficients and ZT against L (h = 1)")),
    Recipe(
        name="fig4-160",
        description="spot check at the Letter's size: the sign change of J_rho with h at "
                    "L = 160, F_u = 0.1, against h* ~ L^-1/2 from L = 40 (0.3 CPU hours)",
        specs=_fig4_160_specs, draw=_fig4_160_draw, summary=_fig4_160_summary),
    Recipe(
        name="fig5-1280",
        description="spot check at the Letter's size: <m(x)> at the hot end at L = 1280 "
                    "for F_u = 0.35, 0.4, 0.45 (about 3 CPU hours)",
        specs=_fig5_1280_specs, draw=_fig5_1280_draw, summary=_fig5_1280_summary),
    Recipe(
        name="fig5-sizes",
        description="the Letter's Fig. 5(a) at L = 320 and 1280 as chains of forces (each "
                    "point starts from the previous one's final state): does |J_rho L / "
                    "F_u| rise above the onset, by how many errors? (hours per length)",
        specs=_fig5_sizes_specs, draw=_fig5_sizes_draw, summary=_fig5_sizes_summary),
    Recipe(
        name="fig9-320",
        description="spot check at the Letter's sizes: S and ZT at L = 40, 80, 160, 320 "
                    "from Onsager matrices extrapolated to zero force (about 3 CPU hours)",
        specs=_fig9_320_specs, draw=_fig9_320_draw, summary=_fig9_320_summary),
    Recipe(
        name="phase-transition",
        description="heat baths: kappa(dT, L), kappa ~ L^alpha, <m(x)>; locates the "
                    "nonequilibrium phase transition (slides; Wang and Casati, PRL 118)",
        specs=_phase_transition_specs, draw=_phase_transition_draw,
        summary=_phase_transition_summary),
    Recipe(
        name="engine",
        description="circular heat engine: (power, efficiency) over a load sweep on the "
                    "linear-response trade-off curve (slides; PRE 106)",
        specs=lambda preset: _engine_specs(preset, _engine_setup(preset)),
        extra=_engine_extra,
        draw=_engine_draw, summary=_engine_summary),
    Recipe(
        name="yt-vs-length",
        description="engine figure of merit YT against L, channel A's barrier adapted as "
                    "L^-1/2 (slides: the route toward Carnot efficiency)",
        specs=lambda preset: _yt_specs(_yt_setup(preset)),
        extra=_yt_extra,
        draw=_yt_draw, summary=_yt_summary),
    Recipe(
        name="dissipation",
        description="J_rho, J_u against the dissipation delta at the Fig. 2 point, loss at "
                    "passes, bounces or both, L = 20 and 40: where ICC survives (slides)",
        specs=_dissipation_specs, draw=_dissipation_draw, summary=_dissipation_summary),
    Recipe(
        name="passing",
        description="J_rho, J_u at the Fig. 2 point under the smooth (width w) and quantum "
                    "(barrier width a) passing rules, L = 20 and 40: ICC beyond the sharp "
                    "threshold",
        specs=_passing_specs, draw=_passing_draw, summary=_passing_summary),
    Recipe(
        name="yt-conjecture",
        description="the slides' conjecture: the critical barrier h*(L) of linear response "
                    "(the sign of L_ru) with local exponents, and the engine's YT at the "
                    "scanned barriers (channel B free); quick: L = 20-80, paper: to 320",
        specs=_conjecture_specs, draw=_conjecture_draw, summary=_conjecture_summary),
    Recipe(
        name="range",
        description="J_rho, J_u (F_u = 0.3) and L_ru (F_u = 0.1) against the range r of the "
                    "barrier, L = 20 and 40: does ICC survive the slides' finite-range "
                    "Hamiltonian?",
        specs=_range_specs, draw=_range_draw, summary=_range_summary),
    Recipe(
        name="icc-map",
        description="where inverse currents live: L_ru / sqrt(L_rr L_uu) and ZT over the "
                    "mass ratio M2/M1, the barrier h (0 ... inf) and the rod fraction, "
                    "L = 20 (paper: also L = 40): is M1 > M2 crucial?",
        specs=_icc_map_specs, draw=_icc_map_draw, summary=_icc_map_summary),
)}


def figure_parts(name, preset="quick", out="figures") -> dict:
    """A recipe's sweeps: part -> ``(spec, sweep directory)``, as ``figure`` runs them.

    The points live in ``out/NAME-data/<part>`` (a recipe that shares another's data,
    such as fig7 and fig9, in that one's folder). Raises ``ParameterError`` for an
    unknown name or preset.
    """
    if name not in RECIPES:
        raise ParameterError("name", f"unknown figure {name!r}; known: "
                             f"{', '.join(RECIPES)}")
    if preset not in PRESETS:
        raise ParameterError("preset", f"must be one of {', '.join(PRESETS)}, got {preset!r}")
    recipe = RECIPES[name]
    data = Path(out) / f"{recipe.data_name or name}-data"
    return {part: (spec, data / part) for part, spec in recipe.specs(preset).items()}


def budget_record(name, out="figures") -> Path:
    """Where a figure keeps the factor its budget chose (``plan.fit_budget``)."""
    recipe = RECIPES[name]
    return Path(out) / f"{recipe.data_name or name}-data" / "budget.json"


def figure(name, preset="quick", out="figures", workers=None, scheduler=None,
           slurm=None, progress=None, parts=None) -> dict:
    """Compute (or reuse) a recipe's data, draw it, and return its summary.

    Writes ``out/NAME.nc`` (per sweep: ``out/NAME.<part>.nc``), ``out/NAME.png``,
    ``out/NAME.pdf`` and ``out/NAME.json`` (the summary); the sweep points (runs, engine
    runs and Onsager matrices) live in ``out/NAME-data/`` so that an interrupted figure
    resumes point by point. The points of all the recipe's sweeps share one cluster
    (``workers``, ``scheduler`` or ``slurm``, as in ``sweep``);
    ``progress(done, running, failed, total)`` counts them. ``parts``: the recipe's
    sweeps changed (``figure_parts``, e.g. scaled to a budget by ``plan.fit_budget``)
    [default: as the preset gives them].
    """
    parts = figure_parts(name, preset, out) if parts is None else parts
    recipe = RECIPES[name]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    results = sweeps(parts, workers=workers, scheduler=scheduler, slurm=slurm,
                     progress=progress)
    results.update(recipe.extra(results))
    for part, ds in results.items():
        write_netcdf(ds, out / (f"{name}.nc" if len(results) == 1 else f"{name}.{part}.nc"))
    recipe.draw(results, out / name)
    summary = {"figure": name, "preset": preset, **recipe.summary(results)}
    write_text(out / f"{name}.json", json.dumps(summary, indent=1))
    return summary
