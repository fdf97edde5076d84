"""The event loop for a barrier of finite range r: pair steps V(x) = h for -r <= x <= r.

The slides write the gas as H = sum_i p_i^2 / 2 m_i + sum_{i<j} V(x_i - x_j) with
V(x) = h for -r <= x <= r and 0 otherwise; the Letter's point barrier is the limit r -> 0
(``dynamics``). The potential is a sum of pair steps, so between events every particle
flies freely and every event concerns one pair whose separation reaches r (or, for
bookkeeping, two particles that cross):

* **enter**: a pair comes together to separation r. With centre-of-mass (relative)
  kinetic energy E_rel = (1/2) m_a m_b / (m_a + m_b) (v_a - v_b)^2 > h it enters the
  shoulder and loses h of E_rel (the relative velocity is scaled by sqrt(1 - h / E_rel),
  the centre-of-mass velocity kept); otherwise it bounces back elastically.
* **leave**: a pair inside the shoulder separates to r and regains h (scale
  sqrt(1 + h / E_rel)).
* **cross**: two neighbours inside each other's shoulder meet and swap order; nothing
  physical happens.

Data structure. The particles are kept in spatial order in the ring buffer of
``dynamics`` (slot ``(head + k) & mask`` holds the k-th from the left; crossings swap
slot contents). Sorted positions make the set of particles within r of particle k a
contiguous run of order indices, so each slot stores one integer, its right window
``window[slot]`` = w: the particles k + 1 .. k + w are inside k's shoulder, k + w + 1 ..
are not. Every pair (i < j in order) belongs to exactly one window, its left member's.
While the order is fixed, separations grow with the order distance, so the next change
of k's window can only be at its edge: k + w leaving, or k + w + 1 entering. A slot
therefore has three candidate events (cross with k + 1 when w >= 1, leave with k + w,
enter with k + w + 1); its queue leaf holds the earliest and ``pair_event[slot]`` its
kind (``layout.PAIR_*``). A particle inside several shoulders at once is simply in
several windows. ``contacts`` counts, per particle, the partners inside its shoulder
(it moves with the particle; it carries the potential energy h n_i / 2 of the ring's
energy current and what a particle takes along when it leaves the channel).

When particles k .. k' change velocity, the slots to re-predict are k' down to k and
further left while a window reaches k (its enter candidate, k + w + 1, is >= k):
``_refresh``. A crossing keeps each particle's partners: the two slots exchange their
window ends (new w_k = w_(k+1) + 1, new w_(k+1) = w_k - 1). If a window to the left ends
exactly between the two (a round-off coincidence of three events), that window's edge
event is done first (``_deferred``), so windows stay contiguous.

Ends of an open channel (``ends``, shared with ``dynamics``). Particles interact only
while both are in [0, L]:

* a particle that leaves takes its kinetic energy plus h for each partner inside its
  shoulder (the pair energy it leaves behind vanishes): the channel's energy falls by
  exactly what is booked as leaving. With a load step U it leaves if that total exceeds U.
* a bullet injected at an end with n particles within r of it climbs the step h n: it
  enters if its kinetic energy exceeds h n and is turned back into its reservoir
  otherwise (it never entered, nothing is booked). This is the Hamiltonian motion across
  the step, so the reservoir's Poisson flux at (T, mu) still gives the grand-canonical
  equilibrium with weight exp(-H / T).
* a wall turns a rod (or a closed channel's bullet) back without moving it: the pair
  energies are unchanged.

The energy booked at the ends (``flows``) is therefore the total, kinetic plus pair,
energy that crossed them; ``ChannelState.energy`` includes the pair energy h x (pairs
inside). On a ring the energy current (``S_HEAT_CURRENT``) is sum_i v_i e_i with
e_i = m_i v_i^2 / 2 + h n_i / 2, and an event that moves energy dE from a to b across
their separation r adds r dE to its time integral (the change of sum_i x_i e_i).

Only the threshold rule without dissipation is defined here (``params`` checks it).
"""

import numpy as np
from numba import njit

