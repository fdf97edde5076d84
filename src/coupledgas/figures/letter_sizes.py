"""Spot checks at the Letter's own sizes, beside its statements: ``fig5-1280`` (is the
hot end pure bullets from F_u ~ 0.4 on, at L = 1280?), ``fig4-160`` (where does J_rho
change sign with h at L = 160, and does h* follow the L^-1/2 law from L = 40?),
``fig9-320`` (does S saturate while ZT keeps growing, up to L = 320?), and
``fig5-sizes`` (does |J_rho L / F_u| rise again above the onset at L = 1280, and at
L = 320? chains of forces up and down).

The gallery's other recipes reduce the sizes; these points are the Letter's, so they
are few and expensive (each summary gives its CPU time). Both presets are the same: a
spot check is its size.
"""

from __future__ import annotations

import numpy as np

from ..critical import _root, power_law
from ..onsager import ENTRIES, force_points, forces_entries, measured_currents, propagate
from ..params import LETTER_MU, LETTER_T
from .common import PURE, Recipe, _domain_extent, _pyplot, _save, rounded
from .letter import FIG4_FORCE, _fig5_analysis, _fig5_profile_panel
from .supplement import FIG9_COEFFICIENTS, coefficient_panels

#: Fig. 5 at L = 1280: forces around the Letter's onset F_u(c) ~ 0.4, each measured for
#: FIG5_T_MEASURE after the default transient L^2 / 2
FIG5_LENGTH, FIG5_FORCES, FIG5_T_MEASURE = 1280.0, (0.35, 0.4, 0.45), 2e4
#: <m(x)> within this fraction of (M1 - M2) of M1 is "near pure": the Letter's Fig. 5(b)
#: cannot tell it from M1 (a 1% criterion, ``PURE``, is the gallery's strict reading)
NEAR_PURE = 0.04
#: Fig. 4 at L = 160 and, for h* ~ L^-1/2, at L = 40: barriers around the sign change
FIG4_LENGTHS = (40.0, 160.0)
FIG4_BARRIERS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.6)
FIG4_T_MEASURE = 3e5
#: Fig. 9 up to the Letter's L = 320: Onsager matrices from central differences at
#: f / 2 and f = FIG9_FORCE extrapolated to zero force (``onsager``'s default method;
#: 0.2, half its default force, since the response turns nonlinear sooner in longer
#: channels: the summary's ``nonlinear_shift`` checks it)
FIG9_FORCE = 0.2
#: the measured time of every run, per length: at least 16 relaxation times L^2 / 2, so
#: that its errors are reliable (``simulate.Run.min_block``); at the Letter's sizes 8.2e5
#: (16 relaxation times at L = 320), since ZT's relative error grows with ZT: 2e5 gave
#: ZT = 8.2 +- 1.6 at L = 160. ``onsager`` runs those at f / 2 8 times longer than those
#: at f, which would cost 4.5x more for the same reliability.
FIG9_T_MEASURE = {40.0: 2e5, 80.0: 2e5, 160.0: 8.192e5, 320.0: 8.192e5}


