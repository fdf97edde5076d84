"""Where inverse currents live: the sign of the normalised cross coefficient over the
masses, the barrier and the rod fraction.

``icc-map``: one Onsager matrix per point (``kind = "onsager"``: the package's default
forces method, central differences at f / 2 and f extrapolated to zero force, so no
nonlinear bias is left) over a grid of the mass ratio M2/M1 (``m_rod`` with
``m_bullet`` = 1), the barrier h (0 ... inf) and the number of rods, at L = 20 (the
paper preset adds a coarser grid at L = 40). It maps

* the normalised cross coefficient L_ru / sqrt(L_rr L_uu) (``L_ru_normalised``, between
  -1 and 1 by the second law): positive for free bullets (h = 0), negative where a pure
  temperature bias drives the bullets from the cold to the hot reservoir, the inverse
  current of the Letter in linear response;
* the figure of merit ZT (Supplement, Eqs. 6-7).

The Letter says of the two masses "M1 > M2 is crucial": the summary lists the points
where L_ru_normalised is below zero by more than ``Z_INVERSE`` standard errors and says
whether any of them has M2/M1 >= 1, and the most negative point (among those whose
L_rr is resolved: see below).

Where bullets hardly pass the rods (large h, and h = inf) L_rr is near zero, and the
normalised coefficient's size means little: at h = inf J_rho = 0 exactly, L_rr = L_ru = 0
and L_ru / sqrt(L_rr L_uu) is 0/0 (a finite run measures L_rr and L_ru of order 1/t,
from the bullets' exchange with the two ends, so its estimate scatters around zero and
falls as t^-1/2); where L_rr is within ``Z_INVERSE`` errors of zero at a finite barrier,
the value can even leave [-1, 1] and its error understates the spread of a ratio with a
denominator near zero. Its sign is that of L_ru all the same (L_uu > 0), so the summary
also reports the sign of L_ru itself (``inverse_by_L_ru``), which the normalisation
cannot blur, and the figure marks the points whose L_rr is not resolved.
"""

from __future__ import annotations

import math

import numpy as np

from ..params import LETTER_MU, LETTER_T, RunParams
from ..thermo import density
from .common import Recipe, _pyplot, _save, rounded
from .encounters import Z_INVERSE

#: the mass ratios M2/M1 (= m_rod, m_bullet = 1), on both sides of 1; the Letter's is 0.5
MASS_RATIOS = {"quick": [0.1, 0.25, 0.5, 0.8, 1.25, 2.0, 3.0],
               "paper": [0.1, 0.15, 0.25, 0.35, 0.5, 0.65, 0.8, 0.9, 1.1, 1.25, 1.6, 2.0,
                         2.5, 3.0]}
#: the barriers h, from free particles (0) to the hard-point gas (inf); the Letter's is 1
BARRIERS = {"quick": [0.0, 0.25, 0.5, 1.0, 2.0, 4.0, math.inf],
            "paper": [0.0, 0.1, 0.25, 0.4, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0,
                      math.inf]}
#: the numbers of rods as multiples of the Letter's default round(rho(T, mu) L / 2)
#: (45 at L = 20, a third of the particles): half, the default, twice
ROD_MULTIPLES = (0.5, 1.0, 2.0)
#: the Letter's channel and the coarser check of the paper preset
LENGTH, COARSE_LENGTH = 20.0, 40.0
#: measured time of the runs at f / 2 of each Onsager matrix (those at f measure an
#: eighth of it; ``onsager.HALF_FORCE_SHARE``). Quick: the map's 147 points took 1427
#: CPU s (planned 1370; a matrix at the Letter's point about 10 s), with errors on
#: L_ru_normalised of 0.012-0.06 up to h = 1 (0.039 at the Letter's point), more where
#: few bullets pass (docs/figures/README.md, icc-map). Paper: four times the time, so
#: half the errors, on the finer grid at L = 20 and the quick grid at L = 40
T_MEASURE = {"quick": 3.5e4, "paper": 1.4e5}


def letter_rods(length) -> int:
    """The Letter's default number of rods in a channel of ``length`` at its (T, mu):
    round(rho(T, mu) L / 2), as ``RunParams`` sets it."""
    return RunParams.create(length=length, T=LETTER_T, mu=LETTER_MU).n_rods