from .dynamics import integrate_heat, predict_walls
from .ends import entry_speed, hit_wall, log_event, place_bullet, waiting_time
from .layout import (
    BULLET,
    C_CROSSINGS,
    C_ENCOUNTERS,
    C_EVENTS,
    C_PASSES,
    EV_LEFT_INJECTION,
    EV_LEFT_WALL,
    EV_RIGHT_WALL,
    I_COUNT,
    I_HEAD,
    I_STATUS,
    LEFT,
    LOG_COLLISION,
    LOG_CROSS,
    LOG_LEAVE,
    LOG_PASS,
    P_BARRIER,
    P_LENGTH,
    P_MASS,
    P_PERIODIC,
    P_RANGE,
    P_RATE,
    P_STEP,
    P_TEMPERATURE,
    PAIR_CROSS,
    PAIR_ENTER,
    PAIR_LEAVE,
    S_CLOCK,
    S_HEAT_CURRENT,
    S_HEAT_INTEGRAL,
    STATUS_FULL,
    STATUS_OK,
)
from .profiles import add_flight
from .queue import replay, set_event_time


@njit(cache=True, inline="always")
def pair_energy(barrier, n):
    """h n, the energy of n pairs inside the shoulder (0 for n = 0, also when h = inf)."""
    return barrier * n if n > 0 else 0.0


@njit(cache=True, inline="always")
def _slot_of(k, head, count, mask, periodic):
    """Slot and lap (0, 1 or -1) of order index k (k outside 0 .. count-1 only on a ring)."""
    if k < count and k >= 0:
        return (head + k) & mask, 0.0
    if k >= count:
        return (head + k - count) & mask, 1.0
    return (head + k + count) & mask, -1.0


@njit(cache=True, inline="always")
def _position(slot, lap, length, now, x, v, t_last):
    """Where the particle in ``slot`` is at ``now``, ``lap`` laps on (a ring's unwrapping)."""
    return x[slot] + lap * length + v[slot] * (now - t_last[slot])


@njit(cache=True, inline="always")
def _slot_event(slot, k, now, x, v, t_last, window, ints, length, reach, periodic):
    """Earliest event of the pairs in the right window of order index ``k``.

    Returns its time (inf: none) and kind (``PAIR_CROSS``, ``PAIR_LEAVE``,
    ``PAIR_ENTER``). The separations are taken at ``now``; one already past r (rounding)
    gives an event at ``now``.
    """
    head = ints[I_HEAD]
    count = ints[I_COUNT]
    mask = x.shape[0] - 1
    xa = _position(slot, 0.0, length, now, x, v, t_last)
    va = v[slot]
    best = np.inf
    kind = PAIR_ENTER
    w = window[slot]
    if w >= 1:
        b, lap = _slot_of(k + 1, head, count, mask, periodic)
        closing = va - v[b]
        if closing > 0.0:
            gap = _position(b, lap, length, now, x, v, t_last) - xa
            best = now + max(gap, 0.0) / closing
            kind = PAIR_CROSS
        b, lap = _slot_of(k + w, head, count, mask, periodic)
        opening = v[b] - va
        if opening > 0.0:
            separation = _position(b, lap, length, now, x, v, t_last) - xa
            t = now + max(reach - separation, 0.0) / opening
            if t < best:
                best = t
                kind = PAIR_LEAVE
    if k + w + 1 < count or (periodic and w + 1 < count):
        b, lap = _slot_of(k + w + 1, head, count, mask, periodic)
        closing = va - v[b]
        if closing > 0.0:
            separation = _position(b, lap, length, now, x, v, t_last) - xa
            t = now + max(separation - reach, 0.0) / closing
            if t < best:
                best = t
                kind = PAIR_ENTER
    return best, kind


