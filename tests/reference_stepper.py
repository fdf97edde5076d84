"""A plain, obviously correct event-driven stepper of one channel, for tests only.

No queue, no lazy positions: at every step it computes every candidate event (each
approaching neighbour pair, the end particles reaching a wall, the two injections),
takes the earliest, moves every particle to that time and applies the rule. It shares
no code with the kernel; given the same initial state and the same random generator it
must produce the same sequence of events, because both draw their random numbers in the
order the model defines: at an injection the speed, then the next waiting time; at a
thermal wall the new speed; at an encounter under a stochastic passing rule one uniform
number, pass if it is below the pass probability.

Encounter rules written out from docs/model.md ("Beyond the Letter's rule"): the smooth rule
1 / (1 + exp((h - E) / w)) and the square-barrier transmission (hbar = 1); dissipation
delta scales the relative velocity by sqrt(1 - delta) about the centre of mass at a pass,
at a bounce or both; the TC model keeps a bounce elastic when either particle bounced
less than t_c before.
"""

import math

import numpy as np

PASS, COLLISION, WALL, ABSORPTION, INJECTION = 0, 1, 2, 3, 4
EXCHANGE, THERMAL, SPECULAR = 0, 1, 2


class ReferenceChannel:
    def __init__(self, x, v, species, masses, length, barrier, temperatures, rates, rules,
                 next_injection, rng, periodic=False, passing="threshold", passing_width=0.1,
                 barrier_width=1.0, dissipation=0.0, dissipate_at="pass", collapse_time=0.0):
        self.x = [float(a) for a in x]
        self.v = [float(a) for a in v]
        self.species = [int(s) for s in species]
        self.masses = masses  # by species
        self.length = length
        self.barrier = barrier
        self.temperatures = temperatures  # by end
        self.rates = rates  # by end
        self.rules = rules  # rules[end][species]
        self.next_injection = list(next_injection)
        self.rng = rng
        self.periodic = periodic  # a ring: the last particle meets the first across L
        self.passing, self.passing_width, self.barrier_width = (passing, passing_width,
                                                                barrier_width)
        self.dissipation, self.collapse_time = dissipation, collapse_time
        self.lossy_pass = dissipation > 0 and dissipate_at in ("pass", "both")
        self.lossy_bounce = dissipation > 0 and dissipate_at in ("collision", "both")
        self.last_bounce = [-math.inf] * len(self.x)
        self.dissipated = 0.0
        self.made_elastic = 0
        self.time = 0.0

    def pass_probability(self, e, ma, mb):
        h = self.barrier
        if self.passing == "smooth":
            z = (h - e) / self.passing_width
            return 0.0 if z > 700 else 1.0 / (1.0 + math.exp(z))
        m_r, a = ma * mb / (ma + mb), self.barrier_width
        if math.isinf(h) or e <= 0:
            return 0.0
        if h == 0:
            return 1.0
        if e < h:
            arg = math.sqrt(2 * m_r * (h - e)) * a
            if arg > 700:
                return 0.0
            return 1.0 / (1.0 + h * h * math.sinh(arg) ** 2 / (4 * e * (h - e)))
        if e > h:
            return 1.0 / (1.0 + h * h * math.sin(math.sqrt(2 * m_r * (e - h)) * a) ** 2
                          / (4 * e * (e - h)))
        return 1.0 / (1.0 + m_r * a * a * h / 2)

    def _scaled(self, va, vb, ma, mb, factor):
        total = ma + mb
        centre = (ma * va + mb * vb) / total
        return (centre + mb / total * (va - vb) * factor,
                centre - ma / total * (va - vb) * factor)

    def _speed(self, mass, temperature):
        return math.sqrt(-2.0 * math.log(1.0 - self.rng.random()) * temperature / mass)

    def _candidates(self):
        n = len(self.x)
        out = []
        for k in range(n - 1):
            closing = self.v[k] - self.v[k + 1]
            if closing > 0:
                out.append((self.time + max(self.x[k + 1] - self.x[k], 0.0) / closing,
                            "pair", k))
        if self.periodic:
            closing = self.v[-1] - self.v[0]
            if n > 1 and closing > 0:
                gap = self.x[0] + self.length - self.x[-1]
                out.append((self.time + max(gap, 0.0) / closing, "pair", n - 1))
            return out
        if n and self.v[0] < 0:
            out.append((self.time + max(self.x[0], 0.0) / -self.v[0], "wall", 0))
        if n and self.v[-1] > 0:
            out.append((self.time + max(self.length - self.x[-1], 0.0) / self.v[-1],
                        "wall", 1))
        for end in (0, 1):
            out.append((self.next_injection[end], "inject", end))
        return out

    def step(self):
        """Process the next event; return (time, code, end, species_a, species_b)."""
        t, kind, k = min(self._candidates(), key=lambda c: c[0])
        dt = t - self.time
        self.x = [a + b * dt for a, b in zip(self.x, self.v)]
        self.time = t
        if kind == "pair":
            j = (k + 1) % len(self.x)
            sa, sb = self.species[k], self.species[j]
            ma, mb = self.masses[sa], self.masses[sb]
            va, vb = self.v[k], self.v[j]
            e_rel = 0.5 * ma * mb / (ma + mb) * (va - vb) ** 2
            if self.passing == "threshold":
                passes = e_rel > self.barrier
            else:
                passes = self.rng.random() < self.pass_probability(e_rel, ma, mb)
            keep = math.sqrt(1.0 - self.dissipation)
            if passes:
                if self.lossy_pass:
                    self.v[k], self.v[j] = self._scaled(va, vb, ma, mb, keep)
                    self.dissipated += self.dissipation * e_rel
                for arr in (self.x, self.v, self.species, self.last_bounce):
                    arr[k], arr[j] = arr[j], arr[k]
                if j == 0:  # passed across x = L: each moves to the other's lap
                    self.x[k] += self.length
                    self.x[j] -= self.length
                return (t, PASS, -1, sa, sb)
            elastic = True
            if self.lossy_bounce:
                elastic = (t - self.last_bounce[k] < self.collapse_time
                           or t - self.last_bounce[j] < self.collapse_time)
                self.made_elastic += elastic
                self.last_bounce[k] = self.last_bounce[j] = t
            if elastic:
                self.v[k] = ((ma - mb) * va + 2 * mb * vb) / (ma + mb)
                self.v[j] = ((mb - ma) * vb + 2 * ma * va) / (ma + mb)
            else:
                self.v[k], self.v[j] = self._scaled(va, vb, ma, mb, -keep)
                self.dissipated += self.dissipation * e_rel
            return (t, COLLISION, -1, sa, sb)
        if kind == "wall":
            end = k
            i = 0 if end == 0 else len(self.x) - 1
            s = self.species[i]
            rule = self.rules[end][s]
            if rule == EXCHANGE:
                for arr in (self.x, self.v, self.species, self.last_bounce):
                    arr.pop(i)
                return (t, ABSORPTION, end, s, -1)
            if rule == THERMAL:
                speed = self._speed(self.masses[s], self.temperatures[end])
            else:
                speed = abs(self.v[i])
            self.v[i] = speed if end == 0 else -speed
            return (t, WALL, end, s, -1)
        end = k
        speed = self._speed(self.masses[0], self.temperatures[end])
        rate = self.rates[end]
        self.next_injection[end] = (t - math.log(1.0 - self.rng.random()) / rate
                                    if rate > 0 else math.inf)
        if end == 0:
            self.x.insert(0, 0.0)
            self.v.insert(0, speed)
            self.species.insert(0, 0)
            self.last_bounce.insert(0, -math.inf)
        else:
            self.x.append(self.length)
            self.v.append(-speed)
            self.species.append(0)
            self.last_bounce.append(-math.inf)
        return (t, INJECTION, end, 0, -1)

    def run(self, n_events):
        return np.array([self.step() for _ in range(n_events)], dtype=float)


