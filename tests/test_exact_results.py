"""The simulator against the exact results of docs/model.md and the Letter's signs.

Statistical comparisons allow 4 standard errors (each run's own blocking error, so
these tests also check that the error bars are not too small).
"""

import numpy as np
import pytest

from coupledgas import simulate, thermo

Z = 4.0


def within(value, expected, err, z=Z):
    return abs(value - expected) <= z * err


@pytest.fixture(scope="module")
def equilibrium():
    return simulate(length=10.0, barrier=0.7, T=1.3, mu=1.2, n_rods=8, t_measure=40000.0,
                    seed=21)


def test_equilibrium_carries_no_current(equilibrium):
    ds = equilibrium
    assert within(ds.J_rho.item(), 0.0, ds.J_rho_err.item())
    assert within(ds.J_u.item(), 0.0, ds.J_u_err.item())
    assert ds.J_rho_err < 0.02 and ds.J_u_err < 0.05  # the check has teeth


def test_equilibrium_bullet_density_is_the_reservoir_density(equilibrium):
    ds = equilibrium
    rho = thermo.density(1.3, 1.2)
    assert within(ds.bullet_density.item(), rho, ds.bullet_density_err.item())
    assert ds.bullet_density_err < 0.01 * rho


def test_equilibrium_velocities_are_maxwellian_at_the_reservoir_temperature(equilibrium):
    ds = equilibrium  # kinetic temperature m <v^2> = T for both species
    for species in ("bullet", "rod"):
        T = ds.kinetic_temperature.sel(species=species).item()
        err = ds.kinetic_temperature_err.sel(species=species).item()
        assert within(T, 1.3, err) and err < 0.03


def test_equilibrium_fraction_of_encounters_that_pass_is_boltzmann(equilibrium):
    ds = equilibrium  # flux-weighted relative speeds: P(E_rel > h) = exp(-h / T)
    expected = np.exp(-0.7 / 1.3)
    for pair in ds.pair_type.values:
        f = ds.pass_fraction.sel(pair_type=pair).item()
        err = ds.pass_fraction_err.sel(pair_type=pair).item()
        assert within(f, expected, err) and err < 0.01


@pytest.mark.parametrize("rod_walls", ["thermal", "specular"])
def test_free_gas_currents_are_the_ideal_gas_fluxes(rod_walls):
    # h = 0: bullets never feel the rods; J_rho = gamma_L - gamma_R, J_u = gamma_L T_L -
    # gamma_R T_R, plus the rods' conduction between thermal walls
    kw = dict(length=8.0, barrier=0.0, F_rho=0.3, F_u=0.4, n_rods=10, rod_walls=rod_walls)
    ds = simulate(t_measure=30000.0, seed=4, **kw)
    a = ds.attrs
    J_rho, J_u = thermo.free_gas_currents(8.0, a["T_left"], a["T_right"], a["mu_left"],
                                          a["mu_right"], 1.0, 0.5, 10,
                                          rods_thermal=rod_walls == "thermal")
    assert within(ds.J_rho.item(), J_rho, ds.J_rho_err.item())
    assert within(ds.J_u.item(), J_u, ds.J_u_err.item())
    assert ds.J_rho_err < 0.05 * abs(J_rho)


def test_bullets_never_cross_rods_in_the_hard_point_gas():
    ds = simulate(length=10.0, barrier=np.inf, F_rho=0.3, F_u=0.3, t_measure=20000.0, seed=5)
    assert ds.passes.sel(pair_type="bullet-rod").item() == 0
    assert ds.encounters.sel(pair_type="bullet-rod").item() > 10000
    # so no bullet goes through: what enters at one end leaves at the same end, and the
    # transferred number is bounded by the content of the end compartments
    assert abs(ds.J_rho.item()) * 20000.0 < 10.0 * thermo.density(1.0, 1.5)


@pytest.mark.slow
def test_swapping_the_reservoirs_reverses_both_currents():
    kw = dict(length=10.0, barrier=1.0, t_measure=30000.0)
    forward = simulate(T_left=1.3, T_right=0.8, mu_left=1.2, mu_right=1.6, seed=6, **kw)
    backward = simulate(T_left=0.8, T_right=1.3, mu_left=1.6, mu_right=1.2, seed=7, **kw)
    for name in ("J_rho", "J_u"):
        err = np.hypot(forward[name + "_err"].item(), backward[name + "_err"].item())
        assert within(forward[name].item(), -backward[name].item(), err)
    assert abs(forward.J_u) > 5 * forward.J_u_err


@pytest.mark.slow
def test_letter_fig2_temperature_bias_drives_bullets_from_cold_to_hot():
    ds = simulate(length=20.0, barrier=1.0, F_rho=0.0, F_u=0.3, t_measure=30000.0, seed=8)
    assert ds.J_rho < -4 * ds.J_rho_err  # inverse particle current
    assert ds.J_u > 4 * ds.J_u_err
    assert ds.entropy_production > -Z * ds.entropy_production_err


@pytest.mark.slow
def test_letter_fig2_chemical_bias_drives_energy_against_both_forces():
    ds = simulate(length=20.0, barrier=1.0, F_rho=0.2, F_u=0.0, t_measure=40000.0, seed=9)
    assert ds.J_u < -4 * ds.J_u_err  # inverse energy current
    assert ds.J_rho > 4 * ds.J_rho_err
    assert ds.entropy_production > -Z * ds.entropy_production_err


def test_currents_agree_at_both_ends():
    ds = simulate(length=10.0, F_u=0.3, t_measure=20000.0, seed=10)
    for name in ("J_rho", "J_u"):
        left, right = ds[name + "_end"].values
        assert within(left, right, ds[name + "_end_err"].max().item())