#: Fig. 5(a) as chains of forces (``sweep``'s ``chain = "F_u"``), one sweep per
#: length and direction: the first point's transient (from equilibrium), each next
#: point's transient (from the previous point's final state), the measured time, and
#: the forces run so far in chain order (a chain grows by appending forces: its finished
#: points keep their files). A down-chain runs the same forces the other way, so that
#: the two branches show any hysteresis. At L = 1280 a cold start at F_u = 0.5 relaxes
#: <m(0+)> to within 0.004 of its final value in 0.18-0.24 L^2 / 2 and J_rho shows no
#: transient beyond noise (the gallery's relaxation table), so 0.3 L^2 / 2 from
#: equilibrium and 0.12 L^2 / 2 between forces 0.05-0.1 apart suffice there; warm-up
#: detection (MSER) cuts more where a point still drifts. L = 320 keeps the default
#: transients (L^2 / 2, and ``CHAIN_TRANSIENT``).
FIG5_CHAIN_FORCES = (0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7)
#: every chain as planned, with its forces in chain order; L = 640 takes L = 1280's
#: fractions of L^2 / 2 (0.3 from equilibrium, 0.12 between forces). The down-chain at
#: L = 1280 measures 2e5 per force, twice the up-chain, so that the two branches
#: together bring J_rho's error towards the 0.002 the Letter's figure needs.
FIG5_CHAIN_PLANS = {
    "L320-up": {"length": 320.0, "t_transient": 51200.0, "chain_transient": 12800.0,
                "t_measure": 2e5, "forces": FIG5_CHAIN_FORCES},
    "L320-down": {"length": 320.0, "t_transient": 51200.0, "chain_transient": 12800.0,
                  "t_measure": 2e5, "forces": FIG5_CHAIN_FORCES[::-1]},
    "L640-up": {"length": 640.0, "t_transient": 6.4e4, "chain_transient": 2.5e4,
                "t_measure": 2e5, "forces": FIG5_CHAIN_FORCES},
    "L1280-up": {"length": 1280.0, "t_transient": 2.5e5, "chain_transient": 1e5,
                 "t_measure": 1e5, "forces": FIG5_CHAIN_FORCES},
    "L1280-down": {"length": 1280.0, "t_transient": 2.5e5, "chain_transient": 1e5,
                   "t_measure": 2e5, "forces": FIG5_CHAIN_FORCES[::-1]},
}
#: how many forces of each chain have finished (their points are committed under
#: ``docs/figures/fig5-sizes-data/``): the recipe draws those, and a chain grows by
#: raising its count, since its finished points keep their files
FIG5_CHAIN_DONE = {"L320-up": 8, "L320-down": 8, "L640-up": 8, "L1280-up": 8,
                   "L1280-down": 8}
FIG5_CHAINS = {part: {**plan, "forces": plan["forces"][:FIG5_CHAIN_DONE[part]]}
               for part, plan in FIG5_CHAIN_PLANS.items() if FIG5_CHAIN_DONE[part]}


def _fig5_sizes_specs(preset, chains=None):
    """The chains as sweeps (``chains``: part -> plan [default: ``FIG5_CHAINS``, the
    finished forces]; ``FIG5_CHAIN_PLANS`` gives the whole plan)."""
    return {part: {
        "chain": "F_u", "chain_transient": chain["chain_transient"],
        "base": {"length": chain["length"], "barrier": 1.0, "F_rho": 0.0, "m_bullet": 1.0,
                 "m_rod": 0.5, "bins": int(chain["length"] / 10),
                 "t_transient": chain["t_transient"], "t_measure": chain["t_measure"],
                 "warmup": True},
        "axes": {"F_u": list(chain["forces"])}}
        for part, chain in (FIG5_CHAINS if chains is None else chains).items()}


def enhancement(forces, rescaled, rescaled_err):
    """Does |L~_ru| = |J_rho L / F_u| rise again above its minimum (the Letter's Fig. 5a)?

    Returns the force of the smallest |L~_ru| (None when it is at the last force: no
    rise seen inside the scan), the largest rise above that minimum at a larger force in
    standard errors (combined in quadrature) and that force, and the first larger force
    where the rise exceeds 2 standard errors (None: nowhere).
    """
    size, err = np.abs(np.asarray(rescaled)), np.asarray(rescaled_err)
    turning = int(np.argmin(size))
    if turning == len(size) - 1:
        return {"minimum_F_u": None, "rise_in_errors": None, "rise_at_F_u": None,
                "rise_from_F_u": None}
    later = np.arange(turning + 1, len(size))
    rise = (size[later] - size[turning]) / np.hypot(err[later], err[turning])
    best = int(np.argmax(rise))
    significant = later[rise > 2.0]
    return {"minimum_F_u": float(forces[turning]),
            "rise_in_errors": float(rise[best]), "rise_at_F_u": float(forces[later[best]]),
            "rise_from_F_u": float(forces[significant[0]]) if significant.size else None}


