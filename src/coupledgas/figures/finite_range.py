"""The slides' Hamiltonian in full: does the inverse current survive a barrier of range r?

``range``: J_rho and J_u at the Letter's Fig. 2 point (F_u = 0.3, F_rho = 0, h = 1)
against the range r of the barrier V(x) = h for -r <= x <= r, and the finite-force estimate
L_ru = L J_rho / F_u at F_u = 0.1 (the Letter's Eq. 4, as in Fig. 4), at L = 20 and 40.
r = 0 is the Letter's point barrier. The summary reports up to which r the current is
inverse and that r times the particle density (bullets and rods per unit length): the
mean number of partners inside a particle's shoulder, at r rho ~ 1 the shoulders of
neighbours overlap.
"""

from __future__ import annotations

from .. import thermo
from ..params import LETTER_MU, LETTER_T
from .common import PAPER_T_MEASURE, Recipe, _pyplot, _save
from .encounters import _inverse, _last_inverse, _rounded

LENGTHS = [20.0, 40.0]
RANGES = [0.0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4]
#: the Fig. 2 point (inverse current) and the small force of the L_ru estimate
ICC_FORCE, LINEAR_FORCE = 0.3, 0.1


def _range_specs(preset):
    """Two sweeps over (length, range): the currents at F_u = 0.3 and at F_u = 0.1."""
    t_measure = 1e5 if preset == "quick" else PAPER_T_MEASURE
    base = {"barrier": 1.0, "T": LETTER_T, "mu": LETTER_MU, "F_rho": 0.0, "bins": 0,
            "t_measure": t_measure}
    axes = {"length": LENGTHS, "interaction_range": RANGES}
    return {"icc": {"base": {**base, "F_u": ICC_FORCE}, "axes": axes},
            "linear": {"base": {**base, "F_u": LINEAR_FORCE}, "axes": axes}}


def _L_ru(d):
    """L_ru = L J_rho / F_u at F_rho = 0 (the Letter's Eq. 4 at a finite force)."""
    factor = float(d.length) / LINEAR_FORCE
    return d.J_rho * factor, d.J_rho_err * factor


def _particle_density(d):
    """Bullets (time average) and rods (round(rho(T, mu) L / 2), the default) per unit
    length."""
    rods = round(float(thermo.density(LETTER_T, LETTER_MU)) * float(d.length) / 2.0)
    return d.bullet_density + rods / d.length


def _range_summary(results):
    out = {}
    for L in results["icc"].length.values:
        icc, linear = results["icc"].sel(length=L), results["linear"].sel(length=L)
        r = icc.interaction_range.values
        inverse = _inverse(icc)
        last = _last_inverse(r, inverse)
        density = _particle_density(icc).values
        L_ru, L_ru_err = _L_ru(linear)
        out[f"L = {L:g}"] = {
            "r": _rounded(r), "J_rho": _rounded(icc.J_rho), "J_rho_err": _rounded(icc.J_rho_err, 2),
            "J_u": _rounded(icc.J_u), "J_u_err": _rounded(icc.J_u_err, 2),
            "L_ru": _rounded(L_ru), "L_ru_err": _rounded(L_ru_err, 2),
            "particle_density": _rounded(density, 4),
            "inverse": inverse.tolist(), "inverse_up_to_r": last,
            "inverse_up_to_r_times_density": None if last is None else
            float(f"{last * density[list(r).index(last)]:.3g}")}
    return out


def _range_draw(results, out):
    """J_rho, J_u (F_u = 0.3) and L_ru (F_u = 0.1) against r; r = 0 drawn at the left edge
    of a symlog axis."""
    plt = _pyplot()
    from matplotlib.ticker import FixedLocator, NullLocator  # at drawing time: see _pyplot

    fig, axes = plt.subplots(1, 3, figsize=(13, 4.3))
    fig.suptitle("A barrier of finite range r (slides' Hamiltonian), h = 1, F_rho = 0: "
                 "r = 0 is the Letter's point barrier", fontsize=10)
    for L, colour in zip(results["icc"].length.values, ("C0", "C1")):
        icc, linear = results["icc"].sel(length=L), results["linear"].sel(length=L)
        L_ru, L_ru_err = _L_ru(linear)
        for ax, y, e in ((axes[0], icc.J_rho, icc.J_rho_err), (axes[1], icc.J_u, icc.J_u_err),
                         (axes[2], L_ru, L_ru_err)):
            ax.errorbar(icc.interaction_range, y, e, marker="o", ms=3, capsize=2,
                        color=colour, label=f"L = {L:g}")
    labels = (rf"$J_\rho$ at $F_u$ = {ICC_FORCE:g} (< 0: inverse)",
              rf"$J_u$ at $F_u$ = {ICC_FORCE:g}",
              rf"$\mathcal{{L}}_{{\rho u}} = L J_\rho / F_u$ at $F_u$ = {LINEAR_FORCE:g}")
    r = results["icc"].interaction_range.values
    for ax, label in zip(axes, labels):
        ax.set_xscale("symlog", linthresh=r[1])
        ax.set_xlim(-r[1] / 2, r[-1] * 1.3)
        ax.xaxis.set_major_locator(FixedLocator(r))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xticklabels([f"{v:g}" for v in r], rotation=60, fontsize=8)
        ax.set_xlabel("range r of the barrier")
        ax.set_ylabel(label)
        ax.legend(fontsize=7)
    for ax in (axes[0], axes[2]):
        ax.axhline(0.0, color="0.6", lw=0.8)
    fig.tight_layout()
    _save(fig, out)


#: the finite-range figure, as ``coupledgas.figures.RECIPES`` lists it
RECIPES = (
    Recipe(
        name="range",
        description="J_rho, J_u (F_u = 0.3) and L_ru (F_u = 0.1) against the range r of the "
                    "barrier, L = 20 and 40: does ICC survive the slides' finite-range "
                    "Hamiltonian?",
        specs=_range_specs, draw=_range_draw, summary=_range_summary),
)
