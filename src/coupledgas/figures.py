"""Figure recipes: the data (through the sweep machinery, so they resume and distribute)
and the matplotlib drawing, with a ``quick`` preset for a laptop and a ``paper`` preset
for a cluster.

A recipe is a ``Recipe``: ``specs(preset)`` gives the sweep specs, ``extra(preset,
workers, data)`` any data computed outside sweeps (Onsager matrices, each kept in the
data folder ``data`` once computed), ``draw(results, out)`` the figure,
``summary(results)`` what the figure finds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import xarray as xr

from .files import atomic_path, write_netcdf, write_text
from .heat_engine import linear_response
from .onsager import onsager, propagate
from .params import ParameterError
from .sweep import digest, sweeps

PRESETS = ("quick", "paper")


@dataclass(frozen=True)
class Recipe:
    """A figure: what it shows, how its data are swept, drawn and summarised."""

    name: str
    description: str
    specs: Callable[[str], dict]
    draw: Callable[[dict, Path], None]
    summary: Callable[[dict], dict]
    extra: Callable[[str, object, Path], dict] = lambda preset, workers, data: {}
    data_name: str = ""  # share another recipe's sweep points (default: its own)


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
                 "t_measure": 20000.0 if quick else 1e6},  # transient: the L^2 default
        "axes": {"length": [20, 40, 80] if quick else [20, 40, 80, 160, 320, 640],
                 "F_u": [round(float(_force_for(d)), 6) for d in delta_T]},
    }}


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
    return {
        "delta_T": delta_T.round(4).tolist(),
        "kappa_exponent": exponent.round(3).tolist(),
        "pure_fraction_largest_L": pure.round(3).tolist(),
        "transition_from_exponent": _first_crossing(delta_T, exponent, 0.5),
        "transition_from_separation": _first_crossing(delta_T, pure, 0.5),
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


# --- the autonomous circular heat engine (slides; PRE 106, 044104) ---

ENGINE_T = (1.05, 0.95)


def _engine_setup(preset):
    quick = preset == "quick"
    return dict(length=10.0 if quick else 20.0, t_measure=1e5 if quick else 1e6,
                t_transient=5000.0 if quick else 20000.0,
                particles=5000 if quick else 50000)


def _engine_specs(preset):
    setup = _engine_setup(preset)
    # up to beyond the stall load, about |S_A - S_B| dT = 1.6 dT at these parameters
    delta_T = ENGINE_T[0] - ENGINE_T[1]
    loads = np.linspace(0.0, 1.6 * delta_T, 5 if preset == "quick" else 9).round(4).tolist()
    return {"loads": {"kind": "engine", "base": {
        "T_hot": ENGINE_T[0], "T_cold": ENGINE_T[1], "length_a": setup["length"],
        "barrier_a": 1.0, "length_b": setup["length"], "barrier_b": 0.0, "load_a": 0.0,
        "reservoir_particles": setup["particles"], "t_transient": setup["t_transient"],
        "t_measure": setup["t_measure"], "seed": 1},
        "axes": {"load_b": loads}}}


def _engine_extra(preset, workers, data):
    setup = _engine_setup(preset)
    kw = dict(length=setup["length"], T=float(np.mean(ENGINE_T)), mu=1.5, force=0.1,
              t_measure=setup["t_measure"])
    a = _kept_onsager(data, workers, barrier=1.0, seed=11, **kw)
    b = _kept_onsager(data, workers, barrier=0.0, seed=12, **kw)
    return {"onsager_a": a, "onsager_b": b,
            "prediction": linear_response(a, b, *ENGINE_T)}


def _engine_comparison(results):
    ds, lr = results["loads"], results["prediction"]
    p_max, eta_c = lr.P_max.item(), lr.eta_carnot.item()
    fraction = ds.power.values / p_max
    best = int(np.argmax(ds.power.values))
    points = []
    for i, (f, eta, err) in enumerate(zip(fraction, ds.efficiency.values,
                                          ds.efficiency_err.values)):
        branch = lr.eta_lower if i <= best else lr.eta_upper
        predicted = float(np.interp(min(max(f, 0.0), 1.0), lr.power_fraction, branch))
        points.append({"load_b": float(ds.load_b[i]), "P_over_Pmax": float(f),
                       "eta_over_eta_C": float(eta / eta_c),
                       "predicted_eta_over_eta_C": predicted / eta_c,
                       "z": float((eta - predicted) / err) if err > 0 else None})
    return points


def _engine_summary(results):
    lr, ds = results["prediction"], results["loads"]
    points = _engine_comparison(results)
    return {"YT": lr.YT.item(), "YT_err": lr.YT_err.item(), "P_max": lr.P_max.item(),
            "P_max_err": lr.P_max_err.item(), "eta_max": lr.eta_max.item(),
            "eta_carnot": lr.eta_carnot.item(),
            "simulated_max_power": float(ds.power.max()),
            "simulated_max_efficiency": float(ds.efficiency.max()),
            "points": points,
            "agree_within_3_sigma": int(sum(p["z"] is not None and abs(p["z"]) < 3
                                            for p in points)),
            "note": "P_max has its own error (P_max_err) that the z of each point omits"}


def _engine_draw(results, out):
    import matplotlib.pyplot as plt

    ds, lr = results["loads"], results["prediction"]
    eta_c, p_max = lr.eta_carnot.item(), lr.P_max.item()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    ax = axes[0]
    ax.errorbar(ds.load_b, ds.power, ds.power_err, marker="o", capsize=2, label="simulated")
    ax.axhline(p_max, ls="--", color="k", lw=0.8, label=f"predicted P_max = {p_max:.3g}")
    ax.set_xlabel(r"load $U_B$")
    ax.set_ylabel("power P")
    ax.legend(fontsize=8)
    ax = axes[1]
    ax.plot(lr.power_fraction, lr.eta_upper / eta_c, color="k", lw=1,
            label=f"linear response, YT = {lr.YT.item():.3g}")
    ax.plot(lr.power_fraction, lr.eta_lower / eta_c, color="k", lw=1)
    ax.errorbar(ds.power / p_max, ds.efficiency / eta_c, xerr=ds.power_err / p_max,
                yerr=ds.efficiency_err / eta_c, marker="o", ls="none", capsize=2,
                label="simulated (loads)")
    ax.set_xlabel(r"$P / P_{max}$")
    ax.set_ylabel(r"$\eta / \eta_C$")
    ax.legend(fontsize=8)
    fig.suptitle(f"Circular heat engine: A (h = 1) and B (h = 0), L = "
                 f"{ds.attrs['base_length_a']:g}, T = {ENGINE_T[0]:g} / {ENGINE_T[1]:g}")
    fig.tight_layout()
    _save(fig, out)


# --- the Supplement's Figs. 6 and 7: Fig. 2 for several sizes, and the current ratios ---

def _force_scan_specs(lengths, forces, t_quick, preset):
    """Two sweeps: the currents against F_u (F_rho = 0) and against F_rho (F_u = 0)."""
    base = {"barrier": 1.0, "T": 1.0, "mu": 1.5, "bins": 0}
    base.update({"t_measure": t_quick} if preset == "quick" else {
        "t_measure": 1e6, "rel_err": 0.005, "t_max": 1e8})
    return {"F_u": {"base": {**base, "F_rho": 0.0}, "axes": {"length": lengths,
                                                            "F_u": forces}},
            "F_rho": {"base": {**base, "F_u": 0.0}, "axes": {"length": lengths,
                                                            "F_rho": forces}}}


def _sizes_specs(preset):
    quick = preset == "quick"
    forces = np.round(np.linspace(0.1, 0.8, 5 if quick else 8), 4).tolist()
    lengths = [20.0, 40.0, 80.0] if quick else [20.0, 40.0, 80.0, 160.0, 320.0]
    return _force_scan_specs(lengths, forces, 5e4, preset)


def _ratio(a, a_err, b, b_err):
    """a / b with the first-order error of independent a and b."""
    r = a / b
    return r, np.abs(r) * np.sqrt((a_err / a) ** 2 + (b_err / b) ** 2)


def _sizes_summary(results):
    by_u, by_rho = results["F_u"], results["F_rho"]
    rho_over_u, _ = _ratio(by_u.J_rho, by_u.J_rho_err, by_u.J_u, by_u.J_u_err)
    u_over_rho, _ = _ratio(by_rho.J_u, by_rho.J_u_err, by_rho.J_rho, by_rho.J_rho_err)
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


def _force_scan_draw(ratios, title):
    """Panels as in the Letter's Fig. 2 (or the current ratios), one series per length."""
    def draw(results, out):
        import matplotlib.pyplot as plt

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
                    y, e = _ratio(d[name], d[name + "_err"], d[other], d[other + "_err"])
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


