"""Exact profile accumulators: every free flight adds its time in each bin.

The channel [0, L] is cut into ``n_bins`` bins of width w = L / n_bins. Whenever the
kernel updates a particle's position it has just finished a free flight from ``x0`` with
velocity ``v`` lasting ``dt``; ``add_flight`` adds, per species and bin,

* ``profile[s, k, TIME]``: time spent in bin k (density = time / (w t));
* ``profile[s, k, V_TIME]``: integral of v dt (mean velocity = V_TIME / TIME);
* ``profile[s, k, MV2_TIME]``: integral of m v^2 dt (kinetic temperature);

and, per species and bin edge (edge k at x = k w, k = 0 .. n_bins),

* ``crossings[s, k, SIGNED]``: crossings left to right minus right to left;
* ``crossings[s, k, UNSIGNED]``: all crossings (the Letter's <m(x)> averages the mass
  over the particles that pass x).

The end edges are the limit x -> 0+ (x -> L-): an injected or absorbed particle crosses
once, a particle reflected by a wall twice (in and out).
"""

import numpy as np
from numba import njit

TIME = 0
V_TIME = 1
MV2_TIME = 2
SIGNED = 0
UNSIGNED = 1


def new_profiles(n_bins):
    """Zeroed accumulators for two species (``n_bins`` = 0: profiles off)."""
    return np.zeros((2, n_bins, 3)), np.zeros((2, n_bins + 1 if n_bins else 0, 2))


@njit(cache=True, inline="always")
def _add_time(profile, species, k, dt, v, mv2):
    profile[species, k, TIME] += dt
    profile[species, k, V_TIME] += v * dt
    profile[species, k, MV2_TIME] += mv2 * dt


@njit(cache=True, inline="always")
def add_flight(profile, crossings, length, species, mass, x0, v, dt):
    """Add the free flight (x0, v, dt) of one particle to the accumulators."""
    n_bins = profile.shape[1]
    if n_bins == 0 or dt <= 0.0:
        return
    width = length / n_bins
    x1 = x0 + v * dt
    k0 = min(max(int(x0 / width), 0), n_bins - 1)
    k1 = min(max(int(x1 / width), 0), n_bins - 1)
    mv2 = mass * v * v
    if k0 == k1:
        _add_time(profile, species, k0, dt, v, mv2)
        return
    remaining = dt
    if k1 > k0:
        first = ((k0 + 1) * width - x0) / v
        _add_time(profile, species, k0, first, v, mv2)
        remaining -= first
        crossing = width / v
        for k in range(k0 + 1, k1 + 1):
            crossings[species, k, SIGNED] += 1.0
            crossings[species, k, UNSIGNED] += 1.0
            if k < k1:
                _add_time(profile, species, k, crossing, v, mv2)
                remaining -= crossing
    else:
        first = (x0 - k0 * width) / -v
        _add_time(profile, species, k0, first, v, mv2)
        remaining -= first
        crossing = width / -v
        for k in range(k0, k1, -1):
            crossings[species, k, SIGNED] -= 1.0
            crossings[species, k, UNSIGNED] += 1.0
            if k - 1 > k1:
                _add_time(profile, species, k - 1, crossing, v, mv2)
                remaining -= crossing
    _add_time(profile, species, k1, max(remaining, 0.0), v, mv2)


@njit(cache=True, inline="always")
def add_wall_crossing(crossings, species, edge, signed, unsigned):
    """Count particles entering (signed +-1), leaving, or bouncing (unsigned 2) at an end."""
    if crossings.shape[1] > 0:
        crossings[species, edge, SIGNED] += signed
        crossings[species, edge, UNSIGNED] += unsigned


@njit(cache=True)
def add_open_flights(profile, crossings, length, x, v, t_last, species, masses, head,
                     count, now):
    """Add the flights in progress up to ``now`` (to copies: the state is not touched)."""
    mask = x.shape[0] - 1
    for k in range(count):
        slot = (head + k) & mask
        s = species[slot]
        add_flight(profile, crossings, length, s, masses[s], x[slot], v[slot],
                   now - t_last[slot])