@njit(cache=True, inline="always")
def _refresh(first, last, now, x, v, t_last, window, pair_event, ints, length, reach,
             periodic, queue_time, queue_leaf, queue_offsets):
    """Re-predict every slot whose events involve the particles of order first .. last.

    Those are the slots last down to first and, further left, each slot whose enter
    candidate (k + w + 1) reaches first. Windows grow monotonically with k; one slot
    that breaks this after a rounding coincidence does not end the scan (it ends at
    the second slot in a row that is not involved). The event loop calls it once, at
    the end of each event (inlined at six call sites it took minutes to compile).
    """
    count = ints[I_COUNT]
    head = ints[I_HEAD]
    mask = x.shape[0] - 1
    leaves = queue_offsets[queue_offsets.shape[0] - 1]
    pending = -1  # a written leaf whose group of eight is not replayed yet
    misses = 0
    k = last
    while k > last - count:
        if k < 0 and not periodic:
            break
        slot, _ = _slot_of(k, head, count, mask, periodic)
        if k < first and k + window[slot] + 1 < first:
            misses += 1
            if misses == 2:
                break
        else:
            misses = 0
            kk = k if k >= 0 else k + count
            if kk >= count:
                kk -= count
            t, kind = _slot_event(slot, kk, now, x, v, t_last, window, ints, length, reach,
                                  periodic)
            pair_event[slot] = kind
            # write the leaves, then replay the tournament once per group of eight
            if pending >= 0 and (pending >> 3) != (slot >> 3):
                replay(queue_time, queue_leaf, queue_offsets, pending)
            queue_time[leaves + slot] = t
            pending = slot
        k -= 1
    if pending >= 0:
        replay(queue_time, queue_leaf, queue_offsets, pending)


@njit(cache=True)
def schedule_shoulders(now, x, v, t_last, window, pair_event, ints, params, queue_time,
                       queue_leaf, queue_offsets):
    """Predict every slot's event and the walls from scratch at time ``now``."""
    cap = x.shape[0]
    for slot in range(cap):
        set_event_time(queue_time, queue_leaf, queue_offsets, slot, np.inf)
    periodic = params[P_PERIODIC] > 0.0
    for k in range(ints[I_COUNT]):
        slot = (ints[I_HEAD] + k) & (cap - 1)
        t, kind = _slot_event(slot, k, now, x, v, t_last, window, ints, params[P_LENGTH],
                              params[P_RANGE], periodic)
        pair_event[slot] = kind
        set_event_time(queue_time, queue_leaf, queue_offsets, slot, t)
    predict_walls(now, x, v, t_last, ints, params, queue_time, queue_leaf, queue_offsets)


@njit(cache=True)
def _deferred(k, ints, window, v, mask, periodic):
    """Before a crossing of order k and k + 1: a window ending between them, if any.

    Returns (slot, kind) of the edge event to do first (slot -1: none): the pair leaves
    if k's particle moves away from the window's owner, else k + 1's particle enters.
    """
    head = ints[I_HEAD]
    count = ints[I_COUNT]
    a, _ = _slot_of(k, head, count, mask, periodic)
    for i in range(1, count - 1):
        if k - i < 0 and not periodic:
            break
        j, _ = _slot_of(k - i, head, count, mask, periodic)
        reach = window[j] - i  # its last partner, relative to k
        if reach < 0:
            break
        if reach == 0:
            return j, (PAIR_LEAVE if v[a] > v[j] else PAIR_ENTER)
    return -1, PAIR_ENTER


@njit(cache=True, inline="always")
def _swap(values, i, j):
    """Exchange two slots' entries of one per-slot array."""
    held = values[i]
    values[i] = values[j]
    values[j] = held


@njit(cache=True, inline="always")
def _particle_energy(mass, velocity, barrier, contacts):
    """e_i = m v^2 / 2 + h n_i / 2, the energy a ring's energy current carries."""
    return 0.5 * mass * velocity * velocity + 0.5 * pair_energy(barrier, contacts)


@njit(cache=True, _nrt=False, error_model="numpy")
def advance_shoulders(x, v, t_last, species, ident, window, contacts, pair_event, ints,
                      params, rules, flows, counters, scalars, queue_time, queue_leaf,
                      queue_offsets, profile, crossings, rng, t_stop, max_events, log):
    """Process events in time order until the next one lies beyond ``t_stop``.

    The same contract as ``dynamics.advance`` (stops, status, profiles, log), for
    ``params[P_RANGE]`` = r > 0.

    Returns
    -------
    int
        Number of events processed (crossings included).
    """
    # one compiled loop for the channel and the ring (``periodic`` a run-time flag):
    # specialised for each, as ``dynamics.advance`` is, it compiled in 2.3 instead of
    # 1.1 minutes and ran no faster (11.8 against 11.9 M events/s at r = 0.01, L = 20);
    # called rather than inlined here, it compiles in half the time at the same speed
    return run_shoulder_events(x, v, t_last, species, ident, window, contacts, pair_event,
                               ints, params, rules, flows, counters, scalars, queue_time,
                               queue_leaf, queue_offsets, profile, crossings, rng, t_stop,
                               max_events, log, params[P_PERIODIC] > 0.0)


