"""The slides' figures: the nonequilibrium phase transition of heat conduction (PRL 118,
040601), the autonomous circular heat engine (PRE 106, 044104), and its figure of merit
against the length with an adapted barrier (the route toward Carnot efficiency).

The engine figures' sizes come from ``engine_setup`` and ``yt_setup``, looked up in this
module when a figure's sweeps are made: a caller (the tests) shrinks them by replacing
those names here.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .. import thermo
from ..heat_engine import linear_response
from ..params import LETTER_MU
from .common import PAPER_T_MEASURE, PURE, Recipe, _first_crossing, _matrix, _pyplot, _save

# --- heat conduction and the nonequilibrium phase transition (slides; PRL 118, 040601) ---

PT_T = 1.0
PT_MASSES = (1.0, 0.5)


def _force_for(delta_T, T=PT_T):
    """F_u = 1/T_R - 1/T_L for heat baths at T_L,R = T +- delta_T / 2."""
    _, F_u = thermo.forces_from_reservoirs(T + delta_T / 2, T - delta_T / 2, 0.0, 0.0)
    return F_u


def _phase_transition_specs(preset):
    quick = preset == "quick"
    delta_T = np.linspace(0.2, 1.6, 8 if quick else 15)
    return {"scan": {
        "base": {"barrier": 1.0, "T": PT_T, "m_bullet": PT_MASSES[0], "m_rod": PT_MASSES[1],
                 "bullet_walls": "thermal", "bins": 20 if quick else 40,
                 "t_measure": 20000.0 if quick else PAPER_T_MEASURE},
        # transient: the L^2 default
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
    delta_T = np.array([2 * thermo.half_temperature_difference(PT_T, F_u)
                        for F_u in ds.F_u.values])
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
    plt = _pyplot()
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

#: the reservoirs' temperatures (hot, cold)
ENGINE_T = (1.05, 0.95)
#: the finite force of the channels' Onsager matrices (the linear-response prediction)
ENGINE_FORCE = 0.1
#: the engine recipes' Onsager points: one-sided runs at ENGINE_FORCE, as they were
#: measured and planned (``onsager``'s default extrapolation would need 4.5 times the
#: runs' time at this small force)
ENGINE_ONSAGER = {"force": ENGINE_FORCE, "symmetric": False, "extrapolate": False}


def engine_setup(preset):
    """The size of the ``engine`` figure: both channels' length, the measured and
    transient times, the reservoirs' particles.

    Parameters
    ----------
    preset : {"quick", "paper"}
        L = 10 for ``"quick"``, 20 for ``"paper"``.

    Returns
    -------
    dict
        ``length``, ``t_measure``, ``t_transient`` and ``particles``.
    """
    quick = preset == "quick"
    return dict(length=10.0 if quick else 20.0, t_measure=1e5 if quick else PAPER_T_MEASURE,
                t_transient=5000.0 if quick else 20000.0,
                particles=5000 if quick else 50000)


def _engine_specs(preset):
    """The load sweep of the engine of ``engine_setup(preset)``, and its channels'
    Onsager matrices (A: h = 1, B: h = 0) at the reservoirs' mean state."""
    setup = engine_setup(preset)
    # up to beyond the stall load, about |S_A - S_B| dT = 1.6 dT at these parameters
    delta_T = ENGINE_T[0] - ENGINE_T[1]
    loads = np.linspace(0.0, 1.6 * delta_T, 5 if preset == "quick" else 9).round(4).tolist()
    return {"loads": {"kind": "engine", "base": {
        "T_hot": ENGINE_T[0], "T_cold": ENGINE_T[1], "length_a": setup["length"],
        "barrier_a": 1.0, "length_b": setup["length"], "barrier_b": 0.0, "load_a": 0.0,
        "reservoir_particles": setup["particles"], "t_transient": setup["t_transient"],
        "t_measure": setup["t_measure"], "seed": 1},
        "axes": {"load_b": loads}},
        "onsager": {"kind": "onsager", "base": {
            "length": setup["length"], "T": float(np.mean(ENGINE_T)), "mu": LETTER_MU,
            **ENGINE_ONSAGER, "t_measure": setup["t_measure"]},
            "axes": {"channel": {"barrier": [1.0, 0.0], "seed": [11, 12]}}}}