LEAVE = 5


class ReferenceShoulderChannel(ReferenceChannel):
    """The same stepper for a barrier of finite range r: V(x) = h for |x| <= r.

    Written from the Hamiltonian alone: the particles are kept in no particular order,
    ``inside`` is the set of pairs (by label) within r of each other, and the candidates
    are every pair's next crossing of separation r (entering when approaching from
    outside, leaving when separating from inside), every particle's next wall and the two
    injections. A pair that comes together enters with E_rel > h, losing h, and bounces
    back otherwise; a pair that separates regains h. A particle that leaves takes its
    kinetic energy plus h per partner; a bullet injected next to n particles within r
    enters only with kinetic energy above h n (and nothing is recorded otherwise).
    Records: (time, code, end, species of the left and of the right particle).
    """

    def __init__(self, *args, interaction_range, **kwargs):
        super().__init__(*args, **kwargs)
        self.reach = interaction_range
        self.label = list(range(len(self.x)))
        self.next_label = len(self.x)
        self.inside = set()
        for i in range(len(self.x)):
            for j in range(i + 1, len(self.x)):
                if abs(self._separation(i, j)) < self.reach:
                    self.inside.add(frozenset((self.label[i], self.label[j])))
        self.energy_out = 0.0
        self.heat = 0.0  # time integral of the energy current (a ring's)

    def _separation(self, i, j):
        d = self.x[j] - self.x[i]
        if self.periodic:
            d -= self.length * round(d / self.length)
        return d

    def contacts(self, i):
        return sum(1 for pair in self.inside if self.label[i] in pair)

    def pair_energy(self):
        return self.barrier * len(self.inside) if self.inside else 0.0

    def _candidates(self):
        out = []
        n = len(self.x)
        for i in range(n):
            for j in range(i + 1, n):
                d, rel = self._separation(i, j), self.v[j] - self.v[i]
                if frozenset((self.label[i], self.label[j])) in self.inside:
                    if rel != 0:
                        edge = self.reach if rel > 0 else -self.reach
                        out.append((self.time + max((edge - d) / rel, 0.0), "leave", (i, j)))
                elif d * rel < 0:
                    out.append((self.time + max(abs(d) - self.reach, 0.0) / abs(rel),
                                "enter", (i, j)))
        if self.periodic:
            return out
        for i in range(n):
            if self.v[i] < 0:
                out.append((self.time + max(self.x[i], 0.0) / -self.v[i], "wall", (0, i)))
            elif self.v[i] > 0:
                out.append((self.time + max(self.length - self.x[i], 0.0) / self.v[i],
                            "wall", (1, i)))
        for end in (0, 1):
            out.append((self.next_injection[end], "inject", (end, -1)))
        return out

    def step(self):
        record = None
        while record is None:
            record = self._event()
        return record

    def particle_energy(self, i):
        """e_i = m v^2 / 2 + h n_i / 2: its kinetic energy and half its pair energy."""
        n = self.contacts(i)
        return 0.5 * self.masses[self.species[i]] * self.v[i] ** 2 \
            + (0.5 * self.barrier * n if n else 0.0)

    def _event(self):
        t, kind, (i, j) = min(self._candidates(), key=lambda c: c[0])
        dt = t - self.time
        # the energy current sum_i v_i e_i between events, plus, at an event that moves
        # energy dE to particle j from i, (x_j - x_i) dE (the change of sum_i x_i e_i)
        self.heat += dt * sum(self.v[k] * self.particle_energy(k) for k in range(len(self.x)))
        self.x = [a + b * dt for a, b in zip(self.x, self.v)]
        self.time = t
        if kind in ("enter", "leave"):
            if self._separation(i, j) < 0:
                i, j = j, i  # i is the left one
            sa, sb = self.species[i], self.species[j]
            ma, mb = self.masses[sa], self.masses[sb]
            va, vb = self.v[i], self.v[j]
            e_rel = 0.5 * ma * mb / (ma + mb) * (va - vb) ** 2
            pair = frozenset((self.label[i], self.label[j]))
            e_j = self.particle_energy(j)
            if kind == "leave":
                factor, code = math.sqrt(1.0 + self.barrier / e_rel), LEAVE
                self.inside.remove(pair)
            elif e_rel > self.barrier:
                factor, code = math.sqrt(1.0 - self.barrier / e_rel), PASS
                self.inside.add(pair)
            else:
                factor, code = -1.0, COLLISION
            self.v[i], self.v[j] = self._scaled(va, vb, ma, mb, factor)
            self.heat += self._separation(i, j) * (self.particle_energy(j) - e_j)
            return (t, code, -1, sa, sb)
        if kind == "wall":
            end = i
            s = self.species[j]
            rule = self.rules[end][s]
            if rule == EXCHANGE:
                n = self.contacts(j)
                self.energy_out += 0.5 * self.masses[s] * self.v[j] ** 2 \
                    + (self.barrier * n if n else 0.0)
                self.inside = {p for p in self.inside if self.label[j] not in p}
                for arr in (self.x, self.v, self.species, self.label):
                    arr.pop(j)
                return (t, ABSORPTION, end, s, -1)
            if rule == THERMAL:
                speed = self._speed(self.masses[s], self.temperatures[end])
            else:
                speed = abs(self.v[j])
            self.x[j] = 0.0 if end == 0 else self.length
            self.v[j] = speed if end == 0 else -speed
            return (t, WALL, end, s, -1)
        end = i
        speed = self._speed(self.masses[0], self.temperatures[end])
        rate = self.rates[end]
        self.next_injection[end] = (t - math.log(1.0 - self.rng.random()) / rate
                                    if rate > 0 else math.inf)
        near = [k for k in range(len(self.x))
                if (self.x[k] if end == 0 else self.length - self.x[k]) <= self.reach]
        climb = self.barrier * len(near) if near else 0.0
        kinetic = 0.5 * self.masses[0] * speed ** 2
        if kinetic <= climb:
            return None  # turned back into the reservoir
        speed = math.sqrt(speed ** 2 - 2.0 * climb / self.masses[0])
        self.x.append(0.0 if end == 0 else self.length)
        self.v.append(speed if end == 0 else -speed)
        self.species.append(0)
        self.label.append(self.next_label)
        self.inside |= {frozenset((self.next_label, self.label[k])) for k in near}
        self.next_label += 1
        return (t, INJECTION, end, 0, -1)

    def energy(self):
        kinetic = sum(0.5 * self.masses[s] * v ** 2 for s, v in zip(self.species, self.v))
        return kinetic + self.pair_energy()


