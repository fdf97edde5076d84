"""The slides' conjecture, tested: h_B* ~ L_B^-1/2, and "diverging YT possible adapting
barrier height with system size".

``yt-conjecture`` scans, at each length, the barriers around the critical barrier with
Onsager matrices extrapolated to zero force (``critical.scan_specs``, the
``"linear"`` response): h*(L) is where L_ru changes sign, with its error, the power law
and the local exponents between neighbouring lengths (``critical.scan_result``). Every
scanned matrix is also channel A of the slides' circular engine, whose channel B is the
free channel (h = 0) of the same length: its Onsager matrix is exact
(``free_channel_matrix``), so YT(L, h) (``heat_engine.linear_response``) comes at no
further cost at every scanned barrier, with errors from channel A's. The summary
reports YT at the scanned barriers and its largest value per length with that
barrier in units of h*(L).

The reservoirs are the Letter's (T = 1, mu = 1.5), the engine's mean temperature; the
engine's YT is a linear-response quantity, so it does not depend on its T_hot - T_cold.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .. import thermo
from ..critical import power_law, scan_result, scan_specs
from ..heat_engine import linear_response
from ..params import LETTER_MU, LETTER_T, RunParams
from .common import Recipe, _matrix, _pyplot, _save, rounded

#: the barriers scanned per length: four around h* of linear response (the slides'
#: h* ~ L^-1/2 from h*(20) ~ 0.6), the outer two confirming the signs, then larger ones
#: up to about 3 h*, where YT is largest at L = 20 and 40, and the Letter's h = 1
GRIDS = {20.0: [0.45, 0.6, 0.75, 0.9, 1.0, 1.2, 1.8],
         40.0: [0.3, 0.4, 0.5, 0.6, 0.85, 1.0, 1.3],
         80.0: [0.22, 0.3, 0.38, 0.46, 0.6, 0.9, 1.0],
         160.0: [0.16, 0.22, 0.28, 0.34, 0.45, 0.65, 1.0],
         320.0: [0.11, 0.15, 0.2, 0.25, 0.32, 0.45, 1.0]}
#: the lengths of each preset; the measured time of every run of a matrix (16 relaxation
#: times L^2 / 2 up to L = 80; at 160 and 320 longer, 2e5 and 8.2e5)
LENGTHS = {"quick": (20.0, 40.0, 80.0), "paper": (20.0, 40.0, 80.0, 160.0, 320.0)}
T_MEASURE = {20.0: 1e5, 40.0: 1e5, 80.0: 1e5, 160.0: 2e5, 320.0: 8.192e5}
#: the largest force of the Onsager runs (extrapolated to zero: ``onsager.FORCE``)
FORCE = 0.4
#: the engine's reservoirs around the mean temperature (``linear_response``)
T_HOT, T_COLD = 1.05, 0.95
#: YT is compared across lengths at a fixed barrier (the Letter's h = 1) and at the
#: scanned barrier nearest this multiple of h*(L) (adapted)
FIXED_BARRIER, ADAPTED_MULTIPLE = 1.0, 2.0


def _conjecture_specs(preset):
    """One Onsager scan over the barriers per length, named ``L<length>``."""
    parts = {}
    for L in LENGTHS[preset]:
        spec = scan_specs({L: GRIDS[L]}, "linear", FORCE, T_MEASURE[L])[L]
        parts[f"L{L:g}"] = spec
    return parts


def free_channel_matrix(length, T=LETTER_T, mu=LETTER_MU) -> xr.Dataset:
    """Channel B of the engine: the exact Onsager matrix of a free channel (h = 0) with
    the default rods (``thermo.free_channel_onsager``), and sigma, kappa, S with zero
    errors, as ``onsager`` returns them."""
    params = RunParams.create(length=length, barrier=0.0, T=T, mu=mu)
    entries = thermo.free_channel_onsager(T, mu, params.m_bullet, params.m_rod,
                                          params.n_rods, length)
    coefficients = thermo.transport_coefficients(
        entries["L_rr"], entries["L_ru"], entries["L_ur"], entries["L_uu"], T, mu)
    data = {}
    for name, value in {**entries, **coefficients}.items():
        data[name], data[name + "_err"] = float(value), 0.0
    return xr.Dataset(data, attrs={"length": float(length), "n_rods": params.n_rods})


def _engine_rows(results):
    """Per length (ascending): the scanned barriers, channel A's L_ru and YT of the
    engine with the free channel B at each barrier, each with its error."""
    rows = []
    for part in sorted(results, key=lambda name: results[name].attrs["base_length"]):
        ds = results[part]
        L = ds.attrs["base_length"]
        free = free_channel_matrix(L)
        engines = [linear_response(_matrix(ds, barrier=k), free, T_HOT, T_COLD)
                   for k in range(ds.sizes["barrier"])]
        rows.append({"length": L, "barrier": ds.barrier.values,
                     "YT": np.array([e.YT.item() for e in engines]),
                     "YT_err": np.array([e.YT_err.item() for e in engines])})
    return rows


def _scans(results):
    grids = {results[p].attrs["base_length"]: results[p].barrier.values.tolist()
             for p in results}
    return scan_result(grids, "linear", {results[p].attrs["base_length"]: results[p]
                                         for p in results})


def _YT_against_L(engines, chosen):
    """YT at one scanned barrier per length (``chosen``: index per row), its barrier,
    and the exponent of YT ~ L^gamma fitted to them (``critical.power_law``)."""
    L = np.array([row["length"] for row in engines])
    YT = np.array([row["YT"][k] for row, k in zip(engines, chosen)])
    err = np.array([row["YT_err"][k] for row, k in zip(engines, chosen)])
    gamma, gamma_err, _ = power_law(L, YT, err)
    return {"barrier": [float(row["barrier"][k]) for row, k in zip(engines, chosen)],
            "YT": [rounded(v, 4) for v in YT], "YT_err": [rounded(v, 4) for v in err],
            "exponent": rounded(gamma, 3), "exponent_err": rounded(gamma_err, 3)}


def _nearest_multiple(engines, h_star, multiple):
    """Per length, the index of the scanned barrier nearest ``multiple`` h*(L)."""
    return [int(np.argmin(np.abs(row["barrier"] / hs - multiple)))
            for row, hs in zip(engines, h_star)]


def _conjecture_summary(results):
    h = _scans(results)
    engines = _engine_rows(results)
    best = [int(np.nanargmax(row["YT"])) for row in engines]
    fixed = [int(np.argmin(np.abs(row["barrier"] - FIXED_BARRIER))) for row in engines]
    adapted = _nearest_multiple(engines, h["h_star"], ADAPTED_MULTIPLE)
    # the multiple of h* where YT is largest at the smallest length, kept at every length
    multiple = engines[0]["barrier"][best[0]] / h["h_star"][0]
    at_multiple = _nearest_multiple(engines, h["h_star"], multiple)
    return {
        "points": [{"length": row["length"], "barrier": float(b),
                    "h_star": rounded(h_star, 4), "h_star_err": rounded(h_err, 4),
                    "L_ru": rounded(L_ru, 3), "L_ru_err": rounded(L_ru_err, 3),
                    "YT": rounded(yt, 4), "YT_err": rounded(yt_err, 4)}
                   for row, h_star, h_err, L_ru_row, L_ru_err_row in zip(
                       engines, h["h_star"], h["h_star_err"], h["L_ru"], h["L_ru_err"])
                   for b, L_ru, L_ru_err, yt, yt_err in zip(
                       row["barrier"], L_ru_row, L_ru_err_row, row["YT"], row["YT_err"])],
        "lengths": h["lengths"], "h_star": [rounded(v, 4) for v in h["h_star"]],
        "h_star_err": [rounded(v, 4) for v in h["h_star_err"]],
        "exponent": rounded(h["exponent"], 3), "exponent_err": rounded(h["exponent_err"], 3),
        "local_exponents": [rounded(v, 3) for v in h["local_exponents"]],
        "local_exponents_err": [rounded(v, 3) for v in h["local_exponents_err"]],
        "YT_largest_scanned": [rounded(row["YT"][k], 4) for row, k in zip(engines, best)],
        "YT_largest_scanned_err": [rounded(row["YT_err"][k], 4)
                                   for row, k in zip(engines, best)],
        "barrier_of_largest_YT_over_h_star": [
            rounded(row["barrier"][k] / hs, 3) for row, k, hs in zip(engines, best,
                                                                      h["h_star"])],
        "YT_largest_scanned_against_L": _YT_against_L(engines, best),
        "YT_fixed_barrier": _YT_against_L(engines, fixed),
        "YT_adapted_barrier": _YT_against_L(engines, adapted),
        "YT_fixed_multiple": {"multiple": rounded(multiple, 3),
                              **_YT_against_L(engines, at_multiple)},
        "cpu_seconds": [round(v, 1) for v in h["cpu_seconds"]],
        "criteria": "h*: the root of the straight line through the two scanned barriers "
                    "that bracket L_ru's first sign change (Onsager matrices, forces f / 2 "
                    "and f = 0.4 extrapolated to zero); local exponent: ln(h*_2 / h*_1) / "
                    "ln(L_2 / L_1); YT: the engine of channel A (the scanned barrier) and "
                    "the exact free channel B of the same length, T = 1, mu = 1.5; YT "
                    "against L: at the largest scanned YT, at h = 1 (fixed), at the "
                    "scanned barrier nearest 2 h*(L) (adapted) and nearest the multiple "
                    "of h*(L) where YT is largest at the smallest L (fixed multiple), "
                    "with the exponent of a weighted fit YT ~ L^gamma",
        "slides": "h_B* ~ L_B^-0.5; conjecture: diverging YT possible adapting the barrier "
                  "height with system size"}


def _conjecture_draw(results, out):
    plt = _pyplot()
    h = _scans(results)
    engines = _engine_rows(results)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.3))
    for row, L_ru, L_ru_err, h_star in zip(engines, h["L_ru"], h["L_ru_err"],
                                           h["h_star"]):
        axes[0].errorbar(row["barrier"], L_ru, L_ru_err, marker="o", capsize=2,
                         label=f"L = {row['length']:g}")
        axes[2].errorbar(row["barrier"] / h_star, row["YT"], row["YT_err"], marker="o",
                         capsize=2, label=f"L = {row['length']:g}")
    axes[0].axhline(0.0, color="0.5", lw=0.8)
    axes[0].set_xlabel("barrier h")
    axes[0].set_ylabel(r"$L_{\rho u}$ (zero force)")
    axes[0].legend(fontsize=8)
    lengths = np.array(h["lengths"])
    axes[1].errorbar(lengths, h["h_star"], h["h_star_err"], marker="o", capsize=2,
                     label="h* (sign of L_ru)")
    if np.isfinite(h["h_star"][0]):
        axes[1].plot(lengths, h["h_star"][0] * (lengths / lengths[0]) ** -0.5, "--",
                     color="0.5", label=r"$\propto L^{-1/2}$ from the first")
    axes[1].set_xscale("log")
    axes[1].set_yscale("log")
    axes[1].set_xlabel("L")
    axes[1].set_ylabel("h*")
    axes[1].set_title(f"beta = {h['exponent']:.3f} +- {h['exponent_err']:.3f}", fontsize=9)
    axes[1].legend(fontsize=8)
    axes[2].set_xlabel("barrier of channel A in units of h*(L)")
    axes[2].set_ylabel("YT (channel B free, same L)")
    axes[2].legend(fontsize=8)
    fig.suptitle("The slides' conjecture: the critical barrier of linear response and the "
                 "engine's YT at the scanned barriers", fontsize=10)
    fig.tight_layout()
    _save(fig, out)


#: the conjecture's figure, as ``coupledgas.figures.RECIPES`` lists it
RECIPES = (
    Recipe(
        name="yt-conjecture",
        description="the slides' conjecture: the critical barrier h*(L) of linear response "
                    "(the sign of L_ru) with local exponents, and the engine's YT at the "
                    "scanned barriers (channel B free); quick: L = 20-80, paper: to 320",
        specs=_conjecture_specs, draw=_conjecture_draw, summary=_conjecture_summary),
)
