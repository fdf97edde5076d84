"""The critical barrier: root finding with errors and the power law h* ~ L^beta."""

import json

import numpy as np
import pytest

from coupledgas.cli import main
from coupledgas.critical import _root, power_law


def test_root_of_a_noiseless_line_is_exact_and_its_error_scales_with_the_noise():
    h = np.array([0.1, 0.3, 0.5, 0.7, 0.9])
    J = 0.02 - 0.05 * h  # root at 0.4
    root, err = _root(h, J, np.full(5, 1e-3))
    assert root == pytest.approx(0.4)
    _, err_large = _root(h, J, np.full(5, 1e-2))
    assert err_large == pytest.approx(10 * err)


def test_no_sign_change_means_no_root():
    h = np.array([0.1, 0.5, 0.9])
    assert np.isnan(_root(h, np.array([0.3, 0.2, 0.1]), np.ones(3))[0])
    assert np.isnan(_root(h, np.array([-0.3, -0.2, -0.1]), np.ones(3))[0])


def test_power_law_fit_recovers_the_exponent():
    L = np.array([20.0, 40.0, 80.0, 160.0])
    h = 3.0 * L**-0.5
    beta, beta_err, prefactor = power_law(L, h, 0.01 * h)
    assert beta == pytest.approx(-0.5) and prefactor == pytest.approx(3.0)
    assert 0 < beta_err < 0.05


@pytest.mark.slow
def test_critical_barrier_command_finds_the_sign_change(tmp_path, capsys, dask_scheduler):
    # free particles (small h) carry J_rho > 0; at h = 2 the current is inverse (on the
    # tests' shared cluster: a local one of its own costs seconds of worker start-up)
    assert main(["critical-barrier", "--lengths", "16", "--barriers",
                 "0.05,0.4,0.8,1.2,1.6,2.0", "--force", "0.3", "--t-measure", "8000",
                 "--out", str(tmp_path), "--scheduler", dask_scheduler, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    J, err = np.array(result["J_rho"][0]), np.array(result["J_rho_err"][0])
    assert J[0] > 3 * err[0] and J[-1] < -3 * err[-1]
    assert 0.05 < result["h_star"][0] < 2.0 and 0 < result["h_star_err"][0] < 0.5


@pytest.mark.parametrize("args,name", [(["--lengths", "20,x"], "--lengths"),
                                       (["--barriers", "0.1,low"], "--barriers")])
def test_critical_barrier_bad_input_is_one_line(args, name, error_line, tmp_path):
    assert main(["critical-barrier", "--out", str(tmp_path), *args]) == 2
    assert name in error_line()
