"""Bias, spread and wall time of the default Onsager recipe against a long reference.

    python benchmarks/onsager_default.py [--seeds 10] [--rel-err 0.05] [--workers 2]
    python benchmarks/onsager_default.py --reference [--t-measure 1e6]

The default: ``coupledgas onsager --length 20 --barrier 1 --rel-err 0.05 --workers 2``
(central differences at f = 0.2 and 0.4, extrapolated to zero force). Each seed runs it
once; the script prints every L_ru, the wall time, then per entry the mean over seeds
minus the reference (the bias, with its standard error) and the spread of the seeds
against their mean reported error (about 1 when the error bars are right).

``--reference`` recomputes the reference: central differences D(f) at f = 0.1 ... 0.4
(the runs at 0.1 and 0.2 longer), each entry fitted by D(0) + c f^2 (weighted); prints
D(0), c and chi^2 per degree of freedom. ``REFERENCE`` holds what it gave on this
machine (t = 1e6 per run, 2e6 at f = 0.1, 1.5e6 at 0.2; 20 CPU minutes).
"""

import argparse
import time

import numpy as np

from coupledgas.onsager import ENTRIES, onsager

#: D(0) and its error from ``--reference`` (L = 20, h = 1, T = 1, mu = 1.5)
REFERENCE = {"L_rr": (6.798, 0.049), "L_ru": (-4.479, 0.045), "L_ur": (-4.347, 0.084),
             "L_uu": (21.078, 0.086)}
#: the reference's forces and measured times
REFERENCE_TIMES = {0.1: 2.0, 0.2: 1.5, 0.3: 1.0, 0.4: 1.0}


def reference(t_measure, workers):
    rows = []
    for k, (force, scale) in enumerate(REFERENCE_TIMES.items()):
        ds = onsager(length=20, barrier=1.0, force=force, extrapolate=False,
                     t_measure=scale * t_measure, workers=workers, seed=100 * (k + 1) + 1)
        rows.append({name: (ds[name].item(), ds[name + "_err"].item()) for name in ENTRIES})
        print(f"f = {force}: " + ", ".join(f"{n} {v:+.3f} +- {e:.3f}"
                                           for n, (v, e) in rows[-1].items()), flush=True)
    f = np.array(list(REFERENCE_TIMES))
    for name in ENTRIES:
        y = np.array([row[name][0] for row in rows])
        w = np.array([row[name][1] for row in rows]) ** -2.0
        A = np.stack([np.ones_like(f), f**2], axis=1)
        cov = np.linalg.inv(A.T @ (A * w[:, None]))
        a, c = cov @ (A.T @ (w * y))
        chi2 = np.sum(w * (y - A @ (a, c)) ** 2) / (f.size - 2)
        print(f"{name}: D(0) = {a:+.3f} +- {np.sqrt(cov[0, 0]):.3f}, c = {c:+.2f}, "
              f"chi2/dof = {chi2:.2f}")


def default(seeds, rel_err, workers):
    values, errors, walls = [], [], []
    for seed in range(1, seeds + 1):
        started = time.perf_counter()
        ds = onsager(length=20, barrier=1.0, rel_err=rel_err, workers=workers, seed=seed)
        walls.append(time.perf_counter() - started)
        values.append([ds[n].item() for n in ENTRIES])
        errors.append([ds[n + "_err"].item() for n in ENTRIES])
        print(f"seed {seed}: L_ru = {values[-1][1]:+.3f} +- {errors[-1][1]:.3f}, "
              f"wall {walls[-1]:.1f} s, CPU {ds.attrs['cpu_seconds']:.0f} s, "
              f"t = {ds.attrs['t_measured']:g}", flush=True)
    values, errors = np.array(values), np.array(errors)
    print(f"wall time: mean {np.mean(walls):.1f} s, max {np.max(walls):.1f} s")
    for k, name in enumerate(ENTRIES):
        ref, ref_err = REFERENCE[name]
        mean, spread = values[:, k].mean(), values[:, k].std(ddof=1)
        bias_err = np.hypot(spread / np.sqrt(seeds), ref_err)
        print(f"{name}: bias {mean - ref:+.3f} +- {bias_err:.3f} "
              f"({(mean - ref) / abs(ref):+.1%}), spread {spread:.3f}, mean error "
              f"{errors[:, k].mean():.3f} (ratio {spread / errors[:, k].mean():.2f})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--rel-err", type=float, default=0.05)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reference", action="store_true")
    parser.add_argument("--t-measure", type=float, default=1e6)
    args = parser.parse_args()
    if args.reference:
        reference(args.t_measure, args.workers)
    else:
        default(args.seeds, args.rel_err, args.workers)


if __name__ == "__main__":
    main()
