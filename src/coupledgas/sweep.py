"""Parameter sweeps on Dask: one machine by default, any cluster by address.

A sweep is a grid of runs. Its spec (TOML, or the same as a dict) has a ``[base]`` table
of run parameters, an ``[axes]`` table mapping parameters to lists of values (or
``{start, stop, num}``), and optionally ``replicas``::

    replicas = 2
    [base]
    length = 20
    barrier = 1
    t_measure = 20000
    [axes]
    F_u = [0.1, 0.2, 0.3]
    F_rho = [0.0, 0.1]

Parameters that must vary together (a line through the (T_left, T_right) plane, say)
form a zipped axis: a table under ``[axes]`` of equal-length lists, named as you like::

    [axes.reservoirs]
    T_left = [1.1, 1.2, 1.3]
    T_right = [0.9, 0.8, 0.7]

It adds one dimension (here ``reservoirs``; the name must not be a parameter's) whose
entries take the i-th value of every list; the results carry each list as a coordinate
along it.

A spec may also say which kind of point it sweeps (``KINDS``; replicas are for runs only):

* ``kind = "run"`` (the default): runs of ``simulate``, parameters below;
* ``kind = "engine"``: runs of the circular heat engine (``heat_engine``'s parameters:
  ``T_hot``, ``load_b``, ...), checked when each point runs;
* ``kind = "onsager"``: Onsager matrices, ``onsager``'s keywords (``length``, ``barrier``,
  ``method``, ``force``, ``t_measure``, ...; all but ``workers``: one point is one
  process), checked before anything runs. ``results.nc`` gathers the matrix entries and
  sigma, kappa, S, ZT, det with errors, and ``reciprocity_gap``::

    kind = "onsager"
    [base]
    barrier = 1
    t_measure = 100000
    [axes]
    length = [10, 20, 40]

Run parameters are those of ``RunParams.create`` (``length``, ``barrier``, ``T``, ``mu``,
``F_rho``, ``F_u``, ``T_left`` ..., ``m_bullet``, ``m_rod``, ``n_rods`` or ``rods``,
``rod_walls``, ``bullet_walls``, ``n_bullets`` or ``bullets``, ``dissipation``,
``dissipate_at``, ``collapse_time``, ``passing``, ``passing_width``, ``barrier_width``,
``t_transient``, ``t_measure``, ``seed``) and the run options ``bins``, ``rel_err``,
``t_max``; dashes may stand for underscores. Unlike ``coupledgas run``, forces that are
not given are zero.

The sweep directory holds ``spec.toml`` (a copy), ``points/<hash>.nc`` (one result per
finished point, named by a hash of its full parameters and seed, written atomically) and
``results.nc``, the combined Dataset with one dimension per axis (and ``replica``), with
each point's ``events``, ``t_measured``, ``cpu_seconds`` and (runs) ``errors_reliable``.
A run sweep may be a chain along one axis of reservoir parameters (``F_u``, ``F_rho``,
``T_left``, ``T_right``, ``mu_left`` or ``mu_right``)::

    chain = "F_u"
    chain_transient = 1e5
    [axes]
    F_u = [0.2, 0.3, 0.4]

The first point of each chain (one per value of the other axes, and per replica) starts
at equilibrium with the base transient; each next point starts from the final state of
the point before it in the axis's order (all particles; ``simulate.Run.continued``) and
discards only ``chain_transient`` (default ``CHAIN_TRANSIENT`` relaxation times). A
reversed list is the chain run the other way, so an up- and a down-chain show
hysteresis. A point's file name includes where it started from; ``results.nc`` records
each point's ``started_from`` ("equilibrium" or the file name of its predecessor) and
the ``t_transient`` it used. The chained points' final states stay beside their files
(``points/<hash>.state.npz``), so a chain that grows or resumes continues from them.
``warmup = true`` in ``[base]`` (any run sweep) lets each run detect the end of its
transient from its block series (``simulate.Run.warmup_blocks``).

Running the same sweep again computes only the missing points, and a run point in flight
resumes from its checkpoint (``points/.<hash>.checkpoint.npz``, saved every ten minutes
of wall time), so a killed sweep loses at most ten minutes of each running point; Dask
retries a point whose worker died.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
import tomllib
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path

import numpy as np
import xarray as xr

from .checkpoint import load, load_final_state, save_final_state
from .execute import execute
from .files import remove_stale_temporaries, write_netcdf, write_text
from .heat_engine import ALIASES as ENGINE_ALIASES
from .heat_engine import heat_engine
from .heat_engine import keywords as engine_keywords
from .metadata import describe
from .onsager import ENTRIES, check, onsager
from .onsager import keywords as onsager_keywords
from .params import (
    ALIASES,
    ParameterError,
    RunParams,
    canonical,
    non_negative,
    relaxation_time,
    unknown_keyword,
)
from .simulate import RESERVOIR_FIELDS, Run
from .thermo import COEFFICIENTS

RUN_PARAMETERS = tuple(name for name in RunParams.names() if name != "replica")
RUN_OPTIONS = ("bins", "rel_err", "t_max", "warmup")
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
RETRIES = 3
#: the default transient of a chain's points after its first, in relaxation times L^2 / 2
#: (``params.relaxation_time``)
CHAIN_TRANSIENT = 0.25
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
    optional_scalars : tuple
        Gathered where any point has them (NaN elsewhere).
    replicas : bool
        Whether a sweep of this kind may have ``replicas``.
    aliases : dict
        Other names of parameters.
    """

    noun: str
    parameters: Callable[[], tuple]
    params: Callable
    options: Callable
    hashed: Callable
    run: Callable
    scalars: tuple
    optional_scalars: tuple = ()
    replicas: bool = False
    aliases: dict = field(default_factory=dict)


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
    """``Run.start``'s options of a run point: bins (default 40), rel_err, t_max and
    warmup (only when set, so that the names of earlier points stay)."""
    options = {k: v for k, v in settings.items() if k in RUN_OPTIONS}
    out = {"n_bins": options.get("bins", 40), "rel_err": options.get("rel_err"),
           "t_max": options.get("t_max")}
    if options.get("warmup"):
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
                     _run_options, RunParams.identity, _run, SCALARS, OPTIONAL_SCALARS,
                     replicas=True, aliases=ALIASES),
    "engine": PointKind("a heat-engine", _engine_parameters, _keywords, _no_options,
                        _as_given, _engine, ENGINE_SCALARS, aliases=ENGINE_ALIASES),
    "onsager": PointKind("an Onsager", _onsager_parameters, _onsager_params, _no_options,
                         _as_given, _onsager, ONSAGER_SCALARS, ONSAGER_OPTIONAL,
                         aliases=ALIASES),
}


