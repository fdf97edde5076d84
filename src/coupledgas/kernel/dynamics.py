"""The event loop of one channel: encounters, walls and injections (the Letter, Eqs. 1-3).

Particles fly freely and are advanced lazily. The particles are kept in spatial order in
a ring buffer: the k-th particle from the left (k = 0 .. count-1) lives in slot
``(head + k) & mask`` of the arrays ``x`` (position at time ``t_last``), ``v``,
``t_last``, ``species``, ``ident`` (a stable particle id) and ``t_bounce`` (the time of
its last bounce, kept only where bounces dissipate), so bullets enter and leave
at both ends in O(1) and neighbours are neighbours in memory. When two particles pass
through each other their slots swap contents. The walls and injections are ``ends``'s
helpers, shared with the loop of a barrier of finite range (``shoulders``). Event
leaves:

* leaf ``s`` < cap: the encounter of the particles in ring slots ``s`` and ``s + 1``
  (on a periodic ring, the rightmost slot's leaf is the encounter with the leftmost
  particle across x = L; each slot's position is unwrapped, the leftmost one a lap
  behind the rightmost);
* leaves cap + EV_*: the leftmost particle reaching x = 0, the rightmost reaching x = L,
  and the next injection from each reservoir (absent on a periodic ring, so that a ring
  of 8^k particles fills a tree of depth k).

At an encounter of neighbours a, b with E_rel = (1/2) m_a m_b / (m_a + m_b) (v_a - v_b)^2,
the passing rule (``encounter``; the Letter's: E_rel > h) says whether they pass through
each other; otherwise they bounce back. With dissipation delta > 0 the pair keeps its
centre-of-mass velocity and its relative velocity is scaled by sqrt(1 - delta) at a
pass, at a bounce, or at both (slides, "Introducing dissipation"). Where bounces
dissipate, the TC model of Luding and McNamara keeps a bounce elastic when either
particle bounced less than t_c before, which prevents inelastic collapse.
"""

import numpy as np
from numba import njit

from .encounter import pair_passes, scale_relative
from .ends import entry_speed, hit_wall, log_event, place_bullet, waiting_time
from .layout import (
    AT_COLLISION,
    AT_PASS,
    BULLET,
    C_ENCOUNTERS,
    C_EVENTS,
    C_MADE_ELASTIC,
    C_PASSES,
    EV_LEFT_INJECTION,
    EV_LEFT_WALL,
    EV_RIGHT_WALL,
    I_COUNT,
    I_HEAD,
    I_STATUS,
    LEFT,
    LOG_COLLISION,
    LOG_PASS,
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
    P_RATE,
    P_STEP,
    P_TEMPERATURE,
    S_CLOCK,
    S_DISSIPATED,
    S_HEAT_CURRENT,
    S_HEAT_INTEGRAL,
    S_HEAT_TIME,
    STATUS_FULL,
    STATUS_OK,
)
from .profiles import add_flight
from .queue import event_time_of, rebuild, replay, set_event_time


@njit(cache=True, inline="always")
def integrate_heat(scalars, now):
    """Bring a ring's time integral of the energy current up to time ``now``.

    The current ``S_HEAT_CURRENT`` (energy times length per time) is constant since
    ``S_HEAT_TIME``; the caller changes it after this call.
    """
    elapsed = now - scalars[S_HEAT_TIME]
    scalars[S_HEAT_INTEGRAL] += scalars[S_HEAT_CURRENT] * elapsed
    scalars[S_HEAT_TIME] = now


@njit(cache=True, inline="always")
def right_neighbour(slot, ints, mask, periodic):
    """Slot of the right neighbour and the lap offset of its position (0 or 1)."""
    if periodic and slot == ((ints[I_HEAD] + ints[I_COUNT] - 1) & mask):
        return ints[I_HEAD], 1.0
    return (slot + 1) & mask, 0.0


@njit(cache=True, inline="always")
def pair_time(slot, now, x, v, t_last, ints, params, periodic):
    """When the particle in ring slot ``slot`` meets its right neighbour (inf: never).

    ``periodic`` is ``params[P_PERIODIC] > 0``, passed in so that a caller that knows it
    at compile time (``advance`` on a ring) specialises this function.
    """
    mask = x.shape[0] - 1
    k = (slot - ints[I_HEAD]) & mask
    if k < ints[I_COUNT] - 1 or (periodic and k == ints[I_COUNT] - 1 and ints[I_COUNT] > 1):
        a = slot
        b, lap = right_neighbour(slot, ints, mask, periodic)
        closing = v[a] - v[b]
        if closing > 0.0:
            gap = (x[b] + lap * params[P_LENGTH] + v[b] * (now - t_last[b])) \
                - (x[a] + v[a] * (now - t_last[a]))
            return now + max(gap, 0.0) / closing
    return np.inf


