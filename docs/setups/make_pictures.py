"""Small pictures of the set-up pages that the gallery has no figure for.

    PYTHONPATH=src python docs/setups/make_pictures.py     (from the repository root)

Every run is tiny (a few seconds on one core after the kernel's compilation), so the
pictures show what each command returns, not publication precision. Writes
``letter.png``, ``dissipation.png`` and ``ring.png`` beside this script.
"""

import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import coupledgas  # noqa: E402
from coupledgas.files import write_netcdf  # noqa: E402
from coupledgas.plot import plot_run  # noqa: E402

HERE = Path(__file__).resolve().parent


def letter():
    """What ``coupledgas plot run.nc`` draws for ``coupledgas run --t-measure 5000``."""
    ds = coupledgas.simulate(length=20, barrier=1, F_rho=0, F_u=0.3, t_measure=5000, seed=1)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "run.nc"
        write_netcdf(ds, path)
        plot_run(path, HERE / "letter.png")


def dissipation():
    """Energy current at the two ends against delta: they differ by the dissipated power."""
    deltas = [0.0, 0.0025, 0.005, 0.0075, 0.01]
    left, right, power = [], [], []
    for delta in deltas:
        ds = coupledgas.simulate(length=10, barrier=1, T_left=1.2, T_right=0.8, mu_left=1.5,
                                 mu_right=1.5, dissipation=delta, t_measure=4000, seed=1,
                                 bins=0)
        left.append((ds.J_u_end.sel(end="left").item(),
                     ds.J_u_end_err.sel(end="left").item()))
        right.append((ds.J_u_end.sel(end="right").item(),
                      ds.J_u_end_err.sel(end="right").item()))
        power.append((ds.dissipated_power.item(), ds.dissipated_power_err.item()))
    left, right, power = (np.array(a) for a in (left, right, power))
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.4))
    a.errorbar(deltas, left[:, 0], left[:, 1], marker="o", capsize=3, label="left end (hot)")
    a.errorbar(deltas, right[:, 0], right[:, 1], marker="s", capsize=3,
               label="right end (cold)")
    a.set_xlabel(r"dissipation $\delta$")
    a.set_ylabel(r"energy current $J_u$ at the end")
    a.legend(fontsize=8)
    b.errorbar(deltas, power[:, 0], power[:, 1], marker="o", capsize=3,
               label="dissipated power")
    b.plot(deltas, left[:, 0] - right[:, 0], "x", color="C3", ms=9,
           label=r"$J_u$(left) $-$ $J_u$(right)")
    b.set_xlabel(r"dissipation $\delta$")
    b.set_ylabel("power")
    b.legend(fontsize=8)
    fig.suptitle(r"L = 10, h = 1, $T_L$ = 1.2, $T_R$ = 0.8, $\mu$ = 1.5, t = 4000",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(HERE / "dissipation.png", dpi=100)
    plt.close(fig)


def ring():
    """Energy-current autocorrelation and its Green-Kubo integral on a small ring."""
    ds = coupledgas.ring(particles=256, masses=(1.0, 3.0), T=2.0, density=1.0,
                         t_measure=4000, cutoff=100, seed=1)
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.4))
    a.plot(ds.lag, ds.heat_current_correlation)
    a.axhline(0, color="0.7", lw=0.8)
    a.set_xlabel("lag t")
    a.set_ylabel("C(t), interval means (D = 1)")
    b.plot(ds.lag, ds.kappa)
    b.errorbar([ds.lag[-1]], [ds.kappa_cutoff.item()], [ds.kappa_cutoff_err.item()],
               marker="o", capsize=3, color="C3",
               label=f"kappa(cut-off) = {ds.kappa_cutoff.item():.2f} "
                     f"± {ds.kappa_cutoff_err.item():.2f}")
    b.set_xlabel("cut-off t")
    b.set_ylabel("Green-Kubo integral kappa")
    b.legend(fontsize=8)
    fig.suptitle("ring: N = 256, masses 1 and 3, h = inf, kT = 2, density 1, t = 4000",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(HERE / "ring.png", dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    letter()
    dissipation()
    ring()
