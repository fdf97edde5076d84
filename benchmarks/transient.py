"""How long is the transient? A cold start relaxing towards the steady state, window by window.

    python benchmarks/transient.py --checkpoint relax.npz [--length 1280] [--F-u 0.5] \
        [--t-total 1.2e6] [--bins 128] [--window 5e4] [--report]

Starts a channel at the equilibrium of the mean reservoir state (``kernel.new_channel``)
with no transient, applies the forces (F_rho = 0 and ``--F-u``) and measures from t = 0
for ``--t-total``, checkpointing every five minutes (run the same command again to
resume). Then, from the run's cumulative block snapshots, it prints per window of
``--window`` time units: J_rho (mean of both ends), <m(0+)> (the mean mass of the
particles crossing the hot end) and how far from the hot end <m(x)> stays near pure
(within 4% of M1 - M2 of M1) and strictly pure (within 1%), as the gallery's fig5-1280
measures them; ``--report`` only reads the checkpoint (of a run still in progress, say).
The gallery's fig5-1280 entry quotes this table.
"""

import argparse
from pathlib import Path

import numpy as np

from coupledgas.checkpoint import load
from coupledgas.execute import execute
from coupledgas.figures.common import PURE, _domain_extent
from coupledgas.figures.letter_sizes import NEAR_PURE
from coupledgas.kernel import transferred
from coupledgas.kernel.profiles import UNSIGNED
from coupledgas.params import RunParams, relaxation_time
from coupledgas.simulate import Run


def windows(run, width):
    """Per window of ``width``: (t_start, t_end, J_rho, <m(0+)>, near-pure extent,
    strictly pure extent)."""
    times = np.array(run.snapshots["time"])
    flows = np.array(run.snapshots["flows"])
    crossings = np.array(run.snapshots["crossings"])[..., UNSIGNED]
    heavy, light = run.params.m_bullet, run.params.m_rod
    x_edge = np.linspace(0.0, run.params.length, crossings.shape[-1])
    rows = []
    edges = np.searchsorted(times, np.arange(times[0], times[-1] + 1e-9, width))
    for a, b in zip(edges[:-1], edges[1:]):
        dt = times[b] - times[a]
        moved = transferred(flows[b] - flows[a])["particles"].mean() / dt
        counts = crossings[b] - crossings[a]
        mass = (heavy * counts[0] + light * counts[1]) / counts.sum(axis=0)
        extent = [_domain_extent(mass[None, :], x_edge, heavy - f * (heavy - light))[0]
                  for f in (NEAR_PURE, PURE)]
        rows.append((times[a], times[b], moved, mass[0], *extent))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, required=True)
    parser.add_argument("--length", type=float, default=1280.0)
    parser.add_argument("--F-u", type=float, default=0.5)
    parser.add_argument("--t-total", type=float, default=1.2e6)
    parser.add_argument("--bins", type=int, default=128)
    parser.add_argument("--window", type=float, default=5e4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--report", action="store_true", help="only read the checkpoint")
    args = parser.parse_args()
    if args.checkpoint.exists():
        run = load(args.checkpoint)
    else:
        params = RunParams.create(length=args.length, F_rho=0.0, F_u=args.F_u,
                                  t_transient=0.0, t_measure=args.t_total, seed=args.seed)
        run = Run.start(params, n_bins=args.bins)
    if not args.report:
        execute(run, args.checkpoint, checkpoint_every=300.0)
    tau = relaxation_time(run.params.length)
    print(f"L = {run.params.length:g}, F_u = {run.params.forces[1]:g}, "
          f"relaxation time L^2/2 = {tau:.3g}, {run.kernel_seconds:.0f} kernel seconds")
    print("t/(L^2/2)   J_rho      <m(0+)>  near-pure extent  pure extent")
    for t0, t1, j, m0, near, pure in windows(run, args.window):
        print(f"{t0 / tau:5.2f}-{t1 / tau:4.2f}  {j:+.4f}  {m0:.4f}  {near:8.1f}  {pure:8.1f}")


if __name__ == "__main__":
    main()
