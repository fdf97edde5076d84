"""Passing rules beyond the Letter's sharp threshold (docs/model.md, "Beyond the Letter's rule").

Any rule whose pass probability depends only on the pair's centre-of-mass energy keeps
equilibrium: no current, Maxwell velocities, and a pass fraction equal to the rule
averaged over the flux-weighted energies of encounters, P(E) = exp(-E / T) / T.
"""

import numpy as np
import pytest
from reference_stepper import ReferenceChannel
from scipy.integrate import quad

from coupledgas import simulate
from coupledgas.kernel.encounter import (
    smooth_pass_probability,
    square_barrier_transmission,
)

Z = 4.0
T, MU, BARRIER = 1.3, 1.2, 0.7
MASSES = {"bullet-bullet": (1.0, 1.0), "bullet-rod": (1.0, 0.5), "rod-rod": (0.5, 0.5)}
RULES = {"smooth": dict(passing="smooth", passing_width=0.4),
         "quantum": dict(passing="quantum", barrier_width=0.8)}


def within(value, expected, err):
    return abs(value - expected) <= Z * err


@pytest.fixture(scope="module", params=list(RULES))
def equilibrium(request):
    ds = simulate(length=10.0, barrier=BARRIER, T=T, mu=MU, n_rods=8, t_measure=40000.0,
                  seed=31, bins=0, **RULES[request.param])
    return request.param, ds


def expected_pass_fraction(rule, pair):
    """The rule's probability (written out in the reference stepper, not the kernel's
    code) averaged over P(E) = exp(-E / T) / T."""
    ma, mb = MASSES[pair]
    settings = RULES[rule]
    stepper = ReferenceChannel([], [], [], (1.0, 0.5), 1.0, BARRIER, (T, T), (0, 0),
                               [[0, 0], [0, 0]], [np.inf, np.inf], None,
                               passing=rule, passing_width=settings.get("passing_width", 0.1),
                               barrier_width=settings.get("barrier_width", 1.0))
    def integrand(e):
        return stepper.pass_probability(e, ma, mb) * np.exp(-e / T) / T

    below, _ = quad(integrand, 0.0, BARRIER, limit=400)
    above, _ = quad(integrand, BARRIER, np.inf, limit=400)
    return below + above


def test_every_rule_carries_no_current_at_equilibrium(equilibrium):
    _, ds = equilibrium
    assert within(ds.J_rho.item(), 0.0, ds.J_rho_err.item())
    assert within(ds.J_u.item(), 0.0, ds.J_u_err.item())
    assert ds.J_rho_err < 0.02 and ds.J_u_err < 0.05


def test_every_rule_keeps_maxwell_velocities_at_the_reservoir_temperature(equilibrium):
    _, ds = equilibrium
    for species in ("bullet", "rod"):
        kinetic = ds.kinetic_temperature.sel(species=species).item()
        err = ds.kinetic_temperature_err.sel(species=species).item()
        assert within(kinetic, T, err) and err < 0.03


def test_pass_fraction_is_the_rule_averaged_over_encounter_energies(equilibrium):
    rule, ds = equilibrium
    for pair in MASSES:
        expected = expected_pass_fraction(rule, pair)
        f = ds.pass_fraction.sel(pair_type=pair).item()
        err = ds.pass_fraction_err.sel(pair_type=pair).item()
        assert within(f, expected, err) and err < 0.01
        # and it is not the threshold rule's Boltzmann fraction
        assert abs(expected - np.exp(-BARRIER / T)) > 0.02


def test_square_barrier_transmission_limits():
    h, a, m_r = 1.0, 0.8, 1.0 / 3.0
    at_top = 1.0 / (1.0 + m_r * a * a * h / 2.0)
    assert square_barrier_transmission(h, h, a, m_r) == pytest.approx(at_top)
    for side in (-1e-7, 1e-7):  # continuous through E = h
        assert square_barrier_transmission(h + side, h, a, m_r) == pytest.approx(at_top,
                                                                                  rel=1e-5)
    # over-barrier resonance: full transmission where k a = pi
    e_res = h + (np.pi / a) ** 2 / (2.0 * m_r)
    assert square_barrier_transmission(e_res, h, a, m_r) == pytest.approx(1.0, abs=1e-12)
    # deep tunnelling: p ~ 16 E (h - E) / h^2 exp(-2 kappa a)
    e, wide = 0.3, 20.0
    kappa = np.sqrt(2 * m_r * (h - e))
    assert square_barrier_transmission(e, h, wide, m_r) == pytest.approx(
        16 * e * (h - e) / h**2 * np.exp(-2 * kappa * wide), rel=1e-6)
    assert square_barrier_transmission(e, np.inf, a, m_r) == 0.0
    assert square_barrier_transmission(e, 0.0, a, m_r) == 1.0
    assert square_barrier_transmission(e, h, 1e6, m_r) == 0.0  # no overflow to NaN


def test_smooth_rule_sharpens_into_the_threshold():
    assert smooth_pass_probability(1.0, 1.0, 0.3) == 0.5
    assert smooth_pass_probability(1.2, 1.0, 1e-3) == pytest.approx(1.0)
    assert smooth_pass_probability(0.8, 1.0, 1e-3) == pytest.approx(0.0, abs=1e-80)
    assert smooth_pass_probability(5.0, np.inf, 0.3) == 0.0


def test_stochastic_rules_are_reproducible_from_the_seed():
    kw = dict(length=6.0, F_u=0.3, t_measure=500.0, bins=0, passing="smooth")
    a, b = simulate(seed=3, **kw), simulate(seed=3, **kw)
    c = simulate(seed=4, **kw)
    np.testing.assert_array_equal(a.J_u_block.values, b.J_u_block.values)
    assert not np.array_equal(a.J_u_block.values, c.J_u_block.values)
