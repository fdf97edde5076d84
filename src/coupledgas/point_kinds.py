"""What the points of each kind of sweep are: their parameters, how one runs, the
results it gives and how it is planned.

``KINDS`` maps a spec's ``kind`` to its ``PointKind``: ``"run"`` (a ``simulate`` run,
resumed from its checkpoint, continued from its predecessor's final state along a
chain: ``ChainLink``), ``"engine"`` (a ``heat_engine`` circuit) and ``"onsager"`` (an
``onsager`` matrix). Each declares the names of the results ``results.nc`` gathers and
its planner (``point_plans``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .checkpoint import load, load_final_state, save_final_state
from .execute import execute
from .heat_engine import ALIASES as ENGINE_ALIASES
from .heat_engine import heat_engine
from .heat_engine import keywords as engine_keywords
from .onsager import ENTRIES, check, onsager
from .onsager import keywords as onsager_keywords
from .params import ALIASES, Measurement, ParameterError, RunParams
from .point_plans import plan_engine_point, plan_onsager_point, plan_run_point
from .simulate import Run
from .thermo import COEFFICIENTS

RUN_PARAMETERS = tuple(name for name in RunParams.names() if name != "replica")
#: a run point's options beside its parameters: the measurement's bins and precision
#: target, and warm-up detection
RUN_OPTIONS = tuple(n for n in Measurement.names() if n not in RUN_PARAMETERS) + ("warmup",)
#: per-point results gathered into results.nc
SCALARS = ("J_rho", "J_rho_err", "J_u", "J_u_err", "entropy_production",
           "entropy_production_err", "dissipated_power", "dissipated_power_err",
           "bullet_density", "bullet_density_err")
#: gathered where points have them (NaN elsewhere): kappa needs T_L != T_R; points
#: computed before the TC model was counted have no made_elastic_fraction, nor those
#: before it was recorded the currents' error correlation
OPTIONAL_SCALARS = ("kappa", "kappa_err", "made_elastic_fraction", "J_rho_J_u_correlation")
PROFILES = ("density", "density_err", "temperature", "temperature_err", "mean_mass",
            "mean_mass_err", "bullet_current", "bullet_current_err")
ENGINE_SCALARS = tuple(f"{name}{suffix}" for name in (
    "J_A", "J_B", "J_circ", "power", "heat_hot", "heat_cold", "efficiency", "mu_hot",
    "mu_cold") for suffix in ("", "_err"))
ONSAGER_SCALARS = tuple(f"{name}{suffix}" for name in (*ENTRIES, *COEFFICIENTS)
                        for suffix in ("", "_err") if name != "L_ru_normalised") + (
    "reciprocity_gap",)
#: coefficients added after Onsager points were first stored (NaN in older files)
ONSAGER_OPTIONAL = ("L_ru_normalised", "L_ru_normalised_err")
#: wall-clock seconds between the checkpoints of a running point
CHECKPOINT_EVERY = 600.0


@dataclass(frozen=True)
class PointKind:
    """What the points of one kind of sweep are.

    Attributes
    ----------
    noun : str
        How errors name its parameters ("is not <noun> parameter").
    parameters : callable
        ``() -> tuple`` of the parameter names a spec may give.
    params : callable
        ``(settings, replica) -> params``: the checked parameters of one point
        (``replica`` is -1 unless the sweep has replicas); raises ParameterError.
    options : callable
        ``settings -> dict``: the keyword arguments of ``run`` that are not parameters.
    hashed : callable
        ``params -> JSON-able value``: with the options, what names a point's file.
    run : callable
        ``(params, options, checkpoint, link) -> xarray.Dataset``: one point, on a Dask
        worker; ``checkpoint`` is the path its progress may be saved to and resumed from,
        ``link`` the point's ``ChainLink`` (None outside a chain).
    scalars : tuple
        The point results' variables gathered into ``results.nc``.
    planner : callable
        ``(point, pilots, plan) -> None``: fills in the ``point_plans.PointPlan``
        ``plan`` of the ``sweep_spec.SweepPoint`` ``point`` from ``pilots``
        (``pilots.Pilots``): what it will cost (``plan.plan``).
    optional_scalars : tuple
        Gathered where any point has them (NaN elsewhere).
    replicas : bool
        Whether a sweep of this kind may have ``replicas``.
    aliases : dict
        Other names of parameters.
    function : callable
        What a point calls (``RunParams.create`` for runs): its keywords' defaults are
        the settings a spec leaves out (the budget scales its default ``t_measure``).
    reported : tuple
        The estimates whose relative errors a plan reports (``point_plans.PointPlan``).
    drawn : tuple
        The results ``coupledgas plot`` draws against a sweep's axes.
    """

    noun: str
    parameters: Callable[[], tuple]
    params: Callable
    options: Callable
    hashed: Callable
    run: Callable
    scalars: tuple
    planner: Callable
    optional_scalars: tuple = ()
    replicas: bool = False
    aliases: dict = field(default_factory=dict)
    function: Callable = RunParams.create
    reported: tuple = ()
    drawn: tuple = ()


def _keywords(settings, replica) -> dict:
    """The parameters of an engine point: its settings, checked when it runs."""
    return dict(settings)


def _no_options(settings) -> dict:
    """Engine and Onsager points: every setting is a parameter."""
    return {}


def _as_given(params):
    """Keyword arguments name a point as they are."""
    return params


def _run_params(settings, replica):
    """The ``RunParams`` of a run point (checked)."""
    return RunParams.create(**{k: v for k, v in settings.items() if k in RUN_PARAMETERS},
                            replica=replica)


def _run_options(settings) -> dict:
    """``Run.start``'s options of a run point: its ``Measurement``'s bins, rel_err and
    t_max, and warmup (only when set, so that the names of earlier points stay)."""
    measured = Measurement(**{k: v for k, v in settings.items() if k in Measurement.names()})
    out = {"n_bins": measured.bins, "rel_err": measured.rel_err, "t_max": measured.t_max}
    if settings.get("warmup"):
        out["warmup"] = True
    return out


@dataclass(frozen=True)
class ChainLink:
    """Where a chained point starts and where it leaves its final state.

    Attributes
    ----------
    step : int
        Its position in the chain (0: the first point, from equilibrium).
    previous : str or None
        The result file of the point before it (its final state lies beside it).
    final_state : str
        Where its own final state goes (``checkpoint.save_final_state``).
    """

    step: int
    previous: str | None
    final_state: str


def final_state_path(path) -> Path:
    """Where the final state of the point whose result is ``path`` is kept."""
    path = Path(path)
    return path.with_name(f"{path.stem}.state.npz")


def _run(params, options, checkpoint, link=None):
    """A run point, resumed from ``checkpoint`` if it holds this run, checkpointed every
    ``CHECKPOINT_EVERY`` seconds of wall time; a chained one starts from its
    predecessor's final state and leaves its own."""
    run = _resumed(checkpoint, params)
    if run is None and link is not None and link.previous is not None:
        previous, state = load_final_state(final_state_path(link.previous))
        run = Run.continued(params, previous, state, Path(link.previous).stem, link.step,
                            **options)
    run = execute(run or Run.start(params, **options), checkpoint, CHECKPOINT_EVERY)
    ds = run.dataset()
    if link is not None:
        save_final_state(run, link.final_state)
    return ds


