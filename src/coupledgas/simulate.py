"""One run: build the state, advance the kernel block by block, return a Dataset.

After the transient the measured time is cut into blocks of equal length; after each
block the cumulative accumulators (boundary flows, counters, profiles) are read, so every
result has a block series and a blocking error (``observables``). A fixed-length run has
``N_BLOCKS`` blocks. A longer run (a precision target, or a resumed run given more time)
keeps adding blocks and, whenever it holds ``MAX_BLOCKS``, merges them pairwise; since
the snapshots are cumulative, merging is dropping every other snapshot.

Currents are positive from left to right; each is measured at both ends and the reported
value is the mean of the two (they differ only by the change of the channel's content,
which the bookkeeping check accounts for exactly).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np
import xarray as xr

from ._version import __version__
from .kernel import (
    BookkeepingError,  # noqa: F401 (re-exported: Run.dataset raises it)
    advance_to,
    check_bookkeeping,
    new_channel,
    transferred,
)
from .kernel.layout import (
    BULLET,
    C_ENCOUNTERS,
    C_EVENTS,
    C_MADE_ELASTIC,
    C_PASSES,
    LEFT,
    P_MASS,
    RIGHT,
    ROD,
    S_DISSIPATED,
    SPECIES,
)
from .observables import block_covariance, block_estimate, profile_estimates, ratio_estimate
from .params import ParameterError, RunParams, relaxation_time

#: blocks of a fixed-length run
N_BLOCKS = 1024
#: a longer run merges its blocks pairwise when it holds this many
MAX_BLOCKS = 2 * N_BLOCKS
#: a precision target is checked every this many blocks (a fixed rule, so that a
#: resumed run stops where the uninterrupted one would)
CHECK_EVERY = 64

PAIR_TYPES = ("bullet-bullet", "bullet-rod", "rod-rod")


def seed_sequence(params: RunParams) -> np.random.SeedSequence:
    """The run's seed: ``seed``, or child ``replica`` of it (``SeedSequence.spawn``)."""
    if params.replica >= 0:
        return np.random.SeedSequence(params.seed, spawn_key=(params.replica,))
    return np.random.SeedSequence(params.seed)


