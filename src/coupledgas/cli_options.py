"""The command line's options, each declared once, and how commands receive them.

The channel's options come from ``params.Channel`` (defaults, types) and the choice
registries (``kernel.layout``: choices and their help), with a help line each in
``CHANNEL_HELP``; the reservoirs', a cluster's and a plan's options are groups
(``group``) that a command takes with ``with_options``, as one dict per group. The
commands themselves are in ``cli``.
"""

from __future__ import annotations

import inspect
from enum import Enum
from typing import Optional

import typer

from .critical import RESPONSES
from .heat_engine import heat_engine
from .onsager import METHODS, onsager
from .params import (
    ALIASES,
    DISSIPATION_PLACES,
    LETTER_MU,
    LETTER_T,
    PASSING_RULES,
    ROD_WALL_RULES,
    WALL_RULES,
    Channel,
    Measurement,
    ParameterError,
    Reservoirs,
)
from .ring import ring


def described(rules: dict, names=None) -> str:
    """The help text of a choice list: each choice (of ``names``, default all) with its
    one-line description, as its registry declares them."""
    return "; ".join(f"{name}: {rules[name].description}" for name in names or rules)


def choices(name: str, values) -> type[Enum]:
    """A command-line choice list from the registry that declares it where its meaning
    lives (``kernel.layout``, ``onsager``, ...): the choices are written once."""
    return Enum(name, {value: value for value in values}, type=str)


Walls = choices("Walls", ROD_WALL_RULES)
BulletWalls = choices("BulletWalls", WALL_RULES)
DissipateAt = choices("DissipateAt", DISSIPATION_PLACES)
Passing = choices("Passing", PASSING_RULES)
Method = choices("Method", METHODS)
Response = choices("Response", RESPONSES)


# the channel's options, declared once: a ``Channel`` field -> its help (the default,
# the type and the choices come from the record and its choice lists; ``ALIASES`` give
# the short flags, ``--rods`` for ``--n-rods``)
CHANNEL_HELP = {
    "length": "Channel length L.",
    "barrier": "Pass-through barrier h (inf: hard-point gas).",
    "m_bullet": "Bullet mass M1.",
    "m_rod": "Rod mass M2.",
    "n_rods": "Number of rods [default: round(rho(T, mu) L / 2)].",
    "n_bullets": "Bullets of a closed channel [default: round(rho(T, mu) L)].",
    "rod_walls": "Rods at the ends: " + described(WALL_RULES, ROD_WALL_RULES) + ".",
    "bullet_walls": "Bullets at the ends: " + described(WALL_RULES) + " (thermal or "
                    "specular: a closed channel between heat baths).",
    "dissipation": "Fraction delta in [0, 1) of the pair's relative kinetic energy lost at "
                   "an encounter (centre-of-mass velocity kept).",
    "dissipate_at": "Where delta acts: " + described(DISSIPATION_PLACES) + ".",
    "collapse_time": "t_c of the TC model where bounces dissipate: a bounce within t_c of a "
                     "particle's previous bounce is elastic, which prevents inelastic "
                     "collapse (0: off).",
    "passing": "Passing rule: " + described(PASSING_RULES) + ".",
    "passing_width": "w of the smooth rule (energy).",
    "barrier_width": "a of the quantum rule (length).",
    "interaction_range": "Range r of the barrier V(x) = h for -r <= x <= r (the slides' "
                         "Hamiltonian; 0: the Letter's point barrier).",
}
# options shared by several commands
LENGTH = typer.Option(Channel.length, "--length", help=CHANNEL_HELP["length"])
RANGE = typer.Option(Channel.interaction_range, "--interaction-range", "--range",
                     help=CHANNEL_HELP["interaction_range"])
TEMPERATURE = typer.Option(LETTER_T, "--T", help="Mean temperature around which forces act.")
CHEMICAL_POTENTIAL = typer.Option(LETTER_MU, "--mu", help="Mean chemical potential.")
T_TRANSIENT = typer.Option(None, "--t-transient", help="Discarded time [default: "
                           "max(200, L^2 / 2), the relaxation of the species' segregation].")
