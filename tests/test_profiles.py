"""Exact time-averaged profiles against their closed forms."""

import numpy as np
import pytest

from coupledgas import simulate, thermo

Z = 4.0
T, MU, N_RODS, LENGTH = 1.3, 1.2, 8, 10.0


@pytest.fixture(scope="module")
def equilibrium():
    return simulate(length=LENGTH, barrier=0.7, T=T, mu=MU, n_rods=N_RODS,
                    t_measure=40000.0, seed=21, bins=10)


def assert_profile(values, errors, expected, max_rel_err):
    values, errors = np.asarray(values), np.asarray(errors)
    assert np.all(np.abs(values - expected) <= Z * errors), (values, expected)
    assert np.all(errors < max_rel_err * abs(expected))  # the comparison has teeth


def test_equilibrium_densities_are_flat_at_the_reservoir_values(equilibrium):
    ds = equilibrium
    assert_profile(ds.density.sel(species="bullet"), ds.density_err.sel(species="bullet"),
                   thermo.density(T, MU), 0.02)
    assert_profile(ds.density.sel(species="rod"), ds.density_err.sel(species="rod"),
                   N_RODS / LENGTH, 0.03)


def test_equilibrium_temperature_profiles_are_flat_at_the_reservoir_temperature(equilibrium):
    ds = equilibrium
    for species in ("bullet", "rod"):
        assert_profile(ds.temperature.sel(species=species),
                       ds.temperature_err.sel(species=species), T, 0.03)


def test_equilibrium_mean_mass_of_crossing_particles_is_flux_weighted(equilibrium):
    # species s crosses a point at the rate n_s <|v|> = n_s sqrt(2 T / (pi m_s)), so the
    # crossing-weighted mass is sum n_s sqrt(m_s) / sum n_s / sqrt(m_s); the end edges
    # (injection, absorption, reflection) are the limit x -> 0+ of the same count
    n = np.array([thermo.density(T, MU), N_RODS / LENGTH])
    m = np.array([1.0, 0.5])
    expected = np.sum(n * np.sqrt(m)) / np.sum(n / np.sqrt(m))
    assert_profile(equilibrium.mean_mass, equilibrium.mean_mass_err, expected, 0.005)


def test_equilibrium_bullet_current_profile_vanishes(equilibrium):
    ds = equilibrium
    assert np.all(np.abs(ds.bullet_current) <= Z * ds.bullet_current_err)
    assert ds.bullet_current.sizes["x_edge"] == 11


def test_free_gas_bullet_density_is_the_mean_of_the_reservoir_densities():
    # h = 0: right-movers come from the left reservoir, left-movers from the right one,
    # each with half its reservoir's density, at every x
    ds = simulate(length=8.0, barrier=0.0, F_rho=0.4, F_u=0.3, t_measure=20000.0, seed=3,
                  bins=8)
    a = ds.attrs
    expected = 0.5 * (thermo.density(a["T_left"], a["mu_left"])
                      + thermo.density(a["T_right"], a["mu_right"]))
    assert_profile(ds.density.sel(species="bullet"), ds.density_err.sel(species="bullet"),
                   expected, 0.02)
    # and the bullet current is the same through every edge
    assert_profile(ds.bullet_current, ds.bullet_current_err, ds.J_rho.item(), 0.1)


def test_profiles_are_off_with_zero_bins():
    ds = simulate(length=4.0, t_measure=200.0, bins=0)
    assert "density" not in ds and "x" not in ds.coords