@dataclass
class Run:
    """A run in progress: parameters, kernel state, generator and block snapshots.

    Build one with ``Run.start``; ``advance`` runs it to its end; ``dataset`` gives the
    result. ``checkpoint.save`` / ``checkpoint.load`` store and restore it exactly.
    """

    params: RunParams
    n_bins: int
    rel_err: float | None
    t_max: float | None
    state: object
    rng: np.random.Generator
    block_length: float
    snapshots: dict = field(default_factory=dict)
    kernel_seconds: float = 0.0
    target_reached: bool = False

    FIELDS = ("time", "flows", "bullets", "energy", "temperature", "counters", "dissipated",
              "profile", "crossings")

    @classmethod
    def start(cls, params: RunParams, n_bins=40, rel_err=None, t_max=None) -> "Run":
        """A new run at its equilibrium start (see ``kernel.new_channel``)."""
        n_bins, rel_err, t_max = _check_run_options(params, n_bins, rel_err, t_max)
        rng = np.random.default_rng(seed_sequence(params))
        state = new_channel(params, rng, n_bins=n_bins)
        return cls(params=params, n_bins=n_bins, rel_err=rel_err, t_max=t_max, state=state,
                   rng=rng, block_length=params.t_measure / N_BLOCKS,
                   snapshots={name: [] for name in cls.FIELDS})

    @property
    def n_blocks(self) -> int:
        return max(len(self.snapshots["time"]) - 1, 0)

    @property
    def measured_time(self) -> float:
        return self.n_blocks * self.block_length

    @property
    def min_block(self) -> int:
        """The shortest merged block of every blocking error, in blocks: the channel's
        ``relaxation_time`` L^2 / 2, over which the current is anticorrelated and
        <m(x)> correlated (shorter blocks make the currents' errors too large and the
        profiles' too small). The errors are reliable from 16 such blocks on."""
        return int(np.ceil(relaxation_time(self.params.length) / self.block_length))

    @property
    def events(self) -> int:
        """Events processed so far (transient included)."""
        return int(self.state.counters[C_EVENTS])

    def _kernel(self, t_stop):
        started = time.perf_counter()
        self.state, _ = advance_to(self.state, self.rng, t_stop)
        self.kernel_seconds += time.perf_counter() - started

    def _snapshot(self):
        state = self.state
        slots = state.order()
        kinds = state.species[slots]
        m_v2 = state.params[P_MASS + kinds] * state.v[slots] ** 2
        temperature = [m_v2[kinds == s].mean() if np.any(kinds == s) else np.nan
                       for s in (BULLET, ROD)]
        profile, crossings = state.profiles_now()
        values = dict(time=state.clock, flows=state.flows.copy(),
                      bullets=int(np.count_nonzero(kinds == BULLET)),
                      energy=state.energy(), temperature=temperature,
                      counters=state.counters.copy(),
                      dissipated=float(state.scalars[S_DISSIPATED]),
                      profile=profile, crossings=crossings)
        for name in self.FIELDS:
            self.snapshots[name].append(values[name])

    def extend_to(self, t_measure: float):
        """Measure until ``t_measure`` in all (time units); ``advance`` then goes on.

        The run's parameters get the new measured time, and a precision target's
        ``t_max`` is raised to it if it was lower. The trajectory continues from where
        it stopped: the kernel's stops never change it.

        Parameters
        ----------
        t_measure : float
            The new total measured time (time units), counted from the transient's end.
        """
        self.params = replace(self.params, t_measure=t_measure)
        if self.t_max is not None:
            self.t_max = max(self.t_max, t_measure)

    def finished(self) -> bool:
        """Whether the run has reached its measured time or its precision target."""
        if self.n_blocks == 0:
            return False
        if self.rel_err is None:
            return self.measured_time >= self.params.t_measure * (1 - 1e-12)
        if self.measured_time >= self.t_max * (1 - 1e-12):
            return True
        if self.n_blocks < N_BLOCKS or self.n_blocks % CHECK_EVERY:
            return False
        self.target_reached = self.precision_reached()
        return self.target_reached

    def current_estimates(self) -> dict:
        """Blocking estimates of J_rho and J_u from the blocks so far (>= 4 blocks)."""
        moved = transferred(np.diff(np.array(self.snapshots["flows"]), axis=0))
        return {name: block_estimate(moved[key].mean(axis=-1) / self.block_length,
                                     self.min_block)
                for name, key in (("J_rho", "particles"), ("J_u", "energy"))}

    def precision_reached(self) -> bool:
        """Both currents (a closed channel: J_u) known to ``rel_err``, reliably."""
        estimates = self.current_estimates()
        if self.params.bullet_walls != "exchange":
            del estimates["J_rho"]  # zero by construction
        return all(est.reliable and est.error <= self.rel_err * abs(est.mean)
                   for est in estimates.values())

    def advance_block(self):
        """Run one block: of the transient while it lasts, then of the measurement.

        The transient runs in pieces of one block length, so that a long one (L^2 / 2 at
        large L) reports progress and is checkpointed too; the result does not depend on
        the pieces.
        """
        if not self.snapshots["time"]:
            self._kernel(min(self.state.clock + self.block_length, self.params.t_transient))
            if self.state.clock >= self.params.t_transient:
                self._snapshot()
            return
        self._kernel(self.snapshots["time"][-1] + self.block_length)
        self._snapshot()
        if self.n_blocks == MAX_BLOCKS:
            for name in self.FIELDS:
                self.snapshots[name] = self.snapshots[name][::2]
            self.block_length *= 2

    def advance(self, on_block=None):
        """Advance to the end, calling ``on_block(self)`` after every block."""
        advance_to(self.state, self.rng, self.state.clock, max_events=0)  # compile or load
        while not self.finished():
            self.advance_block()
            if on_block is not None:
                on_block(self)
        return self

    def dataset(self) -> xr.Dataset:
        """The result (see ``simulate``); checks the bookkeeping first."""
        snap = {name: np.array(values) for name, values in self.snapshots.items()}
        check_bookkeeping(snap["flows"][0], snap["flows"][-1], snap["bullets"][0],
                          snap["bullets"][-1], snap["energy"][0], snap["energy"][-1],
                          snap["dissipated"][-1] - snap["dissipated"][0])
        return _dataset(self, snap)


def _check_run_options(params, n_bins, rel_err, t_max):
    try:
        bins = int(n_bins)
    except (TypeError, ValueError):
        raise ParameterError("bins", f"expected an integer, got {n_bins!r}") from None
    if bins != n_bins or bins < 0:
        raise ParameterError("bins", f"must be a non-negative integer, got {n_bins!r}")
    if rel_err is None:
        if t_max is not None:
            raise ParameterError("t_max", "only applies with a precision target (rel_err)")
        return bins, None, None
    rel_err = float(rel_err)
    if not 0 < rel_err < 1:
        raise ParameterError("rel_err", f"must lie in (0, 1), got {rel_err:g}")
    t_max = 100.0 * params.t_measure if t_max is None else float(t_max)
    if not t_max >= params.t_measure:
        raise ParameterError("t_max", f"must be >= t_measure ({params.t_measure:g}), "
                             f"got {t_max:g}")
    return bins, rel_err, t_max