T_MEASURE = typer.Option(Measurement.t_measure, "--t-measure", help="Measured time.")
SEED = typer.Option(Measurement.seed, "--seed", help="Random seed (same seed, same "
                    "result).")
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


CHANNEL_CHOICES = {"rod_walls": Walls, "bullet_walls": BulletWalls,
                   "dissipate_at": DissipateAt, "passing": Passing}


def channel_options(suffix: str = "", label: str = "") -> list[inspect.Parameter]:
    """The command-line options of a ``Channel``'s fields, one per field.

    Parameters
    ----------
    suffix : str
        Appended to each name and flag (``"a"``: ``length_a``, ``--length-a``); the
        options then default to None, which leaves the field to the command's own
        default channel.
    label : str
        Put before each help text ("Channel A: ").
    """
    short = {field: name for name, field in ALIASES.items()}
    options = []
    for field in Channel.names():
        name, default = field + (f"_{suffix}" if suffix else ""), getattr(Channel, field)
        flags = [f"--{name.replace('_', '-')}"]
        if field in short:
            flags.append(f"--{short[field]}" + (f"-{suffix}" if suffix else ""))
        kind = CHANNEL_CHOICES.get(field, int if field in ("n_rods", "n_bullets") else float)
        if field in CHANNEL_CHOICES and not suffix:
            default = kind(default)
        elif suffix:
            default = None
        annotation = Optional[kind] if default is None else kind
        options.append((name, annotation,
                        typer.Option(default, *flags, help=label + CHANNEL_HELP[field])))
    return group(*options)


def given(options: dict) -> dict:
    """Options as API keywords: choices by their value, options left unset dropped."""
    return {name: value.value if isinstance(value, Enum) else value
            for name, value in options.items() if value is not None}


def with_options(**groups):
    """A command with the options of each group (``name=[inspect.Parameter, ...]``)
    before its own; the command takes each group as one keyword, ``name``, a dict of the
    group's values (``given``). The options are declared once, in their group."""
    def decorate(command):
        own = [p for p in inspect.signature(command, eval_str=True).parameters.values()
               if p.name not in groups]
        grouped = [p for group in groups.values() for p in group]

        def wrapper(**options):
            values = {name: given({p.name: options.pop(p.name) for p in group})
                      for name, group in groups.items()}
            return command(**values, **options)

        wrapper.__signature__ = inspect.Signature(grouped + own)
        wrapper.__annotations__ = {p.name: p.annotation for p in grouped + own}
        wrapper.__name__, wrapper.__doc__ = command.__name__, command.__doc__
        return wrapper
    return decorate


def group(*options) -> list[inspect.Parameter]:
    """Options given as (name, type, typer option), as the parameters of one group."""
    return [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=option,
                              annotation=annotation) for name, annotation, option in options]


#: the reservoirs of an open channel (``params.Reservoirs``): forces around (T, mu) or
#: the two states
RESERVOIR_OPTIONS = group(
    ("F_rho", Optional[float], typer.Option(
        None, "--F-rho", help="Force mu_L/T_L - mu_R/T_R. With no force and no reservoir "
        "state given, the run is the Letter's Fig. 2 point F_rho = 0, F_u = 0.3; with one "
        "force given, the other is 0.")),
    ("F_u", Optional[float], typer.Option(None, "--F-u", help="Force 1/T_R - 1/T_L.")),
    ("T", float, TEMPERATURE),
    ("mu", float, CHEMICAL_POTENTIAL),
    ("T_left", Optional[float], typer.Option(None, "--T-left", help="Left reservoir "
                                             "temperature (instead of the forces).")),
    ("T_right", Optional[float], typer.Option(None, "--T-right",
                                              help="Right reservoir temperature.")),
    ("mu_left", Optional[float], typer.Option(None, "--mu-left", help="Left reservoir "
                                              "chemical potential.")),
    ("mu_right", Optional[float], typer.Option(None, "--mu-right", help="Right reservoir "
                                               "chemical potential.")))