def _name(key: str, kind: str = "run") -> str:
    """The parameter of a ``kind`` point that ``key`` names (dashes for underscores)."""
    point = KINDS[kind]
    name = canonical(key, point.aliases)
    if name not in point.parameters():
        raise unknown_keyword(key, point.parameters(), f"{point.noun} parameter")
    return name


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep: base parameters, axes (name -> values), zipped axes and replicas."""

    base: dict
    axes: dict
    replicas: int = 1
    kind: str = "run"
    zipped: dict = field(default_factory=dict)  # axis name -> {parameter: values}
    chain: str | None = None  # the axis along which points continue each other
    chain_transient: float | None = None

    @classmethod
    def from_dict(cls, spec: dict) -> "SweepSpec":
        """Validate a spec; any error is a ParameterError ``spec: <key>: <problem>``."""
        try:
            return cls._validated(spec)
        except ParameterError as err:
            if err.name == "spec":
                raise
            raise ParameterError("spec", str(err)) from None

    @classmethod
    def _validated(cls, spec: dict) -> "SweepSpec":
        unknown = set(spec) - {"base", "axes", "replicas", "kind", "chain",
                               "chain_transient"}
        if unknown:
            raise ParameterError(sorted(unknown)[0], "is not a sweep table (base, axes, "
                                 "replicas, kind, chain, chain_transient)")
        kind = spec.get("kind", "run")
        if not isinstance(kind, str) or kind not in KINDS:
            raise ParameterError("kind", f"must be one of {', '.join(KINDS)}, got {kind!r}")
        base = {_name(k, kind): v for k, v in dict(spec.get("base", {})).items()}
        axes, zipped = {}, {}
        for key, values in dict(spec.get("axes", {})).items():
            if isinstance(values, dict) and values and all(
                    isinstance(v, list) for v in values.values()):
                zipped[key] = _zipped_axis(key, values, kind)
                continue
            axes[_name(key, kind)] = _axis_values(key, values)
        for name in zipped:
            if _is_parameter(name, kind):
                raise ParameterError(name, "a zipped axis needs a name that is not a "
                                     "parameter")
        varied = list(axes) + [n for group in zipped.values() for n in group]
        for name in varied:
            if varied.count(name) > 1:
                raise ParameterError(name, "is varied by two axes")
        replicas = spec.get("replicas", 1)
        if not isinstance(replicas, int) or replicas < 1:
            raise ParameterError("replicas", f"must be a positive integer, got {replicas!r}")
        if replicas != 1 and not KINDS[kind].replicas:
            raise ParameterError("replicas", f"are not for kind = \"{kind}\" sweeps")
        chain, chain_transient = _chain(spec, kind, axes, base)
        spec = cls(base=base, axes=axes, replicas=replicas, kind=kind, zipped=zipped,
                   chain=chain, chain_transient=chain_transient)
        for point in spec.points():  # every point valid before anything runs
            point.params()
        return spec

    @classmethod
    def load(cls, spec) -> "SweepSpec":
        """From a ``SweepSpec``, a dict, or the path of a TOML file."""
        if isinstance(spec, SweepSpec):
            return spec
        if isinstance(spec, dict):
            return cls.from_dict(spec)
        path = Path(spec)
        try:
            return cls.from_dict(tomllib.loads(path.read_text()))
        except FileNotFoundError:
            raise ParameterError("spec", f"no such file: {path}") from None
        except (OSError, tomllib.TOMLDecodeError) as err:
            raise ParameterError("spec", f"cannot read {path}: {err}") from None

    @property
    def dims(self) -> dict:
        """Dimension name -> length: the axes, then the zipped axes."""
        return {**{n: len(v) for n, v in self.axes.items()},
                **{n: len(next(iter(g.values()))) for n, g in self.zipped.items()}}

    def points(self) -> list["SweepPoint"]:
        """Every point of the grid (axes, then zipped axes), replicas innermost; along a
        chain each point knows the one before it (which comes earlier in the list)."""
        names = list(self.axes)
        out, by_place = [], {}
        axis = names.index(self.chain) if self.chain else None
        for index in product(*(range(n) for n in self.dims.values())):
            values = {n: self.axes[n][i] for n, i in zip(names, index)}
            for group, i in zip(self.zipped.values(), index[len(names):]):
                values.update({n: v[i] for n, v in group.items()})
            settings = {**self.base, **values}
            step = index[axis] if axis is not None else 0
            if step:
                settings["t_transient"] = self.chain_transient
            for replica in range(self.replicas):
                previous = None
                if step:
                    before = index[:axis] + (step - 1,) + index[axis + 1:]
                    previous = by_place[before, replica]
                point = SweepPoint(index=index, replica=replica, settings=settings,
                                   replicated=self.replicas > 1, kind=self.kind,
                                   chained=axis is not None, step=step, previous=previous)
                by_place[index, replica] = point
                out.append(point)
        return out

    def to_toml(self) -> str:
        """The spec as TOML text (lists written out)."""
        def value(v):
            return json.dumps(v) if not isinstance(v, float) or np.isfinite(v) else \
                ("inf" if v > 0 else "-inf")

        def listed(values):
            return f"[{', '.join(value(x) for x in values)}]"

        lines = [f'kind = "{self.kind}"', f"replicas = {self.replicas}"]
        if self.chain:
            lines += [f'chain = "{self.chain}"', f"chain_transient = {self.chain_transient!r}"]
        lines += ["", "[base]"]
        lines += [f"{k} = {value(v)}" for k, v in self.base.items()]
        lines += ["", "[axes]"]
        lines += [f"{k} = {listed(v)}" for k, v in self.axes.items()]
        for name, group in self.zipped.items():
            lines += ["", f"[axes.{name}]"] + [f"{k} = {listed(v)}" for k, v in group.items()]
        return "\n".join(lines) + "\n"


def _chain(spec: dict, kind: str, axes: dict, base: dict) -> tuple:
    """The chain's axis and its points' transient (None, None without a chain)."""
    chain = spec.get("chain")
    if chain is None:
        if "chain_transient" in spec:
            raise ParameterError("chain_transient", "applies only to a chain (chain = ...)")
        return None, None
    if kind != "run":
        raise ParameterError("chain", f"chains are of run sweeps, not kind = \"{kind}\"")
    name = chain.replace("-", "_") if isinstance(chain, str) else chain
    if name not in RESERVOIR_FIELDS:
        raise ParameterError("chain", f"must be an axis of reservoir parameters "
                             f"({', '.join(RESERVOIR_FIELDS)}), got {chain!r}")
    if name not in axes:
        raise ParameterError("chain", f"{name} is not an axis of the sweep")
    if "chain_transient" in spec:
        return name, non_negative("chain_transient", spec["chain_transient"])
    return name, CHAIN_TRANSIENT * relaxation_time(base.get("length", 20.0))


def _is_parameter(key: str, kind: str) -> bool:
    """Whether ``key`` names a parameter of a ``kind`` point (so it cannot name an axis)."""
    try:
        _name(key, kind)
    except ParameterError:
        return False
    return True


def _axis_values(key, values) -> list:
    """An axis's list of values: given, or ``{start, stop, num}``, non-empty, distinct."""
    if isinstance(values, dict):
        try:
            values = np.linspace(float(values["start"]), float(values["stop"]),
                                 int(values["num"])).tolist()
        except (KeyError, TypeError, ValueError):
            raise ParameterError(key, "a range needs start, stop and num") from None
    if not isinstance(values, list) or not values:
        raise ParameterError(key, "an axis needs a non-empty list of values")
    if len(set(values)) != len(values):
        raise ParameterError(key, "an axis must not repeat a value")
    return values