@njit(cache=True, inline="always")
def predict_pair(slot, now, x, v, t_last, ints, params, queue_time, queue_leaf,
                 queue_offsets):
    """Schedule the encounter of the particles in ring slot ``slot`` and its right one."""
    set_event_time(queue_time, queue_leaf, queue_offsets, slot,
                   pair_time(slot, now, x, v, t_last, ints, params,
                             params[P_PERIODIC] > 0.0))


@njit(cache=True, inline="always")
def wall_times(now, x, v, t_last, ints, params):
    """When the leftmost particle reaches x = 0 and the rightmost x = L (inf: never)."""
    cap = x.shape[0]
    left_time = np.inf
    right_time = np.inf
    count = ints[I_COUNT]
    if count > 0:
        head = ints[I_HEAD]
        a = head
        if v[a] < 0.0:
            xa = x[a] + v[a] * (now - t_last[a])
            left_time = now + max(xa, 0.0) / (-v[a])
        b = (head + count - 1) & (cap - 1)
        if v[b] > 0.0:
            xb = x[b] + v[b] * (now - t_last[b])
            right_time = now + max(params[P_LENGTH] - xb, 0.0) / v[b]
    return left_time, right_time


@njit(cache=True, inline="always")
def predict_walls(now, x, v, t_last, ints, params, queue_time, queue_leaf, queue_offsets):
    """Schedule the leftmost particle reaching x = 0 and the rightmost reaching x = L.

    A periodic ring has no walls, and its queue no wall or injection leaves.
    """
    if params[P_PERIODIC] != 0.0:
        return
    cap = x.shape[0]
    left_time, right_time = wall_times(now, x, v, t_last, ints, params)
    if left_time != event_time_of(queue_time, queue_offsets, cap + EV_LEFT_WALL):
        set_event_time(queue_time, queue_leaf, queue_offsets, cap + EV_LEFT_WALL, left_time)
    if right_time != event_time_of(queue_time, queue_offsets, cap + EV_RIGHT_WALL):
        set_event_time(queue_time, queue_leaf, queue_offsets, cap + EV_RIGHT_WALL, right_time)


@njit(cache=True)
def schedule_all(now, x, v, t_last, ints, params, queue_time, queue_leaf, queue_offsets):
    """Predict every encounter and wall event from scratch at time ``now``.

    Injection leaves are left as they are: their times are drawn, not predicted.
    """
    cap = x.shape[0]
    leaves = queue_offsets[queue_offsets.shape[0] - 1]
    for slot in range(cap):
        queue_time[leaves + slot] = np.inf
    rebuild(queue_time, queue_leaf, queue_offsets)
    for k in range(ints[I_COUNT]):
        predict_pair((ints[I_HEAD] + k) & (cap - 1), now, x, v, t_last, ints, params,
                     queue_time, queue_leaf, queue_offsets)
    predict_walls(now, x, v, t_last, ints, params, queue_time, queue_leaf, queue_offsets)


# error_model="numpy": no zero-divisor checks (every division's divisor is tested
# non-zero or is a sum of masses), so the results are the same, bit for bit.
# The open channel and the ring call one loop function, ``run_events``, with
# ``periodic`` a constant that numba specialises (two compiled versions; the ring's
# skips the channel's tests, walls and wrap-around). The loop is called, not inlined:
# numba's inliner copies the callee's IR once per block, with all of its variables each
# time, so inlining the whole loop cost more to compile than the loop itself (cold, in
# one cache: the channel 12.7 -> 9.7 s, the ring after it 12.1 -> 5.3 s), at the same
# speed (ring 1.07, L = 20 1.00, L = 1280 1.01 side by side) and bit for bit the same
# trajectories. Every helper of the loop is inlined into it (as calls they cost a fifth
# of the events per second), so each call site is a copy to compile: the loop replays
# the queue at one site for all the leaves an event changed and predicts the walls at
# one site.
@njit(cache=True, _nrt=False, error_model="numpy")
def advance_channel(x, v, t_last, species, ident, t_bounce, ints, params, rules, flows,
                    counters, scalars, queue_time, queue_leaf, queue_offsets, profile,
                    crossings, rng, t_stop, max_events, log):
    """Process events in time order until the next one lies beyond ``t_stop``.

    Also stops after ``max_events`` events or when an injection finds the ring full
    (``ints[I_STATUS] = STATUS_FULL``; the caller grows the state and calls again).
    Stopping never draws a random number, so the trajectory does not depend on where
    the run is cut into chunks. On return ``scalars[S_CLOCK]`` is ``t_stop`` if the
    time budget was reached, else the time of the last event. Every finished free
    flight is added to ``profile`` and ``crossings`` (see ``profiles``; empty arrays
    switch profiles off).

    Returns
    -------
    int
        Number of events processed.
    """
    return run_events(x, v, t_last, species, ident, t_bounce, ints, params, rules, flows,
                      counters, scalars, queue_time, queue_leaf, queue_offsets, profile,
                      crossings, rng, t_stop, max_events, log, False)