# --- the Letter's Fig. 3: both currents over the (F_rho, F_u) plane ---

def _fig3_specs(preset):
    quick = preset == "quick"
    n = 6 if quick else 11
    base = {"length": 20.0, "barrier": 1.0, "bins": 0}
    base.update({"t_measure": 4e4} if quick else {"t_measure": 1e6, "rel_err": 0.005,
                                                   "t_max": 1e8})
    return {"plane": {"base": base, "axes": {
        "F_rho": np.round(np.linspace(0.0, 0.5, n), 4).tolist(),
        "F_u": np.round(np.linspace(0.0, 1.0, n), 4).tolist()}}}


def _fig3_summary(results):
    ds = results["plane"]
    inverse_rho = ds.J_rho.values < -3 * ds.J_rho_err.values
    inverse_u = ds.J_u.values < -3 * ds.J_u_err.values
    sigma = ds.entropy_production.values
    return {"J_rho_inverse_points": int(inverse_rho.sum()),
            "J_u_inverse_points": int(inverse_u.sum()),
            "both_inverse_points": int((inverse_rho & inverse_u).sum()),
            "negative_entropy_production_points": int(np.sum(
                sigma < -3 * ds.entropy_production_err.values)),
            "points": int(sigma.size),
            "letter": "ICC in J_rho above a curve in the (F_rho, F_u) plane, in J_u below "
                      "another; the two regions do not overlap (second law)"}


