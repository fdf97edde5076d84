"""Are the error bars right? Reported errors against the spread of independent replicas.

    python benchmarks/error_bars.py --length 80 --t-measure 1e5 --replicas 24 \
        [--F-u 0.3] [--bins 40] [--workers 2] [--seed 5000]

Runs K independent replicas of one run (the Fig. 2 point by default, F_rho = 0) and
prints, for J_rho, J_u and <m(x)> at x = 0, L/4, L/2, 3L/4 and L, the ratio of the
root-mean-square reported error to the standard deviation of the replicas' values
(about 1 when the error bars are right; its own uncertainty, from the spread of K
values, is about 1 / sqrt(2 (K - 1))), and for <m(x)> the mean and range of that ratio
over every bin edge. Each replica is measured for ``--t-measure`` after the default
transient; the table of docs/guarantees.md, "Error bars against independent replicas",
comes from this script.
"""

import argparse
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

import numpy as np

from coupledgas.params import RunParams, relaxation_time
from coupledgas.simulate import Run


def replica(params, bins):
    ds = Run.start(params, n_bins=bins).advance().dataset()
    return {name: (ds[name].values, ds[name + "_err"].values)
            for name in ("J_rho", "J_u", "mean_mass")} | {
        "reliable": ds.attrs["errors_reliable"], "cpu": ds.attrs["kernel_seconds"]}


def ratio(values, errors):
    """rms error / spread of the replicas (along axis 0)."""
    return np.sqrt(np.mean(errors**2, axis=0)) / np.std(values, axis=0, ddof=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--length", type=float, default=80.0)
    parser.add_argument("--t-measure", type=float, default=1e5)
    parser.add_argument("--replicas", type=int, default=24)
    parser.add_argument("--F-u", type=float, default=0.3)
    parser.add_argument("--bins", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=5000)
    args = parser.parse_args()
    params = RunParams.create(length=args.length, barrier=1.0, F_rho=0.0, F_u=args.F_u,
                              t_measure=args.t_measure, seed=args.seed)
    runs = [replace(params, replica=k) for k in range(args.replicas)]
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(replica, runs, [args.bins] * len(runs)))
    K = len(results)
    print(f"L = {args.length:g}, F_u = {args.F_u:g}, t = {args.t_measure:g} "
          f"({args.t_measure / relaxation_time(args.length):.1f} relaxation times L^2/2), "
          f"{K} replicas (ratio uncertainty about {1 / np.sqrt(2 * (K - 1)):.2f}); "
          f"errors reliable in {sum(r['reliable'] for r in results)} of {K}; "
          f"{sum(r['cpu'] for r in results):.0f} CPU s")
    for name in ("J_rho", "J_u"):
        values = np.array([r[name][0] for r in results])
        errors = np.array([r[name][1] for r in results])
        print(f"  {name:6s} {values.mean():+.5f}: error / spread = {ratio(values, errors):.2f}")
    values = np.array([r["mean_mass"][0] for r in results])
    errors = np.array([r["mean_mass"][1] for r in results])
    per_edge = ratio(values, errors)
    edges = per_edge.size - 1
    for k in (0, edges // 4, edges // 2, 3 * edges // 4, edges):
        print(f"  <m(x = {k / edges:.2f} L)> = {values[:, k].mean():.4f}: "
              f"error / spread = {per_edge[k]:.2f}")
    print(f"  <m(x)> over all {edges + 1} edges: error / spread mean {per_edge.mean():.2f}, "
          f"range {per_edge.min():.2f} - {per_edge.max():.2f}")


if __name__ == "__main__":
    main()
