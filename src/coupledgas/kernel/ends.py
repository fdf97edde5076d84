"""The ends of an open channel, shared by both event loops: walls, injections, the log.

``dynamics.run_events`` (the point barrier) and ``shoulders.run_shoulder_events`` (a
barrier of range r) call these helpers for a particle reaching x = 0 or x = L
(``hit_wall``) and for a bullet entering from a reservoir (``place_bullet``); the
helpers do the wall rules, the ring buffer's head and count, the profile crossings, the
flows booked at the ends (``flows``), the counters and the event log. What differs
between the loops (the queue leaves to re-predict, a range's windows and contacts, the
pair energy a particle takes along) stays with the loop. ``hit_wall`` is inlined into
the loops (as a call, the channel at L = 20 lost 5% of its events per second); the rarely
taken helpers (``place_bullet``, the speed draws ``flux_speed`` and ``entry_speed``, and
``log_event``) are plain calls: inlined at every site, they made the kernels' cold compile
longer for no speed (docs/performance.md, "Compile time").
"""

import numpy as np
from numba import njit

from .layout import (
    BULLET,
    C_EVENTS,
    C_INJECTIONS,
    C_WALL_HITS,
    EXCHANGE,
    I_COUNT,
    I_HEAD,
    I_NEXT_ID,
    LEFT,
    LOG_ABSORPTION,
    LOG_INJECTION,
    LOG_WALL,
    P_LENGTH,
    P_MASS,
    P_STEP,
    P_TEMPERATURE,
    Q_COUNT_IN,
    Q_COUNT_OUT,
    Q_ENERGY_IN,
    Q_ENERGY_OUT,
    SPECULAR,
    THERMAL,
    flow_index,
    rule_index,
)
from .profiles import add_flight, add_wall_crossing


@njit(cache=True)
def flux_speed(rng, mass, temperature):
    """Speed drawn from P(v) = m beta v exp(-m beta v^2 / 2), v > 0 (the Letter, Eq. 3)."""
    return np.sqrt(-2.0 * np.log(1.0 - rng.random()) * temperature / mass)


@njit(cache=True)
def entry_speed(rng, mass, temperature, step):
    """Speed of a bullet entering from a reservoir ``step`` above the channel end.

    Coming down a step U > 0 it gains U. Below the channel (U < 0) only reservoir
    bullets with kinetic energy above |U| climb in; the flux-weighted kinetic energy is
    exponential, so they arrive with the same distribution at the rate gamma e^(-|U|/T)
    (the caller's rate).
    """
    speed = flux_speed(rng, mass, temperature)
    if step > 0.0:
        speed = np.sqrt(speed * speed + 2.0 * step / mass)
    return speed


@njit(cache=True, inline="always")
def waiting_time(rng, rate):
    """Exponential waiting time of a Poisson process of the given rate (inf if rate = 0)."""
    if rate <= 0.0:
        return np.inf
    return -np.log(1.0 - rng.random()) / rate


@njit(cache=True)
def log_event(log, n, time, code, end, species_a, species_b, ident_a, ident_b, position):
    """Write event number ``n`` (the cumulative event count) into row n mod len(log).

    The log is a ring: a caller that reads it after every ``len(log)`` events sees every
    event, however long the run. Columns: see ``layout.LOG_WIDTH``.
    """
    row = n % log.shape[0]
    log[row, 0] = time
    log[row, 1] = code
    log[row, 2] = end
    log[row, 3] = species_a
    log[row, 4] = species_b
    log[row, 5] = ident_a
    log[row, 6] = ident_b
    log[row, 7] = position