def _fig3_draw(results, out):
    import matplotlib.pyplot as plt

    ds = results["plane"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4))
    for ax, name, label, tag in ((axes[0], "J_rho", r"$J_\rho$", "(a)"),
                                 (axes[1], "J_u", r"$J_u$", "(b)")):
        values = ds[name].transpose("F_u", "F_rho")
        mesh = ax.pcolormesh(ds.F_rho, ds.F_u, values, shading="nearest", cmap="RdBu_r",
                             vmin=-abs(values).max(), vmax=abs(values).max())
        ax.contour(ds.F_rho, ds.F_u, values, levels=[0.0], colors="w", linestyles="--")
        fig.colorbar(mesh, ax=ax, label=label)
        ax.set_xlabel(r"$\mathcal{F}_\rho$")
        ax.set_ylabel(r"$\mathcal{F}_u$")
        ax.set_title(tag, loc="left")
    fig.suptitle("Fig. 3: currents over the plane of forces, L = 20, h = 1 "
                 "(dashed: zero current)")
    fig.tight_layout()
    _save(fig, out)


# --- the Letter's Fig. 4: J_rho and L_ru against the barrier ---

FIG4_FORCE = 0.1


def _fig4_specs(preset):
    quick = preset == "quick"
    barriers = [0.0, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.5, 4.0]
    base = {"length": 40.0 if quick else 160.0, "F_rho": 0.0, "F_u": FIG4_FORCE,
            "bins": 0}
    base.update({"t_measure": 1e5} if quick else {"t_measure": 1e6, "rel_err": 0.005,
                                                   "t_max": 1e8})
    return {"scan": {"base": base, "axes": {"barrier": barriers}}}