def _zipped_axis(key, group: dict, kind: str) -> dict:
    """Parameter -> values of a zipped axis: non-empty lists of one length."""
    lists = {_name(k, kind): v for k, v in group.items()}
    if not all(lists.values()) or len({len(v) for v in lists.values()}) != 1:
        raise ParameterError(key, "a zipped axis needs non-empty lists of one length")
    return lists


@dataclass(frozen=True)
class SweepPoint:
    """One run of a sweep: its grid index, replica and settings."""

    index: tuple
    replica: int
    settings: dict
    replicated: bool
    kind: str = "run"
    chained: bool = False
    step: int = 0
    previous: "SweepPoint | None" = None

    def params(self):
        """The checked parameters of the point (``RunParams`` of a run point, the
        keyword arguments of an engine or Onsager point)."""
        return KINDS[self.kind].params(self.settings, self.replica if self.replicated else -1)

    def options(self) -> dict:
        """The keyword arguments of the kind's run that are not parameters."""
        return KINDS[self.kind].options(self.settings)

    def key(self) -> str:
        """Hash of the full parameters, seed and run options (and, along a chain, of
        where the point starts: its position and its predecessor's key)."""
        named = {"kind": self.kind, "params": KINDS[self.kind].hashed(self.params()),
                 "options": self.options()}
        if self.chained:
            named["chain"] = {"step": self.step,
                              "started_from": self.previous.key() if self.previous else None}
        return digest(named)

    def link(self, out) -> ChainLink | None:
        """The point's ``ChainLink`` in the sweep directory ``out`` (None outside a chain)."""
        if not self.chained:
            return None
        previous = str(point_path(out, self.previous)) if self.previous else None
        return ChainLink(self.step, previous, str(final_state_path(point_path(out, self))))


