"""Linear-response theory of the circular heat engine (slides)."""

import numpy as np
import pytest

from coupledgas import thermo


@pytest.mark.parametrize("YT", [0.3, 2.0, 25.0])
def test_trade_off_curve_meets_the_efficiency_limits(YT):
    eta_c = 0.4
    eff = thermo.engine_efficiencies(YT, 1.0, 0.6)
    assert eff["eta_carnot"] == pytest.approx(eta_c)
    p, upper, lower = thermo.power_efficiency_curve(YT, eta_c, n=20001)
    # both branches meet at maximum power, with the efficiency at maximum power
    assert upper[-1] == pytest.approx(eff["eta_at_max_power"])
    assert lower[-1] == pytest.approx(eff["eta_at_max_power"])
    # the efficient branch peaks at eta_max, and no point exceeds it
    assert upper.max() == pytest.approx(eff["eta_max"], rel=1e-6)
    assert np.all(lower <= upper + 1e-15)


def test_efficiencies_approach_carnot_and_curzon_ahlborn_limits():
    huge = thermo.engine_efficiencies(1e12, 1.0, 0.5)
    assert huge["eta_max"] == pytest.approx(0.5, rel=1e-5)
    assert huge["eta_at_max_power"] == pytest.approx(0.25, rel=1e-5)
    zero = thermo.engine_efficiencies(0.0, 1.0, 0.5)
    assert zero["eta_max"] == 0.0 and zero["eta_at_max_power"] == 0.0


def test_identical_channels_have_no_figure_of_merit_and_no_power():
    args = dict(sigma_A=2.0, kappa_A=1.0, S_A=-0.5, L_A=10.0, sigma_B=2.0, kappa_B=1.0,
                S_B=-0.5, L_B=10.0, T=1.0)
    assert thermo.engine_figure_of_merit(**args) == 0.0
    assert thermo.engine_max_power(2.0, 10.0, 2.0, 10.0, -0.5, -0.5, 0.1) == 0.0


def test_figure_of_merit_of_two_equal_conductances():
    # sA/LA = sB/LB = g, kA/LA = kB/LB = k: YT = g (S_A - S_B)^2 T / (4 k)
    YT = thermo.engine_figure_of_merit(3.0, 0.5, 0.4, 1.0, 6.0, 1.0, -0.6, 2.0, T=1.0)
    assert YT == pytest.approx(3.0 * 1.0 / (4 * 0.5))
