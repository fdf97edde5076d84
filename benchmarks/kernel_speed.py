"""Events per second of the compiled kernel (one core, compile time excluded).

    python benchmarks/kernel_speed.py [--seconds 20]

Runs the Letter's Fig. 2 point (h = 1, F_u = 0.3) at L = 20 and at L = 1280, the
Letter's largest system (about 8600 particles), after a transient, and prints the
events per second of the kernel loop alone for each, without profiles and with the
default 40 profile bins. Target: >= 8e6 at both sizes. Then the periodic ring of the
fastest public 1D hard-point codes: N = 4096, masses 1 and 3, kT = 2, density 1,
h = inf (their figure: about 1e7 collisions per second on one core). Last, L = 20 with
a barrier of range r = 0.01 beside the point barrier (crossings inside the shoulders
count as events; target: at least 60% of the point barrier's rate).
"""

import argparse
import time

import numpy as np

from coupledgas.kernel import advance_to, new_channel, new_ring
from coupledgas.kernel.layout import I_COUNT
from coupledgas.params import RunParams


def events_per_second(length, seconds, n_bins=0, seed=1, interaction_range=0.0):
    # (the range only when set: compare_commits also runs this on trees without it)
    ranged = {"interaction_range": interaction_range} if interaction_range else {}
    params = RunParams.create(length=length, F_u=0.3, **ranged)
    rng = np.random.default_rng(seed)
    return _measure(new_channel(params, rng, n_bins=n_bins), rng, seconds,
                    2000.0 * 20.0 / length)


def ring_events_per_second(seconds, n=4096, seed=1):
    rng = np.random.default_rng(seed)
    return _measure(new_ring(n, (1.0, 3.0), np.inf, 2.0, 1.0, rng), rng, seconds, 500.0)


def _measure(state, rng, seconds, chunk):
    state, _ = advance_to(state, rng, 0.0, max_events=0)  # compile or load
    state, _ = advance_to(state, rng, 50.0)  # leave the initial state
    n_total, elapsed, t = 0, 0.0, state.clock
    while elapsed < seconds:
        t += chunk
        started = time.perf_counter()
        state, n = advance_to(state, rng, t)
        elapsed += time.perf_counter() - started
        n_total += n
    return n_total / elapsed, int(state.ints[I_COUNT])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    for length in (20, 1280):
        for n_bins in (0, 40):
            rate, particles = events_per_second(length, args.seconds, n_bins)
            print(f"L = {length:5d} ({particles:5d} particles), {n_bins:2d} bins: "
                  f"{rate / 1e6:6.2f} M events/s")
    rate, particles = ring_events_per_second(args.seconds)
    print(f"ring ({particles} particles, masses 1 and 3, h = inf): "
          f"{rate / 1e6:6.2f} M collisions/s")
    rates = {r: events_per_second(20, args.seconds, interaction_range=r)[0]
             for r in (0.0, 0.01)}
    print(f"L = 20, range r = 0.01: {rates[0.01] / 1e6:6.2f} M events/s, "
          f"{rates[0.01] / rates[0.0]:.0%} of the point barrier's {rates[0.0] / 1e6:.2f}")


if __name__ == "__main__":
    main()
