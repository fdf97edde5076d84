"""The ``coupledgas`` command line."""

from __future__ import annotations

import inspect
import json
import math
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from . import __version__
from .checkpoint import load
from .critical import RESPONSES, critical_barrier
from .execute import Interrupted, execute
from .figures import RECIPES, budget_record, figure, figure_parts
from .files import atomic_path, write_netcdf
from .heat_engine import heat_engine
from .kernel import InelasticCollapse
from .onsager import ENTRIES, FORCE, LARGE_SHIFT, METHODS, onsager
from .optimize import OBJECTIVES, optimize, parse_bounds
from .params import (
    COLLAPSE_TIME,
    DISSIPATION_PLACES,
    PASSING_RULES,
    WALL_RULES,
    ParameterError,
    RunParams,
    relaxation_time,
)
from .plot import plot_result
from .progress import ProgressLine, compile_notice
from .replicas import run_replicas
from .ring import ring
from .simulate import Run
from .sweep import SweepProgress, SweepSpec, sweep
from .thermo import COEFFICIENTS

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  rich_markup_mode=None,
                  help="Coupled particle and energy transport in 1D two-mass gases.")

#: API parameter name -> command-line option, for error messages
OPTION_NAMES = {"checkpoint": "CHECKPOINT", "spec": "SPEC", "result": "RESULT", "name": "NAME"}


def _print_version(requested: bool):
    if requested:
        typer.echo(f"coupledgas {__version__}")
        raise typer.Exit()


@app.callback()
def _commands(version: bool = typer.Option(False, "--version", is_eager=True,
                                           callback=_print_version,
                                           help="Print the version and exit.")):
    """Coupled particle and energy transport in 1D two-mass gases."""


def option_name(parameter: str) -> str:
    """The command-line option that sets an API parameter."""
    return OPTION_NAMES.get(parameter, "--" + parameter.replace("_", "-"))


def _choices(name: str, values) -> type[Enum]:
    """A command-line choice list from the tuple that declares it where its meaning
    lives (``params``, ``onsager``): the choices are written once."""
    return Enum(name, {value: value for value in values}, type=str)


Walls = _choices("Walls", WALL_RULES[1:])  # rods are never exchanged
BulletWalls = _choices("BulletWalls", WALL_RULES)
DissipateAt = _choices("DissipateAt", DISSIPATION_PLACES)
Passing = _choices("Passing", PASSING_RULES)
Method = _choices("Method", METHODS)
Response = _choices("Response", RESPONSES)


# options shared by several commands
LENGTH = typer.Option(20.0, "--length", help="Channel length L.")
BARRIER = typer.Option(1.0, "--barrier", help="Pass-through barrier h (inf: hard-point gas).")
RANGE = typer.Option(0.0, "--interaction-range", "--range", help="Range r of the barrier "
                     "V(x) = h for -r <= x <= r (the slides' Hamiltonian; 0: the Letter's "
                     "point barrier).")
TEMPERATURE = typer.Option(1.0, "--T", help="Mean temperature around which forces act.")
CHEMICAL_POTENTIAL = typer.Option(1.5, "--mu", help="Mean chemical potential.")
M_BULLET = typer.Option(1.0, "--m-bullet", help="Bullet mass M1.")
M_ROD = typer.Option(0.5, "--m-rod", help="Rod mass M2.")
RODS = typer.Option(None, "--n-rods", "--rods",
                    help="Number of rods [default: round(rho(T, mu) L / 2)].")
ROD_WALLS = typer.Option(Walls.thermal, "--rod-walls", help="Rods at the ends: thermal "
                         "(fresh speed at the reservoir's T) or specular.")
T_TRANSIENT = typer.Option(None, "--t-transient", help="Discarded time [default: "
                           "max(200, L^2 / 2), the relaxation of the species' segregation].")
T_MEASURE = typer.Option(100000.0, "--t-measure", help="Measured time.")
SEED = typer.Option(1, "--seed", help="Random seed (same seed, same result).")
T_MAX = typer.Option(None, "--t-max", help="With --rel-err: stop here even if the target "
                     "is not reached [default: 100 t-measure].")
REPLICAS = typer.Option(1, "--replicas", help="Independent replicas (seeds spawned from "
                        "--seed), combined with error propagation.")
WORKERS = typer.Option(1, "--workers", help="Processes for the replicas.")
AS_JSON = typer.Option(False, "--json", help="Print one JSON object.")
OUT = typer.Option(None, "--out", help="Write the Dataset (netCDF).")
# where the points of a sweep (or a figure's sweeps) run
SWEEP_WORKERS = typer.Option(None, "--workers",
                             help="Local worker processes [default: one per core].")
SCHEDULER = typer.Option(None, "--scheduler", help="Address of a running Dask scheduler "
                         "(tcp://host:8786) instead of a local cluster.")
SLURM = typer.Option(False, "--slurm", help="Start workers as SLURM jobs (dask-jobqueue).")
SLURM_QUEUE = typer.Option(None, "--slurm-queue", help="Partition.")
SLURM_WALLTIME = typer.Option("24:00:00", "--slurm-walltime", help="Wall time per worker job.")
SLURM_MEMORY = typer.Option("4GB", "--slurm-memory", help="Memory per job.")
SLURM_JOBS = typer.Option(4, "--slurm-jobs", help="Worker jobs to submit.")
SLURM_ACCOUNT = typer.Option(None, "--slurm-account", help="Account charged for the jobs.")
# the cost of a sweep or a figure before it runs, and a budget
PLAN = typer.Option(False, "--plan", help="Print what every point will cost (events, "
                    "core-seconds, expected errors; from pilot runs of about half a "
                    "CPU second each) and the total, without running the points.")