def _fig4_L_ru(ds):
    """The finite-force estimate L_ru = L J_rho / F_u (F_rho = 0; the Letter's Eq. 4)."""
    factor = ds.attrs["base_length"] / ds.attrs["base_F_u"]
    return ds.J_rho * factor, ds.J_rho_err * factor


def _fig4_summary(results):
    ds = results["scan"]
    J, err = ds.J_rho.values, ds.J_rho_err.values
    negative = J < -3 * err
    return {"barriers": ds.barrier.values.tolist(), "J_rho": J.tolist(),
            "J_rho_err": err.tolist(),
            "positive_at_h0": bool(J[0] > 3 * err[0]),
            "negative_barriers": ds.barrier.values[negative].tolist(),
            "most_negative_at": float(ds.barrier.values[np.argmin(J)]),
            "letter": "J_rho > 0 as h -> 0, negative in between, fading as h grows (L = 160)"}


def _fig4_draw(results, out):
    import matplotlib.pyplot as plt

    ds = results["scan"]
    L_ru, L_ru_err = _fig4_L_ru(ds)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, y, e, label, tag in ((axes[0], ds.J_rho, ds.J_rho_err, r"$J_\rho$", "(a)"),
                                 (axes[1], L_ru, L_ru_err, r"$\mathcal{L}_{\rho u}$",
                                  "(b)")):
        ax.errorbar(ds.barrier, y, e, marker="o", ms=4, capsize=2, color="k")
        ax.axhline(0.0, color="0.6", lw=0.8)
        ax.set_xlabel("h")
        ax.set_ylabel(label)
        ax.set_title(tag, loc="left")
    fig.suptitle(f"Fig. 4: F_rho = 0, F_u = {ds.attrs['base_F_u']:g}, L = "
                 f"{ds.attrs['base_length']:g}")
    fig.tight_layout()
    _save(fig, out)


# --- the Letter's Fig. 5: J_rho(F_u) at large L and the bullets' domain in <m(x)> ---

def _fig5_specs(preset):
    quick = preset == "quick"
    # the Letter's panel (b) shows the middle five forces: centred on the onset, which
    # is near 0.4 at L = 1280 and 0.56 at L = 320 (docs/figures)
    forces = ([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] if quick else
              [0.05, 0.1, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8])
    base = {"length": 320.0 if quick else 1280.0, "barrier": 1.0, "F_rho": 0.0,
            "m_bullet": 1.0, "m_rod": 0.5, "bins": 32 if quick else 128}
    # t_transient: the default max(200, L^2 / 2), which lets the domain form
    base.update({"t_measure": 4e4} if quick else {"t_measure": 1e6, "rel_err": 0.005,
                                                   "t_max": 1e8})
    return {"scan": {"base": base, "axes": {"F_u": forces}}}


