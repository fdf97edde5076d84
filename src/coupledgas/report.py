"""What the command line reports, as plain functions of its results.

Each result has a summary, a dict that ``json.dumps`` takes (what ``--json`` prints),
and a text, the readable report the command prints without ``--json``:
``run_summary`` and ``run_text`` for a run (``simulate``, ``run_replicas``), likewise
``onsager_*``, ``engine_*`` and ``ring_*``; ``critical_barrier_text`` and
``optimize_text`` for the dicts that ``critical_barrier`` and ``optimize`` return. In a
notebook, ``print(report.run_text(ds))`` gives what ``coupledgas run`` prints;
``budget_text`` says what a budget did (``plan.budgeted``), and ``planned_parts`` prints a
plan or applies a budget to some sweeps (``--plan``, ``--budget``).

Quantities are in the model's reduced units (``coupledgas.metadata``): a particle
current in 1/time, an energy current and a power in energy/time, temperatures and
chemical potentials in energy.
"""

from __future__ import annotations

import json
import math
import sys

from .figures import RECIPES
from .onsager import ENTRIES, LARGE_SHIFT
from .optimize import RECORD
from .params import ParameterError
from .plan import budgeted, scheduled_plan
from .thermo import COEFFICIENTS

#: what a run's summary holds, in its order: the names of scalar variables and
#: attributes of the run's Dataset; a variable on ``end`` gives one value per end
#: (``J_rho_end``: ``J_rho_left``, ``J_rho_right``), one on another dimension a dict
#: over its coordinate (``pass_fraction``: pair type -> fraction)
RUN_SUMMARY = ("J_rho", "J_rho_err", "J_u", "J_u_err", "J_rho_end", "J_u_end",
               "entropy_production", "entropy_production_err", "T_left", "T_right",
               "mu_left", "mu_right", "F_rho", "F_u", "length", "barrier",
               "interaction_range", "m_bullet", "m_rod", "n_rods", "rod_walls",
               "bullet_walls", "dissipation", "dissipate_at", "collapse_time",
               "bounces_made_elastic", "made_elastic_fraction", "passing", "passing_width",
               "barrier_width", "pass_fraction", "dissipated_power", "dissipated_power_err",
               "events", "events_per_second", "t_measure", "t_transient", "seed",
               "bullet_density", "errors_reliable", "coupledgas_version", "t_measured",
               "relaxation_time")
#: what follows in a run's summary where the Dataset has the first name of a group: the
#: conductivity of a closed channel between heat baths, the bullets of a closed
#: channel, a precision target, replicas
RUN_OPTIONAL = (("kappa", "kappa_err"), ("n_bullets",), ("rel_err_target", "target_reached"),
                ("replicas", "spread_ratio_J_rho", "spread_ratio_J_u", "spread_ratio_range"))
#: the keys of a run's summary that the Dataset names otherwise
RUN_RENAMED = {"T_left": "T_L", "T_right": "T_R", "mu_left": "mu_L", "mu_right": "mu_R",
               "coupledgas_version": "version"}
#: attributes that a summary gives as true or false (netCDF stores 1 or 0)
FLAGS = ("errors_reliable", "target_reached")
#: values of attributes that results written before them lack
DEFAULTS = {"interaction_range": 0.0}
#: attributes of an Onsager matrix that its summary holds, where set
ONSAGER_ATTRS = ("method", "length", "barrier", "T", "mu", "t_measured", "cpu_seconds",
                 "events", "seed", "rel_err_target", "target_reached")
#: attributes of a heat engine that its summary holds
ENGINE_ATTRS = ("T_hot", "T_cold", "load_a", "load_b", "t_measure", "seed", "events")
#: the heat engine's quantities that its text gives, with their errors
ENGINE_TEXT = ("J_A", "J_B", "J_circ", "power", "heat_hot", "heat_cold", "efficiency",
               "mu_hot", "mu_cold")


