"""What the recipes share: the ``Recipe`` record, the presets, the Letter's set-up, the
force scans of Figs. 2 and 6-7, crossing analysis, one matrix of an Onsager sweep and
drawing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import xarray as xr

from ..files import atomic_path
from ..params import LETTER_MU, LETTER_T

PRESETS = ("quick", "paper")

#: the paper preset's measurement: at least PAPER_T_MEASURE, then until both currents
#: are known to PAPER_REL_ERR, at most PAPER_T_MAX
PAPER_T_MEASURE = 1e6
PAPER_REL_ERR = 0.005
PAPER_T_MAX = 1e8
#: the Supplement's channel lengths (Figs. 6-9)
SIZES = {"quick": (20.0, 40.0, 80.0), "paper": (20.0, 40.0, 80.0, 160.0, 320.0)}
#: a domain is pure where <m(x)> is within this fraction of (M1 - M2) of one mass
PURE = 0.01


@dataclass(frozen=True)
class Recipe:
    """A figure: what it shows, how its data are swept, drawn and summarised."""

    name: str
    description: str
    specs: Callable[[str], dict]
    draw: Callable[[dict, Path], None]
    summary: Callable[[dict], dict]
    #: results of the sweeps -> more results derived from them (a prediction, say)
    extra: Callable[[dict], dict] = lambda results: {}
    data_name: str = ""  # share another recipe's sweep points (default: its own)


def _measurement(preset, t_quick):
    """A run's measurement settings: ``t_quick`` for the quick preset, else the paper's
    precision target."""
    if preset == "quick":
        return {"t_measure": t_quick}
    return {"t_measure": PAPER_T_MEASURE, "rel_err": PAPER_REL_ERR, "t_max": PAPER_T_MAX}


def _force_scan_specs(lengths, forces, t_quick, preset):
    """Two sweeps: the currents against F_u (F_rho = 0) and against F_rho (F_u = 0)."""
    base = {"barrier": 1.0, "T": LETTER_T, "mu": LETTER_MU, "bins": 0}
    base.update(_measurement(preset, t_quick))
    return {"F_u": {"base": {**base, "F_rho": 0.0}, "axes": {"length": lengths,
                                                            "F_u": forces}},
            "F_rho": {"base": {**base, "F_u": 0.0}, "axes": {"length": lengths,
                                                            "F_rho": forces}}}


def _current_ratio(ds, top, bottom):
    """ds[top] / ds[bottom] (J_rho / J_u or its inverse) with its first-order error, the
    two currents' errors correlated as each run measured them (``J_rho_J_u_correlation``;
    independent where a point did not record it)."""
    a, b = ds[top], ds[bottom]
    relative_a, relative_b = ds[top + "_err"] / a, ds[bottom + "_err"] / b
    correlation = ds["J_rho_J_u_correlation"].fillna(0.0) \
        if "J_rho_J_u_correlation" in ds else 0.0
    variance = relative_a**2 + relative_b**2 - 2 * correlation * relative_a * relative_b
    ratio = a / b
    return ratio, np.abs(ratio) * np.sqrt(np.maximum(variance, 0.0))


def _force_scan_draw(ratios, title):
    """Panels as in the Letter's Fig. 2 (or the current ratios), one series per length."""
    def draw(results, out):
        plt = _pyplot()
        fig, axes = plt.subplots(2 if not ratios else 1, 2,
                                 figsize=(9, 7 if not ratios else 3.8), squeeze=False)
        if ratios:  # (a) J_rho / J_u against F_u, (b) J_u / J_rho against F_rho
            panels = [("F_u", "J_rho", "J_u", r"$J_\rho / J_u$"),
                      ("F_rho", "J_u", "J_rho", r"$J_u / J_\rho$")]
        else:  # as Fig. 2: columns F_u and F_rho, rows J_rho and J_u
            panels = [("F_u", "J_rho", None, r"$J_\rho$"), ("F_u", "J_u", None, r"$J_u$"),
                      ("F_rho", "J_rho", None, r"$J_\rho$"), ("F_rho", "J_u", None, r"$J_u$")]
        for ax, (force, name, other, label) in zip(axes.T.ravel(), panels):
            ds = results[force]
            for L in ds.length.values:
                d = ds.sel(length=L)
                if ratios:
                    y, e = _current_ratio(d, name, other)
                else:
                    y, e = d[name], d[name + "_err"]
                ax.errorbar(d[force], y, e, marker="o", ms=3, capsize=2, label=f"L = {L:g}")
            ax.axhline(0.0, color="0.6", lw=0.8)
            ax.set_xlabel(r"$\mathcal{F}_u$" if force == "F_u" else r"$\mathcal{F}_\rho$")
            ax.set_ylabel(label)
            ax.legend(fontsize=7)
        fig.suptitle(title)
        fig.tight_layout()
        _save(fig, out)
    return draw