def _fig5_profiles(ds):
    """The forces whose <m(x)> panel (b) draws: the middle five, as in the Letter."""
    n = ds.sizes["F_u"]
    start = max((n - 5) // 2, 0)
    return ds.F_u.values[start:start + 5]


def _fig5_analysis(ds):
    """Rescaled current, hot-end mass and pure-bullet domain of each force, and onsets.

    The rescaled current L~_ru = J_rho L / F_u (the inset of Fig. 5a) tends to L_ru as
    F_u -> 0. An edge is in a pure bullet domain when <m(x)> lies within ``PURE`` of
    (M1 - M2) of M1; the domain is the run of such edges from the hot end (x = 0).
    """
    L, F = ds.attrs["base_length"], ds.F_u.values
    heavy, light = ds.attrs["base_m_bullet"], ds.attrs["base_m_rod"]
    pure_level = heavy - PURE * (heavy - light)
    mean_mass = ds.mean_mass.values  # (F_u, x_edge_rel)
    pure = mean_mass >= pure_level
    leading = np.argmin(np.hstack([pure, np.zeros((F.size, 1), bool)]), axis=1)
    extent = np.where(leading > 0, ds.x_edge_rel.values[np.maximum(leading - 1, 0)], np.nan)
    rescaled = ds.J_rho.values * L / F
    turning = int(np.argmin(np.abs(rescaled)))
    return {"rescaled": rescaled, "rescaled_err": ds.J_rho_err.values * L / F,
            "hot_end_mass": mean_mass[:, 0], "hot_end_mass_err": ds.mean_mass_err.values[:, 0],
            "pure_level": pure_level, "domain_extent": extent,
            "onset": _first_crossing(F, mean_mass[:, 0], pure_level),
            "onset_err": _crossing_error(F, mean_mass[:, 0], ds.mean_mass_err.values[:, 0],
                                         pure_level),
            "turning_point": float(F[turning]) if 0 < turning < F.size - 1 else None}


def _fig5_summary(results):
    ds = results["scan"]
    a = _fig5_analysis(ds)

    def listed(values, digits=5):
        return [None if not np.isfinite(v) else round(float(v), digits) for v in values]

    return {
        "length": ds.attrs["base_length"], "F_u": ds.F_u.values.tolist(),
        "J_rho": listed(ds.J_rho.values, 6), "J_rho_err": listed(ds.J_rho_err.values, 6),
        "J_rho_L_over_F_u": listed(a["rescaled"], 3),
        "J_rho_L_over_F_u_err": listed(a["rescaled_err"], 3),
        "hot_end_mean_mass": listed(a["hot_end_mass"]),
        "hot_end_mean_mass_err": listed(a["hot_end_mass_err"]),
        "pure_bullet_domain_x_over_L": listed(a["domain_extent"], 4),
        "onset_F_u": a["onset"], "onset_F_u_err": a["onset_err"],
        "rescaled_current_turning_point_F_u": a["turning_point"],
        "J_rho_inverse_points": int(np.sum(ds.J_rho.values < -3 * ds.J_rho_err.values)),
        "criteria": f"onset: F_u where <m> at the hot end (x -> 0+) first reaches "
                    f"{a['pure_level']:g} (within {PURE:.0%} of M1 - M2 of M1), linearly "
                    f"interpolated (its error from the errors of <m> at the two "
                    f"bracketing forces); pure bullet domain: the edges from x = 0 on where <m> "
                    f"stays there (null: none); turning point: the F_u of smallest "
                    f"|J_rho L / F_u| (null: at an end of the scan)",
        "letter": "L = 1280: |J_rho| grows slowly below F_u(c) ~ 0.4 and sharply above; "
                  "J_rho L / F_u first decays in magnitude, then grows; at F_u(c) the hot "
                  "end holds only bullets, and beyond it a pure bullet domain grows",
    }


def _fig5_draw(results, out):
    import matplotlib.pyplot as plt

    ds = results["scan"]
    a = _fig5_analysis(ds)
    L = ds.attrs["base_length"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4))
    ax = axes[0]
    ax.errorbar(ds.F_u, ds.J_rho, ds.J_rho_err, marker="o", ms=4, capsize=2, color="k")
    ax.set_xlabel(r"$\mathcal{F}_u$")
    ax.set_ylabel(r"$J_\rho$")
    ax.set_title("(a)", loc="left")
    if a["onset"] is not None:
        ax.axvline(a["onset"], ls=":", color="k", lw=0.8)
    inset = ax.inset_axes([0.56, 0.56, 0.41, 0.38])  # J_rho falls from top left
    inset.errorbar(ds.F_u, a["rescaled"], a["rescaled_err"], marker="o", ms=3, capsize=2,
                   color="k")
    inset.set_xlabel(r"$\mathcal{F}_u$", fontsize=8, labelpad=1)
    inset.set_ylabel(r"$\tilde{\mathcal{L}}_{\rho u} = J_\rho L / \mathcal{F}_u$",
                     fontsize=8)
    inset.tick_params(labelsize=7)
    ax = axes[1]
    chosen = _fig5_profiles(ds)
    for k, F_u in enumerate(chosen):
        ax.plot(ds.x_edge_rel * L, ds.mean_mass.sel(F_u=F_u),
                color=plt.cm.viridis(k / max(len(chosen) - 1, 1)),
                label=rf"$\mathcal{{F}}_u$ = {F_u:g}")
    ax.axhline(a["pure_level"], color="0.6", lw=0.8, ls="--")
    ax.set_xlabel("x (hot end left)")
    ax.set_ylabel(r"$\langle m(x) \rangle$")
    ax.set_title("(b)", loc="left")
    ax.legend(fontsize=8)
    onset = ("not reached" if a["onset"] is None
             else f"{a['onset']:.2f} +- {a['onset_err']:.2f}")
    fig.suptitle(f"Fig. 5: F_rho = 0, L = {L:g}, h = 1; onset of the pure bullet end "
                 f"F_u(c) = {onset} (dotted)")
    fig.tight_layout()
    _save(fig, out)