def _fig5_sizes_rows(results):
    """Per chain (by length, the up-chain first): the Fig. 5 analysis of its points in the
    order of force (``letter._fig5_analysis``) and the rise of |L~_ru| above its minimum
    (``enhancement``)."""
    rows = []
    for part in sorted(results, key=lambda name: (results[name].attrs["base_length"],
                                                  not name.endswith("-up"))):
        ds = results[part].sortby("F_u")
        analysis = _fig5_analysis(ds)
        rows.append({"part": part, "ds": ds, "length": ds.attrs["base_length"],
                     "direction": part.rsplit("-", 1)[-1], **analysis,
                     **enhancement(ds.F_u.values, analysis["rescaled"],
                                   analysis["rescaled_err"])})
    return rows


def hysteresis(up, down):
    """The up- and down-chain compared at their common forces: the largest difference in
    combined standard errors, for J_rho and for <m(0+)>, and the root mean square of
    J_rho's normalised differences (about 1 when both branches are the same steady
    states and their errors are honest; well below 1: errors too large, above: too
    small or hysteresis)."""
    common = np.intersect1d(up.F_u.values, down.F_u.values)
    a, b = up.sel(F_u=common), down.sel(F_u=common)
    out = {"forces": common.tolist()}
    for name, value, error in (("J_rho", a.J_rho - b.J_rho, np.hypot(a.J_rho_err, b.J_rho_err)),
                               ("hot_end_mass", a.mean_mass[:, 0] - b.mean_mass[:, 0],
                                np.hypot(a.mean_mass_err[:, 0], b.mean_mass_err[:, 0]))):
        out[f"{name}_largest_difference_in_errors"] = float(np.max(np.abs(value / error)))
    normalised = (a.J_rho - b.J_rho) / np.hypot(a.J_rho_err, b.J_rho_err)
    out["J_rho_rms_normalised_difference"] = float(np.sqrt(np.mean(normalised.values**2)))
    return out


def both_branches(up, down):
    """J_rho of the two chains combined at their common forces (weighted by inverse
    variance; meaningful where ``hysteresis`` finds none), with the rescaled current
    J_rho L / F_u and its rise above its minimum (``enhancement``)."""
    common = np.intersect1d(up.F_u.values, down.F_u.values)
    a, b = up.sel(F_u=common), down.sel(F_u=common)
    wa, wb = a.J_rho_err.values ** -2, b.J_rho_err.values ** -2
    J = (wa * a.J_rho.values + wb * b.J_rho.values) / (wa + wb)
    err = (wa + wb) ** -0.5
    scale = up.attrs["base_length"] / common
    return {"F_u": common, "J_rho": J, "J_rho_err": err, "rescaled": J * scale,
            "rescaled_err": err * scale, **enhancement(common, J * scale, err * scale)}


def _branch_pairs(rows):
    """Length -> (up-chain, down-chain) for every length that has both."""
    chains = {(row["length"], row["direction"]): row["ds"] for row in rows}
    return {length: (chains[length, "up"], chains[length, "down"])
            for length, direction in chains if direction == "up"
            and (length, "down") in chains}


