"""Closed channels between heat baths, and dissipative encounters."""

import numpy as np
import pytest

from coupledgas import RunParams, simulate, thermo
from coupledgas.cli import main
from coupledgas.kernel import advance_to, new_channel
from coupledgas.kernel import state as kernel_state
from coupledgas.kernel.encounter import scale_relative
from coupledgas.kernel.layout import BULLET, C_INJECTIONS, ROD, S_DISSIPATED
from coupledgas.kernel.state import InelasticCollapse
from coupledgas.simulate import transferred

Z = 4.0


def free_conduction(n, mass, length, T_left, T_right):
    """Energy current of n free particles bouncing between two thermal walls."""
    return n * (T_left - T_right) / (length * np.sqrt(np.pi * mass / 2.0)
                                     * (T_left**-0.5 + T_right**-0.5))


def test_free_gas_between_heat_baths_conducts_like_free_particles():
    # h = 0: bullets and rods are free; each species carries the free-particle current
    ds = simulate(length=8.0, barrier=0.0, T_left=1.6, T_right=0.7, bullet_walls="thermal",
                  n_bullets=12, n_rods=7, t_measure=40000.0, seed=2, bins=0)
    expected = (free_conduction(12, 1.0, 8.0, 1.6, 0.7)
                + free_conduction(7, 0.5, 8.0, 1.6, 0.7))
    assert abs(ds.J_u.item() - expected) <= Z * ds.J_u_err.item()
    assert ds.J_u_err < 0.02 * expected
    assert ds.J_rho.item() == 0.0  # a closed channel carries no particles
    assert ds.kappa.item() == pytest.approx(ds.J_u.item() * 8.0 / 0.9)
    assert ds.attrs["n_bullets"] == 12


def test_conductivity_is_reported_only_for_closed_channels():
    ds = simulate(length=4.0, F_u=0.3, t_measure=200.0, bins=0)
    assert "kappa" not in ds  # with particle exchange J_u is not a heat conduction


def test_closed_channel_keeps_its_particles():
    params = RunParams.create(length=6.0, barrier=0.8, T_left=2.0, T_right=0.5,
                              bullet_walls="specular", n_bullets=9, n_rods=4)
    rng = np.random.default_rng(1)
    state, _ = advance_to(new_channel(params, rng), rng, 2000.0)
    assert state.content(BULLET) == 9 and state.content(ROD) == 4
    assert state.counters[C_INJECTIONS] == 0  # no injection ever


def test_dissipated_power_is_the_difference_of_the_energy_currents_at_the_ends():
    ds = simulate(length=8.0, barrier=0.5, dissipation=0.01, t_measure=30000.0, seed=3,
                  bins=4)
    left, right = ds.J_u_end.values
    P = ds.dissipated_power.item()
    assert P > 20 * ds.dissipated_power_err.item()
    # in - out = dissipated + change of the content's energy, which is bounded (a few
    # times N T), so per unit time it is small
    assert abs(left - right - P) < 200.0 / 30000.0
    # equal reservoirs: energy flows in at both ends to feed the dissipation, and the
    # middle of the channel is colder than the reservoirs
    assert left > 0 > right
    assert ds.temperature.sel(species="bullet").values[1:3].max() < 1.0


def test_no_dissipation_is_bit_identical_to_the_hamiltonian_run():
    a = simulate(length=6.0, F_u=0.2, t_measure=500.0, seed=4, bins=0)
    b = simulate(length=6.0, F_u=0.2, t_measure=500.0, seed=4, bins=0, dissipation=0.0)
    np.testing.assert_array_equal(a.J_u_block.values, b.J_u_block.values)
    assert b.dissipated_power.item() == 0.0


@pytest.mark.slow
def test_bounces_that_dissipate_without_regularisation_collapse_with_one_line(error_line,
                                                                          monkeypatch):
    # t_c = 0 switches the TC model off: a cold cluster of lossy bounces collapses (seen
    # here after 1e5 events within 1e-6 time units rather than the product's 1e7, to
    # keep the test short)
    monkeypatch.setattr(kernel_state, "STALL_EVENTS", 100_000)
    params = RunParams.create(length=10.0, dissipation=0.3, dissipate_at="collision",
                              collapse_time=0.0)
    rng = np.random.default_rng(1)
    with pytest.raises(InelasticCollapse, match="inelastic collapse"):
        advance_to(new_channel(params, rng), rng, 1e6)
    assert main(["run", "--length", "10", "--dissipation", "0.3", "--dissipate-at",
                 "collision", "--collapse-time", "0", "--t-measure", "1000"]) == 1
    line = error_line()
    assert "--dissipation" in line and "--collapse-time" in line


