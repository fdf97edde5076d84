"""The Letter's figures: Fig. 2 (currents against one force), Fig. 3 (the plane of
forces), Fig. 4 (the barrier) and Fig. 5 (large L: the bullets' domain at the hot end)."""

from __future__ import annotations

import numpy as np

from .common import (
    PURE,
    Recipe,
    _crossing_error,
    _domain_extent,
    _first_crossing,
    _force_scan_draw,
    _force_scan_specs,
    _measurement,
    _pyplot,
    _save,
)

#: Fig. 4's temperature force (F_rho = 0)
FIG4_FORCE = 0.1


def turning_point(forces, values):
    """The force at which ``values`` is smallest, if inside the scanned range; else None.

    A minimum at the first or last force is where the scan stops, not a turning point.
    """
    turning = int(np.argmin(values))
    return float(forces[turning]) if 0 < turning < len(forces) - 1 else None


# --- Fig. 2: currents against one force at L = 20 ---

def _fig2_specs(preset):
    quick = preset == "quick"
    forces = np.round(np.linspace(0.1, 0.8 if quick else 1.0, 8 if quick else 10), 4).tolist()
    return _force_scan_specs([20.0], forces, 2e5, preset)


def _fig2_summary(results):
    def significant_negative(ds, name):
        return int(np.sum(ds[name].values < -3 * ds[name + "_err"].values))

    by_F_u, by_F_rho = results["F_u"].isel(length=0), results["F_rho"].isel(length=0)
    return {
        "J_rho_inverse_points": significant_negative(by_F_u, "J_rho"),
        "J_u_inverse_points": significant_negative(by_F_rho, "J_u"),
        "points_per_panel": by_F_u.sizes["F_u"],
        "J_rho_turning_point_F_u": turning_point(by_F_u.F_u.values, by_F_u.J_rho.values),
        "letter": "ICC in J_rho over the whole F_u range (linear below F_u ~ 0.3, then a "
                  "turning point); ICC in J_u against F_rho at F_u = 0",
    }


# --- Fig. 3: both currents over the (F_rho, F_u) plane ---

def _fig3_specs(preset):
    n = 6 if preset == "quick" else 11
    base = {"length": 20.0, "barrier": 1.0, "bins": 0}
    base.update(_measurement(preset, 4e4))
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
    plt = _pyplot()
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


# --- Fig. 4: J_rho and L_ru against the barrier ---

def _fig4_specs(preset):
    barriers = [0.0, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.5, 4.0]
    base = {"length": 40.0 if preset == "quick" else 160.0, "F_rho": 0.0, "F_u": FIG4_FORCE,
            "bins": 0}
    base.update(_measurement(preset, 1e5))
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
    plt = _pyplot()
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


# --- Fig. 5: J_rho(F_u) at large L and the bullets' domain in <m(x)> ---

def _fig5_specs(preset):
    quick = preset == "quick"
    # the Letter's panel (b) shows the middle five forces: centred on the onset, which
    # is near 0.4 at L = 1280 and 0.56 at L = 320 (docs/figures)
    forces = ([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] if quick else
              [0.05, 0.1, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8])
    base = {"length": 320.0 if quick else 1280.0, "barrier": 1.0, "F_rho": 0.0,
            "m_bullet": 1.0, "m_rod": 0.5, "bins": 32 if quick else 128}
    # t_transient: the default max(200, L^2 / 2), which lets the domain form
    base.update(_measurement(preset, 4e4))
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
    extent = _domain_extent(mean_mass, ds.x_edge_rel.values, pure_level)
    rescaled = ds.J_rho.values * L / F
    return {"rescaled": rescaled, "rescaled_err": ds.J_rho_err.values * L / F,
            "hot_end_mass": mean_mass[:, 0], "hot_end_mass_err": ds.mean_mass_err.values[:, 0],
            "pure_level": pure_level, "domain_extent": extent,
            "onset": _first_crossing(F, mean_mass[:, 0], pure_level),
            "onset_err": _crossing_error(F, mean_mass[:, 0], ds.mean_mass_err.values[:, 0],
                                         pure_level),
            "turning_point": turning_point(F, np.abs(rescaled))}


def _fig5_profile_panel(ax, ds, pure_level, title):
    """Fig. 5(b) on ``ax``: <m(x)> at the middle five forces of ``ds`` (``_fig5_profiles``),
    x in the units of L from the hot end, and the pure level dashed."""
    plt = _pyplot()
    chosen = _fig5_profiles(ds)
    for k, F_u in enumerate(chosen):
        ax.plot(ds.x_edge_rel * ds.attrs["base_length"], ds.mean_mass.sel(F_u=F_u),
                color=plt.cm.viridis(k / max(len(chosen) - 1, 1)),
                label=rf"$\mathcal{{F}}_u$ = {F_u:g}")
    ax.axhline(pure_level, color="0.6", lw=0.8, ls="--")
    ax.set_xlabel("x (hot end left)")
    ax.set_ylabel(r"$\langle m(x) \rangle$")
    ax.set_title(title, loc="left")
    ax.legend(fontsize=8)


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
    plt = _pyplot()
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
    _fig5_profile_panel(axes[1], ds, a["pure_level"], "(b)")
    onset = ("not reached" if a["onset"] is None
             else f"{a['onset']:.2f} +- {a['onset_err']:.2f}")
    fig.suptitle(f"Fig. 5: F_rho = 0, L = {L:g}, h = 1; onset of the pure bullet end "
                 f"F_u(c) = {onset} (dotted)")
    fig.tight_layout()
    _save(fig, out)


#: the Letter's Figs. 2-5, as ``coupledgas.figures.RECIPES`` lists them
RECIPES = (
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
)
