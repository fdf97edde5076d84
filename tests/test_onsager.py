"""The Onsager matrix by finite forces and by equilibrium fluctuations."""

import json

import numpy as np
import pytest

from coupledgas import thermo
from coupledgas.cli import main
from coupledgas.onsager import onsager

Z = 4.0
LENGTH, N_RODS = 4.0, 3


def exact_free_gas():
    exact = thermo.free_gas_onsager(1.0, 1.5, 1.0, LENGTH)
    exact["L_uu"] += thermo.free_rod_conductance(1.0, 0.5, N_RODS)
    return exact


@pytest.mark.parametrize("method", ["forces", "fluctuation"])
def test_free_gas_onsager_matrix_is_exact(method):
    # h = 0: L_rr = gamma L, L_ru = L_ur = gamma T L, L_uu = 2 gamma T^2 L + the rods'
    # conduction between thermal walls
    # free particles cross in a few time units: short covariance blocks are enough
    ds = onsager(length=LENGTH, barrier=0.0, n_rods=N_RODS, method=method,
                 t_measure=100000.0, block_time=200.0, workers=2, seed=3)
    for name, value in exact_free_gas().items():
        assert abs(ds[name].item() - value) <= Z * ds[name + "_err"].item(), name
        assert ds[name + "_err"].item() < 0.15 * value, name
    assert ds.det > 0


@pytest.fixture(scope="module")
def letter_point():
    # f = 0.1 lies in the linear regime (the Letter: F_u < 0.3); the fluctuation method
    # needs blocks on the cross term's plateau (5000-10000 at L = 20) and many of them
    kw = dict(length=20.0, barrier=1.0, workers=2, seed=5)
    return (onsager(method="forces", force=0.1, t_measure=100000.0, **kw),
            onsager(method="fluctuation", t_measure=500000.0, block_time=5000.0,
                    replicas=2, **kw))


@pytest.mark.slow
def test_cross_coefficient_is_negative_by_both_methods(letter_point):
    forces, fluctuation = letter_point  # the Letter, Fig. 4(b) and Fig. 8: L_ru < 0
    assert forces.L_ru < -3 * forces.L_ru_err
    assert fluctuation.L_ru < -2 * fluctuation.L_ru_err  # the less precise method
    assert forces.S < 0  # hence a negative Seebeck coefficient (Supplement, Fig. 9)


@pytest.mark.slow
def test_the_two_methods_agree(letter_point):
    forces, fluctuation = letter_point
    for name in ("L_rr", "L_ru", "L_uu"):
        err = np.hypot(forces[name + "_err"].item(), fluctuation[name + "_err"].item())
        assert abs(forces[name].item() - fluctuation[name].item()) <= Z * err, name


@pytest.mark.slow
def test_finite_force_matrix_is_reciprocal(letter_point):
    forces, _ = letter_point
    assert abs(forces.reciprocity_gap.item()) <= Z
    assert forces.L_ur_err < 0.5 * abs(forces.L_ur)  # the check has teeth


def test_transport_coefficients_follow_from_the_matrix():
    c = thermo.transport_coefficients(2.0, -1.0, -1.0, 5.0, T=1.0, mu=1.5)
    assert c["sigma"] == 2.0 and c["det"] == 9.0
    assert c["kappa"] == pytest.approx(4.5) and c["S"] == pytest.approx(-2.0)
    assert c["ZT"] == pytest.approx(2.0 * 4.0 / 4.5)


def test_onsager_command_prints_every_coefficient_with_its_error(capsys):
    assert main(["onsager", "--length", "4", "--barrier", "0", "--t-measure", "2000",
                 "--method", "fluctuation", "--block-time", "100", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    for name in ("L_rr", "L_ru", "L_ur", "L_uu", "sigma", "kappa", "S", "ZT"):
        assert name in result and name + "_err" in result
    assert result["method"] == "fluctuation"


@pytest.mark.parametrize("args,name", [(["--method", "magic"], "--method"),
                                       (["--force", "-0.1"], "--force"),
                                       (["--replicas", "0"], "--replicas"),
                                       (["--method", "fluctuation"], "--block-time")])
def test_onsager_bad_input_is_one_line(args, name, error_line):
    assert main(["onsager", "--t-measure", "100", *args]) == 2
    line = error_line()
    assert name in line