def _fig5_sizes_summary(results):
    rows = _fig5_sizes_rows(results)
    chains = []
    for row in rows:
        ds = row["ds"]
        chains.append({
            "chain": row["part"], "length": row["length"], "F_u": ds.F_u.values.tolist(),
            "J_rho": [rounded(v, 5) for v in ds.J_rho.values],
            "J_rho_err": [rounded(v, 5) for v in ds.J_rho_err.values],
            "J_rho_L_over_F_u": [rounded(v, 2) for v in row["rescaled"]],
            "J_rho_L_over_F_u_err": [rounded(v, 2) for v in row["rescaled_err"]],
            "hot_end_mean_mass": [rounded(v, 4) for v in row["hot_end_mass"]],
            "hot_end_mean_mass_err": [rounded(v, 4) for v in row["hot_end_mass_err"]],
            "onset_F_u": rounded(row["onset"], 3),
            "minimum_F_u": row["minimum_F_u"],
            "rise_in_errors": rounded(row["rise_in_errors"], 2),
            "rise_at_F_u": row["rise_at_F_u"], "rise_from_F_u": row["rise_from_F_u"],
            "t_transient": [rounded(v, 0) for v in ds.t_transient.values],
            "errors_reliable": bool(np.all(ds.errors_reliable.values == 1)),
            "cpu_seconds": round(float(np.nansum(ds.cpu_seconds.values)), 1)})
    branches = {length: (hysteresis(up, down), both_branches(up, down))
                for length, (up, down) in _branch_pairs(rows).items()}
    combined = [{"length": length, "F_u": both["F_u"].tolist(),
                 "J_rho": [rounded(v, 5) for v in both["J_rho"]],
                 "J_rho_err": [rounded(v, 5) for v in both["J_rho_err"]],
                 "J_rho_L_over_F_u": [rounded(v, 2) for v in both["rescaled"]],
                 "J_rho_L_over_F_u_err": [rounded(v, 2) for v in both["rescaled_err"]],
                 "minimum_F_u": both["minimum_F_u"],
                 "rise_in_errors": rounded(both["rise_in_errors"], 2),
                 "rise_at_F_u": both["rise_at_F_u"], "rise_from_F_u": both["rise_from_F_u"]}
                for length, (_, both) in branches.items()]
    return {"chains": chains,
            "hysteresis": {f"L{length:g}": h for length, (h, _) in branches.items()},
            "both_branches": combined,
            "criteria": "rise: the largest (|L~(F)| - |L~(F_min)|) / sqrt(err(F)^2 + "
                        "err(F_min)^2) over forces above the smallest |L~| = |J_rho L / "
                        "F_u|; rise_from_F_u: the first force where it exceeds 2 errors "
                        "(null: nowhere, or no minimum inside the scan); onset: <m(0+)> "
                        "within 1% of M1 - M2 of M1; hysteresis: the largest up - down "
                        "difference at a common force, in combined errors, and the RMS of "
                        "those differences; both_branches: the two chains of a length "
                        "combined by inverse variance, and the rise on them",
            "letter": "L = 1280: |J_rho| grows slowly below F_u(c) ~ 0.4 and sharply "
                      "above; L~_ru first decays in absolute value, then rises rapidly"}


def _fig5_sizes_draw(results, out):
    plt = _pyplot()
    rows = _fig5_sizes_rows(results)
    lengths = sorted({row["length"] for row in rows})
    fig, axes = plt.subplots(1, 2, figsize=(11.5, 4.6))
    ax = axes[0]
    inset = ax.inset_axes([0.09, 0.05, 0.4, 0.3])
    for row in rows:
        ds = row["ds"]
        color = plt.cm.plasma(0.8 * lengths.index(row["length"]) / max(len(lengths) - 1, 1))
        style = {"marker": "o" if row["direction"] == "up" else "v", "ms": 4, "capsize": 2,
                 "color": color, "ls": "-" if row["direction"] == "up" else "--"}
        rise = ("" if row["rise_in_errors"] is None else
                f"; |L~| {row['rise_in_errors']:+.1f} err. above F_u = {row['minimum_F_u']:g}")
        ax.errorbar(ds.F_u, ds.J_rho, ds.J_rho_err, label=f"L = {row['length']:g} "
                    f"{row['direction']}{rise}", **style)
        inset.errorbar(ds.F_u, row["rescaled"], row["rescaled_err"], **style)
    ax.set_xlabel(r"$\mathcal{F}_u$")
    ax.set_ylabel(r"$J_\rho$")
    ax.set_title("(a)", loc="left")
    ax.legend(fontsize=7, loc="upper right")
    inset.set_ylabel(r"$J_\rho L / \mathcal{F}_u$", fontsize=7)
    inset.tick_params(labelsize=6)
    largest = max(rows, key=lambda row: (row["length"], row["direction"] == "up"))
    _fig5_profile_panel(axes[1], largest["ds"], largest["pure_level"],
                        f"(b) L = {largest['length']:g} ({largest['direction']}-chain)")
    fig.suptitle("Fig. 5 at the Letter's sizes, chains of forces (F_rho = 0, h = 1): up "
                 "(circles) and down (triangles); dashed in (b): pure bullets within 1%",
                 fontsize=10)
    fig.tight_layout()
    _save(fig, out)


