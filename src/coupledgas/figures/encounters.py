"""Beyond the Letter's encounter rule: does the inverse current survive?

* ``dissipation`` (slides, "Introducing dissipation"): J_rho and J_u at the Letter's
  Fig. 2 point (F_u = 0.3, h = 1) against the fraction delta of E_rel lost, for each
  placement of the loss (passes, bounces, both) at L = 20 and 40.
* ``passing`` (the slides' closing question: ICC in simpler models, classical or
  quantum): the same point with the sharp threshold replaced by the smooth rule of width
  w, and by the quantum transmission of a square barrier of width a.

Bounces that dissipate drive the channel into a cold, dense pile held up by the TC
model: there the summary reports the fraction of bounces that the model kept elastic
(where it is large, the result depends on t_c).
"""

from __future__ import annotations

import numpy as np

from ..params import LETTER_MU, LETTER_T
from .common import PAPER_T_MEASURE, Recipe, _pyplot, _save

#: the Letter's Fig. 2 point, where the particle current is inverse without dissipation
ICC_POINT = {"barrier": 1.0, "T": LETTER_T, "mu": LETTER_MU, "F_u": 0.3, "F_rho": 0.0,
             "bins": 0}
LENGTHS = [20.0, 40.0]
PLACES = ("pass", "collision", "both")
#: a current counts as inverse where it is below zero by this many standard errors
Z_INVERSE = 2.0


def _dissipation_specs(preset):
    """One sweep per placement over (length, delta); lossy bounces cost far more events
    (the dense pile), so their quick scan is shorter."""
    quick = preset == "quick"
    deltas = {"pass": [0.0, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5],
              "collision": [0.02, 0.1, 0.5] if quick else [0.005, 0.01, 0.02, 0.05, 0.1,
                                                          0.2, 0.5]}
    deltas["both"] = deltas["collision"]
    specs = {}
    for place in PLACES:
        lossy_bounces = place != "pass"
        timing = ({"t_transient": 2000.0, "t_measure": 2000.0} if lossy_bounces
                  else {"t_measure": 20000.0}) if quick else {"t_transient": 2e4,
                                                              "t_measure": PAPER_T_MEASURE}
        specs[place] = {"base": {**ICC_POINT, "dissipate_at": place, **timing},
                        "axes": {"length": LENGTHS, "dissipation": deltas[place]}}
    return specs


def _passing_specs(preset):
    """The threshold rule for reference, the smooth rule against w, the quantum rule
    against a."""
    quick = preset == "quick"
    base = {**ICC_POINT, "t_measure": 20000.0 if quick else PAPER_T_MEASURE}
    return {
        "threshold": {"base": base, "axes": {"length": LENGTHS}},
        "smooth": {"base": {**base, "passing": "smooth"},
                   "axes": {"length": LENGTHS,
                            "passing_width": [0.01, 0.03, 0.1, 0.3, 1.0, 3.0]}},
        "quantum": {"base": {**base, "passing": "quantum"},
                    "axes": {"length": LENGTHS,
                             "barrier_width": [0.25, 0.5, 1.0, 2.0, 4.0, 8.0]}},
    }


def _inverse(ds):
    """Where J_rho flows against both forces (F_u > 0, F_rho = 0): below zero by
    ``Z_INVERSE`` standard errors."""
    return (ds.J_rho < -Z_INVERSE * ds.J_rho_err).values


def _last_inverse(x, inverse):
    """The largest ``x`` up to which every point is inverse (None if the first is not)."""
    if not inverse[0]:
        return None
    lost = np.nonzero(~inverse)[0]
    return float(x[-1] if lost.size == 0 else x[lost[0] - 1])


def _rounded(values, digits=5):
    return [float(f"{v:.{digits}g}") for v in np.asarray(values, dtype=float)]


def _dissipation_summary(results):
    out = {}
    for place in PLACES:
        ds = results[place]
        deltas = ds.dissipation.values
        for L in ds.length.values:
            d = ds.sel(length=L)
            row = {"delta": _rounded(deltas), "J_rho": _rounded(d.J_rho),
                   "J_rho_err": _rounded(d.J_rho_err, 2), "J_u": _rounded(d.J_u),
                   "J_u_err": _rounded(d.J_u_err, 2),
                   "dissipated_power": _rounded(d.dissipated_power),
                   "inverse_up_to_delta": _last_inverse(deltas, _inverse(d))}
            if place != "pass":
                row["made_elastic_fraction"] = _rounded(d.made_elastic_fraction, 3)
            out[f"{place}, L = {L:g}"] = row
    return out