def _plain(value):
    """A value of a Dataset (variable, attribute) as Python's own number, string or list."""
    value = getattr(value, "values", value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value.tolist() if hasattr(value, "tolist") else value


def _entries(ds, name) -> dict:
    """The entries of a run's summary for one name of its Dataset (``RUN_SUMMARY``)."""
    if name not in ds.data_vars:
        value = ds.attrs[name] if name in ds.attrs else DEFAULTS[name]
        return {RUN_RENAMED.get(name, name): bool(value) if name in FLAGS else _plain(value)}
    var = ds[name]
    if var.ndim == 0:
        return {name: _plain(var)}
    labels = [str(label) for label in var[var.dims[0]].values]
    if var.dims == ("end",):
        return {f"{name.removesuffix('_end')}_{end}": v for end, v in zip(labels, _plain(var))}
    return {name: dict(zip(labels, _plain(var)))}


def run_summary(ds) -> dict:
    """The summary of a run: what ``coupledgas run --json`` prints.

    Parameters
    ----------
    ds : xarray.Dataset
        A run (``simulate``, ``run_replicas``, or a run's file).

    Returns
    -------
    dict
        The names of ``RUN_SUMMARY`` and ``RUN_OPTIONAL``, with plain values (JSON-able):
        the currents J_rho (1/time) and J_u (energy/time) with their errors, at each end
        (``J_rho_left``, ...), the parameters (the reservoirs as ``T_L``, ``T_R``,
        ``mu_L``, ``mu_R``, in energy), the counts and times, ``version``.
    """
    def present(name):
        return name in ds.data_vars or name in ds.attrs

    # a group's other names only where set (a single replica has no spread ratio)
    names = RUN_SUMMARY + tuple(name for group in RUN_OPTIONAL if present(group[0])
                                for name in group if present(name))
    out = {}
    for name in names:
        out.update(_entries(ds, name))
    return out


def _inverse_current(result) -> str:
    """Which current, if any, flows against both forces, and by how many standard errors."""
    F = (result["F_rho"], result["F_u"])
    nonzero = [f for f in F if f != 0]
    if not nonzero or (len(nonzero) == 2 and (F[0] > 0) != (F[1] > 0)):
        return "no inverse current can be defined (forces zero or of opposite signs)"
    sign = 1.0 if nonzero[0] > 0 else -1.0
    lines = []
    for name in ("J_rho", "J_u"):
        value, err = result[name], result[name + "_err"]
        if value * sign < 0:
            z = abs(value) / err if err > 0 else math.inf
            lines.append(f"{name} flows against both forces ({z:.1f} standard errors)")
    return "; ".join(lines) if lines else "no current flows against both forces"


def run_text(ds) -> str:
    """The readable report of a run: what ``coupledgas run`` prints.

    Parameters
    ----------
    ds : xarray.Dataset
        A run, as for ``run_summary``.

    Returns
    -------
    str
        Lines: the channel, the reservoirs and forces, J_rho (1/time) and J_u
        (energy/time) with their errors and values at each end, the entropy production,
        which current (if any) flows against both forces, the events, and what applies:
        conductivity, pass fractions, dissipated power, precision target, replicas, a
        warning when the error bars cannot be trusted.
    """
    result = run_summary(ds)
    rows = [
        f"L = {result['length']:g}, h = {result['barrier']:g}" + (
            f" (range r = {result['interaction_range']:g})"
            if result["interaction_range"] > 0 else "") + ", m_bullet = "
        f"{result['m_bullet']:g}, m_rod = {result['m_rod']:g}, {result['n_rods']} rods "
        f"({result['rod_walls']} walls)" + (
            f", {result['n_bullets']} bullets ({result['bullet_walls']} walls)"
            if result["bullet_walls"] != "exchange" else ""),
        f"reservoirs: T_L = {result['T_L']:.6g}, T_R = {result['T_R']:.6g}, "
        f"mu_L = {result['mu_L']:.6g}, mu_R = {result['mu_R']:.6g} "
        f"(F_rho = {result['F_rho']:.6g}, F_u = {result['F_u']:.6g})",
        f"J_rho = {result['J_rho']:+.6g} +- {result['J_rho_err']:.2g}   "
        f"(left end {result['J_rho_left']:+.6g}, right end {result['J_rho_right']:+.6g})",
        f"J_u   = {result['J_u']:+.6g} +- {result['J_u_err']:.2g}   "
        f"(left end {result['J_u_left']:+.6g}, right end {result['J_u_right']:+.6g})",
        f"entropy production J_rho F_rho + J_u F_u = {result['entropy_production']:.6g} "
        f"+- {result['entropy_production_err']:.2g}",
        "inverse current: " + _inverse_current(result),
    ]
    if "kappa" in result:
        rows.append(f"conductivity kappa = J_u L / (T_L - T_R) = {result['kappa']:.6g} "
                    f"+- {result['kappa_err']:.2g}")
    if result["passing"] != "threshold":
        rows.append(f"passing rule {result['passing']}: " + ", ".join(
            f"{pair} pass fraction {f:.4g}" for pair, f in result["pass_fraction"].items()))
    if result["dissipation"] > 0:
        rows.append(f"dissipated power = {result['dissipated_power']:.6g} "
                    f"+- {result['dissipated_power_err']:.2g} (delta = "
                    f"{result['dissipation']:g} at {result['dissipate_at']}; mean bullet "
                    f"density {result['bullet_density']:.4g})")
        if result["dissipate_at"] != "pass":
            rows.append(f"TC model (t_c = {result['collapse_time']:g}) kept "
                        f"{result['bounces_made_elastic']:,} bounces elastic "
                        f"({100 * result['made_elastic_fraction']:.3g}% of all bounces)")
    rows += [
        f"{result['events']:,} events over t = {result['t_measured']:g} "
        f"(seed {result['seed']}): {result['events_per_second'] / 1e6:.2f} M events/s",
    ]
    if "rel_err_target" in result:
        rows.append(f"precision target {result['rel_err_target']:g}: " + (
            "reached" if result["target_reached"] else "NOT reached by t-max"))
    if "spread_ratio_range" in result:  # two replicas or more
        low, high = result["spread_ratio_range"]
        rows.append(f"{result['replicas']} replicas; variance of their values / mean squared "
                    f"error: {result['spread_ratio_J_rho']:.2f} (J_rho), "
                    f"{result['spread_ratio_J_u']:.2f} (J_u); honest errors give "
                    f"{low:.2f} to {high:.2f} (95%)")
    if not result["errors_reliable"]:
        rows.append(f"warning: the error bars cannot be trusted yet: the run lasts "
                    f"{result['t_measured'] / result['relaxation_time']:.3g} relaxation "
                    f"times L^2/2 = {result['relaxation_time']:g}, and a blocking error "
                    f"needs 16 blocks of at least one (measure longer, or use replicas)")
    return "\n".join(rows)


def _scalars(ds, attrs) -> dict:
    """Every scalar variable of ``ds`` as a float, then those of the attributes ``attrs``
    that it has."""
    result = {name: float(var) for name, var in ds.data_vars.items() if var.ndim == 0}
    result.update({k: ds.attrs[k] for k in attrs if k in ds.attrs})
    return result


def onsager_summary(ds) -> dict:
    """What ``coupledgas onsager --json`` prints for an Onsager matrix ``ds``
    (``onsager``): every variable as a float (the entries L_ij in energy^2 length/time
    and the coefficients, with their errors), then ``ONSAGER_ATTRS``."""
    return _scalars(ds, ONSAGER_ATTRS)


def onsager_text(ds) -> str:
    """What ``coupledgas onsager`` prints for an Onsager matrix ``ds``: the entries and
    the coefficients sigma, kappa, S, ZT with their errors, the reciprocity gap (in
    standard errors), the force's nonlinear correction (forces method), the cost, and
    whether a precision target was reached."""
    result = onsager_summary(ds)
    rows = [f"Onsager matrix (method: {result['method']}, L = {result['length']:g}, "
            f"h = {result['barrier']:g}, T = {result['T']:g}, mu = {result['mu']:g})"]
    rows += [f"  {name:6s}= {result[name]:+.5g} +- {result[name + '_err']:.2g}"
             for name in (*ENTRIES, *COEFFICIENTS)]
    rows.append(f"  reciprocity: L_ru - L_ur = {result['reciprocity_gap']:+.2f} "
                f"standard errors")
    if "nonlinear_shift" in result:
        shift = result["nonlinear_shift"]
        rows.append(f"  the force's nonlinear correction: {shift:.1%} at most" + (
            f" (above {LARGE_SHIFT:.0%}: the force is too large here, lower --force)"
            if shift > LARGE_SHIFT else ""))
    rows.append(f"  {result['events']:,} events, {result['cpu_seconds']:.1f} CPU s, "
                f"t = {result['t_measured']:g}")
    if "rel_err_target" in result:
        rows.append(f"  precision target {result['rel_err_target']:g} on every entry: "
                    f"{'reached' if result['target_reached'] else 'NOT reached by --t-max'}")
    return "\n".join(rows)


def engine_summary(ds) -> dict:
    """What ``coupledgas heat-engine --json`` prints for a heat engine ``ds``
    (``heat_engine``): every variable but the time series as a float (currents in
    1/time, power and heat currents in energy/time, chemical potentials in energy),
    then ``ENGINE_ATTRS``."""
    return _scalars(ds, ENGINE_ATTRS)


def engine_text(ds) -> str:
    """What ``coupledgas heat-engine`` prints for a heat engine ``ds``: the quantities of
    ``ENGINE_TEXT`` with their errors, and the Carnot efficiency."""
    result = engine_summary(ds)
    rows = [f"  {name:10s} = {result[name]:+.5g} +- {result[name + '_err']:.2g}"
            for name in ENGINE_TEXT]
    return "\n".join(rows + [f"  Carnot efficiency {result['efficiency_carnot']:.4g}"])


def ring_summary(ds) -> dict:
    """What ``coupledgas ring --json`` prints for a ring ``ds`` (``ring``): its
    parameters, events, events per CPU second, and the Green-Kubo conductivity
    ``kappa`` (length/time) up to the cut-off time, with its error."""
    a = ds.attrs
    return {"particles": a["particles"], "masses": [a["mass_0"], a["mass_1"]],
            "barrier": a["barrier"], "T": a["T"], "density": a["density"],
            "t_measure": a["t_measure"], "events": a["events"],
            "events_per_second": a["events_per_second"], "cutoff": a["cutoff"],
            "kappa": float(ds.kappa_cutoff), "kappa_err": float(ds.kappa_cutoff_err),
            "seed": a["seed"]}


def ring_text(ds) -> str:
    """What ``coupledgas ring`` prints for a ring ``ds``: its parameters, collisions per
    CPU second, and the Green-Kubo conductivity (length/time) with its error."""
    result = ring_summary(ds)
    masses = ",".join(f"{m:g}" for m in result["masses"])
    return "\n".join([
        f"ring: N = {result['particles']}, masses {masses}, h = {result['barrier']:g}, "
        f"T = {result['T']:g}, density {result['density']:g}, t = {result['t_measure']:g}",
        f"  {result['events']:,} collisions, {result['events_per_second'] / 1e6:.2f} "
        f"M collisions/s",
        f"  Green-Kubo kappa(t < {result['cutoff']:g}) = {result['kappa']:.5g} +- "
        f"{result['kappa_err']:.2g}"])


def critical_barrier_text(result: dict) -> str:
    """The readable report of ``critical_barrier``'s result.

    Parameters
    ----------
    result : dict
        What ``critical_barrier`` returns.

    Returns
    -------
    str
        h* (energy) at each length, the local exponents between neighbouring lengths,
        and the exponent beta of h* ~ L^beta, with their errors.
    """
    lengths = result["lengths"]
    rows = [f"  L = {L:6g}: h* = {h:.4g} +- {e:.2g}"
            for L, h, e in zip(lengths, result["h_star"], result["h_star_err"])]
    rows += [f"  local exponent L = {lengths[i]:g} -> {lengths[i + 1]:g}: {b:+.3g} +- {e:.2g}"
             for i, (b, e) in enumerate(zip(result["local_exponents"],
                                            result["local_exponents_err"]))]
    rows.append(f"  h* ~ L^beta, beta = {result['exponent']:.3g} +- "
                f"{result['exponent_err']:.2g} (slides: about -1/2)")
    return "\n".join(rows)


def optimize_text(result: dict, out) -> str:
    """The readable report of ``optimize``'s result.

    Parameters
    ----------
    result : dict
        What ``optimize`` returns.
    out : path
        The search folder (where the record ``optimize.json`` is).

    Returns
    -------
    str
        The evaluations and their CPU seconds, and the best point: its parameters, its
        measured value and the Gaussian process's mean, with their errors.
    """
    best, done = result["best"], result["evaluations"]
    rows = [f"{result['objective']} ({result['sense']}) at L = {result['length']:g}: "
            f"{len(done)} evaluations ({sum(not e['reused'] for e in done)} run now), "
            f"{sum(e['cpu_seconds'] for e in done):.1f} CPU s; record {out / RECORD}"]
    if best is None:
        return "\n".join(rows + ["no evaluation gave a finite value"])
    rows.append(f"best (the Gaussian process's best mean): evaluation {best['index'] + 1}, "
                + ", ".join(f"{k} = {v:.4g}" for k, v in best["parameters"].items()))
    rows.append(f"  measured {best['value']:+.4g} +- {best['error']:.2g}, process's mean "
                f"{best['posterior_mean']:+.4g} +- {best['posterior_std']:.2g}")
    return "\n".join(rows)


def recipes_text() -> str:
    """The figure recipes, a line each: name and description."""
    return "\n".join(f"{recipe.name:18s} {recipe.description}" for recipe in RECIPES.values())


def planned_parts(parts, record, workers=None, *, plan=False, as_json=False, budget=None,
                  walltime=None):
    """What ``--plan`` and ``--budget`` do to some sweeps' ``parts`` (as for ``plan.plan``).

    With ``plan``: print the plan (``plan.scheduled_plan``; a table, or JSON) and return
    None. With a ``budget`` (core-hours): scale the parts to it (``plan.budgeted``, which
    keeps its factor in ``record``), say so on stderr and return them. Else return the
    parts as they are. ``as_json`` and ``walltime`` apply only with ``plan``.
    """
    if as_json and not plan:
        raise ParameterError("json", "only applies with --plan")
    if walltime is not None and not plan:
        raise ParameterError("walltime", "only applies with --plan")
    if plan:
        planned = scheduled_plan(parts, workers, walltime, budget, record)
        print(json.dumps(planned.as_json()) if as_json else planned.table())
        return None
    if budget is None:
        return parts
    parts, planned = budgeted(parts, budget, record)
    print(f"coupledgas: {budget_text(planned)}", file=sys.stderr)
    return parts


def budget_text(planned) -> str:
    """The factor and the core-hours of a plan fitted to a budget (``plan.budgeted``)."""
    return (f"budget {planned.budget:g} core-hours: measured times x {planned.scale:g}; "
            f"{planned.core_hours:.3g} core-hours planned for the points to run")
