"""Ideal-gas reservoir relations and thermodynamic forces.

Units: k_B = 1; reference state rho0 = 1, T0 = 1, mu0 = 0 (the Letter's choice).
All functions accept floats or NumPy arrays.
"""

from __future__ import annotations

import numpy as np

RHO0 = 1.0
T0 = 1.0
MU0 = 0.0


def density(T, mu):
    """Number density of a 1D ideal gas, rho = rho0 sqrt(T/T0) exp(mu/T - mu0/T0).

    Parameters
    ----------
    T : float
        Temperature (k_B = 1).
    mu : float
        Chemical potential.

    Returns
    -------
    float
        Particles per unit length (the Letter, text below Eq. 3).
    """
    return RHO0 * np.sqrt(T / T0) * np.exp(mu / T - MU0 / T0)


def injection_rate(T, mu, mass):
    """Rate at which an ideal-gas reservoir injects particles into the channel.

    gamma = rho(T, mu) sqrt(T / (2 pi m)): the one-sided flux of an ideal gas
    (the Letter, Eq. 2, with its square root restored; see docs/model.md).

    Parameters
    ----------
    T, mu : float
        Reservoir temperature and chemical potential.
    mass : float
        Mass of the injected species (the bullets, M1).

    Returns
    -------
    float
        Particles per unit time.
    """
    return density(T, mu) * np.sqrt(T / (2.0 * np.pi * mass))


def forces_from_reservoirs(T_left, T_right, mu_left, mu_right):
    """Thermodynamic forces (F_rho, F_u) = (mu_L/T_L - mu_R/T_R, 1/T_R - 1/T_L)."""
    return mu_left / T_left - mu_right / T_right, 1.0 / T_right - 1.0 / T_left


def reservoirs_from_forces(T, mu, F_rho, F_u):
    """Reservoir states for forces (F_rho, F_u) applied symmetrically around (T, mu).

    T_L,R = T +- dT/2 and mu_L,R = mu +- dmu/2 with
    dT/2 = (sqrt(1 + F_u^2 T^2) - 1) / F_u  and  dmu/2 = (F_rho + mu F_u) / (beta_L + beta_R)
    (docs/model.md; the Letter's convention below its Eq. 3).

    Returns
    -------
    tuple of float
        (T_left, T_right, mu_left, mu_right).
    """
    half_dT = half_temperature_difference(T, F_u)
    T_left, T_right = T + half_dT, T - half_dT
    half_dmu = (F_rho + mu * F_u) / (1.0 / T_left + 1.0 / T_right)
    return T_left, T_right, mu + half_dmu, mu - half_dmu


def half_temperature_difference(T, F_u):
    """dT/2 of reservoirs at T_L,R = T +- dT/2 whose force 1/T_R - 1/T_L is ``F_u``.

    dT/2 = (sqrt(1 + F_u^2 T^2) - 1) / F_u (docs/model.md); zero at F_u = 0.
    """
    return 0.0 if F_u == 0 else (np.sqrt(1.0 + (F_u * T) ** 2) - 1.0) / F_u


def free_gas_currents(length, T_left, T_right, mu_left, mu_right, m_bullet, m_rod,
                      n_rods, rods_thermal=True):
    """Exact currents at h = 0, where every particle moves freely.

    Bullets: J_rho = gamma_L - gamma_R and J_u = gamma_L T_L - gamma_R T_R.
    Rods between two thermal walls add
    n_rods (T_L - T_R) / (L sqrt(pi m_rod / 2) (T_L^-1/2 + T_R^-1/2)) to J_u (docs/model.md).

    Returns
    -------
    tuple of float
        (J_rho, J_u), positive from left to right.
    """
    gamma_left = injection_rate(T_left, mu_left, m_bullet)
    gamma_right = injection_rate(T_right, mu_right, m_bullet)
    J_rho = gamma_left - gamma_right
    J_u = gamma_left * T_left - gamma_right * T_right
    if rods_thermal and n_rods > 0:
        J_u += n_rods * (T_left - T_right) / (
            length * np.sqrt(np.pi * m_rod / 2.0) * (T_left ** -0.5 + T_right ** -0.5))
    return J_rho, J_u


#: the coefficients ``transport_coefficients`` derives from an Onsager matrix
COEFFICIENTS = ("sigma", "kappa", "S", "ZT", "det", "L_ru_normalised")


def transport_coefficients(L_rr, L_ru, L_ur, L_uu, T, mu):
    """Thermoelectric coefficients from the Onsager matrix (Supplement, Eqs. 6-7; e = 1).

    sigma = L_rr / T, kappa = det(L) / (T^2 L_rr), S = (L_ru / L_rr - mu) / T,
    ZT = sigma S^2 T / kappa, with det(L) = L_rr L_uu - L_ru L_ur, and the normalised
    cross coefficient L_ru / sqrt(L_rr L_uu), between -1 and 1 (the second law), positive
    for free bullets and negative where the particle current flows against a pure
    temperature bias (an inverse current in linear response); NaN where L_rr L_uu < 0,
    which only a poorly measured matrix gives.

    Returns
    -------
    dict
        The ``COEFFICIENTS``: ``sigma``, ``kappa``, ``S``, ``ZT``, ``det`` and
        ``L_ru_normalised``.
    """
    det = L_rr * L_uu - L_ru * L_ur
    sigma = L_rr / T
    kappa = det / (T**2 * L_rr)
    S = (L_ru / L_rr - mu) / T
    return {"sigma": sigma, "kappa": kappa, "S": S, "ZT": sigma * S**2 * T / kappa,
            "det": det, "L_ru_normalised": L_ru / np.sqrt(L_rr * L_uu)}