@njit(cache=True, _nrt=False, error_model="numpy")
def advance_ring(x, v, t_last, species, ident, t_bounce, ints, params, rules, flows,
                 counters, scalars, queue_time, queue_leaf, queue_offsets, profile,
                 crossings, rng, t_stop, max_events, log):
    """``advance_channel`` for a periodic ring (``params[P_PERIODIC] > 0``)."""
    return run_events(x, v, t_last, species, ident, t_bounce, ints, params, rules, flows,
                      counters, scalars, queue_time, queue_leaf, queue_offsets, profile,
                      crossings, rng, t_stop, max_events, log, True)


@njit(cache=True, _nrt=False, error_model="numpy")
def run_events(x, v, t_last, species, ident, t_bounce, ints, params, rules, flows, counters,
               scalars, queue_time, queue_leaf, queue_offsets, profile, crossings, rng,
               t_stop, max_events, log, periodic):
    """The event loop of ``advance_channel`` and ``advance_ring``; ``periodic`` is
    ``params[P_PERIODIC] > 0``."""
    cap = x.shape[0]
    mask = cap - 1
    length = params[P_LENGTH]
    barrier = params[P_BARRIER]
    dissipation = params[P_DISSIPATION]
    keep_relative = np.sqrt(1.0 - dissipation)
    places = int(params[P_DISSIPATE_AT]) if dissipation > 0.0 else 0
    lossy_pass = (places & AT_PASS) != 0
    lossy_collision = (places & AT_COLLISION) != 0
    collapse_time = params[P_COLLAPSE_TIME]
    passing = int(params[P_PASSING])
    passing_width = params[P_PASSING_WIDTH]
    barrier_width = params[P_BARRIER_WIDTH]
    leaves = queue_offsets[queue_offsets.shape[0] - 1]
    ints[I_STATUS] = STATUS_OK
    n_events = 0
    while n_events < max_events:
        # each event writes the times of the leaves it changes (at most five: a pair
        # and its two neighbours, or one pair and an injection, and the two walls) and
        # names them here; the tournament is replayed once for them all at the end
        changed_a = changed_b = changed_c = -1
        walls = True
        leaf = queue_leaf[0]
        now = queue_time[0]
        if now > t_stop or now == np.inf:
            scalars[S_CLOCK] = t_stop
            break
        if leaf < cap:
            # encounter of the neighbours in slots `leaf` and `leaf + 1`
            slot = leaf
            right_slot, lap = right_neighbour(slot, ints, mask, periodic)
            a = slot
            b = right_slot
            sa = species[a]
            sb = species[b]
            ma = params[P_MASS + sa]
            mb = params[P_MASS + sb]
            for flier in (a, b):
                add_flight(profile, crossings, length, species[flier],
                           params[P_MASS + species[flier]], x[flier], v[flier],
                           now - t_last[flier])
            xa = x[a] + v[a] * (now - t_last[a])
            x[a] = xa
            x[b] = xa - lap * length
            t_last[a] = now
            t_last[b] = now
            total = ma + mb
            relative = v[a] - v[b]
            e_rel = 0.5 * ma * mb / total * relative * relative
            pair_type = sa + sb
            if periodic:
                integrate_heat(scalars, now)
                scalars[S_HEAT_CURRENT] -= 0.5 * (ma * v[a] ** 3 + mb * v[b] ** 3)
            counters[C_ENCOUNTERS + pair_type] += 1
            if pair_passes(passing, e_rel, barrier, passing_width, barrier_width, ma, mb,
                           rng):
                # the particles swap slots; each keeps its velocity (scaled about the
                # centre of mass when passes dissipate)
                counters[C_PASSES + pair_type] += 1
                code = LOG_PASS
                va = v[a]
                vb = v[b]
                if lossy_pass:
                    va, vb = scale_relative(va, vb, ma, mb, keep_relative)
                    scalars[S_DISSIPATED] += dissipation * e_rel
                v[a] = vb
                v[b] = va
                species[a] = sb
                species[b] = sa
                id_a = ident[a]
                ident[a] = ident[b]
                ident[b] = id_a
                if lossy_collision:
                    t_a = t_bounce[a]
                    t_bounce[a] = t_bounce[b]
                    t_bounce[b] = t_a
            else:
                code = LOG_COLLISION
                elastic = True
                if lossy_collision:
                    # the TC model: a bounce within t_c of either particle's last bounce
                    # is elastic, which prevents inelastic collapse
                    elastic = (now - t_bounce[a] < collapse_time
                               or now - t_bounce[b] < collapse_time)
                    counters[C_MADE_ELASTIC] += elastic
                    t_bounce[a] = now
                    t_bounce[b] = now
                if elastic:
                    va = v[a]
                    v[a] = ((ma - mb) * va + 2.0 * mb * v[b]) / total
                    v[b] = ((mb - ma) * v[b] + 2.0 * ma * va) / total
                else:
                    v[a], v[b] = scale_relative(v[a], v[b], ma, mb, -keep_relative)
                    scalars[S_DISSIPATED] += dissipation * e_rel
            if periodic:  # (after a pass the slots hold each other's particles)
                scalars[S_HEAT_CURRENT] += 0.5 * (params[P_MASS + species[a]] * v[a] ** 3
                                                  + params[P_MASS + species[b]] * v[b] ** 3)
            if log.shape[0] > 0:
                # the particles' ids before the event (a pass has swapped the slots)
                left_id, right_id = (ident[b], ident[a]) if code == LOG_PASS \
                    else (ident[a], ident[b])
                log_event(log, counters[C_EVENTS], now, code, -1, sa, sb, left_id,
                          right_id, xa)
            head = ints[I_HEAD]
            tail = (head + ints[I_COUNT] - 1) & mask
            left_pair = tail if periodic and slot == head else (slot - 1) & mask
            # the pair now separates: its leaf and its neighbours' change (a replay
            # serves a whole group of eight leaves)
            queue_time[leaves + slot] = np.inf
            queue_time[leaves + left_pair] = pair_time(left_pair, now, x, v, t_last, ints,
                                                       params, periodic)
            queue_time[leaves + right_slot] = pair_time(right_slot, now, x, v, t_last, ints,
                                                        params, periodic)
            changed_a = slot
            if (left_pair >> 3) != (slot >> 3):
                changed_b = left_pair
            if (right_slot >> 3) != (slot >> 3):
                changed_c = right_slot
            walls = not periodic and (slot == head or right_slot == tail)
        elif leaf == cap + EV_LEFT_WALL or leaf == cap + EV_RIGHT_WALL:
            end = leaf - cap - EV_LEFT_WALL
            head = ints[I_HEAD]
            slot = head if end == LEFT else (head + ints[I_COUNT] - 1) & mask
            absorbed = hit_wall(end, slot, now, 0.0, x, v, t_last, species, ident, ints,
                                params, rules, flows, counters, profile, crossings, rng, log)
            # the pair that held the particle (gone if it was absorbed)
            changed_a = slot if end == LEFT else (slot - 1) & mask
            if absorbed:
                queue_time[leaves + changed_a] = np.inf
            else:
                queue_time[leaves + changed_a] = pair_time(changed_a, now, x, v, t_last,
                                                           ints, params, periodic)
        else:
            end = leaf - cap - EV_LEFT_INJECTION
            if ints[I_COUNT] == cap:
                ints[I_STATUS] = STATUS_FULL
                scalars[S_CLOCK] = now
                break
            m = params[P_MASS + BULLET]
            speed = entry_speed(rng, m, params[P_TEMPERATURE + end], params[P_STEP + end])
            a = place_bullet(end, speed, 0.5 * m * speed * speed, now, x, v, t_last, species,
                             ident, ints, params, flows, counters, profile, crossings, log)
            if lossy_collision:
                t_bounce[a] = -np.inf  # no bounce yet
            new_pair = a if end == LEFT else (a - 1) & mask
            queue_time[leaves + leaf] = now + waiting_time(rng, params[P_RATE + end])
            queue_time[leaves + new_pair] = pair_time(new_pair, now, x, v, t_last, ints,
                                                      params, periodic)
            changed_a = leaf
            changed_b = new_pair
        changed_left = changed_right = -1
        if walls:
            left_time, right_time = wall_times(now, x, v, t_last, ints, params)
            if left_time != queue_time[leaves + cap + EV_LEFT_WALL]:
                changed_left = cap + EV_LEFT_WALL
                queue_time[leaves + changed_left] = left_time
            if right_time != queue_time[leaves + cap + EV_RIGHT_WALL]:
                changed_right = cap + EV_RIGHT_WALL
                queue_time[leaves + changed_right] = right_time
        for changed in (changed_a, changed_b, changed_c, changed_left, changed_right):
            if changed >= 0:
                replay(queue_time, queue_leaf, queue_offsets, changed)
        scalars[S_CLOCK] = now
        counters[C_EVENTS] += 1
        n_events += 1
    return n_events
