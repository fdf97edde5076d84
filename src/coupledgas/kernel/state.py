"""A channel's complete state as plain NumPy arrays: the equilibrium starts of an open
channel and of a periodic ring, the set-ups' controls (injection rates, load steps), and
growth."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from .. import thermo
from .compiling import first_call
from .dynamics import advance_channel, advance_ring, schedule_all
from .ends import waiting_time
from .layout import (
    BULLET,
    DISSIPATION_PLACES,
    EV_LEFT_INJECTION,
    I_COUNT,
    I_HEAD,
    I_NEXT_ID,
    I_STATUS,
    LEFT,
    N_COUNTERS,
    N_FLOWS,
    N_INTS,
    N_PARAMS,
    N_RULES,
    N_SCALARS,
    N_SPECIAL_EVENTS,
    P_BARRIER,
    P_BARRIER_WIDTH,
    P_COLLAPSE_TIME,
    P_DISSIPATE_AT,
    P_DISSIPATION,
    P_LENGTH,
    P_MASS,
    P_PASSING,
    P_PASSING_WIDTH,
    P_PERIODIC,
    P_RANGE,
    P_RATE,
    P_STEP,
    P_TEMPERATURE,
    PASSING_RULES,
    RIGHT,
    ROD,
    S_CLOCK,
    S_HEAT_CURRENT,
    S_HEAT_INTEGRAL,
    S_HEAT_TIME,
    SPECULAR,
    STATUS_FULL,
    WALL_RULES,
    rule_index,
)
from .profiles import add_open_flights, new_profiles
from .queue import new_queue, rebuild, set_event_time
from .shoulders import advance_shoulders, pair_energy, schedule_shoulders

#: the per-slot arrays of ``ChannelState``: the ring buffer, laid out anew by ``grown``
SLOT_ARRAYS = ("x", "v", "t_last", "species", "ident", "t_bounce", "window", "contacts",
               "pair_event")
#: the arrays every event loop takes after its per-slot ones, in its argument order
SHARED_ARRAYS = ("ints", "params", "rules", "flows", "counters", "scalars", "queue_time",
                 "queue_leaf", "queue_offsets", "profile", "crossings")
#: the array arguments of ``dynamics.advance_channel`` and ``advance_ring`` (point
#: barrier) and of ``shoulders.advance_shoulders`` (range r > 0), in order
POINT_ARRAYS = SLOT_ARRAYS[:6] + SHARED_ARRAYS
RANGE_ARRAYS = SLOT_ARRAYS[:5] + SLOT_ARRAYS[6:] + SHARED_ARRAYS


@dataclass
class ChannelState:
    """Every array the kernel reads or writes; the run's generator is kept beside it.

    Per ring slot (a power of two of them; the particles occupy slots head, head + 1,
    ... modulo the capacity, from left to right): ``x``, ``v``, ``t_last`` (position at
    time t_last, velocity), ``species``, ``ident`` (stable particle id) and
    ``t_bounce`` (time of the last bounce, for the TC model where bounces dissipate);
    for a barrier of range r > 0 also ``window`` (per slot: how many particles to its
    right are inside its shoulder), ``contacts`` (per particle: partners inside its
    shoulder) and ``pair_event`` (the kind of the slot's next event), see ``shoulders``.
    ``params``, ``rules``, ``flows``, ``counters``, ``scalars`` and ``ints`` are indexed by the
    constants in ``layout``; ``profile`` and ``crossings`` are the profile accumulators
    of ``profiles``.
    """

    x: np.ndarray
    v: np.ndarray
    t_last: np.ndarray
    species: np.ndarray
    ident: np.ndarray
    t_bounce: np.ndarray
    window: np.ndarray
    contacts: np.ndarray
    pair_event: np.ndarray
    ints: np.ndarray
    params: np.ndarray
    rules: np.ndarray
    flows: np.ndarray
    counters: np.ndarray
    scalars: np.ndarray
    queue_time: np.ndarray
    queue_leaf: np.ndarray
    queue_offsets: np.ndarray
    profile: np.ndarray
    crossings: np.ndarray

    @property
    def capacity(self) -> int:
        return self.x.shape[0]

    @property
    def clock(self) -> float:
        return float(self.scalars[S_CLOCK])

    def arrays(self) -> dict:
        """The arrays by name (for checkpoints)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def order(self) -> np.ndarray:
        """The occupied slots from left to right (index ``x``, ``v``, ... with it)."""
        k = np.arange(self.ints[I_COUNT])
        return (self.ints[I_HEAD] + k) & (self.capacity - 1)

    def kinetic_energy(self) -> float:
        """Total kinetic energy of the particles in the channel."""
        ids = self.order()
        mass = self.params[P_MASS + self.species[ids]]
        return float(np.sum(0.5 * mass * self.v[ids] ** 2))

    def pair_energy(self) -> float:
        """h times the number of pairs inside each other's shoulder (0 when r = 0)."""
        if self.params[P_RANGE] == 0.0:
            return 0.0
        return float(pair_energy(self.params[P_BARRIER], int(np.sum(self.window[self.order()]))))

    def energy(self) -> float:
        """Total energy of the particles in the channel: kinetic plus pair energy."""
        return self.kinetic_energy() + self.pair_energy()

    def profiles_now(self) -> tuple[np.ndarray, np.ndarray]:
        """Profile accumulators including the flights in progress, up to the clock."""
        profile, crossings = self.profile.copy(), self.crossings.copy()
        add_open_flights(profile, crossings, self.params[P_LENGTH], self.x, self.v,
                         self.t_last, self.species, self.params[P_MASS:P_MASS + 2],
                         self.ints[I_HEAD], self.ints[I_COUNT], self.clock)
        return profile, crossings

    def content(self, species: int) -> int:
        """Number of particles of one species in the channel."""
        return int(np.count_nonzero(self.species[self.order()] == species))


def _capacity_for(n_particles: int) -> int:
    """Ring size: a power of two with room for the expected content and its fluctuations."""
    n = int(1.25 * n_particles + 6.0 * np.sqrt(n_particles + 1.0) + 32)
    return 1 << (n - 1).bit_length()


def new_channel(params, rng: np.random.Generator, n_bins: int = 0) -> ChannelState:
    """An equilibrium start at the mean reservoir state (T, mu) of ``params``.

    Poisson(rho(T, mu) L) bullets (``n_bullets`` when the bullets are not exchanged)
    and ``n_rods`` rods, at uniform random positions with Maxwell velocities at T
    (docs/model.md, "Reservoirs"). The first injection times are drawn here too.
    """
    T, L = params.T, params.length
    expected_bullets = float(thermo.density(T, params.mu)) * L
    if params.bullet_walls == "exchange":
        n_bullets = int(rng.poisson(expected_bullets))
    else:
        n_bullets = params.n_bullets
    n = n_bullets + params.n_rods
    cap = _capacity_for(max(n, int(expected_bullets) + params.n_rods))

    kinds = np.concatenate([np.full(n_bullets, BULLET), np.full(params.n_rods, ROD)])
    positions = start_positions(n, L, params.interaction_range, rng)
    masses = np.where(kinds == BULLET, params.m_bullet, params.m_rod)
    velocities = rng.normal(size=n) * np.sqrt(T / masses)
    order = np.argsort(positions, kind="stable")

    p = np.zeros(N_PARAMS)
    p[P_LENGTH] = L
    p[P_BARRIER] = params.barrier
    p[P_MASS + BULLET], p[P_MASS + ROD] = params.m_bullet, params.m_rod
    p[P_TEMPERATURE + LEFT], p[P_TEMPERATURE + RIGHT] = params.T_left, params.T_right
    p[P_RATE + LEFT], p[P_RATE + RIGHT] = params.injection_rates
    p[P_DISSIPATION] = params.dissipation
    p[P_DISSIPATE_AT] = DISSIPATION_PLACES[params.dissipate_at].code
    p[P_COLLAPSE_TIME] = params.collapse_time
    p[P_PASSING] = PASSING_RULES[params.passing].code
    p[P_PASSING_WIDTH] = params.passing_width
    p[P_BARRIER_WIDTH] = params.barrier_width
    p[P_RANGE] = params.interaction_range
    rules = np.zeros(N_RULES, dtype=np.int64)
    for end in (LEFT, RIGHT):
        rules[rule_index(end, BULLET)] = WALL_RULES[params.bullet_walls].code
        rules[rule_index(end, ROD)] = WALL_RULES[params.rod_walls].code

    state = assemble(positions[order], velocities[order], kinds[order], order, cap, p, rules,
                     n_bins)
    for end in (LEFT, RIGHT):
        _schedule_injection(state, end, waiting_time(rng, p[P_RATE + end]))
    return state


def _schedule_injection(state: ChannelState, end: int, time: float) -> None:
    """Set the time of the next bullet injection at ``end``."""
    set_event_time(state.queue_time, state.queue_leaf, state.queue_offsets,
                   state.capacity + EV_LEFT_INJECTION + end, time)


def set_injection_rate(state: ChannelState, end: int, rate: float, rng) -> None:
    """Set the bullet injection rate at one end and redraw the pending injection there.

    Injections are a Poisson process, which is memoryless: drawing the next injection
    afresh from the clock at a change of rate is exact.

    Parameters
    ----------
    state : ChannelState
    end : int
        ``LEFT`` or ``RIGHT``.
    rate : float
        gamma, bullets per unit time (0: none).
    rng : numpy.random.Generator
        The run's generator (one number is drawn when ``rate`` > 0).
    """
    state.params[P_RATE + end] = rate
    # NumPy's log, as the engine has always drawn it: the kernel's ``waiting_time``
    # (libm's log) differs in the last bit for a few draws in a thousand, which would
    # change the engine's trajectories
    wait = -np.log(1.0 - rng.random()) / rate if rate > 0 else np.inf
    _schedule_injection(state, end, state.clock + wait)


def set_reservoir(state: ChannelState, end: int, temperature: float, rate: float,
                  rng) -> None:
    """Set the reservoir at one end: its temperature and its bullet injection rate.

    The walls read the temperature whenever they re-emit or inject a particle, so a
    change takes effect from the clock on; the pending injection is redrawn as in
    ``set_injection_rate``. A chained sweep point (``coupledgas.sweep``, ``chain``) starts
    from its predecessor's final state this way.

    Parameters
    ----------
    state : ChannelState
    end : int
        ``LEFT`` or ``RIGHT``.
    temperature : float
        T of the reservoir (energy units, k_B = 1), > 0.
    rate : float
        gamma, bullets per unit time (0: none).
    rng : numpy.random.Generator
        The run's generator.
    """
    state.params[P_TEMPERATURE + end] = temperature
    set_injection_rate(state, end, rate, rng)


def set_load_step(state: ChannelState, end: int, step: float) -> None:
    """Set the potential step between one end and its reservoir (a load).

    Parameters
    ----------
    state : ChannelState
    end : int
        ``LEFT`` or ``RIGHT``.
    step : float
        U, the potential energy of the reservoir above the channel end (energy units; may
        be negative). A bullet leaves only with kinetic energy above U and enters with
        U added when U > 0; when U < 0 only reservoir bullets with kinetic energy above
        |U| climb in, which the injection rate must account for (gamma e^(-|U|/T), see
        ``ends.entry_speed``).
    """
    state.params[P_STEP + end] = step


def start_positions(n, length, reach, rng, periodic=False):
    """n start positions in [0, L) in random order: uniform, no pair closer than r.

    For r = 0 (or when n r does not fit) they are n uniform positions. For r > 0 they
    are uniform positions of n hard rods of length r (uniform gaps, as for hard rods
    at equilibrium), so that no pair starts inside a shoulder: the start's pair energy
    is 0, and finite even for h = inf. A ring's are sorted (its species alternate).
    """
    free = length - n * reach
    if reach == 0.0 or free <= 0.0:
        positions = rng.uniform(0.0, length, size=n)
        return np.sort(positions) if periodic else positions
    if periodic:
        # the gap across x = L must hold a rod too: n rods on a circle of length L
        return np.sort(rng.uniform(0.0, free, size=n)) + reach * np.arange(n)
    rods = np.sort(rng.uniform(0.0, free + reach, size=n)) + reach * np.arange(n)
    return rods[rng.permutation(n)]


def new_ring(n_particles, masses, barrier, T, density, rng, reach=0.0) -> ChannelState:
    """A periodic ring at equilibrium (no walls, no reservoirs).

    Uniform positions and Maxwell velocities, rescaled so that the total momentum is
    zero and the kinetic energy exactly N T / 2; the species alternate, starting with
    ``BULLET``. With a barrier of range r > 0 no pair starts inside a shoulder
    (``start_positions``).

    Parameters
    ----------
    n_particles : int
        N >= 2.
    masses : pair of float
        Masses of species ``BULLET`` and ``ROD`` (mass units, M1 = 1).
    barrier : float
        Pass-through barrier h (energy units; ``inf``: the hard-point gas).
    T : float
        Temperature (energy units, k_B = 1).
    density : float
        N / L (inverse length units).
    rng : numpy.random.Generator
    reach : float
        Range r >= 0 of the barrier (length units), below L / 2.
    """
    n = int(n_particles)
    cap = 1 << (n - 1).bit_length()
    length = n / density
    kinds = np.arange(n) % 2  # species 0 and 1 alternate (BULLET, ROD)
    m = np.where(kinds == BULLET, masses[0], masses[1])
    positions = start_positions(n, length, reach, rng, periodic=True)
    v = rng.normal(size=n) / np.sqrt(m)
    v -= np.sum(m * v) / np.sum(m)
    v *= np.sqrt(n * T / np.sum(m * v * v))

    params = np.zeros(N_PARAMS)
    params[P_LENGTH], params[P_BARRIER], params[P_PERIODIC] = length, barrier, 1.0
    params[P_MASS + BULLET], params[P_MASS + ROD] = masses
    params[P_RANGE] = reach
    state = assemble(positions, v, kinds, np.arange(n), cap, params,
                     np.full(N_RULES, SPECULAR, dtype=np.int64))
    if reach > 0.0:
        contacts = state.contacts[:n]
        pair_part = np.zeros(n)
        pair_part[contacts > 0] = 0.5 * barrier * contacts[contacts > 0]
        state.scalars[S_HEAT_CURRENT] = np.sum(v * (0.5 * m * v**2 + pair_part))
    else:
        state.scalars[S_HEAT_CURRENT] = 0.5 * np.sum(m * v**3)
    return state


def heat_integral(state: ChannelState) -> float:
    """Time integral of a ring's energy current from 0 to the clock.

    The current is sum m v^3 / 2, plus, for a barrier of range r > 0, the pair energies'
    part (``shoulders``).

    Energy units times length (k_B T0 = 1); the kernel integrates the current exactly
    between events.
    """
    s = state.scalars
    return s[S_HEAT_INTEGRAL] + s[S_HEAT_CURRENT] * (state.clock - s[S_HEAT_TIME])


def assemble(positions, velocities, kinds, ident, cap, params, rules, n_bins=0):
    """A state holding the given particles (in spatial order) in slots 0 .. n-1.

    Every encounter and wall event is scheduled at time 0; injections are left unset.

    Parameters
    ----------
    positions, velocities, kinds, ident : array_like, length n, ordered left to right
    cap : int
        Ring size, a power of two >= n.
    params, rules : ndarray
        The ``params`` and ``rules`` arrays (kernel layout).
    n_bins : int
        Profile bins (0: none).
    """
    n = len(positions)

    def slots(values, dtype=float):
        out = np.zeros(cap, dtype=dtype)
        out[:n] = values
        return out

    ints = np.zeros(N_INTS, dtype=np.int64)
    ints[I_HEAD], ints[I_COUNT], ints[I_NEXT_ID] = 0, n, n
    periodic = params[P_PERIODIC] != 0.0  # no walls, no injections: pair leaves only
    queue_time, queue_leaf, queue_offsets = new_queue(cap + (0 if periodic
                                                             else N_SPECIAL_EVENTS))
    profile, crossings = new_profiles(n_bins)
    window, contacts = windows(np.asarray(positions, dtype=float), params[P_RANGE],
                               params[P_LENGTH], periodic)
    state = ChannelState(x=slots(positions), v=slots(velocities), t_last=slots(0.0),
                         species=slots(kinds, np.int64), ident=slots(ident, np.int64),
                         t_bounce=slots(-np.inf), window=slots(window, np.int64),
                         contacts=slots(contacts, np.int64),
                         pair_event=np.zeros(cap, dtype=np.int64), ints=ints,
                         params=params, rules=rules, flows=np.zeros(N_FLOWS),
                         counters=np.zeros(N_COUNTERS, dtype=np.int64),
                         scalars=np.zeros(N_SCALARS), queue_time=queue_time,
                         queue_leaf=queue_leaf, queue_offsets=queue_offsets,
                         profile=profile, crossings=crossings)
    if params[P_RANGE] > 0.0:
        with first_call(schedule_shoulders):
            schedule_shoulders(0.0, state.x, state.v, state.t_last, state.window,
                               state.pair_event, ints, params, queue_time, queue_leaf,
                               queue_offsets)
    else:
        with first_call(schedule_all):
            schedule_all(0.0, state.x, state.v, state.t_last, ints, params, queue_time,
                         queue_leaf, queue_offsets)
    return state


def windows(positions, reach, length, periodic):
    """Each particle's right window and contacts for sorted ``positions`` (range r).

    ``window[k]``: the particles k + 1, k + 2, ... (cyclically on a ring) closer than r
    to particle k; ``contacts[k]``: all particles closer than r. Zero for r = 0.
    """
    n = len(positions)
    if reach == 0.0 or n == 0:
        return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    extended = np.concatenate([positions - length, positions, positions + length]) \
        if periodic else positions
    offset = n if periodic else 0
    right = np.searchsorted(extended, positions + reach, side="left")
    left = np.searchsorted(extended, positions - reach, side="right")
    own = np.arange(n) + offset
    return (right - own - 1).astype(np.int64), (right - left - 1).astype(np.int64)


def grown(state: ChannelState) -> ChannelState:
    """A copy with twice the capacity, same particles, ids and event times.

    The ring is re-laid from slot 0 and every scheduled time is copied, not recomputed,
    so the trajectory continues exactly as it would have.
    """
    old_cap, cap = state.capacity, 2 * state.capacity
    count = int(state.ints[I_COUNT])
    slots = state.order()

    def relaid(a):
        out = np.zeros(cap, dtype=a.dtype)
        out[:count] = a[slots]
        return out

    ints = state.ints.copy()
    ints[I_HEAD] = 0
    queue_time, queue_leaf, queue_offsets = new_queue(cap + N_SPECIAL_EVENTS)
    new_leaves = queue_time[queue_offsets[-1]:]
    old_leaves = state.queue_time[state.queue_offsets[-1]:]
    new_leaves[:count] = old_leaves[slots]
    new_leaves[cap: cap + N_SPECIAL_EVENTS] = old_leaves[old_cap: old_cap + N_SPECIAL_EVENTS]
    rebuild(queue_time, queue_leaf, queue_offsets)
    return replace(state, ints=ints, queue_time=queue_time, queue_leaf=queue_leaf,
                   queue_offsets=queue_offsets,
                   **{name: relaid(getattr(state, name)) for name in SLOT_ARRAYS})


_NO_LOG = np.zeros((0, 5))

#: events per kernel call; a call that advances the clock by less than STALL_TIME is a
#: collapse (checking between calls never changes the trajectory)
STALL_EVENTS = 10_000_000
STALL_TIME = 1e-6


class InelasticCollapse(RuntimeError):
    """Dissipative encounters pile up at one instant: the clock no longer advances.

    A 1D gas that loses a fraction of the relative kinetic energy at every bounce can
    undergo inelastic collapse (infinitely many collisions in a finite time) once it is
    cold and dense enough; an event-driven simulation cannot pass that instant. The TC
    model (``collapse_time`` > 0) prevents it; without it (t_c = 0) this is raised.
    """


def advance_to(state: ChannelState, rng, t_stop: float, max_events: int = 2**62,
               log: np.ndarray = _NO_LOG) -> tuple[ChannelState, int]:
    """Advance ``state`` to ``t_stop`` (or ``max_events``), growing it when it fills up.

    Returns the (possibly new) state and the number of events processed. Raises
    ``InelasticCollapse`` when ``STALL_EVENTS`` events pass within ``STALL_TIME``.
    """
    total = 0
    while True:
        budget = min(max_events - total, STALL_EVENTS)
        clock = state.clock
        if state.params[P_RANGE] > 0.0:
            advance, names = advance_shoulders, RANGE_ARRAYS
        elif state.params[P_PERIODIC] > 0.0:
            advance, names = advance_ring, POINT_ARRAYS
        else:
            advance, names = advance_channel, POINT_ARRAYS
        with first_call(advance):
            done = advance(*[getattr(state, name) for name in names], rng, float(t_stop),
                           budget, log)
        total += done
        if state.ints[I_STATUS] == STATUS_FULL:
            state = grown(state)
        elif done == STALL_EVENTS and state.clock - clock < STALL_TIME:
            raise InelasticCollapse(
                f"inelastic collapse at t = {state.clock:.10g}: {done:,} encounters within "
                f"{state.clock - clock:.2g} time units ({state.ints[I_COUNT]} particles, "
                f"dissipation {state.params[P_DISSIPATION]:g}, TC collapse time "
                f"{state.params[P_COLLAPSE_TIME]:g}); lower the dissipation or raise the "
                f"collapse time (collapse_time, --collapse-time)")
        elif done < budget or total >= max_events:
            return state, total