def rod_fraction(n_rods, length) -> float:
    """The rods' share of the particles at equilibrium: n_rods / (n_rods + rho(T, mu) L),
    the bullets' mean number rho(T, mu) L at any barrier."""
    bullets = float(density(LETTER_T, LETTER_MU)) * length
    return n_rods / (n_rods + bullets)


def _grid_spec(length, mass_ratios, barriers, t_measure):
    """An Onsager sweep over (n_rods, m_rod, barrier) in a channel of ``length``."""
    rods = [round(multiple * letter_rods(length)) for multiple in ROD_MULTIPLES]
    base = {"length": length, "T": LETTER_T, "mu": LETTER_MU, "m_bullet": 1.0,
            "t_measure": t_measure}
    return {"kind": "onsager", "base": base,
            "axes": {"n_rods": rods, "m_rod": mass_ratios, "barrier": barriers}}


def _icc_map_specs(preset):
    """Quick: the map at L = 20. Paper: a finer, longer map at L = 20 and the quick grid
    at L = 40 with the paper's time."""
    t_measure = T_MEASURE[preset]
    specs = {"L20": _grid_spec(LENGTH, MASS_RATIOS[preset], BARRIERS[preset], t_measure)}
    if preset == "paper":
        specs["L40"] = _grid_spec(COARSE_LENGTH, MASS_RATIOS["quick"], BARRIERS["quick"],
                                  t_measure)
    return specs


# --- the summary ---

def _barrier(value):
    """A barrier for JSON: a number, or "inf" (JSON has no infinity)."""
    return "inf" if math.isinf(value) else float(value)


def _inverse(value, err) -> bool:
    """Below zero by more than ``Z_INVERSE`` standard errors (never where the error is
    undefined)."""
    return bool(value < -Z_INVERSE * err)


def _unresolved(value, err):
    """Within ``Z_INVERSE`` standard errors of zero, or with an undefined value or error
    (elementwise for arrays)."""
    return ~(np.abs(value) >= Z_INVERSE * err)


def _point(d, length) -> dict:
    """One Onsager point of a map (``d``, a sweep's results at one n_rods, m_rod and
    barrier) as the summary lists it."""
    n_rods, value, err = int(d.n_rods), float(d.L_ru_normalised), float(d.L_ru_normalised_err)
    return {"length": length, "mass_ratio": float(d.m_rod) / float(d.attrs["base_m_bullet"]),
            "barrier": _barrier(float(d.barrier)), "n_rods": n_rods,
            "rod_fraction": rounded(rod_fraction(n_rods, length), 3),
            "L_ru_normalised": rounded(value, 4), "L_ru_normalised_err": rounded(err, 3),
            "ZT": rounded(float(d.ZT), 4), "ZT_err": rounded(float(d.ZT_err), 3),
            "L_ru": rounded(float(d.L_ru), 3), "L_ru_err": rounded(float(d.L_ru_err), 3),
            "inverse": _inverse(value, err), "resolved": not _unresolved(value, err),
            "inverse_by_L_ru": _inverse(float(d.L_ru), float(d.L_ru_err)),
            "L_rr_resolved": not _unresolved(float(d.L_rr), float(d.L_rr_err))}


def map_points(ds) -> list:
    """Every point of one map (an Onsager sweep over n_rods, m_rod, barrier) as a dict:
    ``length``, ``mass_ratio``, ``barrier`` ("inf" for the hard-point gas), ``n_rods``,
    ``rod_fraction``, ``L_ru_normalised`` and ``L_ru_normalised_err``, ``ZT`` and
    ``ZT_err``, ``L_ru`` and ``L_ru_err``; ``inverse`` (L_ru_normalised below zero by more
    than ``Z_INVERSE`` errors), ``resolved`` (away from zero by at least that),
    ``inverse_by_L_ru`` (the same test on L_ru) and ``L_rr_resolved``."""
    length = float(ds.attrs["base_length"])
    return [_point(ds.sel(n_rods=n_rods, m_rod=m_rod, barrier=barrier), length)
            for n_rods in ds.n_rods.values for m_rod in ds.m_rod.values
            for barrier in ds.barrier.values]


def _place(point) -> dict:
    """Where a point lies: length, mass ratio, barrier, rods."""
    return {k: point[k] for k in ("length", "mass_ratio", "barrier", "n_rods",
                                  "rod_fraction")}


