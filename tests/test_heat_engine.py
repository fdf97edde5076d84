"""The autonomous circular heat engine: conservation, Carnot, and power from ICC."""

import json

import numpy as np
import pytest

from coupledgas.cli import main
from coupledgas.heat_engine import heat_engine

Z = 4.0
COMMON = dict(T_hot=1.2, T_cold=0.8, length_a=10.0, length_b=10.0, reservoir_particles=2000,
              t_transient=2000.0, t_measure=20000.0)


@pytest.fixture(scope="module")
def engine():
    # channel A (h = 1) carries an inverse particle current, channel B (h = 0) does not
    return heat_engine(barrier_a=1.0, barrier_b=0.0, load_a=0.0, load_b=0.03, seed=3,
                       **COMMON)


def within(a, b, err):
    return abs(a - b) <= Z * err


@pytest.mark.slow
def test_steady_circulation_is_one_current_around_the_circuit(engine):
    ds = engine  # bullets are conserved (checked at every block); J_A = -J_B
    assert within(ds.J_A.item(), -ds.J_B.item(), np.hypot(ds.J_A_err, ds.J_B_err).item())
    assert ds.mu_hot_series.sizes["time"] > 1000


def test_icc_channel_drives_bullets_hot_to_cold_through_the_other_and_does_work(engine):
    ds = engine
    assert ds.J_B > Z * ds.J_B_err  # down through the free channel, against the load
    assert ds.J_A < -Z * ds.J_A_err  # back up through the inverse-current channel
    assert ds.power > 3 * ds.power_err


def test_energy_is_conserved_and_efficiency_is_below_carnot(engine):
    ds = engine
    err = np.hypot(ds.heat_hot_err, ds.heat_cold_err).item()
    assert within(ds.heat_hot.item() - ds.heat_cold.item(), ds.power.item(), err)
    assert ds.efficiency < ds.efficiency_carnot
    assert ds.efficiency > 0


@pytest.mark.slow
def test_identical_channels_do_no_work():
    ds = heat_engine(barrier_a=1.0, barrier_b=1.0, load_a=0.0, load_b=0.03, seed=4,
                     **COMMON)
    assert ds.power < Z * ds.power_err  # a load can only be pushed, not lifted


def test_heat_engine_command_prints_the_documented_keys(capsys):
    assert main(["heat-engine", "--length-a", "5", "--length-b", "5", "--t-measure", "1000",
                 "--t-transient", "100", "--reservoir-particles", "500", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    for key in ("J_circ", "power", "heat_hot", "efficiency", "mu_hot", "mu_cold"):
        assert key in result and key + "_err" in result
    assert result["efficiency_carnot"] == pytest.approx(1 - 0.85 / 1.15)


@pytest.mark.parametrize("args,name", [(["--T-hot", "0.5"], "--T-hot"),
                                       (["--reservoir-particles", "0"],
                                        "--reservoir-particles"),
                                       (["--length-a", "-1"], "--length-a"),
                                       (["--barrier-b", "-1"], "--barrier-b")])
def test_heat_engine_bad_input_is_one_line(args, name, error_line):
    assert main(["heat-engine", "--t-measure", "100", *args]) == 2
    assert name in error_line()


@pytest.mark.slow
def test_linear_response_of_an_icc_channel_and_a_free_channel():
    from coupledgas.heat_engine import linear_response
    from coupledgas.onsager import onsager

    kw = dict(length=10.0, t_measure=10000.0, workers=2)  # YT about 4 errors above zero
    a = onsager(barrier=1.0, seed=1, **kw)  # negative Seebeck coefficient
    b = onsager(barrier=0.0, seed=2, **kw)
    lr = linear_response(a, b, T_hot=1.1, T_cold=0.9)
    assert a.S < b.S  # the two channels respond oppositely enough to make an engine
    assert lr.YT > 2 * lr.YT_err
    assert 0 < lr.eta_at_max_power < lr.eta_max < lr.eta_carnot
    assert lr.eta_upper.max() == pytest.approx(lr.eta_max.item(), rel=1e-3)
    assert lr.P_max > 0