@njit(cache=True, _nrt=False)
def run_shoulder_events(x, v, t_last, species, ident, window, contacts, pair_event, ints,
                        params, rules, flows, counters, scalars, queue_time, queue_leaf,
                        queue_offsets, profile, crossings, rng, t_stop, max_events, log,
                        periodic):
    """The event loop of ``advance_shoulders``; ``periodic`` is ``params[P_PERIODIC] > 0``."""
    cap = x.shape[0]
    mask = cap - 1
    length = params[P_LENGTH]
    barrier = params[P_BARRIER]
    reach = params[P_RANGE]
    ints[I_STATUS] = STATUS_OK
    n_events = 0
    while n_events < max_events:
        leaf = queue_leaf[0]
        now = queue_time[0]
        if now > t_stop or now == np.inf:
            scalars[S_CLOCK] = t_stop
            break
        head = ints[I_HEAD]
        count = ints[I_COUNT]
        # the particles (order indices) whose events must be predicted afresh at the end
        # (first > last_changed + 1: none), and whether the walls must be (one site for
        # each in the loop: every inlined call is a copy to compile)
        first = 1
        last_changed = -2
        walls = False
        counted = True
        if leaf < cap:
            slot = leaf
            kind = pair_event[slot]
            k = (slot - head) & mask
            if kind == PAIR_CROSS:
                deferred_slot, deferred_kind = _deferred(k, ints, window, v, mask, periodic)
                if deferred_slot >= 0:
                    slot = deferred_slot
                    kind = deferred_kind
                    k = (slot - head) & mask
            if kind == PAIR_CROSS:
                b, lap = _slot_of(k + 1, head, count, mask, periodic)
                if log.shape[0] > 0:
                    log_event(log, counters[C_EVENTS], now, LOG_CROSS, -1, species[slot],
                              species[b], ident[slot], ident[b],
                              _position(slot, 0.0, length, now, x, v, t_last))
                # the particles swap slots (a crossing across x = L moves each by a lap);
                # each keeps its partners, so the two windows exchange their ends
                xa = x[slot]
                x[slot] = x[b] + lap * length
                x[b] = xa - lap * length
                _swap(v, slot, b)
                _swap(t_last, slot, b)
                _swap(species, slot, b)
                _swap(ident, slot, b)
                _swap(contacts, slot, b)
                wa = window[slot]
                window[slot] = window[b] + 1
                window[b] = wa - 1
                counters[C_CROSSINGS] += 1
                first, last_changed = k, k + 1
                last = (head + count - 1) & mask
                walls = not periodic and (slot == head or b == last)
            else:
                a = slot
                d = window[a] + (1 if kind == PAIR_ENTER else 0)
                b, lap = _slot_of(k + d, head, count, mask, periodic)
                sa = species[a]
                sb = species[b]
                ma = params[P_MASS + sa]
                mb = params[P_MASS + sb]
                add_flight(profile, crossings, length, sa, ma, x[a], v[a], now - t_last[a])
                add_flight(profile, crossings, length, sb, mb, x[b], v[b], now - t_last[b])
                x[a] += v[a] * (now - t_last[a])
                x[b] += v[b] * (now - t_last[b])
                t_last[a] = now
                t_last[b] = now
                e_b = 0.0
                if periodic:
                    integrate_heat(scalars, now)
                    e_a = _particle_energy(ma, v[a], barrier, contacts[a])
                    e_b = _particle_energy(mb, v[b], barrier, contacts[b])
                    scalars[S_HEAT_CURRENT] -= v[a] * e_a + v[b] * e_b
                total = ma + mb
                relative = v[a] - v[b]
                centre = (ma * v[a] + mb * v[b]) / total
                e_rel = 0.5 * ma * mb / total * relative * relative
                pair_type = sa + sb
                if kind == PAIR_LEAVE:
                    factor = np.sqrt(1.0 + barrier / e_rel)
                    window[a] -= 1
                    contacts[a] -= 1
                    contacts[b] -= 1
                    code = LOG_LEAVE
                else:
                    counters[C_ENCOUNTERS + pair_type] += 1
                    if e_rel > barrier:
                        factor = np.sqrt(1.0 - barrier / e_rel)
                        window[a] += 1
                        contacts[a] += 1
                        contacts[b] += 1
                        counters[C_PASSES + pair_type] += 1
                        code = LOG_PASS
                    else:
                        factor = -1.0
                        code = LOG_COLLISION
                v[a] = centre + mb / total * relative * factor
                v[b] = centre - ma / total * relative * factor
                if periodic:
                    e_a = _particle_energy(ma, v[a], barrier, contacts[a])
                    e_b_new = _particle_energy(mb, v[b], barrier, contacts[b])
                    scalars[S_HEAT_CURRENT] += v[a] * e_a + v[b] * e_b_new
                    scalars[S_HEAT_INTEGRAL] += reach * (e_b_new - e_b)
                if log.shape[0] > 0:
                    log_event(log, counters[C_EVENTS], now, code, -1, sa, sb, ident[a],
                              ident[b], x[a])
                first, last_changed = k, k + d
                last = (head + count - 1) & mask
                walls = not periodic and (a == head or b == last)
        elif leaf == cap + EV_LEFT_WALL or leaf == cap + EV_RIGHT_WALL:
            end = leaf - cap - EV_LEFT_WALL
            k = 0 if end == LEFT else count - 1
            a = (head + k) & mask
            if hit_wall(end, a, now, pair_energy(barrier, contacts[a]), x, v, t_last,
                        species, ident, ints, params, rules, flows, counters, profile,
                        crossings, rng, log):
                set_event_time(queue_time, queue_leaf, queue_offsets, a, np.inf)
                if end == LEFT:
                    # its partners are the next window[a] particles
                    for i in range(1, window[a] + 1):
                        contacts[(a + i) & mask] -= 1
                    window[a] = 0
                else:
                    # its partners are the slots whose windows end at it
                    for i in range(1, count):
                        j = (a - i) & mask
                        if window[j] < i:
                            break
                        window[j] -= 1
                        contacts[j] -= 1
                    first, last_changed = k, k - 1  # the windows that held it
            else:
                first, last_changed = k, k
            walls = True
        else:
            end = leaf - cap - EV_LEFT_INJECTION
            if count == cap:
                ints[I_STATUS] = STATUS_FULL
                scalars[S_CLOCK] = now
                break
            m = params[P_MASS + BULLET]
            speed = entry_speed(rng, m, params[P_TEMPERATURE + end], params[P_STEP + end])
            # the particles within r of the end: the first n from the left (right)
            n = 0
            while n < count:
                j = (head + (n if end == LEFT else count - 1 - n)) & mask
                xj = _position(j, 0.0, length, now, x, v, t_last)
                if (xj if end == LEFT else length - xj) > reach:
                    break
                if end != LEFT and window[j] != n:
                    break  # (rounding) a window that does not reach the end
                n += 1
            kinetic = 0.5 * m * speed * speed
            climb = pair_energy(barrier, n)
            if kinetic > climb:
                a = place_bullet(end, np.sqrt(speed * speed - 2.0 * climb / m), kinetic, now,
                                 x, v, t_last, species, ident, ints, params, flows, counters,
                                 profile, crossings, log)
                if end == LEFT:
                    window[a] = n
                    for i in range(1, n + 1):
                        contacts[(a + i) & mask] += 1
                    k = 0
                else:
                    window[a] = 0
                    for i in range(1, n + 1):
                        j = (a - i) & mask
                        window[j] += 1
                        contacts[j] += 1
                    k = count
                contacts[a] = n
                first, last_changed = k, k
                walls = True
            set_event_time(queue_time, queue_leaf, queue_offsets, leaf,
                           now + waiting_time(rng, params[P_RATE + end]))
            counted = kinetic > climb  # turned back: no event (the log and counts skip it)
        if walls:
            predict_walls(now, x, v, t_last, ints, params, queue_time, queue_leaf,
                          queue_offsets)
        if first <= last_changed + 1:
            _refresh(first, last_changed, now, x, v, t_last, window, pair_event, ints,
                     length, reach, periodic, queue_time, queue_leaf, queue_offsets)
        scalars[S_CLOCK] = now
        if counted:
            counters[C_EVENTS] += 1
            n_events += 1
    return n_events