def _dataset(run: Run, snap: dict) -> xr.Dataset:
    params, block_length = run.params, run.block_length
    moved = transferred(np.diff(snap["flows"], axis=0))  # per block, per end
    series = {
        "J_rho": moved["particles"].mean(axis=-1) / block_length,
        "J_u": moved["energy"].mean(axis=-1) / block_length,
    }
    F_rho, F_u = params.forces
    series["entropy_production"] = series["J_rho"] * F_rho + series["J_u"] * F_u
    data, attrs = {}, params.as_attrs()
    min_block = run.min_block
    reliable = True
    for name, values in series.items():
        est = block_estimate(values, min_block)
        data[name] = ((), est.mean)
        data[name + "_err"] = ((), est.error)
        data[name + "_block"] = (("block",), values)
        attrs[name + "_blocks_used"] = est.n_blocks
        reliable &= est.reliable
    # the two currents' errors are correlated (their noise is the Onsager matrix, PHYSICS.md):
    # ratios of them (S, ZT) need the correlation, from blocks of one common level
    both = block_covariance(np.stack([series["J_rho"], series["J_u"]], axis=1), min_block)
    variances = np.diag(both.covariance)
    data["J_rho_J_u_correlation"] = ((), float(both.covariance[0, 1] / np.sqrt(
        variances.prod())) if np.all(variances > 0) else 0.0)
    dissipation = block_estimate(np.diff(snap["dissipated"]) / block_length, min_block)
    data["dissipated_power"] = ((), dissipation.mean)
    data["dissipated_power_err"] = ((), dissipation.error)
    if params.bullet_walls != "exchange" and params.T_left != params.T_right:
        # a closed channel between heat baths; with particle exchange J_u also carries
        # the particles' energy and J_u L / dT is no thermal conductivity
        factor = params.length / (params.T_left - params.T_right)
        data["kappa"] = ((), data["J_u"][1] * factor)
        data["kappa_err"] = ((), data["J_u_err"][1] * abs(factor))
    measured = run.measured_time
    total = transferred(snap["flows"][-1] - snap["flows"][0])
    for name, key in (("J_rho", "particles"), ("J_u", "energy")):
        data[name + "_end"] = (("end",), total[key] / measured)
        per_end = [block_estimate(moved[key][:, e] / block_length, min_block).error
                   for e in (LEFT, RIGHT)]
        data[name + "_end_err"] = (("end",), np.array(per_end))
    # sampled at the end of every block: content and kinetic temperature m <v^2> per species
    density = block_estimate(snap["bullets"][1:] / params.length, min_block)
    data["bullet_density"] = ((), density.mean)
    data["bullet_density_err"] = ((), density.error)
    temperatures = snap["temperature"][1:]
    kinetic = [block_estimate(temperatures[:, s], min_block)
               if np.all(np.isfinite(temperatures[:, s])) else None for s in (BULLET, ROD)]
    data["kinetic_temperature"] = (("species",), [k.mean if k else np.nan for k in kinetic])
    data["kinetic_temperature_err"] = (("species",), [k.error if k else np.nan for k in kinetic])
    counters = snap["counters"]
    events = counters[-1] - counters[0]
    per_block = np.diff(counters, axis=0)
    data["encounters"] = (("pair_type",), events[C_ENCOUNTERS:C_ENCOUNTERS + 3])
    data["passes"] = (("pair_type",), events[C_PASSES:C_PASSES + 3])
    fractions = [ratio_estimate(per_block[:, C_PASSES + k], per_block[:, C_ENCOUNTERS + k],
                                min_block) for k in range(3)]
    data["pass_fraction"] = (("pair_type",), [f[0] for f in fractions])
    data["pass_fraction_err"] = (("pair_type",), [f[1] for f in fractions])
    bounces = events[C_ENCOUNTERS:C_ENCOUNTERS + 3] - events[C_PASSES:C_PASSES + 3]
    data["bounces_made_elastic"] = ((), events[C_MADE_ELASTIC])
    data["made_elastic_fraction"] = ((), events[C_MADE_ELASTIC] / max(bounces.sum(), 1))
    coords = {"block": snap["time"][:-1] + 0.5 * block_length, "end": ["left", "right"],
              "species": list(SPECIES), "pair_type": list(PAIR_TYPES)}
    if run.n_bins:
        width = params.length / run.n_bins
        coords["x"] = (np.arange(run.n_bins) + 0.5) * width
        coords["x_edge"] = np.arange(run.n_bins + 1) * width
        profiles = profile_estimates(np.diff(snap["profile"], axis=0),
                                     np.diff(snap["crossings"], axis=0),
                                     (params.m_bullet, params.m_rod), params.length,
                                     block_length, min_block)
        for name in ("density", "temperature"):
            data[name] = (("species", "x"), profiles[name][0])
            data[name + "_err"] = (("species", "x"), profiles[name][1])
        for name in ("mean_mass", "bullet_current"):
            data[name] = (("x_edge",), profiles[name][0])
            data[name + "_err"] = (("x_edge",), profiles[name][1])
    attrs.update(
        coupledgas_version=__version__, events=int(events[C_EVENTS]), events_total=run.events,
        events_per_second=run.events / run.kernel_seconds if run.kernel_seconds > 0 else 0.0,
        kernel_seconds=run.kernel_seconds, block_length=block_length,
        n_blocks=run.n_blocks, t_measured=measured, n_bins=run.n_bins,
        relaxation_time=relaxation_time(params.length),
        errors_reliable=int(reliable), rel_err_target=run.rel_err or 0.0,
        t_max=run.t_max or 0.0, target_reached=int(run.target_reached),
        gamma_left=params.injection_rates[LEFT], gamma_right=params.injection_rates[RIGHT],
    )
    return xr.Dataset(data, coords=coords, attrs=attrs)