# --- the Supplement's Figs. 8 and 9: Onsager and transport coefficients against L ---

def _size_specs(preset):
    quick = preset == "quick"
    base = {"barrier": 1.0, "T": 1.0, "mu": 1.5, "bins": 0}
    base.update({"t_measure": 2e5} if quick else {"t_measure": 1e6, "rel_err": 0.005,
                                                   "t_max": 1e8})
    force = 0.1 if quick else 0.04  # the Letter: 0.04; quick: larger, still linear
    lengths = [20.0, 40.0, 80.0] if quick else [20.0, 40.0, 80.0, 160.0, 320.0]
    return {"F_rho": {"base": {**base, "F_u": 0.0}, "axes": {"length": lengths,
                                                            "F_rho": [force]}},
            "F_u": {"base": {**base, "F_rho": 0.0}, "axes": {"length": lengths,
                                                            "F_u": [force]}}}


def _size_coefficients(results):
    """L_ij = L J_i / f from the two finite-force sweeps, and sigma, kappa, S, ZT."""
    by_rho, by_u = results["F_rho"], results["F_u"]
    f = float(by_rho.F_rho[0])
    L = by_rho.length.values
    entries = {"L_rr": (by_rho.J_rho, by_rho.J_rho_err), "L_ur": (by_rho.J_u, by_rho.J_u_err),
               "L_ru": (by_u.J_rho, by_u.J_rho_err), "L_uu": (by_u.J_u, by_u.J_u_err)}
    table = {name: (L * J.values.ravel() / f, L * e.values.ravel() / f)
             for name, (J, e) in entries.items()}
    coefficients = {name: ([], []) for name in ("sigma", "kappa", "S", "ZT")}
    for k in range(L.size):
        values = [table[n][0][k] for n in ("L_rr", "L_ru", "L_ur", "L_uu")]
        variances = [table[n][1][k] ** 2 for n in ("L_rr", "L_ru", "L_ur", "L_uu")]
        for name, (value, err) in propagate(values, np.diag(variances), 1.0, 1.5).items():
            if name in coefficients:
                coefficients[name][0].append(value)
                coefficients[name][1].append(err)
    table.update({n: (np.array(v), np.array(e)) for n, (v, e) in coefficients.items()})
    return L, table


def _size_summary(results):
    L, table = _size_coefficients(results)
    out = {"lengths": L.tolist()}
    for name, (value, err) in table.items():
        out[name] = np.round(value, 5).tolist()
        out[name + "_err"] = np.round(err, 5).tolist()
    out["L_ru_negative_at_all_L"] = bool(np.all(table["L_ru"][0] < -2 * table["L_ru"][1]))
    out["letter"] = ("Fig. 8: |L_ij| grow with L, L_ru < 0; Fig. 9: S < 0 and saturating, "
                     "sigma and kappa grow, ZT grows monotonically")
    return out


def _size_draw(names, title):
    def draw(results, out):
        import matplotlib.pyplot as plt

        L, table = _size_coefficients(results)
        fig, axes = plt.subplots(1, len(names), figsize=(3.3 * len(names), 3.4))
        for ax, name in zip(axes, names):
            ax.errorbar(L, table[name][0], table[name][1], marker="o", capsize=2, color="k")
            ax.set_xscale("log")
            ax.set_xlabel("L")
            ax.set_title(name)
        fig.suptitle(title)
        fig.tight_layout()
        _save(fig, out)
    return draw