def digest(value) -> str:
    """20 hex digits of the SHA-256 of ``value`` as sorted JSON: the name of a result
    that depends on exactly these settings."""
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:20]


def point_path(out, point: SweepPoint) -> Path:
    """Where a sweep in the directory ``out`` keeps the result of ``point``."""
    return Path(out) / "points" / f"{point.key()}.nc"


def run_point(kind: str, params, options: dict, path: str, link=None, after=None) -> str:
    """Run one point and write its Dataset to ``path`` atomically (on a Dask worker).

    The Dataset records the CPU seconds the point took in ``attrs["point_cpu_seconds"]``
    (its process's CPU time from the start of the run, or of its resumption, to the
    Dataset; ``coupledgas.plan``
    compares its plans with it).

    A run point saves a checkpoint beside its file (``.<hash>.checkpoint.npz``) every
    ``CHECKPOINT_EVERY`` seconds of wall time; when the point runs again after its
    worker died or the sweep was killed, it resumes from there, bit for bit as if it
    had not stopped.

    A chained point (``link``, a ``ChainLink``) starts from its predecessor's final
    state; ``after`` is the predecessor's own task, which Dask finishes first.
    """
    path = Path(path)
    if path.exists():
        return str(path)
    checkpoint = path.with_name(f".{path.stem}.checkpoint.npz")
    started = time.process_time()
    ds = KINDS[kind].run(params, options, checkpoint, link)
    ds.attrs["point_cpu_seconds"] = time.process_time() - started
    write_netcdf(ds, path)
    checkpoint.unlink(missing_ok=True)
    return str(path)