def _fig5_1280_specs(preset):
    return {"hot-end": {"base": {"length": FIG5_LENGTH, "barrier": 1.0, "F_rho": 0.0,
                                 "m_bullet": 1.0, "m_rod": 0.5, "bins": 128,
                                 "t_measure": FIG5_T_MEASURE},
                        "axes": {"F_u": list(FIG5_FORCES)}}}


def _fig4_160_specs(preset):
    return {"sign-change": {"base": {"F_rho": 0.0, "F_u": FIG4_FORCE, "bins": 0,
                                     "t_measure": FIG4_T_MEASURE},
                            "axes": {"length": list(FIG4_LENGTHS),
                                     "barrier": list(FIG4_BARRIERS)}}}


def _fig9_320_specs(preset):
    # the runs of ``onsager.force_points``, in the order ``onsager.forces_entries`` takes
    runs = force_points("forces", FIG9_FORCE)
    return {f"L{length:g}": {
        "base": {"length": length, "barrier": 1.0, "T": LETTER_T, "mu": LETTER_MU,
                 "bins": 0, "t_measure": t_measure},
        "axes": {"force_point": {"F_rho": [run[0] for run in runs],
                                 "F_u": [run[1] for run in runs]}}}
        for length, t_measure in FIG9_T_MEASURE.items()}


def _fig9_matrices(results):
    """Per length (ascending): the Onsager entries and sigma, kappa, S, ZT, each
    (value, error), the extrapolation's ``nonlinear_shift`` per entry in errors, whether
    every run's errors are reliable, and the runs' CPU seconds."""
    rows = []
    for part in sorted(results, key=lambda name: results[name].attrs["base_length"]):
        ds = results[part]
        length = ds.attrs["base_length"]
        measured = [measured_currents(ds.isel(force_point=k))
                    for k in range(ds.sizes["force_point"])]
        values, covariance, shift = forces_entries(measured, length, FIG9_FORCE)
        errors = np.sqrt(np.diag(covariance))
        rows.append({"length": length, **dict(zip(ENTRIES, zip(values, errors))),
                     **propagate(values, covariance, ds.attrs["base_T"], ds.attrs["base_mu"]),
                     "nonlinear_shift": dict(zip(ENTRIES, shift / errors)),
                     "errors_reliable": bool(np.all(ds.errors_reliable.values == 1)),
                     "cpu_seconds": float(np.nansum(ds.cpu_seconds.values))})
    return rows


def _hot_end(ds):
    """Per force: <m(0+)> and its error, and how far from the hot end <m(x)> stays
    strictly pure (within ``PURE``) and near pure (within ``NEAR_PURE``) of M1 (NaN:
    not even at x = 0)."""
    heavy, light = ds.attrs["base_m_bullet"], ds.attrs["base_m_rod"]
    x = ds.x_edge_rel.values * ds.attrs["base_length"]
    m = ds.mean_mass.values
    strict, near = (_domain_extent(m, x, heavy - fraction * (heavy - light))
                    for fraction in (PURE, NEAR_PURE))
    rows = []
    for k in range(ds.sizes["F_u"]):
        rows.append({"F_u": float(ds.F_u[k]), "hot_end_mass": float(m[k, 0]),
                     "hot_end_mass_err": float(ds.mean_mass_err.values[k, 0]),
                     "pure_extent": float(strict[k]), "near_pure_extent": float(near[k]),
                     "J_rho": float(ds.J_rho[k]), "J_rho_err": float(ds.J_rho_err[k]),
                     "errors_reliable": bool(ds.errors_reliable.values[k] == 1),
                     "cpu_seconds": float(ds.cpu_seconds.values[k])})
    return rows