PLAN_JSON = typer.Option(False, "--json", help="With --plan: one JSON object "
                         "(core_hours, wall_seconds, points).")
PLAN_WALLTIME = typer.Option(None, "--walltime", help="With --plan: the longest a worker "
                             "may run one point (HH:MM:SS, a cluster job's limit); a longer "
                             "point is split into replicas that fit, each with its own "
                             "transient. The plan gives the wall time on --workers workers "
                             "[default: one per core].")
BUDGET = typer.Option(None, "--budget", help="CPU core-hours for all the points: every "
                      "measured time (and precision target) is scaled by one factor so that "
                      "the plan fits, the transients kept whole. With --plan: print that "
                      "plan.")



def _forces(F_rho, F_u, T_left, T_right, mu_left, mu_right):
    """The Letter's Fig. 2 point (F_u = 0.3) unless a force or a reservoir state is given."""
    if all(v is None for v in (F_rho, F_u, T_left, T_right, mu_left, mu_right)):
        return 0.0, 0.3
    if any(v is not None for v in (T_left, T_right, mu_left, mu_right)):
        return F_rho, F_u
    return (0.0 if F_rho is None else F_rho), (0.0 if F_u is None else F_u)


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


def _summary(result) -> str:
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
    if "replicas" in result:
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


def run_summary(ds) -> dict:
    """The JSON-able summary of a run Dataset."""
    a = ds.attrs
    out = {
        "J_rho": float(ds.J_rho), "J_rho_err": float(ds.J_rho_err),
        "J_u": float(ds.J_u), "J_u_err": float(ds.J_u_err),
        "J_rho_left": float(ds.J_rho_end[0]), "J_rho_right": float(ds.J_rho_end[1]),
        "J_u_left": float(ds.J_u_end[0]), "J_u_right": float(ds.J_u_end[1]),
        "entropy_production": float(ds.entropy_production),
        "entropy_production_err": float(ds.entropy_production_err),
        "T_L": a["T_left"], "T_R": a["T_right"], "mu_L": a["mu_left"], "mu_R": a["mu_right"],
        "F_rho": a["F_rho"], "F_u": a["F_u"], "length": a["length"], "barrier": a["barrier"],
        "interaction_range": a.get("interaction_range", 0.0),
        "m_bullet": a["m_bullet"], "m_rod": a["m_rod"], "n_rods": int(a["n_rods"]),
        "rod_walls": a["rod_walls"], "bullet_walls": a["bullet_walls"],
        "dissipation": a["dissipation"],
        "dissipate_at": a["dissipate_at"], "collapse_time": a["collapse_time"],
        "bounces_made_elastic": int(ds.bounces_made_elastic),
        "made_elastic_fraction": float(ds.made_elastic_fraction),
        "passing": a["passing"], "passing_width": a["passing_width"],
        "barrier_width": a["barrier_width"],
        "pass_fraction": {str(k): float(v) for k, v in
                          zip(ds.pair_type.values, ds.pass_fraction.values)},
        "dissipated_power": float(ds.dissipated_power),
        "dissipated_power_err": float(ds.dissipated_power_err),
        "events": int(a["events"]),
        "events_per_second": a["events_per_second"], "t_measure": a["t_measure"],
        "t_transient": a["t_transient"], "seed": int(a["seed"]),
        "bullet_density": float(ds.bullet_density),
        "errors_reliable": bool(a["errors_reliable"]), "version": a["coupledgas_version"],
        "t_measured": a["t_measured"], "relaxation_time": relaxation_time(a["length"]),
    }
    if "kappa" in ds:
        out["kappa"], out["kappa_err"] = float(ds.kappa), float(ds.kappa_err)
    if "n_bullets" in a:  # a closed channel
        out["n_bullets"] = int(a["n_bullets"])
    if "rel_err_target" in a:
        out["rel_err_target"] = a["rel_err_target"]
        out["target_reached"] = bool(a["target_reached"])
    if "replicas" in a:
        out["replicas"] = int(a["replicas"])
        out["spread_ratio_J_rho"] = float(a["spread_ratio_J_rho"])
        out["spread_ratio_J_u"] = float(a["spread_ratio_J_u"])
        out["spread_ratio_range"] = [float(v) for v in a["spread_ratio_range"]]
    return out


def _channel_parameters(options: dict) -> dict:
    """``RunParams.create``'s keywords from the channel options of ``run`` (by name)."""
    o = options
    F_rho, F_u = _forces(o["F_rho"], o["F_u"], o["T_left"], o["T_right"], o["mu_left"],
                         o["mu_right"])
    return dict(length=o["length"], barrier=o["barrier"], T=o["T"], mu=o["mu"], F_rho=F_rho,
                F_u=F_u, T_left=o["T_left"], T_right=o["T_right"], mu_left=o["mu_left"],
                mu_right=o["mu_right"], m_bullet=o["m_bullet"], m_rod=o["m_rod"],
                n_rods=o["rods"], rod_walls=o["rod_walls"].value,
                bullet_walls=o["bullet_walls"].value, n_bullets=o["bullets"],
                dissipation=o["dissipation"], dissipate_at=o["dissipate_at"].value,
                collapse_time=o["collapse_time"], passing=o["passing"].value,
                passing_width=o["passing_width"], barrier_width=o["barrier_width"],
                interaction_range=o["interaction_range"], seed=o["seed"])


