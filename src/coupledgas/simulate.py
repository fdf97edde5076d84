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
import warnings
from dataclasses import dataclass, field, fields, replace

import numpy as np
import xarray as xr

from ._version import __version__
from .kernel import (
    BookkeepingError,  # noqa: F401 (re-exported: Run.dataset raises it)
    advance_to,
    check_bookkeeping,
    new_channel,
    set_reservoir,
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
from .kernel.profiles import UNSIGNED
from .metadata import describe
from .observables import (
    block_covariance,
    block_estimate,
    drifts,
    mser_truncation,
    profile_estimates,
    ratio_estimate,
)
from .params import (
    ParameterError,
    RunParams,
    precision_target,
    relaxation_time,
    whole_number,
)

#: blocks of a fixed-length run
N_BLOCKS = 1024
#: a longer run merges its blocks pairwise when it holds this many
MAX_BLOCKS = 2 * N_BLOCKS
#: a precision target is checked every this many blocks (a fixed rule, so that a
#: resumed run stops where the uninterrupted one would)
CHECK_EVERY = 64

PAIR_TYPES = ("bullet-bullet", "bullet-rod", "rod-rod")
#: the spawn key of the k-th point of a chain is CHAIN_STREAM + k, after the replica's
CHAIN_STREAM = 2**32
#: what a run may change from the run it continues (``Run.continued``): the reservoirs,
#: the times, the seed and the replica
RESERVOIR_FIELDS = ("T_left", "T_right", "mu_left", "mu_right", "F_rho", "F_u")


def seed_sequence(params: RunParams, step: int = 0) -> np.random.SeedSequence:
    """The run's seed: ``seed``, or child ``replica`` of it (``SeedSequence.spawn``).

    ``step`` k >= 1 is the k-th point of a chain (``Run.continued``): a stream of its own,
    so that neighbouring points of a chain do not share their noise.
    """
    key = (params.replica,) if params.replica >= 0 else ()
    if step:
        key += (CHAIN_STREAM + int(step),)
    return np.random.SeedSequence(params.seed, spawn_key=key)


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
    #: the clock and the event count when the run started (not 0 for a continued run)
    origin: tuple = (0.0, 0)
    #: "equilibrium", or the name of the run whose final state this one started from
    started_from: str = "equilibrium"
    #: whether the transient's end is detected from the block series (``warmup_blocks``)
    warmup: bool = False

    FIELDS = ("time", "flows", "bullets", "energy", "temperature", "counters", "dissipated",
              "profile", "crossings")

    @classmethod
    def start(cls, params: RunParams, n_bins=40, rel_err=None, t_max=None,
              warmup=False) -> "Run":
        """A new run at its equilibrium start (see ``kernel.new_channel``).

        ``warmup``: detect the transient's end from the block series (``warmup_blocks``)
        and measure only after it.
        """
        n_bins, rel_err, t_max = _check_run_options(params, n_bins, rel_err, t_max)
        rng = np.random.default_rng(seed_sequence(params))
        state = new_channel(params, rng, n_bins=n_bins)
        return cls(params=params, n_bins=n_bins, rel_err=rel_err, t_max=t_max, state=state,
                   rng=rng, block_length=params.t_measure / N_BLOCKS,
                   snapshots={name: [] for name in cls.FIELDS}, warmup=bool(warmup))

    @classmethod
    def continued(cls, params: RunParams, previous: RunParams, state, started_from: str,
                  step: int, n_bins=40, rel_err=None, t_max=None, warmup=False) -> "Run":
        """A new run that starts from the final state of another run of the same channel.

        All particles keep their positions and velocities; the reservoirs are set to
        those of ``params`` (``kernel.set_reservoir``), and ``params.t_transient`` is
        discarded before measuring. The generator is a fresh one,
        ``seed_sequence(params, step)``, so the run depends only on ``state`` and its own
        parameters: a chain of runs is reproducible point by point.

        Parameters
        ----------
        params : RunParams
            This run's parameters; they may differ from ``previous`` only in the
            reservoirs (``RESERVOIR_FIELDS``), the times, the seed and the replica.
        previous : RunParams
            The parameters of the run that ended in ``state``.
        state : ChannelState
            Its final state (copied, not changed).
        started_from : str
            The name of that run (recorded as ``attrs["started_from"]``).
        step : int
            The position of this run in its chain (1, 2, ...), which picks its stream.
        n_bins, rel_err, t_max, warmup
            As for ``start``; ``n_bins`` must be that of ``state``.
        """
        n_bins, rel_err, t_max = _check_run_options(params, n_bins, rel_err, t_max)
        free = RESERVOIR_FIELDS + ("t_transient", "t_measure", "seed", "replica")
        for name in (f.name for f in fields(RunParams)):
            if name not in free and getattr(params, name) != getattr(previous, name):
                raise ParameterError(name, f"differs from the run it continues "
                                     f"({getattr(params, name)!r} != "
                                     f"{getattr(previous, name)!r}); only the reservoirs "
                                     "may change along a chain")
        if state.profile.shape[1] != n_bins:
            raise ParameterError("bins", f"must be that of the run it continues "
                                 f"({state.profile.shape[1]}), got {n_bins}")
        rng = np.random.default_rng(seed_sequence(params, step))
        state = type(state)(**{name: array.copy() for name, array in state.arrays().items()})
        for end, temperature in ((LEFT, params.T_left), (RIGHT, params.T_right)):
            set_reservoir(state, end, temperature, params.injection_rates[end], rng)
        return cls(params=params, n_bins=n_bins, rel_err=rel_err, t_max=t_max, state=state,
                   rng=rng, block_length=params.t_measure / N_BLOCKS,
                   snapshots={name: [] for name in cls.FIELDS},
                   origin=(state.clock, int(state.counters[C_EVENTS])),
                   started_from=started_from, warmup=bool(warmup))

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
        """Events this run has processed so far (transient included)."""
        return int(self.state.counters[C_EVENTS]) - self.origin[1]

    @property
    def transient_end(self) -> float:
        """The clock at which the transient ends and the measurement begins."""
        return self.origin[0] + self.params.t_transient

    def _kernel(self, t_stop):
        started = time.perf_counter()
        self.state, _ = advance_to(self.state, self.rng, t_stop)
        self.kernel_seconds += time.perf_counter() - started

    def _snapshot(self):
        state = self.state
        slots = state.order()
        kinds = state.species[slots]
        m_v2 = state.params[P_MASS + kinds] * state.v[slots] ** 2
        is_bullet = kinds == BULLET
        bullets = int(np.count_nonzero(is_bullet))
        temperature = [m_v2[is_bullet].mean() if bullets else np.nan,
                       m_v2[~is_bullet].mean() if bullets < kinds.size else np.nan]
        profile, crossings = state.profiles_now()
        # the kinetic energy sum(m v^2 / 2) as ChannelState.energy sums it, bit for bit
        # (halving is exact), without ordering the particles again
        energy = 0.5 * float(np.sum(m_v2)) + state.pair_energy()
        values = dict(time=state.clock, flows=state.flows.copy(), bullets=bullets,
                      energy=energy, temperature=temperature,
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
            self._kernel(min(self.state.clock + self.block_length, self.transient_end))
            if self.state.clock >= self.transient_end:
                self._snapshot()
            return
        self._kernel(self.snapshots["time"][-1] + self.block_length)
        self._snapshot()
        if self.n_blocks == MAX_BLOCKS:
            for name in self.FIELDS:
                self.snapshots[name] = self.snapshots[name][::2]
            self.block_length *= 2

    def load_kernel(self):
        """Load the compiled kernel, or compile it (its first use after an install)."""
        advance_to(self.state, self.rng, self.state.clock, max_events=0)

    def advance(self, on_block=None):
        """Advance to the end, calling ``on_block(self)`` after every block."""
        self.load_kernel()
        while not self.finished():
            self.advance_block()
            if on_block is not None:
                on_block(self)
        return self

    def block_series(self, snap=None) -> dict:
        """Per block: J_rho and J_u (means of both ends) and, with profiles, the mean
        mass <m(0+)> of the particles crossing the left end (NaN in a block that none
        crosses)."""
        snap = snap or {name: np.array(v) for name, v in self.snapshots.items()}
        moved = transferred(np.diff(snap["flows"], axis=0))
        series = {"J_rho": moved["particles"].mean(axis=-1) / self.block_length,
                  "J_u": moved["energy"].mean(axis=-1) / self.block_length}
        if self.n_bins:
            counts = np.diff(snap["crossings"][:, :, 0, UNSIGNED], axis=0)
            total = counts.sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                series["hot_end_mass"] = np.where(total > 0, (
                    self.params.m_bullet * counts[:, BULLET]
                    + self.params.m_rod * counts[:, ROD]) / total, np.nan)
        return series

    def warmup_blocks(self) -> tuple[int, bool]:
        """How many leading blocks still belong to the transient, and whether the rest
        still drifts.

        MSER-5 (``observables.mser_truncation``) on each of ``block_series`` (J_rho only
        where bullets are exchanged); the largest truncation wins. The rest drifts when
        a truncation reaches MSER's limit (half the blocks) or when the two halves of a
        series after the truncation differ by more than ``observables.drifts`` allows.
        """
        series = self.block_series()
        if self.params.bullet_walls != "exchange":
            del series["J_rho"]
        cuts = [mser_truncation(values[np.isfinite(values)]) for values in series.values()]
        dropped = max(cut for cut, _ in cuts)
        drifting = any(limit for _, limit in cuts) or any(
            drifts(values[dropped:][np.isfinite(values[dropped:])], self.min_block)
            for values in series.values())
        return dropped, drifting

    def dataset(self) -> xr.Dataset:
        """The result (see ``simulate``); checks the bookkeeping first.

        With ``warmup`` the blocks that ``warmup_blocks`` finds still in the transient
        are discarded; ``attrs["t_transient"]`` is then the transient used in all, and
        ``attrs["still_drifting"]`` (with a warning) says whether the rest drifts.
        """
        snap = {name: np.array(values) for name, values in self.snapshots.items()}
        dropped, drifting = self.warmup_blocks() if self.warmup else (0, False)
        if drifting:
            warnings.warn(f"the measured part of the run still drifts after a transient "
                          f"of {self.params.t_transient + dropped * self.block_length:.4g}: "
                          "measure longer, or start from a relaxed state", stacklevel=2)
        snap = {name: values[dropped:] for name, values in snap.items()}
        check_bookkeeping(snap["flows"][0], snap["flows"][-1], snap["bullets"][0],
                          snap["bullets"][-1], snap["energy"][0], snap["energy"][-1],
                          snap["dissipated"][-1] - snap["dissipated"][0])
        ds = _dataset(self, snap)
        ds.attrs.update(t_transient=self.params.t_transient + dropped * self.block_length,
                        warmup_detected=int(self.warmup), still_drifting=int(drifting))
        return ds


def _check_run_options(params, n_bins, rel_err, t_max):
    return (whole_number("bins", n_bins, minimum=0),
            *precision_target(rel_err, t_max, params.t_measure))


def _dataset(run: Run, snap: dict) -> xr.Dataset:
    params, block_length = run.params, run.block_length
    moved = transferred(np.diff(snap["flows"], axis=0))  # per block, per end
    series = run.block_series(snap)
    series.pop("hot_end_mass", None)
    F_rho, F_u = params.forces
    series["entropy_production"] = series["J_rho"] * F_rho + series["J_u"] * F_u
    data, attrs = {}, parameter_attrs(params)
    min_block = run.min_block
    reliable = True
    for name, values in series.items():
        est = block_estimate(values, min_block)
        data[name] = ((), est.mean)
        data[name + "_err"] = ((), est.error)
        data[name + "_block"] = (("block",), values)
        attrs[name + "_blocks_used"] = est.n_blocks
        reliable &= est.reliable
    # the two currents' errors are correlated (their noise is the Onsager matrix, docs/model.md):
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
    measured = (len(snap["time"]) - 1) * block_length
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
        n_blocks=len(snap["time"]) - 1, t_measured=measured, n_bins=run.n_bins,
        started_from=run.started_from,
        relaxation_time=relaxation_time(params.length),
        errors_reliable=int(reliable), target_reached=int(run.target_reached),
        gamma_left=params.injection_rates[LEFT], gamma_right=params.injection_rates[RIGHT],
    )
    if run.rel_err is not None:
        attrs.update(rel_err_target=run.rel_err, t_max=run.t_max)
    return describe(xr.Dataset(data, coords=coords, attrs=attrs))


def parameter_attrs(params: RunParams) -> dict:
    """The parameters as a result's attributes (``RunParams.as_attrs``) without those
    not set: ``n_bullets`` where the bullets are exchanged (their number fluctuates) and
    ``replica`` for a run that is not a replica."""
    attrs = params.as_attrs()
    if params.bullet_walls == "exchange":
        del attrs["n_bullets"]
    if params.replica < 0:
        del attrs["replica"]
    return attrs
