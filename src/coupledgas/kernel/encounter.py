"""Encounter physics: whether two neighbours that meet pass, and what energy they lose.

Every rule here depends only on the pair's centre-of-mass kinetic energy
E_rel = (1/2) m_r (v_a - v_b)^2, m_r = m_a m_b / (m_a + m_b), so every rule keeps the
equilibrium state (docs/model.md, "Beyond the Letter's rule"): at equal reservoirs no
current flows, the velocities stay Maxwellian and the fraction of encounters that pass
is the average of the pass probability p(E) over P(E) = exp(-E / T) / T.

Passing rules (``layout.PASSING_RULES``):

* ``threshold`` (the Letter, Eq. 1 with r -> 0): pass if E_rel > h; no random number.
* ``smooth``: pass with p = 1 / (1 + exp((h - E_rel) / w)), a threshold blurred over an
  energy width w > 0 (w -> 0 gives the threshold rule).
* ``quantum``: pass with the transmission probability of a square barrier of height h
  and width a for the relative motion (reduced mass m_r, hbar = 1): tunnelling below h
  and over-barrier reflection above it (docs/model.md, "Beyond the Letter's rule").

The stochastic rules draw one uniform number from the run's generator at every
encounter, before anything else happens there, so runs stay reproducible and a resumed
run continues bit for bit.

Dissipation (slides, "Introducing dissipation"): the pair keeps its centre-of-mass
velocity and loses a fraction delta of E_rel, i.e. its relative velocity is scaled by
sqrt(1 - delta), where ``params[P_DISSIPATE_AT]`` says: when it squeezes past
(``AT_PASS``), when it bounces back (``AT_COLLISION``), or both.
"""

import numpy as np
from numba import njit

from .layout import PASS_SMOOTH, PASS_THRESHOLD


@njit(cache=True)
def square_barrier_transmission(e_rel, barrier, width, reduced_mass):
    """Transmission probability through a square barrier, hbar = 1.

    Parameters
    ----------
    e_rel : float
        Energy E of the relative motion (> 0).
    barrier, width : float
        Height h >= 0 (``inf``: opaque) and width a >= 0 of the barrier.
    reduced_mass : float
        m_r = m_a m_b / (m_a + m_b).

    Returns
    -------
    float
        For E < h, 1 / (1 + h^2 sinh^2(kappa a) / (4 E (h - E))), kappa = sqrt(2 m_r (h - E));
        for E > h, 1 / (1 + h^2 sin^2(k a) / (4 E (E - h))), k = sqrt(2 m_r (E - h));
        at E = h, 1 / (1 + m_r a^2 h / 2).
    """
    if barrier == np.inf or e_rel <= 0.0:
        return 0.0
    if barrier == 0.0:
        return 1.0
    below = barrier - e_rel
    if below > 0.0:
        s = np.sinh(np.sqrt(2.0 * reduced_mass * below) * width)  # inf for thick barriers
        return 1.0 / (1.0 + barrier * barrier * s * s / (4.0 * e_rel * below))
    if below < 0.0:
        s = np.sin(np.sqrt(-2.0 * reduced_mass * below) * width)
        return 1.0 / (1.0 + barrier * barrier * s * s / (4.0 * e_rel * -below))
    return 1.0 / (1.0 + 0.5 * reduced_mass * width * width * barrier)


@njit(cache=True, inline="always")
def smooth_pass_probability(e_rel, barrier, width):
    """Fermi function 1 / (1 + exp((h - E) / w)) of the pair energy E (w > 0)."""
    return 1.0 / (1.0 + np.exp((barrier - e_rel) / width))


@njit(cache=True, inline="always")
def pair_passes(rule, e_rel, barrier, passing_width, barrier_width, ma, mb, rng):
    """Whether a pair of masses ``ma``, ``mb`` and centre-of-mass energy ``e_rel``
    passes under ``rule``.

    The threshold rule draws nothing; the others draw one uniform number.
    """
    if rule == PASS_THRESHOLD:
        return e_rel > barrier
    if rule == PASS_SMOOTH:
        p = smooth_pass_probability(e_rel, barrier, passing_width)
    else:
        p = square_barrier_transmission(e_rel, barrier, barrier_width, ma * mb / (ma + mb))
    return rng.random() < p


@njit(cache=True, inline="always")
def scale_relative(va, vb, ma, mb, factor):
    """Velocities after the relative velocity va - vb is multiplied by ``factor`` about
    the centre of mass (momentum conserved).

    ``factor`` = sqrt(1 - delta) is a lossy pass, -sqrt(1 - delta) a lossy bounce.
    """
    total = ma + mb
    centre = (ma * va + mb * vb) / total
    relative = va - vb
    return (centre + mb / total * relative * factor,
            centre - ma / total * relative * factor)