@app.command()
def run(
    length: float = LENGTH,
    F_rho: Optional[float] = typer.Option(
        None, "--F-rho", help="Force mu_L/T_L - mu_R/T_R. With no force and no reservoir "
        "state given, the run is the Letter's Fig. 2 point F_rho = 0, F_u = 0.3; with one "
        "force given, the other is 0."),
    F_u: Optional[float] = typer.Option(None, "--F-u", help="Force 1/T_R - 1/T_L."),
    barrier: float = BARRIER,
    T: float = TEMPERATURE,
    mu: float = CHEMICAL_POTENTIAL,
    T_left: Optional[float] = typer.Option(None, "--T-left", help="Left reservoir "
                                           "temperature (instead of the forces)."),
    T_right: Optional[float] = typer.Option(None, "--T-right",
                                            help="Right reservoir temperature."),
    mu_left: Optional[float] = typer.Option(None, "--mu-left", help="Left reservoir "
                                            "chemical potential."),
    mu_right: Optional[float] = typer.Option(None, "--mu-right", help="Right reservoir "
                                             "chemical potential."),
    m_bullet: float = M_BULLET,
    m_rod: float = M_ROD,
    rods: Optional[int] = RODS,
    rod_walls: Walls = ROD_WALLS,
    bullet_walls: BulletWalls = typer.Option(
        BulletWalls.exchange, "--bullet-walls", help="Bullets at the ends: exchange "
        "(absorbed and injected by particle reservoirs, the Letter) or, for a closed "
        "channel between heat baths, thermal or specular."),
    bullets: Optional[int] = typer.Option(
        None, "--n-bullets", "--bullets", help="Bullets of a closed channel [default: "
        "round(rho(T, mu) L)]."),
    dissipation: float = typer.Option(
        0.0, "--dissipation", help="Fraction delta in [0, 1) of the pair's relative "
        "kinetic energy lost at an encounter (centre-of-mass velocity kept)."),
    dissipate_at: DissipateAt = typer.Option(
        DissipateAt("pass"), "--dissipate-at", help="Where delta acts: when the pair "
        "squeezes past (the slides' picture), when it bounces back, or both."),
    collapse_time: float = typer.Option(
        COLLAPSE_TIME, "--collapse-time", help="t_c of the TC model where bounces "
        "dissipate: a bounce within t_c of a particle's previous bounce is elastic, which "
        "prevents inelastic collapse (0: off)."),
    passing: Passing = typer.Option(
        Passing.threshold, "--passing", help="threshold: pass if E_rel > h (the Letter); "
        "smooth: with probability 1/(1 + exp((h - E_rel)/w)); quantum: with the "
        "transmission probability of a square barrier of height h, width a (hbar = 1)."),
    passing_width: float = typer.Option(0.1, "--passing-width",
                                        help="w of the smooth rule (energy)."),
    barrier_width: float = typer.Option(1.0, "--barrier-width",
                                        help="a of the quantum rule (length)."),
    interaction_range: float = RANGE,
    t_transient: Optional[float] = T_TRANSIENT,
    t_measure: float = T_MEASURE,
    seed: int = SEED,
    bins: int = typer.Option(40, "--bins", help="Profile bins (0: no profiles)."),
    rel_err: Optional[float] = typer.Option(
        None, "--rel-err", help="Run until both currents have a standard error below this "
        "fraction of their value (t-measure is then the shortest run and sets the block "
        "length t-measure/1024)."),
    t_max: Optional[float] = T_MAX,
    checkpoint: Optional[Path] = typer.Option(
        None, "--checkpoint", help="Save the full state here (atomically) every "
        "--checkpoint-every seconds, at the end and on Ctrl-C; continue with "
        "'coupledgas resume FILE'."),
    checkpoint_every: float = typer.Option(600.0, "--checkpoint-every",
                                           help="Seconds between checkpoints."),
    replicas: int = REPLICAS,
    workers: int = WORKERS,
    as_json: bool = AS_JSON,
    out: Optional[Path] = OUT,
):
    """Simulate one open channel between two reservoirs and report its currents."""
    params = RunParams.create(**_channel_parameters(locals()), t_transient=t_transient,
                              t_measure=t_measure)
    if replicas != 1 or workers != 1:
        if checkpoint is not None:
            raise ParameterError("checkpoint", "is for single runs; replicas restart whole")
        ds = run_replicas(params, replicas, workers, n_bins=bins, rel_err=rel_err,
                          t_max=t_max)
    else:
        run = Run.start(params, n_bins=bins, rel_err=rel_err, t_max=t_max)
        ds = _execute(run, checkpoint, checkpoint_every, as_json)
    _report(ds, as_json, out)


@app.command()
def resume(
    checkpoint: Path = typer.Argument(..., help="Checkpoint written by 'run --checkpoint'."),
    t_measure: Optional[float] = typer.Option(
        None, "--t-measure", help="Measure this much longer than the run asked for."),
    checkpoint_every: float = typer.Option(600.0, "--checkpoint-every",
                                           help="Seconds between checkpoints."),
    as_json: bool = AS_JSON,
    out: Optional[Path] = OUT,
):
    """Continue a run from its checkpoint; the result is bit for bit the uninterrupted one."""
    run = load(checkpoint)
    if t_measure is not None:
        if not t_measure > 0:
            raise ParameterError("t_measure", f"must be positive, got {t_measure:g}")
        run.extend_to(run.params.t_measure + t_measure)
    ds = _execute(run, checkpoint, checkpoint_every, as_json)
    _report(ds, as_json, out)