@njit(cache=True, inline="always")
def hit_wall(end, a, now, pair_part, x, v, t_last, species, ident, ints, params, rules,
             flows, counters, profile, crossings, rng, log):
    """The particle in ring slot ``a`` reaches end ``end`` (``LEFT``: x = 0) at ``now``.

    Adds its flight to the profiles, puts it at the end and applies the end's rule for
    its species. ``EXCHANGE`` absorbs it when its energy, kinetic plus ``pair_part``
    (the pair energy it takes along, energy units), exceeds the load step, and turns it
    back as ``SPECULAR`` does otherwise; an absorbed particle leaves the ring (head and
    count in ``ints``) and its energy is booked as outflow. ``THERMAL`` re-emits it
    with a flux speed at the reservoir's temperature (kinetic energy out, new kinetic
    energy in); ``SPECULAR`` reverses its velocity. Counts the wall hit, the crossing
    of the end and logs the event. The caller re-predicts the queue.

    Returns
    -------
    bool
        True if the particle was absorbed (its slot is no longer in the ring).
    """
    sa = species[a]
    m = params[P_MASS + sa]
    add_flight(profile, crossings, params[P_LENGTH], sa, m, x[a], v[a], now - t_last[a])
    x[a] = 0.0 if end == LEFT else params[P_LENGTH]
    t_last[a] = now
    flow = flow_index(end, sa)
    kinetic = 0.5 * m * v[a] * v[a]
    leaving = kinetic + pair_part
    counters[C_WALL_HITS] += 1
    rule = rules[rule_index(end, sa)]
    if rule == EXCHANGE and leaving <= params[P_STEP + end]:
        rule = SPECULAR  # too slow to climb the load step: turned back
    edge = end * profile.shape[1]
    if rule == EXCHANGE:
        flows[flow + Q_COUNT_OUT] += 1.0
        flows[flow + Q_ENERGY_OUT] += leaving
        add_wall_crossing(crossings, sa, edge, -1.0 if end == LEFT else 1.0, 1.0)
        ints[I_COUNT] -= 1
        if end == LEFT:
            ints[I_HEAD] = (ints[I_HEAD] + 1) & (x.shape[0] - 1)
        code = LOG_ABSORPTION
    else:
        if rule == THERMAL:
            speed = flux_speed(rng, m, params[P_TEMPERATURE + end])
            flows[flow + Q_ENERGY_OUT] += kinetic
            flows[flow + Q_ENERGY_IN] += 0.5 * m * speed * speed
        else:
            speed = abs(v[a])
        v[a] = speed if end == LEFT else -speed
        add_wall_crossing(crossings, sa, edge, 0.0, 2.0)
        code = LOG_WALL
    if log.shape[0] > 0:
        log_event(log, counters[C_EVENTS], now, code, end, sa, -1, ident[a], -1, x[a])
    return rule == EXCHANGE


@njit(cache=True)
def place_bullet(end, speed, energy, now, x, v, t_last, species, ident, ints, params,
                 flows, counters, profile, crossings, log):
    """Put a bullet injected at end ``end`` at ``now`` into the ring, at the end.

    It becomes the leftmost (``LEFT``) or rightmost particle, moving inwards at
    ``speed`` (length per time), with the next particle id; ``energy`` (energy units)
    is booked as the inflow it brings. Counts the injection, the crossing of the end
    and logs the event. The caller sets what else the slot holds and re-predicts the
    queue.

    Returns
    -------
    int
        The bullet's ring slot.
    """
    mask = x.shape[0] - 1
    if end == LEFT:
        a = (ints[I_HEAD] - 1) & mask
        ints[I_HEAD] = a
        x[a] = 0.0
        v[a] = speed
    else:
        a = (ints[I_HEAD] + ints[I_COUNT]) & mask
        x[a] = params[P_LENGTH]
        v[a] = -speed
    species[a] = BULLET
    t_last[a] = now
    add_wall_crossing(crossings, BULLET, end * profile.shape[1],
                      1.0 if end == LEFT else -1.0, 1.0)
    ident[a] = ints[I_NEXT_ID]
    ints[I_NEXT_ID] += 1
    ints[I_COUNT] += 1
    flow = flow_index(end, BULLET)
    flows[flow + Q_COUNT_IN] += 1.0
    flows[flow + Q_ENERGY_IN] += energy
    counters[C_INJECTIONS] += 1
    if log.shape[0] > 0:
        log_event(log, counters[C_EVENTS], now, LOG_INJECTION, end, BULLET, -1, ident[a],
                  -1, x[a])
    return a