def _sign_change(ds):
    """h* (the root of J_rho(h), ``critical._root``) per length, the exponent of
    h* ~ L^beta between them, and h* at the largest length predicted from the smallest
    by the slides' L^-1/2."""
    h = ds.barrier.values
    lengths = ds.length.values
    roots = [_root(h, ds.J_rho.sel(length=L).values, ds.J_rho_err.sel(length=L).values)
             for L in lengths]
    h_star, h_err = np.array([r[0] for r in roots]), np.array([r[1] for r in roots])
    beta, beta_err, _ = power_law(lengths, h_star, h_err)
    scale = (lengths[-1] / lengths[0]) ** -0.5
    return {"lengths": lengths.tolist(), "h_star": h_star.tolist(), "h_star_err": h_err.tolist(),
            "exponent": beta, "exponent_err": beta_err,
            "predicted_h_star": float(h_star[0] * scale),
            "predicted_h_star_err": float(h_err[0] * scale)}


def _fig5_1280_summary(results):
    ds = results["hot-end"]
    rows = _hot_end(ds)
    return {
        "length": ds.attrs["base_length"], "t_measure": ds.attrs["base_t_measure"],
        "points": [{k: (rounded(v, 5) if isinstance(v, float) else v)
                    for k, v in row.items()} for row in rows],
        "cpu_seconds": round(sum(row["cpu_seconds"] for row in rows), 1),
        "criteria": f"pure: <m> within {PURE:.0%} of M1 - M2 of M1 (the fig5 recipe's "
                    f"onset); near pure: within {NEAR_PURE:.0%}, what the Letter's Fig. 5(b) "
                    f"cannot tell from M1; extents in x from the hot end (null: none)",
        "letter": "at F_u(c) ~ 0.4 the hot end is exclusively occupied by the bullets; "
                  "beyond it a pure bullet domain grows"}


def _fig4_160_summary(results):
    ds = results["sign-change"]
    change = _sign_change(ds)
    return {
        "F_u": ds.attrs["base_F_u"], "barriers": ds.barrier.values.tolist(),
        "J_rho": np.round(ds.J_rho.values, 6).tolist(),
        "J_rho_err": np.round(ds.J_rho_err.values, 6).tolist(),
        **{k: (np.round(v, 4).tolist() if isinstance(v, list) else rounded(v, 4))
           for k, v in change.items()},
        "errors_reliable": bool(np.all(ds.errors_reliable.values == 1)),
        "cpu_seconds": round(float(np.nansum(ds.cpu_seconds.values)), 1),
        "letter": "L = 160, F_u = 0.1: J_rho > 0 as h -> 0, negative in between; the "
                  "slides: h* ~ L^-1/2"}


def _fig9_320_summary(results):
    rows = _fig9_matrices(results)
    names = (*ENTRIES, *FIG9_COEFFICIENTS)
    out = {"force": FIG9_FORCE, "lengths": [row["length"] for row in rows]}
    for name in names:
        out[name] = [rounded(row[name][0], 4) for row in rows]
        out[name + "_err"] = [rounded(row[name][1], 4) for row in rows]
    out["nonlinear_shift_in_errors"] = [{k: rounded(v, 2) for k, v in
                                         row["nonlinear_shift"].items()} for row in rows]
    (S_a, S_a_err), (S_b, S_b_err) = rows[-2]["S"], rows[-1]["S"]
    (Z_a, Z_a_err), (Z_b, Z_b_err) = rows[-2]["ZT"], rows[-1]["ZT"]
    out["S_change_last_doubling_in_errors"] = rounded(
        (S_b - S_a) / np.hypot(S_a_err, S_b_err), 2)
    out["ZT_change_last_doubling_in_errors"] = rounded(
        (Z_b - Z_a) / np.hypot(Z_a_err, Z_b_err), 2)
    out["errors_reliable"] = all(row["errors_reliable"] for row in rows)
    out["cpu_seconds"] = [round(row["cpu_seconds"], 1) for row in rows]
    out["letter"] = ("Fig. 9 (L up to 320): S < 0 saturates, sigma and kappa grow, ZT grows "
                     "monotonically")
    return out