@app.command("onsager")
def onsager_command(
    length: float = LENGTH,
    barrier: float = BARRIER,
    T: float = TEMPERATURE,
    mu: float = CHEMICAL_POTENTIAL,
    m_bullet: float = M_BULLET,
    m_rod: float = M_ROD,
    rods: Optional[int] = RODS,
    rod_walls: Walls = ROD_WALLS,
    method: Method = typer.Option(
        Method.forces, "--method", help="forces: currents at (F_rho, F_u) = (f, 0) and "
        "(0, f), the Letter's way; fluctuation: one equilibrium run, Lmat = L S / 2 from "
        "the noise of the transferred particles and energy."),
    force: float = typer.Option(FORCE, "--force", help="f of the forces method: the "
                                "largest force applied."),
    symmetric: bool = typer.Option(True, "--symmetric/--one-sided", help="Forces method: "
                                   "also run at -f and take central differences."),
    extrapolate: bool = typer.Option(
        True, "--extrapolate/--no-extrapolate", help="Forces method: central differences "
        "at f/2 and f, extrapolated to zero force (Richardson); needs --symmetric."),
    t_transient: Optional[float] = T_TRANSIENT,
    t_measure: float = typer.Option(100000.0, "--t-measure", help="Measured time of each "
                                    "run (with --extrapolate: of those at f/2, the runs "
                                    "at f an eighth of it; with --rel-err: the shortest)."),
    rel_err: Optional[float] = typer.Option(
        None, "--rel-err", help="Run in rounds until every matrix entry has this relative "
        "error (or until --t-max)."),
    t_max: Optional[float] = T_MAX,
    block_time: float = typer.Option(
        10000.0, "--block-time", help="Fluctuation method: shortest block for the noise "
        "covariance; must exceed the correlation time (5000-10000 at L = 20, longer for "
        "larger L), and the run must be at least 16 blocks long."),
    replicas: int = REPLICAS,
    workers: int = typer.Option(1, "--workers", help="Processes (runs and replicas)."),
    interaction_range: float = RANGE,
    seed: int = SEED,
    as_json: bool = AS_JSON,
    out: Optional[Path] = OUT,
):
    """Onsager matrix and sigma, kappa, S, ZT (the Letter's Eq. 4; Supplement Eqs. 6-7)."""
    ds = onsager(length=length, barrier=barrier, T=T, mu=mu, m_bullet=m_bullet, m_rod=m_rod,
                 n_rods=rods, rod_walls=rod_walls.value, method=method.value, force=force,
                 symmetric=symmetric, extrapolate=extrapolate, t_transient=t_transient,
                 t_measure=t_measure, rel_err=rel_err, t_max=t_max, block_time=block_time,
                 replicas=replicas, workers=workers, seed=seed,
                 interaction_range=interaction_range)
    if out is not None:
        write_netcdf(ds, out)
    result = {name: float(ds[name]) for name in ds.data_vars}
    result.update({k: ds.attrs[k] for k in ("method", "length", "barrier", "T", "mu",
                                             "t_measured", "cpu_seconds", "events", "seed",
                                             "rel_err_target", "target_reached")
                   if k in ds.attrs})
    if as_json:
        typer.echo(json.dumps(result))
        return
    typer.echo(f"Onsager matrix (method: {result['method']}, L = {result['length']:g}, "
               f"h = {result['barrier']:g}, T = {result['T']:g}, mu = {result['mu']:g})")
    for name in (*ENTRIES, *COEFFICIENTS):
        typer.echo(f"  {name:6s}= {result[name]:+.5g} +- {result[name + '_err']:.2g}")
    typer.echo(f"  reciprocity: L_ru - L_ur = {result['reciprocity_gap']:+.2f} standard errors")
    if "nonlinear_shift" in result:
        shift = result["nonlinear_shift"]
        typer.echo(f"  the force's nonlinear correction: {shift:.1%} at most" + (
            f" (above {LARGE_SHIFT:.0%}: the force is too large here, lower --force)"
            if shift > LARGE_SHIFT else ""))
    typer.echo(f"  {result['events']:,} events, {result['cpu_seconds']:.1f} CPU s, "
               f"t = {result['t_measured']:g}")
    if rel_err is not None:
        typer.echo(f"  precision target {rel_err:g} on every entry: "
                   f"{'reached' if result['target_reached'] else 'NOT reached by --t-max'}")


