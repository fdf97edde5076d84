"""Figure recipes: the data (through the sweep machinery, so they resume and distribute)
and the matplotlib drawing, with a ``quick`` preset for a laptop and a ``paper`` preset
for a cluster.

A recipe is a ``Recipe``: ``specs(preset)`` gives the sweep specs (runs, engine runs,
Onsager matrices), ``extra(results)`` what is derived from the sweeps' results (a
linear-response prediction, say), ``draw(results, out)`` the figure,
``summary(results)`` what the figure finds. Each module declares its recipes as its
``RECIPES``; ``RECIPES`` here collects them by name, grouped by source: ``letter``
(Figs. 2-5), ``supplement`` (Figs. 6-9), ``letter_sizes`` (spot checks at the Letter's
sizes), ``slides``, ``encounters`` (dissipation and other passing rules),
``conjecture`` (the slides' conjecture), ``finite_range`` (the barrier of range r) and
``icc_map`` (where inverse currents live); ``common`` holds what they share.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..files import write_netcdf, write_text
from ..params import ParameterError
from ..sweep import sweeps
from . import (
    conjecture,
    encounters,
    finite_range,
    icc_map,
    letter,
    letter_sizes,
    slides,
    supplement,
)
from .common import PRESETS, Recipe
from .slides import adapted_barrier

__all__ = ["PRESETS", "RECIPES", "Recipe", "adapted_barrier", "budget_record", "figure",
           "figure_parts"]

# name -> Recipe, in the gallery's order: each module's RECIPES
RECIPES = {recipe.name: recipe
           for module in (letter, supplement, letter_sizes, slides, encounters, conjecture,
                          finite_range, icc_map)
           for recipe in module.RECIPES}


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