# --- YT against L with an adapted barrier: the slides' route toward Carnot ---

def _yt_setup(preset):
    quick = preset == "quick"
    return dict(lengths=[10.0, 20.0, 40.0] if quick else [20.0, 40.0, 80.0, 160.0, 320.0],
                t_measure=1e5 if quick else 1e6)


def adapted_barrier(length, h_20=1.0):
    """The inverse-current channel's barrier scaled like h* ~ L^-1/2: h_20 (L / 20)^-1/2."""
    return h_20 * (length / 20.0) ** -0.5


def _yt_extra(preset, workers, data):
    setup = _yt_setup(preset)
    rows = []
    for k, L in enumerate(setup["lengths"]):
        kw = dict(length=L, force=0.1, t_measure=setup["t_measure"])
        a = _kept_onsager(data, workers, barrier=adapted_barrier(L), seed=100 + 2 * k, **kw)
        b = _kept_onsager(data, workers, barrier=0.0, seed=101 + 2 * k, **kw)
        rows.append(linear_response(a, b, 1.05, 0.95))
    combined = xr.concat([r[["YT", "YT_err", "eta_max", "eta_max_err"]] for r in rows],
                         dim="length")
    combined = combined.assign_coords(length=setup["lengths"])
    combined["barrier_a"] = ("length", [adapted_barrier(L) for L in setup["lengths"]])
    return {"scan": combined}


def _yt_summary(results):
    ds = results["scan"]
    slope = np.polyfit(np.log(ds.length.values), np.log(np.abs(ds.YT.values)), 1)[0]
    return {"lengths": ds.length.values.tolist(), "barrier_a": ds.barrier_a.values.tolist(),
            "YT": ds.YT.values.tolist(), "YT_err": ds.YT_err.values.tolist(),
            "YT_growth_exponent": float(slope)}


def _yt_draw(results, out):
    import matplotlib.pyplot as plt

    ds = results["scan"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    axes[0].errorbar(ds.length, ds.YT, ds.YT_err, marker="o", capsize=2)
    axes[0].set_xscale("log")
    axes[0].set_xlabel("L (both channels)")
    axes[0].set_ylabel("YT")
    axes[1].plot(ds.length, ds.barrier_a, marker="o")
    axes[1].set_xscale("log")
    axes[1].set_xlabel("L")
    axes[1].set_ylabel(r"barrier of channel A, $h \propto L^{-1/2}$")
    fig.suptitle("Figure of merit with the barrier adapted to the length (B: h = 0)")
    fig.tight_layout()
    _save(fig, out)


# --- the Letter's Fig. 2: currents against one force at L = 20 ---

def _fig2_specs(preset):
    quick = preset == "quick"
    forces = np.round(np.linspace(0.1, 0.8 if quick else 1.0, 8 if quick else 10), 4).tolist()
    return _force_scan_specs([20.0], forces, 2e5, preset)


def _fig2_summary(results):
    def significant_negative(ds, name):
        return int(np.sum(ds[name].values < -3 * ds[name + "_err"].values))

    by_F_u, by_F_rho = results["F_u"].isel(length=0), results["F_rho"].isel(length=0)
    turning = int(np.argmin(by_F_u.J_rho.values))
    return {
        "J_rho_inverse_points": significant_negative(by_F_u, "J_rho"),
        "J_u_inverse_points": significant_negative(by_F_rho, "J_u"),
        "points_per_panel": by_F_u.sizes["F_u"],
        "J_rho_turning_point_F_u": float(by_F_u.F_u[turning]),
        "letter": "ICC in J_rho over the whole F_u range (linear below F_u ~ 0.3, then a "
                  "turning point); ICC in J_u against F_rho at F_u = 0",
    }


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
        specs=_sizes_specs, summary=_sizes_summary,
        draw=_force_scan_draw(False, "Fig. 6: Fig. 2 for several sizes (h = 1)")),
    Recipe(
        name="fig7",
        description="the Supplement's Fig. 7: J_rho/J_u (F_rho = 0) and J_u/J_rho "
                    "(F_u = 0) for several sizes (the data of fig6)",
        specs=_sizes_specs, summary=_sizes_summary, data_name="fig6",
        draw=_force_scan_draw(True, "Fig. 7: current ratios for several sizes")),
    Recipe(
        name="fig8",
        description="the Supplement's Fig. 8: Onsager coefficients against L (finite "
                    "forces (f, 0) and (0, f))",
        specs=_size_specs, summary=_size_summary,
        draw=_size_draw(("L_rr", "L_ru", "L_ur", "L_uu"),
                        "Fig. 8: Onsager coefficients against L (h = 1)")),
    Recipe(
        name="fig9",
        description="the Supplement's Fig. 9: sigma, kappa, S and ZT against L (the data "
                    "of fig8)",
        specs=_size_specs, summary=_size_summary, data_name="fig8",
        draw=_size_draw(("sigma", "kappa", "S", "ZT"),
                        "Fig. 9: transport coefficients and ZT against L (h = 1)")),
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
        specs=_engine_specs, draw=_engine_draw, summary=_engine_summary,
        extra=_engine_extra),
    Recipe(
        name="yt-vs-length",
        description="engine figure of merit YT against L, channel A's barrier adapted as "
                    "L^-1/2 (slides: the route toward Carnot efficiency)",
        specs=lambda preset: {}, draw=_yt_draw, summary=_yt_summary, extra=_yt_extra),
)}