def _resumed(checkpoint: Path, params):
    """The run saved in ``checkpoint`` if it is one of ``params``, else None."""
    if not checkpoint.exists():
        return None
    try:
        run = load(checkpoint)
    except ParameterError:  # unreadable: start the point again
        return None
    return run if run.params == params else None


@contextmanager
def dask_client(workers=None, scheduler=None, slurm=None):
    """A Dask client, closed (with its cluster) on exit.

    Parameters
    ----------
    workers : int, optional
        Local cluster (the default): this many single-threaded worker processes, bound
        to 127.0.0.1 [default: one per core].
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``).
    slurm : dict, optional
        Keyword arguments of ``slurm_cluster``: workers as SLURM jobs.
    """
    # dask.distributed is imported only where a sweep runs: it takes a quarter of a
    # second, which every other command (and the package import) would pay
    from dask.distributed import Client, LocalCluster

    if scheduler is not None:
        with Client(scheduler) as client:
            yield client
        return
    if slurm is not None:
        cluster = slurm_cluster(**slurm)
    else:
        n = os.cpu_count() if workers is None else workers
        if int(n) != n or n < 1:
            raise ParameterError("workers", f"must be a positive integer, got {workers!r}")
        cluster = LocalCluster(n_workers=int(n), threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address="127.0.0.1:0")
    with cluster, Client(cluster) as client:
        try:
            yield client
        finally:
            if slurm is not None:
                _cancel_jobs(cluster)