@app.command("heat-engine")
def heat_engine_command(
    T_hot: float = typer.Option(1.15, "--T-hot", help="Hot reservoir temperature."),
    T_cold: float = typer.Option(0.85, "--T-cold", help="Cold reservoir temperature."),
    length_a: float = typer.Option(20.0, "--length-a", help="Channel A length."),
    barrier_a: float = typer.Option(1.0, "--barrier-a", help="Channel A barrier (h = 1: "
                                    "inverse particle current)."),
    length_b: float = typer.Option(20.0, "--length-b", help="Channel B length."),
    barrier_b: float = typer.Option(0.0, "--barrier-b", help="Channel B barrier."),
    load_a: float = typer.Option(0.0, "--load-a", help="Potential step U_A between A's "
                                 "cold end and the cold reservoir (reservoir U higher)."),
    load_b: float = typer.Option(0.0, "--load-b", help="Potential step U_B."),
    rods_a: Optional[int] = typer.Option(None, "--n-rods-a", "--rods-a", help="Rods in channel A "
                                         "[default: round(rho L / 2)]."),
    rods_b: Optional[int] = typer.Option(None, "--n-rods-b", "--rods-b", help="Rods in channel B."),
    dissipation_a: float = typer.Option(0.0, "--dissipation-a",
                                        help="Dissipation delta in channel A."),
    dissipation_b: float = typer.Option(0.0, "--dissipation-b",
                                        help="Dissipation delta in channel B."),
    reservoir_particles: int = typer.Option(20000, "--reservoir-particles",
                                            help="Bullets in each reservoir at the start."),
    reservoir_volume: Optional[float] = typer.Option(
        None, "--reservoir-volume", help="Reservoir volume [default: N / e^1.5, the "
        "Letter's density]."),
    t_transient: float = typer.Option(2000.0, "--t-transient", help="Discarded time."),
    t_measure: float = T_MEASURE,
    slice_time: float = typer.Option(1.0, "--slice-time", help="Interval of reservoir "
                                     "updates."),
    interaction_range: float = RANGE,
    seed: int = SEED,
    as_json: bool = AS_JSON,
    out: Optional[Path] = OUT,
):
    """The autonomous circular heat engine: two channels, finite reservoirs, loads."""
    ds = heat_engine(T_hot=T_hot, T_cold=T_cold, length_a=length_a, barrier_a=barrier_a,
                     length_b=length_b, barrier_b=barrier_b, load_a=load_a, load_b=load_b,
                     rods_a=rods_a, rods_b=rods_b, dissipation_a=dissipation_a,
                     dissipation_b=dissipation_b, reservoir_particles=reservoir_particles,
                     reservoir_volume=reservoir_volume, t_transient=t_transient,
                     t_measure=t_measure, slice_time=slice_time, seed=seed,
                     interaction_range=interaction_range)
    if out is not None:
        write_netcdf(ds, out)
    result = {name: float(ds[name]) for name in ds.data_vars if not name.endswith("series")}
    result.update({k: ds.attrs[k] for k in ("T_hot", "T_cold", "load_a", "load_b",
                                             "t_measure", "seed", "events")})
    if as_json:
        typer.echo(json.dumps(result))
        return
    for name in ("J_A", "J_B", "J_circ", "power", "heat_hot", "heat_cold", "efficiency",
                 "mu_hot", "mu_cold"):
        typer.echo(f"  {name:10s} = {result[name]:+.5g} +- {result[name + '_err']:.2g}")
    typer.echo(f"  Carnot efficiency {result['efficiency_carnot']:.4g}")


@app.command("critical-barrier")
def critical_barrier_command(
    lengths: str = typer.Option("20,40,80,160", "--lengths", help="Comma-separated L."),
    force: Optional[float] = typer.Option(
        None, "--force", help="F_u (F_rho = 0) [default: 0.1]; linear: the largest force "
        "of the Onsager runs [default: 0.4]."),
    response: Response = typer.Option(
        "force", "--response", help="What changes sign at h*: J_rho at --force, or "
        "(linear) the Onsager coefficient L_ru extrapolated to zero force."),
    barriers: Optional[str] = typer.Option(
        None, "--barriers", help="Comma-separated barrier grid [default: 12 values from "
        "0.02 to 1.5, log-spaced]."),
    t_measure: float = T_MEASURE,
    out: Path = typer.Option(Path("critical-barrier"), "--out",
                             help="Sweep directory (reused when repeated)."),
    workers: Optional[int] = typer.Option(None, "--workers", help="Local worker processes."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler",
                                            help="Address of a running Dask scheduler."),
    seed: int = SEED,
    as_json: bool = AS_JSON,
):
    """The barrier h*(L) where J_rho (or L_ru) changes sign, and the exponents of
    h* ~ L^beta."""
    def numbers(text, name):
        try:
            return [float(x) for x in text.split(",")]
        except ValueError:
            raise ParameterError(name, f"expected comma-separated numbers, got {text!r}")

    result = critical_barrier(lengths=numbers(lengths, "lengths"), force=force,
                              barriers=None if barriers is None
                              else numbers(barriers, "barriers"),
                              t_measure=t_measure, out=out, workers=workers,
                              scheduler=scheduler, seed=seed, response=response.value)
    if as_json:
        typer.echo(json.dumps(result))
        return
    for L, h, e in zip(result["lengths"], result["h_star"], result["h_star_err"]):
        typer.echo(f"  L = {L:6g}: h* = {h:.4g} +- {e:.2g}")
    for i, (b, e) in enumerate(zip(result["local_exponents"],
                                   result["local_exponents_err"])):
        typer.echo(f"  local exponent L = {result['lengths'][i]:g} -> "
                   f"{result['lengths'][i + 1]:g}: {b:+.3g} +- {e:.2g}")
    typer.echo(f"  h* ~ L^beta, beta = {result['exponent']:.3g} +- "
               f"{result['exponent_err']:.2g} (slides: about -1/2)")