def free_gas_onsager(T, mu, m_bullet, length):
    """Exact bullet Onsager matrix at h = 0 near equilibrium (docs/model.md).

    L_rr = gamma L, L_ru = L_ur = gamma T L, L_uu = 2 gamma T^2 L, gamma = injection_rate.
    """
    gamma = injection_rate(T, mu, m_bullet)
    return {"L_rr": gamma * length, "L_ru": gamma * T * length, "L_ur": gamma * T * length,
            "L_uu": 2 * gamma * T**2 * length}


def free_rod_conductance(T, m_rod, n_rods):
    """Rods' share of L_uu at h = 0 between thermal walls, near equilibrium.

    From J_u = n_rods (T_L - T_R) / (L sqrt(pi m / 2) (T_L^-1/2 + T_R^-1/2)) with
    T_L - T_R = T^2 F_u to first order: L_uu,rods = n_rods T^(5/2) / (2 sqrt(pi m / 2)).
    """
    return n_rods * T**2.5 / (2.0 * np.sqrt(np.pi * m_rod / 2.0))


def free_channel_onsager(T, mu, m_bullet, m_rod, n_rods, length):
    """Exact Onsager matrix of a free channel (h = 0) with rods between thermal walls:
    the bullets' (``free_gas_onsager``), the rods adding ``free_rod_conductance`` to
    L_uu (at h = 0 bullets cross rods freely and equal rods exchange velocities, so the
    two species do not interact)."""
    entries = free_gas_onsager(T, mu, m_bullet, length)
    entries["L_uu"] += free_rod_conductance(T, m_rod, n_rods)
    return entries


def engine_figure_of_merit(sigma_A, kappa_A, S_A, L_A, sigma_B, kappa_B, S_B, L_B, T):
    """YT of the circular engine of two channels (slides, "Linear response analysis").

    YT = (sA/LA)(sB/LB)(S_A - S_B)^2 T / [((sA/LA) + (sB/LB)) ((kA/LA) + (kB/LB))]:
    the channels are in series for particles and in parallel for heat.
    """
    gA, gB = sigma_A / L_A, sigma_B / L_B
    return gA * gB * (S_A - S_B) ** 2 * T / ((gA + gB) * (kappa_A / L_A + kappa_B / L_B))


def engine_efficiencies(YT, T_hot, T_cold):
    """Carnot, maximum, and maximum-power efficiencies for a figure of merit YT.

    eta_max = eta_C (sqrt(YT + 1) - 1) / (sqrt(YT + 1) + 1) and
    eta(P_max) = (eta_C / 2) YT / (YT + 2) (slides).

    Returns
    -------
    dict
        ``eta_carnot``, ``eta_max``, ``eta_at_max_power``.
    """
    eta_c = 1.0 - T_cold / T_hot
    root = np.sqrt(YT + 1.0)
    return {"eta_carnot": eta_c, "eta_max": eta_c * (root - 1.0) / (root + 1.0),
            "eta_at_max_power": 0.5 * eta_c * YT / (YT + 2.0)}


def engine_max_power(sigma_A, L_A, sigma_B, L_B, S_A, S_B, delta_T):
    """P_max = (1/4) sA sB / (sA LB + sB LA) (S_A - S_B)^2 dT^2 (slides)."""
    return 0.25 * sigma_A * sigma_B / (sigma_A * L_B + sigma_B * L_A) \
        * (S_A - S_B) ** 2 * delta_T**2


def power_efficiency_curve(YT, eta_carnot, n=201):
    """The power-efficiency trade-off: eta / eta_C against P / P_max, both branches.

    eta / eta_C = (P/P_max) / (2 [1 + 2/YT -+ sqrt(1 - P/P_max)]) (slides, "Power-
    efficiency trade-off"): the upper branch (minus sign) is the efficient side. Written
    with YT in the numerator, so that YT = 0 (no engine) gives eta = 0.

    Returns
    -------
    power, eta_upper, eta_lower : ndarray
        P / P_max from 0 to 1 and the efficiencies (not divided by eta_C) of both branches.
    """
    p = np.linspace(0.0, 1.0, n)
    root = np.sqrt(1.0 - p)
    upper = eta_carnot * p * YT / (2.0 * (YT + 2.0 - YT * root))
    lower = eta_carnot * p * YT / (2.0 * (YT + 2.0 + YT * root))
    return p, upper, lower