def _cancel_jobs(cluster, timeout=60.0):
    """Cancel a SLURM cluster's jobs while its scheduler runs; wait until they have ended.

    Closing a ``SLURMCluster`` with workers connected closes the scheduler and cancels
    the jobs at once: each worker, told to close by the closing scheduler, is still
    writing to its stream when that closes, and its job log ends in ``CommClosedError``
    tracebacks. Cancelled first, each job's nanny stops its worker, which leaves the
    running scheduler in order; the cluster's close then finds no worker left. Gives
    up waiting after ``timeout`` seconds.
    """
    import subprocess

    jobs = [job.job_id for job in cluster.workers.values() if job.job_id]
    if not jobs:
        return
    subprocess.run(["scancel", *jobs], capture_output=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listed = subprocess.run(["squeue", "--noheader", "--format=%i",
                                 f"--jobs={','.join(jobs)}"], capture_output=True, text=True)
        if not listed.stdout.split():
            return
        time.sleep(0.2)


def slurm_cluster(queue=None, walltime="24:00:00", memory="4GB", jobs=1, account=None,
                  scheduler_host=None):
    """A dask-jobqueue SLURM cluster of ``jobs`` single-core worker jobs."""
    # only SLURM sweeps need dask-jobqueue (and its import cost)
    from dask_jobqueue import SLURMCluster

    extra = [f"--account={account}"] if account else []
    options = {"dashboard_address": None}
    if scheduler_host:
        options["host"] = scheduler_host
    cluster = SLURMCluster(queue=queue, walltime=walltime, cores=1, processes=1,
                           memory=memory, job_extra_directives=extra,
                           scheduler_options=options)
    cluster.scale(jobs=jobs)
    return cluster


class SweepProgress:
    """One terminal line: points done, running, failed, and the estimated time left."""

    def __init__(self, stream=None):
        self.stream = sys.stderr if stream is None else stream
        self.started = time.monotonic()
        self.shown = False

    def __call__(self, done, running, failed, total):
        elapsed = time.monotonic() - self.started
        left = (total - done - failed) * elapsed / done if done else float("nan")
        self.stream.write(f"\rpoints: {done}/{total} done, {running} running, "
                          f"{failed} failed, ~{left:,.0f} s left\033[K")
        self.stream.flush()
        self.shown = True


def sweep(spec, out, client=None, workers=None, scheduler=None, slurm=None,
          progress=None) -> xr.Dataset:
    """Run every missing point of a sweep and combine all points into ``results.nc``.

    Parameters
    ----------
    spec : SweepSpec, dict or path
        See the module docstring.
    out : path
        The sweep directory (created if needed).
    client : dask.distributed.Client, optional
        Where to run. Without one, a cluster is started only if points are missing:
        ``dask_client(workers, scheduler, slurm)`` (default: a local cluster with one
        worker process per core).
    progress : callable, optional
        Called as ``progress(done, running, failed, total)`` as points finish; the counts
        are of the points this call computes (those not already on disk).

    Returns
    -------
    xarray.Dataset
        The combined results (also in ``out/results.nc``).
    """
    return sweeps({"sweep": (spec, out)}, client, workers, scheduler, slurm,
                  progress)["sweep"]


def sweeps(parts: dict, client=None, workers=None, scheduler=None, slurm=None,
           progress=None) -> dict:
    """Several sweeps at once: their missing points share one cluster and one queue.

    Parameters
    ----------
    parts : dict
        Name -> ``(spec, out)``, each as in ``sweep``.
    client, workers, scheduler, slurm, progress
        As in ``sweep``; ``progress`` counts the points of all parts together.

    Returns
    -------
    dict
        Name -> the combined results of that sweep (also in its ``out/results.nc``).
    """
    loaded, missing = {}, []
    for name, (spec, out) in parts.items():
        spec, out = SweepSpec.load(spec), Path(out)
        (out / "points").mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(out / "points")  # left by writers killed mid-write
        write_text(out / "spec.toml", spec.to_toml())
        paths = {p.key(): point_path(out, p) for p in spec.points()}
        loaded[name] = (spec, out, paths)
        missing += [(p, paths[p.key()]) for p in spec.points()
                    if not paths[p.key()].exists()]
    failures = []
    if missing and client is None:
        with dask_client(workers, scheduler, slurm) as own:
            failures = _compute(own, missing, progress)
    elif missing:
        failures = _compute(client, missing, progress)
    if failures:
        raise RuntimeError(f"{len(failures)} sweep points failed (the others are saved; "
                           f"run the sweep again to retry): {failures[0]}")
    results = {}
    for name, (spec, out, paths) in loaded.items():
        results[name] = combine(spec, [xr.load_dataset(paths[p.key()], engine="h5netcdf")
                                       for p in spec.points()])
        write_netcdf(results[name], out / "results.nc")
        remove_stale_temporaries(out / "points")  # of workers that died and were retried
    return results


def _compute(client, missing, progress):
    """Submit the (point, path) pairs, report progress as they finish; return the failures."""
    from dask.distributed import as_completed  # see dask_client: import cost

    futures, by_key = [], {}
    for p, path in missing:  # a chain's points come after their predecessors
        out = Path(path).parent.parent
        after = by_key.get(p.previous.key()) if p.previous is not None else None
        future = client.submit(run_point, p.kind, p.params(), p.options(), str(path),
                               p.link(out), after,
                               key=f"coupledgas-point-{p.key()}-{_path_tag(path)}",
                               retries=RETRIES, pure=False)
        futures.append(future)
        by_key[p.key()] = future
    done, failures = 0, []
    n_workers = max(len(client.scheduler_info().get("workers", {})), 1)
    if progress is not None:  # at once: a point may take hours
        progress(0, min(n_workers, len(futures)), 0, len(futures))
    for future in as_completed(futures):
        if future.status == "error":
            failures.append(str(future.exception()))
        else:
            done += 1
        if progress is not None:
            left = len(futures) - done - len(failures)
            progress(done, min(n_workers, left), len(failures), len(futures))
    return failures


def _path_tag(path) -> str:
    """A short hash of a point file's path: the same point in two sweeps is two tasks."""
    return digest(str(Path(path).resolve()))[:8]


def combine(spec: SweepSpec, datasets: list) -> xr.Dataset:
    """One Dataset with a dimension per axis (and ``replica``) from the point results."""
    shape = tuple(spec.dims.values())
    dims = list(spec.dims)
    if spec.replicas > 1:
        shape += (spec.replicas,)
        dims.append("replica")
    first = datasets[0]
    data = {}
    kind = KINDS[spec.kind]
    scalars = kind.scalars + tuple(n for n in kind.optional_scalars
                                   if any(n in d for d in datasets))
    for name in scalars:
        values = [d[name].item() if name in d else np.nan for d in datasets]
        data[name] = (dims, np.array(values).reshape(shape))
    data["events"] = (dims, np.array([d.attrs["events"] for d in datasets]).reshape(shape))
    data["t_measured"] = (dims, np.array([d.attrs.get("t_measured", d.attrs["t_measure"])
                                          for d in datasets]).reshape(shape))
    # what each point cost (a run's kernel, an Onsager point's runs), and whether a
    # run's errors are reliable (``simulate.Run.min_block``; NaN where not recorded)
    for name, keys in (("cpu_seconds", ("kernel_seconds", "cpu_seconds")),
                       ("errors_reliable", ("errors_reliable",)),
                       ("t_transient", ("t_transient",))):
        values = [next((float(d.attrs[k]) for k in keys if k in d.attrs), np.nan)
                  for d in datasets]
        data[name] = (dims, np.array(values).reshape(shape))
    if spec.kind == "run":
        data["started_from"] = (dims, np.array(
            [d.attrs.get("started_from", "equilibrium") for d in datasets]).reshape(shape))
    coords = {n: v for n, v in spec.axes.items()}
    coords.update({n: (group, v) for group, lists in spec.zipped.items()
                   for n, v in lists.items()})
    if spec.replicas > 1:
        coords["replica"] = np.arange(spec.replicas)
    if "density" in first and all("density" in d for d in datasets) and \
            len({d.sizes["x"] for d in datasets}) == 1:
        n_bins = first.sizes["x"]
        coords["species"] = first.species.values
        coords["x_rel"] = (np.arange(n_bins) + 0.5) / n_bins
        coords["x_edge_rel"] = np.arange(n_bins + 1) / n_bins
        for name in PROFILES:
            var = first[name]
            profile_dims = [{"x": "x_rel", "x_edge": "x_edge_rel"}.get(d, d) for d in var.dims]
            stacked = np.stack([d[name].values for d in datasets])
            data[name] = (dims + profile_dims, stacked.reshape(shape + var.shape))
    attrs = {f"base_{k}": (v if not isinstance(v, bool) else int(v))
             for k, v in spec.base.items()}
    if spec.chain:
        attrs.update(chain=spec.chain, chain_transient=spec.chain_transient)
    attrs.update(kind=spec.kind, replicas=spec.replicas, axes=",".join(spec.dims),
                 coupledgas_version=first.attrs["coupledgas_version"])
    return describe(xr.Dataset(data, coords=coords, attrs=attrs))