@app.command("ring")
def ring_command(
    particles: int = typer.Option(4096, "--particles", help="N >= 2."),
    masses: str = typer.Option("1,3", "--masses", help="The two alternating masses."),
    barrier: float = typer.Option(float("inf"), "--barrier",
                                  help="Pass-through barrier h (inf: hard-point gas)."),
    interaction_range: float = RANGE,
    T: float = typer.Option(2.0, "--T", help="Temperature: kinetic energy N T / 2."),
    density: float = typer.Option(1.0, "--density", help="N / L."),
    t_transient: float = typer.Option(100.0, "--t-transient", help="Discarded time."),
    t_measure: float = typer.Option(2000.0, "--t-measure", help="Measured time."),
    sample_interval: float = typer.Option(1.0, "--sample-interval",
                                          help="Interval of the energy-current means."),
    cutoff: float = typer.Option(100.0, "--cutoff", help="Green-Kubo cut-off time "
                                 "(below t-measure / 8)."),
    seed: int = SEED,
    as_json: bool = AS_JSON,
    out: Optional[Path] = OUT,
):
    """A periodic ring at equilibrium: events per second and Green-Kubo conductivity."""
    try:
        pair = tuple(float(m) for m in masses.split(","))
    except ValueError:
        raise ParameterError("masses", f"expected two numbers like 1,3, got {masses!r}")
    ds = ring(particles=particles, masses=pair, barrier=barrier,
              interaction_range=interaction_range, T=T, density=density,
              t_transient=t_transient, t_measure=t_measure, sample_interval=sample_interval,
              cutoff=cutoff, seed=seed)
    if out is not None:
        write_netcdf(ds, out)
    a = ds.attrs
    result = {"particles": a["particles"], "masses": [a["mass_0"], a["mass_1"]],
              "barrier": a["barrier"], "T": a["T"], "density": a["density"],
              "t_measure": a["t_measure"], "events": a["events"],
              "events_per_second": a["events_per_second"], "cutoff": a["cutoff"],
              "kappa": float(ds.kappa_cutoff), "kappa_err": float(ds.kappa_cutoff_err),
              "seed": a["seed"]}
    if as_json:
        typer.echo(json.dumps(result))
        return
    typer.echo(f"ring: N = {result['particles']}, masses {masses}, h = {barrier:g}, "
               f"T = {T:g}, density {density:g}, t = {result['t_measure']:g}")
    typer.echo(f"  {result['events']:,} collisions, {result['events_per_second'] / 1e6:.2f} "
               f"M collisions/s")
    typer.echo(f"  Green-Kubo kappa(t < {cutoff:g}) = {result['kappa']:.5g} +- "
               f"{result['kappa_err']:.2g}")


#: options of ``run`` that are not the channel's: ``spacetime`` and ``movie`` take the rest
RUN_ONLY_OPTIONS = ("t_transient", "t_measure", "bins", "rel_err", "t_max", "checkpoint",
                    "checkpoint_every", "replicas", "workers", "as_json", "out")


def _with_channel_options(command):
    """``command`` with the channel options of ``run`` before its own.

    ``command`` takes ``parameters`` (``RunParams.create``'s keywords, without the times)
    and its own options; the options are declared once, in ``run``.
    """
    channel = [p for p in inspect.signature(run, eval_str=True).parameters.values()
               if p.name not in RUN_ONLY_OPTIONS]
    own = [p for p in inspect.signature(command, eval_str=True).parameters.values()
           if p.name != "parameters"]

    def wrapper(**options):
        chosen = {p.name: options.pop(p.name) for p in channel}
        return command(_channel_parameters(chosen), **options)

    wrapper.__signature__ = inspect.Signature(channel + own)
    wrapper.__annotations__ = {p.name: p.annotation for p in channel + own}
    wrapper.__doc__ = command.__doc__
    return wrapper


WINDOW = typer.Option(..., "--window", help="T0:T1, simulated times since the "
                      "equilibrium start (T0 = 0 includes the transient).")


class SpacetimeMode(str, Enum):
    worldlines = "worldlines"
    kymograph = "kymograph"


@app.command("spacetime")
@_with_channel_options
def spacetime_command(
    parameters: dict,
    window: str = WINDOW,
    mode: SpacetimeMode = typer.Option(
        SpacetimeMode.worldlines, "--mode", help="worldlines: every particle's exact path "
        "x(t) (short windows); kymograph: <m(x)> against x and t, exact averages over each "
        "--interval (long stretches)."),
    interval: Optional[float] = typer.Option(None, "--interval", help="Kymograph: "
                                             "averaging time per row [default: (T1-T0)/256]."),
    bins: int = typer.Option(80, "--bins", help="Kymograph: bins along the channel."),
    out: Path = typer.Option(Path("spacetime.png"), "--out", help="Image file."),
    data: Optional[Path] = typer.Option(None, "--data", help="Also write the data shown "
                                        "(netCDF)."),
):
    """Space-time picture of one channel: world lines, or a kymograph of <m(x)>."""
    from .spacetime import parse_window, spacetime

    fig, ds = spacetime(parse_window(window), mode=mode.value, interval=interval, bins=bins,
                        **parameters)
    if out.suffix.lstrip(".") not in fig.canvas.get_supported_filetypes():
        raise ParameterError("out", f"unknown image format {out.suffix!r} (use .png, .pdf, "
                             f".svg, ...)")
    with atomic_path(out) as tmp:
        fig.savefig(tmp, dpi=120)
    if data is not None:
        write_netcdf(ds, data)
    typer.echo(f"wrote {out}" + (f" and {data}" if data is not None else ""))


@app.command("movie")
@_with_channel_options
def movie_command(
    parameters: dict,
    window: str = WINDOW,
    out: Path = typer.Option(Path("gas.gif"), "--out", help=".gif, or .mp4 when an ffmpeg "
                             "is installed (pip install 'coupledgas[movie]')."),
    frame_interval: float = typer.Option(1.0, "--frame-interval",
                                         help="Simulated time between frames."),
    fps: float = typer.Option(20.0, "--fps", help="Frames per second."),
):
    """Animation of the particles in the channel, with a clock and the running currents."""
    from .spacetime import movie, parse_window

    frames = movie(parse_window(window), out, frame_interval=frame_interval, fps=fps,
                   **parameters)
    typer.echo(f"wrote {out} ({frames} frames)")