def _resumed(checkpoint: Path, params):
    """The run saved in ``checkpoint`` if it is one of ``params``, else None."""
    if not checkpoint.exists():
        return None
    try:
        run = load(checkpoint)
    except ParameterError:  # unreadable: start the point again
        return None
    return run if run.params == params else None


def _engine_parameters():
    """``heat_engine``'s keywords (each channel's fields among them) but the records."""
    return tuple(n for n in engine_keywords() if n not in ("channel_a", "channel_b"))


def _engine(params, options, checkpoint, link=None):
    """An engine point: one ``heat_engine`` run."""
    return heat_engine(**params)


def _onsager_parameters():
    """``onsager``'s keywords (the channel's fields among them) but ``workers``."""
    # a point is one process: a sweep spreads its points, not an Onsager matrix's runs
    return tuple(n for n in onsager_keywords() if n not in ("workers", "channel"))


def _onsager_params(settings, replica):
    """The keyword arguments of an Onsager point, checked before anything runs."""
    check(**settings)
    return dict(settings)


def _onsager(params, options, checkpoint, link=None):
    """An Onsager point: one ``onsager`` call, in this process."""
    return onsager(**params)


#: kind name -> what its points are; a spec's ``kind`` picks one (default "run")
KINDS = {
    "run": PointKind("a run", lambda: RUN_PARAMETERS + RUN_OPTIONS, _run_params,
                     _run_options, RunParams.identity, _run, SCALARS, plan_run_point,
                     OPTIONAL_SCALARS, replicas=True, aliases=ALIASES,
                     reported=("J_rho", "J_u"), drawn=("J_rho", "J_u")),
    "engine": PointKind("a heat-engine", _engine_parameters, _keywords, _no_options,
                        _as_given, _engine, ENGINE_SCALARS, plan_engine_point,
                        aliases=ENGINE_ALIASES, function=heat_engine,
                        reported=("J_circ", "power"), drawn=("J_A", "J_B", "J_circ", "power")),
    "onsager": PointKind("an Onsager", _onsager_parameters, _onsager_params, _no_options,
                         _as_given, _onsager, ONSAGER_SCALARS, plan_onsager_point,
                         ONSAGER_OPTIONAL, aliases=ALIASES, function=onsager,
                         reported=ENTRIES, drawn=ENTRIES),
}