def _engine_extra(results):
    """The channels' Onsager matrices and the linear-response prediction."""
    a, b = _matrix(results["onsager"], channel=0), _matrix(results["onsager"], channel=1)
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
    plt = _pyplot()
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


# --- YT against L with an adapted barrier: the slides' route toward Carnot ---

def yt_setup(preset):
    """The size of the ``yt-vs-length`` figure: the lengths of both channels and the
    measured time of their Onsager matrices.

    Parameters
    ----------
    preset : {"quick", "paper"}
        L = 10, 20, 40 for ``"quick"``, 20 to 320 for ``"paper"``.

    Returns
    -------
    dict
        ``lengths`` (a list of float) and ``t_measure``.
    """
    quick = preset == "quick"
    return dict(lengths=[10.0, 20.0, 40.0] if quick else [20.0, 40.0, 80.0, 160.0, 320.0],
                t_measure=1e5 if quick else PAPER_T_MEASURE)


def adapted_barrier(length, h_20=1.0):
    """The inverse-current channel's barrier scaled like h* ~ L^-1/2: h_20 (L / 20)^-1/2."""
    return h_20 * (length / 20.0) ** -0.5


def _yt_specs(preset):
    """The Onsager matrices of channels A (barrier adapted) and B (h = 0) at each length
    of ``yt_setup(preset)``, one point per length on the zipped axis ``size``."""
    setup = yt_setup(preset)
    lengths = setup["lengths"]
    base = {**ENGINE_ONSAGER, "t_measure": setup["t_measure"]}
    return {"a": {"kind": "onsager", "base": base, "axes": {"size": {
                "length": lengths, "barrier": [adapted_barrier(L) for L in lengths],
                "seed": [100 + 2 * k for k in range(len(lengths))]}}},
            "b": {"kind": "onsager", "base": {**base, "barrier": 0.0}, "axes": {"size": {
                "length": lengths, "seed": [101 + 2 * k for k in range(len(lengths))]}}}}


def _yt_extra(results):
    """YT and eta_max of the engine at each length of the sweeps ``a`` and ``b``."""
    a, b = results["a"], results["b"]
    rows = [linear_response(_matrix(a, size=k), _matrix(b, size=k), *ENGINE_T)
            for k in range(a.sizes["size"])]
    combined = xr.concat([r[["YT", "YT_err", "eta_max", "eta_max_err"]] for r in rows],
                         dim="length")
    combined = combined.assign_coords(length=a.length.values)
    combined["barrier_a"] = ("length", a.barrier.values)
    return {"scan": combined}


def _yt_summary(results):
    ds = results["scan"]
    slope = np.polyfit(np.log(ds.length.values), np.log(np.abs(ds.YT.values)), 1)[0]
    return {"lengths": ds.length.values.tolist(), "barrier_a": ds.barrier_a.values.tolist(),
            "YT": ds.YT.values.tolist(), "YT_err": ds.YT_err.values.tolist(),
            "YT_growth_exponent": float(slope)}


def _yt_draw(results, out):
    plt = _pyplot()
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


#: the slides' figures, as ``coupledgas.figures.RECIPES`` lists them
RECIPES = (
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
        specs=_engine_specs, extra=_engine_extra, draw=_engine_draw,
        summary=_engine_summary),
    Recipe(
        name="yt-vs-length",
        description="engine figure of merit YT against L, channel A's barrier adapted as "
                    "L^-1/2 (slides: the route toward Carnot efficiency)",
        specs=_yt_specs, extra=_yt_extra, draw=_yt_draw, summary=_yt_summary),
)