def _kept_onsager(data, workers, **parameters):
    """``onsager(**parameters)`` on ``workers`` processes, computed once: the matrix is
    kept in ``data/onsager-<hash of the parameters>.nc``, so an interrupted figure
    computes only the matrices it has not finished."""
    path = Path(data) / f"onsager-{digest(parameters)}.nc"
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        return xr.load_dataset(path, engine="h5netcdf")
    matrix = onsager(**parameters, workers=workers or 1)
    write_netcdf(matrix, path)
    return matrix


def _save(fig, out):
    import matplotlib.pyplot as plt

    for suffix in (".png", ".pdf"):
        with atomic_path(out.with_suffix(suffix)) as tmp:
            fig.savefig(tmp, dpi=120)
    plt.close(fig)


def figure(name, preset="quick", out="figures", workers=None, scheduler=None,
           slurm=None, progress=None) -> dict:
    """Compute (or reuse) a recipe's data, draw it, and return its summary.

    Writes ``out/NAME.nc`` (per sweep: ``out/NAME.<part>.nc``), ``out/NAME.png``,
    ``out/NAME.pdf`` and ``out/NAME.json`` (the summary); the sweep points and Onsager
    matrices live in ``out/NAME-data/`` so that an interrupted figure resumes. The
    points of all the recipe's sweeps share one cluster (``workers``, ``scheduler`` or
    ``slurm``, as in ``sweep``); ``progress(done, running, failed, total)`` counts them.
    Onsager matrices run on ``workers`` local processes.
    """
    # matplotlib only when drawing (the recipes import pyplot in their draw functions):
    # its import costs more than half a second, which the CLI would pay for every command
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
    data = out / f"{recipe.data_name or name}-data"
    results = sweeps({part: (spec, data / part) for part, spec in recipe.specs(preset).items()},
                     workers=workers, scheduler=scheduler, slurm=slurm, progress=progress)
    results.update(recipe.extra(preset, workers, data))
    for part, ds in results.items():
        write_netcdf(ds, out / (f"{name}.nc" if len(results) == 1 else f"{name}.{part}.nc"))
    recipe.draw(results, out / name)
    summary = {"figure": name, "preset": preset, **recipe.summary(results)}
    write_text(out / f"{name}.json", json.dumps(summary, indent=1))
    return summary