def _fig9_320_draw(results, out):
    rows = _fig9_matrices(results)
    lengths = [row["length"] for row in rows]
    table = {name: (np.array([row[name][0] for row in rows]),
                    np.array([row[name][1] for row in rows])) for name in FIG9_COEFFICIENTS}
    coefficient_panels(lengths, table, FIG9_COEFFICIENTS,
                       f"Fig. 9 up to the Letter's L = {lengths[-1]:g}: h = 1, central "
                       f"differences at f = {FIG9_FORCE / 2:g} and {FIG9_FORCE:g} "
                       f"extrapolated to zero force", out)


def _fig5_1280_draw(results, out):
    plt = _pyplot()
    ds = results["hot-end"]
    rows = _hot_end(ds)
    fig, ax = plt.subplots(figsize=(6.5, 4.4))
    x = ds.x_edge_rel.values * ds.attrs["base_length"]
    heavy, light = ds.attrs["base_m_bullet"], ds.attrs["base_m_rod"]
    shown = x <= 0.25 * ds.attrs["base_length"]
    for k, row in enumerate(rows):
        m, err = ds.mean_mass.values[k], ds.mean_mass_err.values[k]
        color = plt.cm.viridis(k / max(len(rows) - 1, 1))
        ax.plot(x[shown], m[shown], color=color, label=rf"$\mathcal{{F}}_u$ = {row['F_u']:g}: "
                rf"$\langle m(0^+)\rangle$ = {row['hot_end_mass']:.3f} $\pm$ "
                rf"{row['hot_end_mass_err']:.3f}")
        ax.fill_between(x[shown], (m - err)[shown], (m + err)[shown], color=color, alpha=0.3)
    for fraction, style in ((PURE, "--"), (NEAR_PURE, ":")):
        ax.axhline(heavy - fraction * (heavy - light), color="0.5", lw=0.8, ls=style)
    trusted = "" if all(row["errors_reliable"] for row in rows) else \
        "\nbands: errors not reliable, the run is shorter than 16 L²/2"
    ax.set_xlabel("x (hot end left)")
    ax.set_ylabel(r"$\langle m(x) \rangle$")
    ax.set_title(f"Fig. 5 at L = {ds.attrs['base_length']:g}: t = "
                 f"{ds.attrs['base_t_measure']:g} after L²/2 (dashed: pure within 1%, "
                 f"dotted: 4%){trusted}", fontsize=9)
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    _save(fig, out)


def _fig4_160_draw(results, out):
    plt = _pyplot()
    ds = results["sign-change"]
    change = _sign_change(ds)
    lengths = ds.length.values
    fig, ax = plt.subplots(figsize=(6.5, 4.4))
    for k, L in enumerate(lengths):
        d = ds.sel(length=L)
        ax.errorbar(d.barrier, d.J_rho, d.J_rho_err, marker="o", ms=4, capsize=2,
                    label=f"L = {L:g}: h* = {change['h_star'][k]:.3f} $\\pm$ "
                          f"{change['h_star_err'][k]:.3f}")
    ax.axvspan(change["predicted_h_star"] - change["predicted_h_star_err"],
               change["predicted_h_star"] + change["predicted_h_star_err"], color="0.85",
               label=f"h*({lengths[0]:g}) ({lengths[-1]:g}/{lengths[0]:g})$^{{-1/2}}$")
    ax.axhline(0.0, color="0.6", lw=0.8)
    ax.set_xlabel("h")
    ax.set_ylabel(r"$J_\rho$")
    ax.set_title(f"Fig. 4 at the Letter's L = {lengths[-1]:g}: the sign change of J_rho "
                 f"(F_u = {ds.attrs['base_F_u']:g}, F_rho = 0)", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    _save(fig, out)


#: the spot checks at the Letter's sizes, as ``coupledgas.figures.RECIPES`` lists them
RECIPES = (
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
)
