"""Blocking errors on series with known statistics; reservoir relations."""

import numpy as np
import pytest

from coupledgas import thermo
from coupledgas.observables import block_estimate
from coupledgas.simulate import BookkeepingError, check_bookkeeping


def ar1(n, phi, rng):
    noise = rng.normal(size=n)
    x = np.empty(n)
    x[0] = noise[0] / np.sqrt(1 - phi**2)
    for i in range(1, n):
        x[i] = phi * x[i - 1] + noise[i]
    return x


def test_blocking_error_of_a_correlated_series_matches_its_true_error():
    # AR(1) with phi = 0.9 and unit innovations: the variance of the mean is
    # 1 / ((1 - phi)^2 n), 19x what the raw spread of the samples suggests. Over 40
    # series the blocking errors must scatter around the true error, never far below it.
    rng = np.random.default_rng(0)
    n, phi = 2**14, 0.9
    true_error = np.sqrt(1.0 / (1 - phi) ** 2 / n)
    estimates = np.array([block_estimate(ar1(n, phi, rng)).error for _ in range(40)])
    assert 0.85 < estimates.mean() / true_error < 1.15
    assert estimates.min() > 0.6 * true_error
    naive = np.sqrt(1.0 / (1 - phi**2) / n)
    assert naive < 0.3 * true_error  # the raw spread would have been badly wrong


def test_blocking_error_follows_a_slow_mode_that_the_test_alone_misses():
    # white noise plus a weak AR(1) mode with a correlation time of 10 samples, 1024
    # samples: like <m(x)> at L = 80 over a few relaxation times. The automated test
    # stops before the error has stopped growing (0.74 of the true error here); the
    # error must follow the curve up to where it levels off.
    rng = np.random.default_rng(4)
    n, phi, innovation = 1024, 0.9, 0.15
    slow_variance = innovation**2 / (1 - phi**2)
    true_error = np.sqrt(1.0 / n + slow_variance / n * (
        (1 + phi) / (1 - phi) - 2 * phi * (1 - phi**n) / (n * (1 - phi) ** 2)))
    estimates = [block_estimate(rng.normal(size=n) + innovation * ar1(n, phi, rng)).error
                 for _ in range(100)]
    assert 0.8 < np.mean(estimates) / true_error < 1.1  # (the test alone: 0.74)


def test_blocking_error_of_independent_samples_is_the_standard_error():
    rng = np.random.default_rng(1)
    x = rng.normal(size=2**12)
    est = block_estimate(x)
    assert abs(est.error / (1 / np.sqrt(x.size)) - 1) < 0.1
    assert est.reliable


def test_forces_and_reservoir_states_are_inverse_maps():
    for F_rho, F_u in [(0.0, 0.3), (0.2, 0.0), (-0.4, 0.7), (0.1, -0.5)]:
        states = thermo.reservoirs_from_forces(1.0, 1.5, F_rho, F_u)
        back = thermo.forces_from_reservoirs(*states)
        np.testing.assert_allclose(back, (F_rho, F_u), atol=1e-12)
        assert states[0] - states[1] == pytest.approx(-(states[1] - states[0]))


def test_injection_rate_is_the_one_sided_flux_of_the_ideal_gas():
    # rho * integral_0^inf v sqrt(m / 2 pi T) exp(-m v^2 / 2T) dv
    T, mu, m = 1.4, 0.8, 2.0
    v = np.linspace(0, 20, 200001)
    flux = np.trapezoid(v * np.sqrt(m / (2 * np.pi * T)) * np.exp(-m * v**2 / (2 * T)), v)
    assert thermo.injection_rate(T, mu, m) == pytest.approx(thermo.density(T, mu) * flux,
                                                            rel=1e-8)


def test_a_broken_particle_balance_is_reported():
    flows = np.zeros(16)
    moved = flows.copy()
    moved[0] = 5.0  # five bullets entered at the left...
    with pytest.raises(BookkeepingError, match="bullets"):
        check_bookkeeping(flows, moved, 10, 12, 0.0, 0.0, 0.0)  # ...but only two arrived
    check_bookkeeping(flows, moved, 10, 15, 0.0, 0.0, 0.0)


def test_a_broken_energy_balance_is_reported():
    flows = np.zeros(16)
    moved = flows.copy()
    moved[2] = 3.0  # energy 3 in at the left
    with pytest.raises(BookkeepingError, match="energy"):
        check_bookkeeping(flows, moved, 0, 0, 1.0, 3.0, 0.0)
    check_bookkeeping(flows, moved, 0, 0, 1.0, 4.0, 0.0)