def _inverse_barriers(points) -> dict:
    """Per map column (length, rods) and mass ratio, the barriers with an inverse
    current: the inverse region, row by row."""
    out = {}
    for p in points:
        column = out.setdefault(f"L = {p['length']:g}, n_rods = {p['n_rods']}", {})
        barriers = column.setdefault(f"{p['mass_ratio']:g}", [])
        if p["inverse"]:
            barriers.append(p["barrier"])
    return out


def _icc_map_summary(results):
    points = [p for ds in results.values() for p in map_points(ds)]
    inverse = [p for p in points if p["inverse"]]
    by_L_ru = [p for p in points if p["inverse_by_L_ru"]]
    heavy_rods = [_place(p) for p in inverse if p["mass_ratio"] >= 1.0]
    finite = [p for p in points if p["barrier"] != "inf"]
    return {
        "points": points,
        "significance_in_errors": Z_INVERSE,
        "inverse_points": [_place(p) for p in inverse],
        "inverse_barriers_by_mass_ratio": _inverse_barriers(points),
        "inverse_points_with_M2_at_least_M1": heavy_rods,
        "M1_greater_than_M2_crucial": not heavy_rods,
        "inverse_by_L_ru_points": [_place(p) for p in by_L_ru],
        "inverse_by_L_ru_with_M2_at_least_M1": [_place(p) for p in by_L_ru
                                                if p["mass_ratio"] >= 1.0],
        "most_negative": min((p for p in points if p["L_rr_resolved"]),
                             key=lambda p: p["L_ru_normalised"]),
        "unresolved_points": sum(not p["resolved"] for p in points),
        "L_rr_unresolved_finite_barrier_points": [_place(p) for p in finite
                                                  if not p["L_rr_resolved"]],
        "typical_L_ru_normalised_err": rounded(np.median(
            [p["L_ru_normalised_err"] for p in finite]), 3),
        "positive_at_h0_everywhere": all(p["L_ru_normalised"] > Z_INVERSE
                                         * p["L_ru_normalised_err"]
                                         for p in points if p["barrier"] == 0.0),
        "letter": "M1 > M2 is crucial (the inverse current needs heavy bullets and light "
                  "rods); L_ru < 0 for a range of barriers, > 0 as h -> 0"}


# --- the figure ---

def _log_edges(x):
    """Cell edges of samples ``x`` on a log axis: geometric midpoints, and as far beyond
    the first and last as the neighbouring midpoint."""
    logs = np.log10(np.asarray(x, dtype=float))
    middle = 0.5 * (logs[1:] + logs[:-1])
    return np.concatenate([[2 * logs[0] - middle[0]], middle, [2 * logs[-1] - middle[-1]]])


def _map_panel(ax, ds, name, n_rods, style):
    """One heat map of ``name`` at ``n_rods``: x = log10(M2/M1), one row per barrier (inf
    the top one), ``style`` the keywords of ``pcolormesh`` (colour map and norm); circles
    where ``name`` is within ``Z_INVERSE`` errors of zero, crosses where L_rr is (at a
    finite barrier), and the boundary of the inverse region, L_ru_normalised = 0."""
    d = ds.sel(n_rods=n_rods).transpose("barrier", "m_rod")
    x, y = np.log10(d.m_rod.values), np.arange(d.sizes["barrier"])
    mesh = ax.pcolormesh(_log_edges(d.m_rod.values), np.append(y, y[-1] + 1) - 0.5,
                         _shown(d[name].values, name), **style)
    _zero_contour(ax, x, y, d, "k" if name == "L_ru_normalised" else "w")
    rows, columns = np.nonzero(_unresolved(d[name].values, d[name + "_err"].values))
    ax.plot(x[columns], y[rows], "o", mfc="none", mec="0.3", ms=5)
    rows, columns = np.nonzero(_unresolved(d.L_rr.values, d.L_rr_err.values)
                               & np.isfinite(d.barrier.values)[:, None])
    ax.plot(x[columns], y[rows], "x", color="0.3", ms=4)
    _map_axes(ax, d, float(ds.attrs["base_length"]), n_rods)
    return mesh


def _shown(values, name):
    """The values a panel colours: NaN masked, and for ZT the values <= 0 too (ZT >= 0
    wherever the measured matrix is positive definite; below zero det(L) ~ 0 is noise)."""
    return np.ma.masked_where(~np.isfinite(values) | ((values <= 0) if name == "ZT"
                                                      else False), values)


