"""The sweep spec: its language, its validation, and the points of its grid.

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

A spec may also say which kind of point it sweeps (``point_kinds.KINDS``; replicas are for
runs only):

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

Where a sweep keeps its points and results: ``sweep_files``; how it runs: ``sweep``.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path

import numpy as np

from .digests import digest
from .params import (
    ParameterError,
    canonical,
    non_negative,
    relaxation_time,
    unknown_keyword,
)
from .point_kinds import KINDS, ChainLink, final_state_path
from .simulate import RESERVOIR_FIELDS
from .sweep_files import point_path

#: the default transient of a chain's points after its first, in relaxation times L^2 / 2
#: (``params.relaxation_time``)
CHAIN_TRANSIENT = 0.25


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