def _slurm_options(workers, scheduler, slurm, queue, walltime, memory, jobs, account):
    """The ``slurm`` argument of ``sweep``, after checking that one executor is chosen."""
    chosen = [name for name, on in (("--workers", workers is not None),
                                    ("--scheduler", scheduler is not None),
                                    ("--slurm", slurm)) if on]
    if len(chosen) > 1:
        raise ParameterError("workers", f"choose one of {', '.join(chosen)}")
    return dict(queue=queue, walltime=walltime, memory=memory, jobs=jobs,
                account=account) if slurm else None


def _planned(parts, plan_only, as_json, budget, record, workers=None, walltime=None):
    """``--plan`` and ``--budget``: print the plan (its wall time on ``workers`` workers,
    split to fit ``walltime``), or fit the budget. Pilots are kept in ``pilot_cache()``.

    Returns the parts to run (scaled to the budget), or None when only the plan was
    asked for (it is printed).
    """
    from os import cpu_count

    from .plan import Pilots, check_budget, fit_budget, pilot_cache, plan
    from .schedule import check_workers, parse_walltime, schedule

    if as_json and not plan_only:
        raise ParameterError("json", "only applies with --plan")
    if walltime is not None and not plan_only:
        raise ParameterError("walltime", "only applies with --plan")
    if plan_only:  # checked before any pilot runs
        limit = None if walltime is None else parse_walltime(walltime)
        workers = check_workers((cpu_count() or 1) if workers is None else workers)
    if budget is None and not plan_only:
        return parts
    pilots = Pilots(cache=pilot_cache())
    if budget is not None:
        check_budget(budget)
        parts, planned, fitted = fit_budget(parts, budget, record=record, pilots=pilots)
    else:
        planned = plan(parts, pilots)
    if plan_only:
        planned.schedule = schedule(planned, workers, limit)
        typer.echo(json.dumps(planned.as_json()) if as_json else planned.table())
        return None
    fitted.write()
    print(f"coupledgas: budget {budget:g} core-hours: measured times x {planned.scale:g}; "
          f"{planned.core_hours:.3g} core-hours planned for the points to run",
          file=sys.stderr)
    return parts


@app.command("sweep")
def sweep_command(
    spec: Path = typer.Argument(..., help="Sweep spec (TOML: [base], [axes], replicas)."),
    out: Path = typer.Option(..., "--out", help="Sweep directory (results.nc, points/)."),
    workers: Optional[int] = SWEEP_WORKERS,
    scheduler: Optional[str] = SCHEDULER,
    slurm: bool = SLURM,
    slurm_queue: Optional[str] = SLURM_QUEUE,
    slurm_walltime: str = SLURM_WALLTIME,
    slurm_memory: str = SLURM_MEMORY,
    slurm_jobs: int = SLURM_JOBS,
    slurm_account: Optional[str] = SLURM_ACCOUNT,
    plan: bool = PLAN,
    as_json: bool = PLAN_JSON,
    budget: Optional[float] = BUDGET,
    walltime: Optional[str] = PLAN_WALLTIME,
):
    """Run a grid of runs on Dask; rerunning computes only the missing points."""
    slurm_options = _slurm_options(workers, scheduler, slurm, slurm_queue, slurm_walltime,
                                   slurm_memory, slurm_jobs, slurm_account)
    parts = _planned({"sweep": (SweepSpec.load(spec), out)}, plan, as_json, budget,
                     out / "budget.json", workers, walltime)
    if parts is None:
        return
    loaded = parts["sweep"][0]
    total = len(loaded.points())
    progress = SweepProgress() if sys.stderr.isatty() else None
    results = sweep(loaded, out, workers=workers, scheduler=scheduler, slurm=slurm_options,
                    progress=progress)
    if progress is not None and progress.shown:
        sys.stderr.write("\n")
    typer.echo(f"{total} points, results: {out / 'results.nc'} "
               f"(dimensions: {dict(results.sizes)})")


Objective = _choices("Objective", OBJECTIVES)


@app.command("optimize")
def optimize_command(
    objective: Objective = typer.Argument(..., help="ZT or YT (maximised), or "
                                          "L_ru_normalised = L_ru / sqrt(L_rr L_uu) "
                                          "(minimised)."),
    bound: list[str] = typer.Option(..., "--bound", metavar="NAME=LOW:HIGH", help="Once per "
                                    "searched parameter: mass_ratio (m_rod / m_bullet), "
                                    "barrier, rod_density (rods per unit length), "
                                    "interaction_range."),
    length: float = LENGTH,
    budget: int = typer.Option(16, "--budget", help="Evaluations (Onsager matrices; two "
                               "per evaluation for YT), those already done included."),
    batch: Optional[int] = typer.Option(None, "--batch", help="Evaluations per round "
                                        "[default: --workers, or one per core]."),
    t_measure: float = typer.Option(1e5, "--t-measure", help="Measured time of each "
                                    "Onsager matrix (as for coupledgas onsager)."),
    out: Path = typer.Option(Path("optimize"), "--out", help="Search folder (points/, "
                             "optimize.json); a rerun resumes it."),
    workers: Optional[int] = SWEEP_WORKERS,
    scheduler: Optional[str] = SCHEDULER,
    seed: int = SEED,
    as_json: bool = AS_JSON,
):
    """Search model parameters for the best ZT, YT or most negative L_ru / sqrt(L_rr L_uu)
    (Bayesian optimisation; the points run and resume as a sweep's)."""
    result = optimize(objective.value, parse_bounds(bound, length), length=length,
                      budget=budget, out=out, t_measure=t_measure, batch=batch, seed=seed,
                      workers=workers, scheduler=scheduler, progress=True)
    if as_json:
        typer.echo(json.dumps(result))
        return
    best, done = result["best"], result["evaluations"]
    typer.echo(f"{result['objective']} ({result['sense']}) at L = {length:g}: {len(done)} "
               f"evaluations ({sum(not e['reused'] for e in done)} run now), "
               f"{sum(e['cpu_seconds'] for e in done):.1f} CPU s; record {out / 'optimize.json'}")
    if best is None:
        typer.echo("no evaluation gave a finite value")
        return
    typer.echo(f"best (the Gaussian process's best mean): evaluation {best['index'] + 1}, "
               + ", ".join(f"{k} = {v:.4g}" for k, v in best["parameters"].items()))
    typer.echo(f"  measured {best['value']:+.4g} +- {best['error']:.2g}, process's mean "
               f"{best['posterior_mean']:+.4g} +- {best['posterior_std']:.2g}")