def _domain_extent(mean_mass, x_edge, level):
    """How far from the hot end (x = 0) <m(x)> stays at or above ``level``: per row of
    ``mean_mass`` (forces, edges), the last edge x of the leading run of such edges,
    NaN where the first edge is already below."""
    above = np.asarray(mean_mass) >= level
    leading = np.argmin(np.hstack([above, np.zeros((above.shape[0], 1), bool)]), axis=1)
    return np.where(leading > 0, np.asarray(x_edge)[np.maximum(leading - 1, 0)], np.nan)


def _bracket(values, level):
    """(i, f): ``values`` first reach ``level`` a fraction f of the way from sample i - 1
    to sample i; None when the samples do not bracket it."""
    above = np.nonzero(np.asarray(values) >= level)[0]
    if above.size == 0 or above[0] == 0:
        return None
    i = above[0]
    return i, (level - values[i - 1]) / (values[i] - values[i - 1])


def _first_crossing(x, values, level):
    """Where ``values`` (sampled at increasing ``x``) first reach ``level``, interpolated
    linearly between the bracketing samples; None when the scan does not bracket it."""
    bracket = _bracket(values, level)
    if bracket is None:
        return None
    i, f = bracket
    return float(x[i - 1] + f * (x[i] - x[i - 1]))


def _crossing_error(x, values, errors, level):
    """Standard error of ``_first_crossing`` from the independent errors of the two
    bracketing samples: the interpolated x* moves by (1 - f) e_0 / slope and f e_1 /
    slope. None when the scan does not bracket the crossing."""
    bracket = _bracket(values, level)
    if bracket is None:
        return None
    i, f = bracket
    slope = (values[i] - values[i - 1]) / (x[i] - x[i - 1])
    return float(np.hypot((1 - f) * errors[i - 1], f * errors[i]) / abs(slope))


def _matrix(ds: xr.Dataset, **index) -> xr.Dataset:
    """One point of a combined Onsager sweep (``index``: dimension -> position), as
    ``onsager`` returns it: with the channel's ``length`` in attrs (what
    ``linear_response`` reads), from the ``length`` coordinate where the sweep varies
    it, else from the spec's base."""
    point = ds.isel(**index)
    length = point["length"].item() if "length" in point.coords else ds.attrs["base_length"]
    return point.assign_attrs(length=float(length))


def rounded(value, digits):
    """``value`` rounded to ``digits`` for a JSON summary; None when missing or not
    finite (JSON has no NaN)."""
    return None if value is None or not np.isfinite(value) else round(float(value), digits)


def _pyplot():
    """``matplotlib.pyplot`` on the file-only Agg backend.

    Imported only when a figure is drawn: the import costs more than half a second, which
    the command line would otherwise pay for every command.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, out):
    """Write ``fig`` to ``out``.png and ``out``.pdf (atomically) and close it."""
    for suffix in (".png", ".pdf"):
        with atomic_path(out.with_suffix(suffix)) as tmp:
            fig.savefig(tmp, dpi=120)
    _pyplot().close(fig)
