"""The critical barrier h*(L) at which the particle current changes sign (slides).

At F_rho = 0 and F_u > 0 the particle current is positive for free particles (h = 0:
J_rho = gamma_L - gamma_R > 0) and negative, an inverse current, at h = 1 (the Letter,
Fig. 4a). For each length the barriers of a grid are simulated (through the sweep
machinery, so the scan resumes and distributes); h* is the root of the straight line
through the two points that bracket the first sign change, with its error from theirs
(delta method). A weighted fit of log h* against log L gives the exponent of
h* ~ L^beta; the slides report beta close to -1/2.
"""

from __future__ import annotations

import numpy as np

from .params import ParameterError
from .sweep import sweep

#: points on each side of the sign change used in the local fit: J(h) is strongly curved
#: near h* (steep, then flat), so a wider straight-line fit biases h* upward
FIT_POINTS = 1


def _root(h, J, err):
    """Root of a weighted line through (h, J); returns (h*, error) or (nan, nan)."""
    negative = np.nonzero(J < 0)[0]
    if negative.size == 0 or negative[0] == 0:
        return np.nan, np.nan
    i = negative[0]
    sel = slice(max(i - FIT_POINTS, 0), min(i + FIT_POINTS, h.size))
    x, y, w = h[sel], J[sel], 1.0 / err[sel] ** 2
    A = np.stack([np.ones_like(x), x], axis=1)
    cov = np.linalg.inv(A.T @ (A * w[:, None]))
    a, b = cov @ (A.T @ (w * y))
    root = -a / b
    gradient = np.array([-1.0 / b, a / b**2])
    return float(root), float(np.sqrt(gradient @ cov @ gradient))


def power_law(L, h, err):
    """Weighted fit h = A L^beta in log space; returns (beta, beta_err, A)."""
    ok = np.isfinite(h) & (h > 0)
    if ok.sum() < 2:
        return np.nan, np.nan, np.nan
    x, y, w = np.log(L[ok]), np.log(h[ok]), (h[ok] / err[ok]) ** 2
    A = np.stack([np.ones_like(x), x], axis=1)
    cov = np.linalg.inv(A.T @ (A * w[:, None]))
    log_A, beta = cov @ (A.T @ (w * y))
    return float(beta), float(np.sqrt(cov[1, 1])), float(np.exp(log_A))


def critical_barrier(lengths=(20, 40, 80, 160), force=0.1, barriers=None, t_measure=1e5,
                     out="critical-barrier", workers=None, scheduler=None, seed=1,
                     **run) -> dict:
    """h*(L) with errors and the exponent of h* ~ L^beta.

    Parameters
    ----------
    lengths : sequence of float
    force : float
        F_u (F_rho = 0).
    barriers : sequence of float, optional
        The grid of h; default 12 values from 0.02 to 1.5, log-spaced.
    t_measure : float
        Measured time of each run.
    out : path
        Sweep directory (results reused when the command is repeated).
    run : dict
        Other run parameters (T, mu, masses, rods ...).

    Returns
    -------
    dict
        ``lengths``, ``h_star``, ``h_star_err``, ``exponent``, ``exponent_err``,
        ``prefactor``, and the scanned ``barriers`` with ``J_rho`` and ``J_rho_err``.
    """
    lengths = [float(x) for x in lengths]
    if len(lengths) < 1 or min(lengths) <= 0:
        raise ParameterError("lengths", f"must be positive, got {lengths}")
    if not force > 0:
        raise ParameterError("force", f"must be positive, got {force}")
    barriers = np.round(np.geomspace(0.02, 1.5, 12), 5).tolist() if barriers is None \
        else sorted(float(h) for h in barriers)
    spec = {"base": {"F_rho": 0.0, "F_u": float(force), "t_measure": float(t_measure),
                     "bins": 0, "seed": int(seed), **run},
            "axes": {"length": lengths, "barrier": barriers}}
    ds = sweep(spec, out, workers=workers, scheduler=scheduler)
    h = np.array(barriers)
    roots = [_root(h, ds.J_rho.sel(length=L).values, ds.J_rho_err.sel(length=L).values)
             for L in lengths]
    h_star = np.array([r[0] for r in roots])
    h_star_err = np.array([r[1] for r in roots])
    beta, beta_err, prefactor = power_law(np.array(lengths), h_star, h_star_err)
    return {"lengths": lengths, "force": float(force), "h_star": h_star.tolist(),
            "h_star_err": h_star_err.tolist(), "exponent": beta, "exponent_err": beta_err,
            "prefactor": prefactor, "barriers": barriers,
            "J_rho": ds.J_rho.values.tolist(), "J_rho_err": ds.J_rho_err.values.tolist()}