@app.command("figure")
def figure_command(
    name: Optional[str] = typer.Argument(None, help="Recipe name (see --list)."),
    preset: str = typer.Option("quick", "--preset", help="quick (minutes on a laptop) or "
                               "paper (the publication's sizes and precision)."),
    out: Path = typer.Option(Path("figures"), "--out", help="Output folder."),
    list_: bool = typer.Option(False, "--list", help="List the recipes."),
    workers: Optional[int] = SWEEP_WORKERS,
    scheduler: Optional[str] = SCHEDULER,
    slurm: bool = SLURM,
    slurm_queue: Optional[str] = SLURM_QUEUE,
    slurm_walltime: str = SLURM_WALLTIME,
    slurm_memory: str = SLURM_MEMORY,
    slurm_jobs: int = SLURM_JOBS,
    slurm_account: Optional[str] = SLURM_ACCOUNT,
    plan: bool = PLAN,
    as_json: bool = PLAN_JSON,
    budget: Optional[float] = BUDGET,
    walltime: Optional[str] = PLAN_WALLTIME,
):
    """Reproduce a figure: data (resumable sweeps), NAME.png/.pdf/.nc and a summary."""
    if list_:
        for recipe in RECIPES.values():
            typer.echo(f"{recipe.name:18s} {recipe.description}")
        return
    if name is None:
        raise ParameterError("name", "give a figure name (coupledgas figure --list)")
    slurm_options = _slurm_options(workers, scheduler, slurm, slurm_queue, slurm_walltime,
                                   slurm_memory, slurm_jobs, slurm_account)
    parts = _planned(figure_parts(name, preset, out), plan, as_json, budget,
                     budget_record(name, out), workers, walltime)
    if parts is None:
        return
    progress = SweepProgress() if sys.stderr.isatty() else None
    summary = figure(name, preset=preset, out=out, workers=workers, scheduler=scheduler,
                     slurm=slurm_options, progress=progress, parts=parts)
    if progress is not None and progress.shown:
        sys.stderr.write("\n")
    typer.echo(json.dumps(summary, indent=1))
    typer.echo(f"wrote {out / name}.png, .pdf, .nc, .json")


@app.command()
def plot(
    result: Path = typer.Argument(..., help="A result: a run (run --out), a sweep's "
                                  "results.nc, an Onsager matrix (onsager --out) or a heat "
                                  "engine (heat-engine --out)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Image file [default: the "
                                       "result's name with .png]."),
):
    """Draw a result: a run's profiles and block series, a sweep's currents against its
    axes, an Onsager matrix's entries, or a heat engine's currents and power."""
    typer.echo(plot_result(result, out))


def _execute(run, checkpoint, checkpoint_every, quiet):
    if not checkpoint_every > 0:
        raise ParameterError("checkpoint_every", f"must be positive, got {checkpoint_every:g}")
    progress = None if quiet else ProgressLine()
    with compile_notice():
        run.load_kernel()
    try:
        execute(run, checkpoint, checkpoint_every, progress)
    except Interrupted:
        if progress:
            progress.close()
        where = f"; checkpoint saved: coupledgas resume {checkpoint}" if checkpoint else ""
        print(f"coupledgas: interrupted{where}", file=sys.stderr)
        raise typer.Exit(130)
    if progress:
        progress.close()
    return run.dataset()


def _report(ds, as_json, out):
    if out is not None:
        write_netcdf(ds, out)
    result = run_summary(ds)
    typer.echo(json.dumps(result) if as_json else _summary(result))


def main(argv=None) -> int:
    """Entry point: bad input gives one line naming the parameter and exit code 2."""
    command = typer.main.get_command(app)
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        code = command.main(args=args or ["--help"], prog_name="coupledgas",
                            standalone_mode=False)
    except ParameterError as err:
        print(f"coupledgas: error: {option_name(err.name)}: {str(err).split(': ', 1)[1]}",
              file=sys.stderr)
        return 2
    except typer.TyperException as err:
        message = err.format_message() if hasattr(err, "format_message") else str(err)
        print(f"coupledgas: error: {' '.join(message.split())}", file=sys.stderr)
        return 2
    except InelasticCollapse as err:
        print(f"coupledgas: error: --dissipation: {err}", file=sys.stderr)
        return 1
    except typer.Abort:
        print("coupledgas: interrupted", file=sys.stderr)
        return 130
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
