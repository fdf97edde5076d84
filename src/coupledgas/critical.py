"""The critical barrier h*(L) at which the particle current changes sign (slides).

At F_rho = 0 and F_u > 0 the particle current is positive for free particles (h = 0:
J_rho = gamma_L - gamma_R > 0) and negative, an inverse current, at h = 1 (the Letter,
Fig. 4a). For each length the barriers of a grid are simulated (through the sweep
machinery, so the scan resumes and distributes); h* is the root of the straight line
through the two points that bracket the first sign change, with its error from theirs
(delta method). A weighted fit of log h* against log L gives the exponent of
h* ~ L^beta; the slides report beta close to -1/2, and the local exponents between
neighbouring lengths show whether one power law holds.

Two responses are offered (``RESPONSES``): ``"force"`` takes the sign of J_rho at one
finite F_u, so h* depends on that force; ``"linear"`` takes the sign of the Onsager
coefficient L_ru (``onsager``, extrapolated to zero force), the critical barrier of
linear response, which the slides' conjecture on YT is about.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .onsager import FORCE as ONSAGER_FORCE
from .params import ParameterError
from .sweep import sweeps

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


def local_exponents(L, h, err):
    """Exponents of h* ~ L^beta between neighbouring lengths, with errors.

    beta_i = ln(h_{i+1} / h_i) / ln(L_{i+1} / L_i); its error adds the relative errors
    of the two h* in quadrature. Returns two lists of ``len(L) - 1`` values (NaN where
    an h* is missing).
    """
    L, h, err = (np.asarray(a, dtype=float) for a in (L, h, err))
    steps = np.log(L[1:] / L[:-1])
    beta = np.log(h[1:] / h[:-1]) / steps
    beta_err = np.hypot(err[1:] / h[1:], err[:-1] / h[:-1]) / steps
    return beta.tolist(), beta_err.tolist()


#: what changes sign at h*: J_rho at the given finite F_u ("force"), or the Onsager
#: coefficient L_ru extrapolated to zero force ("linear")
RESPONSES = ("force", "linear")


def _grid(barriers, length) -> list:
    """The barriers scanned at ``length``: the default, one grid, or one per length."""
    if barriers is None:
        return np.round(np.geomspace(0.02, 1.5, 12), 5).tolist()
    if isinstance(barriers, dict):
        if length not in barriers:
            raise ParameterError("barriers", f"no grid for L = {length:g}")
        barriers = barriers[length]
    return sorted(float(h) for h in barriers)


#: F_u of the "force" response by default (the Letter's Fig. 4)
FORCE = 0.1


def critical_barrier(lengths=(20, 40, 80, 160), force=None, barriers=None, t_measure=1e5,
                     out="critical-barrier", workers=None, scheduler=None, seed=1,
                     response="force", **run) -> dict:
    """h*(L) with errors, the exponent of h* ~ L^beta and the local exponents.

    Parameters
    ----------
    lengths : sequence of float
    force : float, optional
        F_u (F_rho = 0) of the ``"force"`` response [default: ``FORCE``]; for
        ``"linear"``, the largest force of the Onsager runs, extrapolated to zero
        [default: ``onsager.FORCE``, 0.4, which gives L_ru 14 times more precisely per CPU
        second than the fluctuation method at L = 20; a smaller one where the response
        turns nonlinear sooner, in longer channels].
    barriers : sequence of float or dict, optional
        The grid of h, or a grid per length (``{L: [...]}``); default 12 values from
        0.02 to 1.5, log-spaced.
    t_measure : float
        Measured time of each run (``onsager``'s ``t_measure`` for ``"linear"``).
    out : path
        Sweep directory (results reused when the command is repeated); one sub-folder
        per length, ``L<length>``.
    response : {"force", "linear"}
        What changes sign at h*: J_rho at F_u = ``force``, or L_ru (``RESPONSES``).
    run : dict
        Other parameters of each run or Onsager matrix (T, mu, masses, rods ...).

    Returns
    -------
    dict
        ``lengths``, ``h_star``, ``h_star_err``, ``exponent``, ``exponent_err``,
        ``prefactor``, ``local_exponents`` and ``local_exponents_err`` (between
        neighbouring lengths), ``cpu_seconds`` per length, and per length the scanned
        ``barriers`` with the quantity whose sign is taken (``J_rho`` or ``L_ru``) and its
        error.
    """
    lengths = sorted(float(x) for x in lengths)
    if len(lengths) < 1 or min(lengths) <= 0:
        raise ParameterError("lengths", f"must be positive, got {lengths}")
    if response not in RESPONSES:
        raise ParameterError("response", f"must be one of {', '.join(RESPONSES)}, got "
                                         f"{response!r}")
    if force is None:
        force = ONSAGER_FORCE if response == "linear" else FORCE
    if not force > 0:
        raise ParameterError("force", f"must be positive, got {force}")
    grids = {L: _grid(barriers, L) for L in lengths}
    specs = scan_specs(grids, response, force, t_measure, seed, **run)
    results = sweeps({L: (spec, Path(out) / f"L{L:g}") for L, spec in specs.items()},
                     workers=workers, scheduler=scheduler)
    return {"force": float(force), **scan_result(grids, response, results)}


def scan_specs(grids, response, force, t_measure, seed=1, **run) -> dict:
    """The sweep of each length's barrier scan: length -> spec (runs at F_u = ``force``
    for the ``"force"`` response, Onsager matrices for ``"linear"``), as
    ``critical_barrier`` runs them; ``grids``: length -> barriers."""
    if response == "linear":
        base = {"kind": "onsager", "base": {"force": float(force),
                                            "t_measure": float(t_measure),
                                            "seed": int(seed), **run}}
    else:
        base = {"base": {"F_rho": 0.0, "F_u": float(force), "t_measure": float(t_measure),
                         "bins": 0, "seed": int(seed), **run}}
    return {L: {**base, "base": {**base["base"], "length": L}, "axes": {"barrier": grid}}
            for L, grid in grids.items()}


def scan_result(grids, response, results) -> dict:
    """h*(L) from the scans' results (length -> the combined sweep of ``scan_specs``):
    the keys ``critical_barrier`` returns but ``force``."""
    lengths = sorted(grids)
    quantity = "L_ru" if response == "linear" else "J_rho"
    roots = [_root(np.array(grids[L]), results[L][quantity].values,
                   results[L][quantity + "_err"].values) for L in lengths]
    h_star = np.array([r[0] for r in roots])
    h_star_err = np.array([r[1] for r in roots])
    beta, beta_err, prefactor = power_law(np.array(lengths), h_star, h_star_err)
    local, local_err = local_exponents(lengths, h_star, h_star_err)
    return {"lengths": lengths, "response": response,
            "h_star": h_star.tolist(), "h_star_err": h_star_err.tolist(),
            "exponent": beta, "exponent_err": beta_err, "prefactor": prefactor,
            "local_exponents": local, "local_exponents_err": local_err,
            "cpu_seconds": [float(np.nansum(results[L].cpu_seconds.values))
                            for L in lengths],
            "barriers": [grids[L] for L in lengths],
            quantity: [results[L][quantity].values.tolist() for L in lengths],
            quantity + "_err": [results[L][quantity + "_err"].values.tolist()
                                for L in lengths]}