def default_forces(F_rho, F_u, T_left, T_right, mu_left, mu_right):
    """The Letter's Fig. 2 point (F_u = 0.3) unless a force or a reservoir state is given."""
    if all(v is None for v in (F_rho, F_u, T_left, T_right, mu_left, mu_right)):
        return 0.0, 0.3
    if any(v is not None for v in (T_left, T_right, mu_left, mu_right)):
        return F_rho, F_u
    return (0.0 if F_rho is None else F_rho), (0.0 if F_u is None else F_u)


def reservoirs_of(options: dict) -> Reservoirs:
    """The reservoirs (``params.Reservoirs``) that the reservoir options give: the Letter's
    Fig. 2 point when no force and no state is given."""
    F_rho, F_u = default_forces(*(options.get(k) for k in (
        "F_rho", "F_u", "T_left", "T_right", "mu_left", "mu_right")))
    return Reservoirs.of(**{**options, "F_rho": F_rho, "F_u": F_u})


#: how a run is measured (``params.Measurement``): transient, measured time, profile
#: bins, precision target and seed
MEASUREMENT_OPTIONS = group(
    ("t_transient", Optional[float], T_TRANSIENT),
    ("t_measure", float, T_MEASURE),
    ("bins", int, typer.Option(Measurement.bins, "--bins",
                               help="Profile bins (0: no profiles).")),
    ("rel_err", Optional[float], typer.Option(
        None, "--rel-err", help="Run until both currents have a standard error below this "
        "fraction of their value (t-measure is then the shortest run and sets the block "
        "length t-measure/1024).")),
    ("t_max", Optional[float], T_MAX),
    ("seed", int, SEED))


#: where the points of a sweep or a figure run (``executor``), and their plan and budget
#: (``report.planned_parts``)
CLUSTER_OPTIONS = group(
    ("workers", Optional[int], SWEEP_WORKERS), ("scheduler", Optional[str], SCHEDULER),
    ("slurm", bool, SLURM), ("slurm_queue", Optional[str], SLURM_QUEUE),
    ("slurm_walltime", str, SLURM_WALLTIME), ("slurm_memory", str, SLURM_MEMORY),
    ("slurm_jobs", int, SLURM_JOBS), ("slurm_account", Optional[str], SLURM_ACCOUNT))
PLAN_OPTIONS = group(("plan", bool, PLAN), ("as_json", bool, PLAN_JSON),
                      ("budget", Optional[float], BUDGET),
                      ("walltime", Optional[str], PLAN_WALLTIME))


def executor(options: dict) -> dict:
    """``sweep``'s and ``figure``'s keywords ``workers``, ``scheduler`` and ``slurm`` from
    the cluster options, after checking that one executor is chosen."""
    workers, scheduler, slurm = (options.get(k) for k in ("workers", "scheduler", "slurm"))
    chosen = [name for name, on in (("--workers", workers is not None),
                                    ("--scheduler", scheduler is not None),
                                    ("--slurm", slurm)) if on]
    if len(chosen) > 1:
        raise ParameterError("workers", f"choose one of {', '.join(chosen)}")
    settings = {k.removeprefix("slurm_"): v for k, v in options.items()
                if k.startswith("slurm_")}
    return dict(workers=workers, scheduler=scheduler, slurm=settings if slurm else None)


def default(function, name: str):
    """The default of ``function``'s keyword ``name``: an option's default is the API's,
    declared once, in the function's signature."""
    return inspect.signature(function).parameters[name].default


CHECKPOINT_EVERY = typer.Option(600.0, "--checkpoint-every",
                                help="Seconds between checkpoints.")

