"""Sweep throughput on this machine: points per minute with 1 and with 2 workers.

    python benchmarks/sweep_throughput.py [--points 8] [--t-measure 20000]

Each point is an L = 20, h = 1 run (no profiles); each worker count runs the same grid
into a fresh directory, cluster start-up included.
"""

import argparse
import tempfile
import time

import numpy as np

from coupledgas.sweep import sweep


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=8)
    parser.add_argument("--t-measure", type=float, default=20000.0)
    args = parser.parse_args()
    spec = {"base": {"length": 20, "barrier": 1, "t_measure": args.t_measure, "bins": 0},
            "axes": {"F_u": np.linspace(0.05, 0.4, args.points).round(4).tolist()}}
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as out:
            started = time.perf_counter()
            sweep(spec, out, workers=workers)
            minutes = (time.perf_counter() - started) / 60
        print(f"{workers} worker(s): {args.points} points in {minutes * 60:.1f} s, "
              f"{args.points / minutes:.1f} points per minute")


if __name__ == "__main__":
    main()