def test_tc_model_carries_lossy_bounces_through_the_collapse():
    # the same channel with t_c > 0 runs on; the bounces kept elastic are counted
    ds = simulate(length=10.0, dissipation=0.3, dissipate_at="collision", collapse_time=1e-3,
                  t_transient=12.0, t_measure=100.0, bins=0)
    assert ds.attrs["t_measured"] == pytest.approx(100.0)
    assert ds.bounces_made_elastic > 0
    assert 0 < ds.made_elastic_fraction < 1
    assert ds.dissipated_power > 0


def test_passes_that_dissipate_keep_every_bounce_elastic():
    ds = simulate(length=10.0, F_u=0.3, dissipation=0.5, t_measure=2000.0, bins=0)
    assert ds.attrs["dissipate_at"] == "pass"
    assert ds.bounces_made_elastic == 0
    assert ds.dissipated_power > 0


@pytest.mark.parametrize("place", ["pass", "collision", "both"])
def test_energy_balance_closes_to_round_off_wherever_energy_is_lost(place):
    # in - out at the ends = change of the kinetic energy + energy dissipated
    params = RunParams.create(length=10.0, F_u=0.3, dissipation=0.2, dissipate_at=place,
                              collapse_time=1e-3)
    rng = np.random.default_rng(4)
    state = new_channel(params, rng)
    start_energy = state.kinetic_energy()
    state, _ = advance_to(state, rng, 200.0)
    moved = transferred(state.flows)["energy"]
    inflow = moved[0] - moved[1]
    dissipated = state.scalars[S_DISSIPATED]
    assert dissipated > 0.1 * abs(inflow)
    change = state.kinetic_energy() - start_energy + dissipated
    assert inflow == pytest.approx(change, rel=1e-11, abs=1e-9)


def test_a_lossy_encounter_keeps_momentum_and_loses_delta_of_the_pair_energy():
    ma, mb, va, vb, delta = 1.0, 0.5, 1.7, -0.4, 0.3
    e_rel = 0.5 * ma * mb / (ma + mb) * (va - vb) ** 2
    for factor in (np.sqrt(1 - delta), -np.sqrt(1 - delta)):  # pass, bounce
        ua, ub = scale_relative(va, vb, ma, mb, factor)
        assert ma * ua + mb * ub == pytest.approx(ma * va + mb * vb, rel=1e-14)
        assert 0.5 * ma * mb / (ma + mb) * (ua - ub) ** 2 == pytest.approx((1 - delta) * e_rel)
        assert np.sign(ua - ub) == np.sign(factor * (va - vb))


@pytest.mark.parametrize("args,name", [
    (["--dissipation", "1"], "--dissipation"),
    (["--dissipation", "-0.1"], "--dissipation"),
    (["--dissipate-at", "walls"], "--dissipate-at"),
    (["--collapse-time", "-1e-4"], "--collapse-time"),
    (["--passing", "random"], "--passing"),
    (["--passing-width", "0"], "--passing-width"),
    (["--passing-width", "-0.1"], "--passing-width"),
    (["--barrier-width", "-1"], "--barrier-width"),
    (["--bullet-walls", "sticky"], "--bullet-walls"),
    (["--bullets", "5"], "--n-bullets"),  # only for a closed channel
    (["--bullet-walls", "thermal", "--bullets", "-1"], "--n-bullets"),
])
def test_bad_heat_bath_or_dissipation_input_is_one_line(args, name, error_line):
    assert main(["run", "--t-measure", "100", *args]) == 2
    line = error_line()
    assert name in line


def test_free_conduction_formula_matches_the_rods_term_of_physics_md():
    T_L, T_R = 1.3, 0.8
    _, with_rods = thermo.free_gas_currents(5.0, T_L, T_R, 0.0, 0.0, 1.0, 0.5, 4)
    _, without = thermo.free_gas_currents(5.0, T_L, T_R, 0.0, 0.0, 1.0, 0.5, 0)
    assert with_rods - without == pytest.approx(free_conduction(4, 0.5, 5.0, T_L, T_R))