#: the options of ``onsager`` besides the channel's
ONSAGER_OPTIONS = group(
    ("T", float, TEMPERATURE),
    ("mu", float, CHEMICAL_POTENTIAL),
    ("method", Method, typer.Option(Method(default(onsager, "method")), "--method",
                                    help=described(METHODS) + ".")),
    ("force", float, typer.Option(default(onsager, "force"), "--force", help="f of the "
                                  "forces method: the largest force applied.")),
    ("symmetric", bool, typer.Option(default(onsager, "symmetric"), "--symmetric/--one-sided",
                                     help="Forces method: also run at -f and take central "
                                     "differences.")),
    ("extrapolate", bool, typer.Option(
        default(onsager, "extrapolate"), "--extrapolate/--no-extrapolate", help="Forces "
        "method: central differences at f/2 and f, extrapolated to zero force "
        "(Richardson); needs --symmetric.")),
    ("t_transient", Optional[float], T_TRANSIENT),
    ("t_measure", float, typer.Option(
        default(onsager, "t_measure"), "--t-measure", help="Measured time of each run (with "
        "--extrapolate: of those at f/2, the runs at f an eighth of it; with --rel-err: "
        "the shortest).")),
    ("rel_err", Optional[float], typer.Option(
        None, "--rel-err", help="Run in rounds until every matrix entry has this relative "
        "error (or until --t-max).")),
    ("t_max", Optional[float], T_MAX),
    ("block_time", float, typer.Option(
        default(onsager, "block_time"), "--block-time", help="Fluctuation method: shortest "
        "block for the noise covariance; must exceed the correlation time (5000-10000 at "
        "L = 20, longer for larger L), and the run must be at least 16 blocks long.")),
    ("replicas", int, REPLICAS),
    ("workers", int, typer.Option(1, "--workers", help="Processes (runs and replicas).")),
    ("seed", int, SEED))

#: the options of ``heat_engine`` besides its two channels'
ENGINE_OPTIONS = group(
    ("T_hot", float, typer.Option(default(heat_engine, "T_hot"), "--T-hot",
                                  help="Hot reservoir temperature.")),
    ("T_cold", float, typer.Option(default(heat_engine, "T_cold"), "--T-cold",
                                   help="Cold reservoir temperature.")),
    ("load_a", float, typer.Option(default(heat_engine, "load_a"), "--load-a", help="Potential "
                                   "step U_A between A's cold end and the cold reservoir "
                                   "(reservoir U higher).")),
    ("load_b", float, typer.Option(default(heat_engine, "load_b"), "--load-b",
                                   help="Potential step U_B.")),
    ("reservoir_particles", int, typer.Option(
        default(heat_engine, "reservoir_particles"), "--reservoir-particles",
        help="Bullets in each reservoir at the start.")),
    ("reservoir_volume", Optional[float], typer.Option(
        None, "--reservoir-volume", help="Reservoir volume [default: N / e^1.5, the "
        "Letter's density].")),
    ("t_transient", float, typer.Option(default(heat_engine, "t_transient"), "--t-transient",
                                        help="Discarded time.")),
    ("t_measure", float, typer.Option(default(heat_engine, "t_measure"), "--t-measure",
                                      help="Measured time.")),
    ("slice_time", float, typer.Option(default(heat_engine, "slice_time"), "--slice-time",
                                       help="Interval of reservoir updates.")),
    ("seed", int, SEED))

#: the options of ``ring`` (its masses as the text "M1,M2")
RING_OPTIONS = group(
    ("particles", int, typer.Option(default(ring, "particles"), "--particles", help="N >= 2.")),
    ("masses", str, typer.Option(",".join(f"{m:g}" for m in default(ring, "masses")),
                                 "--masses", help="The two alternating masses.")),
    ("barrier", float, typer.Option(default(ring, "barrier"), "--barrier",
                                    help="Pass-through barrier h (inf: hard-point gas).")),
    ("interaction_range", float, RANGE),
    ("T", float, typer.Option(default(ring, "T"), "--T",
                              help="Temperature: kinetic energy N T / 2.")),
    ("density", float, typer.Option(default(ring, "density"), "--density", help="N / L.")),
    ("t_transient", float, typer.Option(default(ring, "t_transient"), "--t-transient",
                                        help="Discarded time.")),
    ("t_measure", float, typer.Option(default(ring, "t_measure"), "--t-measure",
                                      help="Measured time.")),
    ("sample_interval", float, typer.Option(default(ring, "sample_interval"),
                                            "--sample-interval",
                                            help="Interval of the energy-current means.")),
    ("cutoff", float, typer.Option(default(ring, "cutoff"), "--cutoff", help="Green-Kubo "
                                   "cut-off time (below t-measure / 8).")),
    ("seed", int, SEED))
