"""The Supplement's figures against the channel length: Figs. 6 and 7 (Fig. 2 for several
sizes, and the current ratios) and Figs. 8 and 9 (Onsager and transport coefficients)."""

from __future__ import annotations

import numpy as np

from ..onsager import ENTRIES, entries_from_forces, measured_currents, propagate
from .common import (
    SIZES,
    Recipe,
    _current_ratio,
    _force_scan_draw,
    _force_scan_specs,
    _pyplot,
    _save,
)

#: Fig. 9: the transport coefficients from the Onsager matrix
FIG9_COEFFICIENTS = ("sigma", "kappa", "S", "ZT")


# --- Figs. 6 and 7: the currents against one force, for several sizes ---

def _currents_by_size_specs(preset):
    forces = np.round(np.linspace(0.1, 0.8, 5 if preset == "quick" else 8), 4).tolist()
    return _force_scan_specs(list(SIZES[preset]), forces, 5e4, preset)


def _currents_by_size_summary(results):
    by_u, by_rho = results["F_u"], results["F_rho"]
    rho_over_u, _ = _current_ratio(by_u, "J_rho", "J_u")
    u_over_rho, _ = _current_ratio(by_rho, "J_u", "J_rho")
    return {"lengths": by_u.length.values.tolist(),
            "J_rho_over_J_u_at_smallest_F_u": rho_over_u.isel(F_u=0).values.round(4).tolist(),
            "J_u_over_J_rho_at_smallest_F_rho":
                u_over_rho.isel(F_rho=0).values.round(4).tolist(),
            "J_rho_inverse_points": int(np.sum(by_u.J_rho.values
                                               < -3 * by_u.J_rho_err.values)),
            "J_u_inverse_points": int(np.sum(by_rho.J_u.values
                                             < -3 * by_rho.J_u_err.values)),
            "points_per_panel": int(by_u.J_rho.size),
            "letter": "currents drop with L but ICC persists; |J_rho/J_u| (F_rho = 0) and "
                      "|J_u/J_rho| (F_u = 0) first grow with L, then saturate"}


# --- Figs. 8 and 9: Onsager and transport coefficients against L ---

def _coefficients_by_size_specs(preset):
    force = 0.1 if preset == "quick" else 0.04  # the Letter: 0.04; quick: larger, still linear
    return _force_scan_specs(list(SIZES[preset]), [force], 2e5, preset)


def _coefficients_by_size(results):
    """L_ij = L J_i / f from the two finite-force sweeps (``onsager.entries_from_forces``,
    each run's two currents with their correlated errors, ``onsager.measured_currents``),
    and sigma, kappa, S, ZT (``onsager.propagate``).

    Returns the lengths and a table: name -> (values, errors) against the length.
    """
    by_rho, by_u = results["F_rho"], results["F_u"]
    force = float(by_rho.F_rho[0])
    T, mu = by_rho.attrs["base_T"], by_rho.attrs["base_mu"]
    lengths = by_rho.length.values

    rows = []
    for k, length in enumerate(lengths):
        values, covariance = entries_from_forces(
            measured_currents(by_rho.isel(length=k).squeeze()),
            measured_currents(by_u.isel(length=k).squeeze()), length, force)
        row = dict(zip(ENTRIES, zip(values, np.sqrt(np.diag(covariance)))))
        row.update(propagate(values, covariance, T, mu))
        rows.append(row)
    names = ("L_rr", "L_ur", "L_ru", "L_uu", *FIG9_COEFFICIENTS)
    return lengths, {name: (np.array([row[name][0] for row in rows]),
                            np.array([row[name][1] for row in rows])) for name in names}


def _coefficients_by_size_summary(results):
    L, table = _coefficients_by_size(results)
    out = {"lengths": L.tolist()}
    for name, (value, err) in table.items():
        out[name] = np.round(value, 5).tolist()
        out[name + "_err"] = np.round(err, 5).tolist()
    out["L_ru_negative_at_all_L"] = bool(np.all(table["L_ru"][0] < -2 * table["L_ru"][1]))
    out["letter"] = ("Fig. 8: |L_ij| grow with L, L_ru < 0; Fig. 9: S < 0 and saturating, "
                     "sigma and kappa grow, ZT grows monotonically")
    return out


def coefficient_panels(lengths, table, names, title, out):
    """One panel per name of ``table`` (name -> (values, errors) against ``lengths``),
    L on a log axis labelled at the lengths; saved to ``out``."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(names), figsize=(3.3 * len(names), 3.4))
    for ax, name in zip(axes, names):
        ax.errorbar(lengths, table[name][0], table[name][1], marker="o", capsize=2,
                    color="k")
        ax.set_xscale("log")
        ax.set_xticks(lengths, [f"{length:g}" for length in lengths])
        ax.minorticks_off()
        ax.set_xlabel("L")
        ax.set_title(name)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    _save(fig, out)


def _coefficients_by_size_draw(names, title):
    def draw(results, out):
        coefficient_panels(*_coefficients_by_size(results), names, title, out)
    return draw


#: the Supplement's Figs. 6-9, as ``coupledgas.figures.RECIPES`` lists them
RECIPES = (
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
)
