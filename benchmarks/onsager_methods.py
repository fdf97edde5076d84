"""Which Onsager method resolves L_ru faster? (L = 20, h = 1, the defaults)

    python benchmarks/onsager_methods.py [--t-measure 200000] [--workers 2]

Runs the finite-force method (its default: central differences at f = 0.2 for
t_measure and at 0.4 for t_measure / 8, in both directions: 4.5 t_measure in all) and
the fluctuation method (one run of 4.5 t_measure, the same CPU budget) and prints, for each,
L_ru with its error and the figure of merit rel_err(L_ru) * sqrt(CPU seconds): the
relative error that one CPU second would reach (smaller is better). Then it checks that
the two independent methods agree at the Letter's point: each entry's difference in
combined standard errors (within 4 for honest errors), and L_ru negative by both.
"""

import argparse

import numpy as np

from coupledgas.onsager import onsager


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--t-measure", type=float, default=200000.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    results = {}
    for method, t in (("forces", args.t_measure), ("fluctuation", 4.5 * args.t_measure)):
        ds = results[method] = onsager(length=20, barrier=1, method=method, t_measure=t, workers=args.workers,
                     seed=args.seed)
        rel = ds.L_ru_err.item() / abs(ds.L_ru.item())
        cpu = ds.attrs["cpu_seconds"]
        print(f"{method:11s}: L_ru = {ds.L_ru.item():+.3f} +- {ds.L_ru_err.item():.3f}, "
              f"L_rr = {ds.L_rr.item():.3f} +- {ds.L_rr_err.item():.3f}, "
              f"L_uu = {ds.L_uu.item():.3f} +- {ds.L_uu_err.item():.3f}, "
              f"CPU {cpu:.0f} s, rel_err(L_ru) * sqrt(CPU s) = {rel * cpu ** 0.5:.2f}")
    forces, fluctuation = results["forces"], results["fluctuation"]
    for name in ("L_rr", "L_ru", "L_uu"):
        err = np.hypot(forces[name + "_err"].item(), fluctuation[name + "_err"].item())
        z = (forces[name].item() - fluctuation[name].item()) / err
        print(f"{name}: forces - fluctuation = {z:+.2f} combined errors "
              f"({'agree' if abs(z) <= 4 else 'DISAGREE'})")
    for method, ds in results.items():
        print(f"{method}: L_ru / its error = {ds.L_ru.item() / ds.L_ru_err.item():+.1f} "
              "(the Letter: negative)")


if __name__ == "__main__":
    main()