def reference_from(state, params, rng):
    """The plain stepper for a kernel ``state`` built from ``params``: the same particles,
    reservoirs, wall rules, encounter rule and pending injections, and the generator
    ``rng`` (a copy of the kernel's). A range r > 0 gives ``ReferenceShoulderChannel``.

    It reads the state's arrays through the kernel's index layout, nothing else.
    """
    from coupledgas.kernel.layout import (
        BULLET,
        EV_LEFT_INJECTION,
        EV_RIGHT_INJECTION,
        LEFT,
        P_MASS,
        P_RATE,
        P_TEMPERATURE,
        RIGHT,
        ROD,
        rule_index,
    )
    from coupledgas.kernel.queue import event_time_of

    ids = state.order()
    cap = state.capacity
    common = dict(
        x=state.x[ids], v=state.v[ids], species=state.species[ids],
        masses=(state.params[P_MASS + BULLET], state.params[P_MASS + ROD]),
        length=params.length, barrier=params.barrier,
        temperatures=(state.params[P_TEMPERATURE + LEFT], state.params[P_TEMPERATURE + RIGHT]),
        rates=(state.params[P_RATE + LEFT], state.params[P_RATE + RIGHT]),
        rules=[[state.rules[rule_index(end, s)] for s in (BULLET, ROD)]
               for end in (LEFT, RIGHT)],
        next_injection=[event_time_of(state.queue_time, state.queue_offsets, cap + leaf)
                        for leaf in (EV_LEFT_INJECTION, EV_RIGHT_INJECTION)],
        rng=rng)
    if params.interaction_range > 0:
        return ReferenceShoulderChannel(**common, interaction_range=params.interaction_range)
    return ReferenceChannel(**common, passing=params.passing,
                            passing_width=params.passing_width,
                            barrier_width=params.barrier_width,
                            dissipation=params.dissipation,
                            dissipate_at=params.dissipate_at,
                            collapse_time=params.collapse_time)