def _passing_summary(results):
    out = {}
    for L in results["threshold"].length.values:
        d = results["threshold"].sel(length=L)
        out[f"threshold, L = {L:g}"] = {"J_rho": float(d.J_rho), "J_rho_err": float(d.J_rho_err),
                                        "J_u": float(d.J_u), "inverse": bool(_inverse(d))}
        for rule, axis in (("smooth", "passing_width"), ("quantum", "barrier_width")):
            d = results[rule].sel(length=L)
            x = d[axis].values
            inverse = _inverse(d)
            row = {axis: _rounded(x), "J_rho": _rounded(d.J_rho),
                   "J_rho_err": _rounded(d.J_rho_err, 2), "J_u": _rounded(d.J_u),
                   "inverse": inverse.tolist()}
            if rule == "smooth":  # w -> 0 is the threshold rule
                row["inverse_up_to_width"] = _last_inverse(x, inverse)
            else:  # a -> infinity is the threshold rule: from which width on is it inverse?
                row["inverse_from_width"] = _last_inverse(x[::-1], inverse[::-1])
            out[f"{rule}, L = {L:g}"] = row
    return out


def _current_panels(plt, title, n_columns=1):
    fig, axes = plt.subplots(2, n_columns, figsize=(4.6 * n_columns + 0.6, 6.6),
                             squeeze=False)
    fig.suptitle(title, fontsize=10)
    return fig, axes


def _dissipation_draw(results, out):
    """Left: loss at the passes (symlog delta axis, delta = 0 included); right: lossy
    bounces, on their own scale (the dense pile held up by the TC model)."""
    plt = _pyplot()
    fig, axes = _current_panels(plt, "Dissipation at the Letter's Fig. 2 point (h = 1, "
                                     "F_u = 0.3): where does the inverse current survive?", 2)
    columns = ((("pass",), "loss at the passes"),
               (("collision", "both"), "loss at the bounces (TC model)"))
    colours = {"pass": "C0", "collision": "C3", "both": "C2"}
    for column, (places, title) in enumerate(columns):
        for place in places:
            ds = results[place]
            for L, style in zip(ds.length.values, ("-", "--")):
                d = ds.sel(length=L)
                for ax, name in zip(axes[:, column], ("J_rho", "J_u")):
                    ax.errorbar(d.dissipation, d[name], d[name + "_err"], marker="o", ms=3,
                                capsize=2, ls=style, color=colours[place],
                                label=f"at {place}, L = {L:g}")
        for ax, label in zip(axes[:, column], (r"$J_\rho$ (< 0: inverse)", r"$J_u$")):
            if column == 0:
                ax.set_xscale("symlog", linthresh=1e-3)
                ax.set_xlim(-1e-4, 0.7)
            else:
                _label_samples(ax, results[places[0]].dissipation.values)
            ax.set_ylabel(label)
        axes[0, column].axhline(0.0, color="0.6", lw=0.8)
        axes[0, column].set_title(title, fontsize=9)
        axes[0, column].legend(fontsize=7)
        axes[1, column].set_xlabel(r"dissipation $\delta$ (fraction of $E_{rel}$ lost)")
    fig.tight_layout()
    _save(fig, out)


def _label_samples(ax, values):
    """A log x axis labelled at the sampled values only."""
    from matplotlib.ticker import FixedLocator, NullLocator  # at drawing time: see _pyplot

    ax.set_xscale("log")
    ax.xaxis.set_major_locator(FixedLocator(values))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([f"{v:g}" for v in values])


def _passing_draw(results, out):
    plt = _pyplot()
    fig, axes = _current_panels(plt, "Passing rules at the Letter's Fig. 2 point (h = 1, "
                                     "F_u = 0.3): threshold (dotted), smooth, quantum", 2)
    for column, (rule, axis, xlabel) in enumerate((
            ("smooth", "passing_width", r"smooth rule: width $w$"),
            ("quantum", "barrier_width", r"quantum rule: barrier width $a$ ($\hbar = 1$)"))):
        for L, colour in zip(results["threshold"].length.values, ("C0", "C1")):
            d = results[rule].sel(length=L)
            reference = results["threshold"].sel(length=L)
            for ax, name in zip(axes[:, column], ("J_rho", "J_u")):
                ax.errorbar(d[axis], d[name], d[name + "_err"], marker="o", ms=3, capsize=2,
                            color=colour, label=f"L = {L:g}")
                ax.axhline(float(reference[name]), color=colour, ls=":", lw=1)
        for ax, label in zip(axes[:, column], (r"$J_\rho$ (< 0: inverse)", r"$J_u$")):
            _label_samples(ax, results[rule][axis].values)
            ax.set_ylabel(label)
        axes[0, column].axhline(0.0, color="0.6", lw=0.8)
        axes[1, column].set_xlabel(xlabel)
        axes[0, column].legend(fontsize=7)
    fig.tight_layout()
    _save(fig, out)


#: the dissipation and passing-rule figures, as ``coupledgas.figures.RECIPES`` lists them
RECIPES = (
    Recipe(
        name="dissipation",
        description="J_rho, J_u against the dissipation delta at the Fig. 2 point, loss at "
                    "passes, bounces or both, L = 20 and 40: where ICC survives (slides)",
        specs=_dissipation_specs, draw=_dissipation_draw, summary=_dissipation_summary),
    Recipe(
        name="passing",
        description="J_rho, J_u at the Fig. 2 point under the smooth (width w) and quantum "
                    "(barrier width a) passing rules, L = 20 and 40: ICC beyond the sharp "
                    "threshold",
        specs=_passing_specs, draw=_passing_draw, summary=_passing_summary),
)