def _zero_contour(ax, x, y, d, colour):
    """The line L_ru_normalised = 0 over the finite barriers (interpolated linearly in
    log10(M2/M1) and in the row number)."""
    finite = np.isfinite(d.barrier.values)
    values = d.L_ru_normalised.values[finite]
    if min(values.shape) > 1 and np.nanmin(values) < 0 < np.nanmax(values):
        ax.contour(x, y[finite], values, levels=[0.0], colors=colour, linewidths=1.5)


def _map_axes(ax, d, length, n_rods):
    """Ticks at the mass ratios and barriers, a thick line below the h = inf row, a dotted
    one at M2 = M1, and the panel's title (length, rods, rod fraction)."""
    x, y = np.log10(d.m_rod.values), np.arange(d.sizes["barrier"])
    infinite = ~np.isfinite(d.barrier.values)
    if infinite.any():
        ax.axhline(np.argmax(infinite) - 0.5, color="k", lw=2)
    ax.axvline(0.0, color="0.4", ls=":", lw=1)
    ax.set_xticks(x, [f"{v:g}" for v in d.m_rod.values], fontsize=7)
    ax.set_yticks(y, [f"{v:g}" for v in d.barrier.values], fontsize=7)
    ax.set_xlabel("M2 / M1")
    ax.set_ylabel("barrier h")
    ax.set_title(f"L = {length:g}, {n_rods} rods (rod fraction "
                 f"{rod_fraction(n_rods, length):.2f})", fontsize=8)


def _zt_norm(results):
    """A log colour scale for ZT over every map: from the 5th percentile of the positive
    values (at least 1e-3) to the largest."""
    from matplotlib import colors  # at drawing time: see _pyplot

    values = np.concatenate([ds.ZT.values.ravel() for ds in results.values()])
    positive = values[np.isfinite(values) & (values > 0)]
    low = max(np.percentile(positive, 5), 1e-3) if positive.size else 1e-3
    high = positive.max() if positive.size else 1.0
    return colors.LogNorm(vmin=low, vmax=max(high, 10 * low), clip=True)


def _icc_map_draw(results, out):
    """Rows: L_ru_normalised and ZT of each map; columns: the numbers of rods."""
    plt = _pyplot()
    rows = [(part, name) for part in results for name in ("L_ru_normalised", "ZT")]
    columns = max(ds.sizes["n_rods"] for ds in results.values())
    fig, axes = plt.subplots(len(rows), columns, figsize=(4.1 * columns + 1.2,
                                                         3.5 * len(rows)), squeeze=False,
                             layout="constrained")
    cmap = plt.get_cmap("RdBu_r").with_extremes(bad="0.75")
    styles = {"L_ru_normalised": {"cmap": cmap, "vmin": -1.0, "vmax": 1.0},
              "ZT": {"cmap": plt.get_cmap("viridis").with_extremes(bad="0.75"),
                     "norm": _zt_norm(results)}}
    labels = {"L_ru_normalised": r"$L_{\rho u} / \sqrt{L_{\rho\rho} L_{uu}}$",
              "ZT": "ZT"}
    for row, (part, name) in zip(axes, rows):
        ds = results[part]
        for ax, n_rods in zip(row, ds.n_rods.values):
            mesh = _map_panel(ax, ds, name, n_rods, styles[name])
        for ax in row[ds.sizes["n_rods"]:]:
            ax.set_visible(False)
        fig.colorbar(mesh, ax=list(row), label=labels[name], shrink=0.9)
    fig.suptitle("Where inverse currents live: Onsager matrices at T = 1, mu = 1.5 (blue: "
                 "L_ru < 0, inverse; black or white line: L_ru = 0; dotted: M2 = M1;\n"
                 f"circles: within {Z_INVERSE:g} errors of 0; crosses: L_rr within "
                 f"{Z_INVERSE:g} errors of 0, bullets hardly pass; grey: ZT < 0 or undefined; "
                 "h = inf: no particle current, L_ru / sqrt(L_rr L_uu) = 0 / 0)", fontsize=9)
    _save(fig, out)


#: the map of inverse currents, as ``coupledgas.figures.RECIPES`` lists it
RECIPES = (
    Recipe(
        name="icc-map",
        description="where inverse currents live: L_ru / sqrt(L_rr L_uu) and ZT over the "
                    "mass ratio M2/M1, the barrier h (0 ... inf) and the rod fraction, "
                    "L = 20 (paper: also L = 40): is M1 > M2 crucial?",
        specs=_icc_map_specs, draw=_icc_map_draw, summary=_icc_map_summary),
)
