"""The Onsager matrix by finite forces and by equilibrium fluctuations."""

import json

import numpy as np
import pytest

from coupledgas import simulate, thermo
from coupledgas.cli import main
from coupledgas.onsager import force_points, forces_entries, measured_currents, onsager

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
    # free particles cross in a few time units: short covariance blocks are enough; the
    # forces method gets errors of 1.5-3.5% in half the time the fluctuation method needs
    # for 8-11% (the bound below is 15%; leaving out the rods' 11% of L_uu would be 6
    # errors off)
    ds = onsager(length=LENGTH, barrier=0.0, n_rods=N_RODS, method=method,
                 t_measure=50000.0 if method == "forces" else 100000.0, block_time=200.0,
                 workers=2, seed=3)
    for name, value in exact_free_gas().items():
        assert abs(ds[name].item() - value) <= Z * ds[name + "_err"].item(), name
        assert ds[name + "_err"].item() < 0.15 * value, name
    assert ds.det > 0


@pytest.fixture(scope="module")
def letter_point():
    # the forces method's default: +-0.2 and +-0.4 extrapolated to zero force (at
    # t = 2e4 L_ru is 8 errors below zero and L_ur_err a fifth of |L_ur|); the
    # fluctuation method agrees at this point only with runs ten times longer, which
    # benchmarks/onsager_methods.py makes (it is held to the exact free gas above)
    return onsager(method="forces", t_measure=20000.0, length=20.0, barrier=1.0, workers=2,
                   seed=5)


@pytest.mark.slow
def test_cross_coefficient_and_seebeck_coefficient_are_negative(letter_point):
    # the Letter, Fig. 4(b) and Fig. 8: L_ru < 0, hence S < 0 (Supplement, Fig. 9)
    assert letter_point.L_ru < -3 * letter_point.L_ru_err
    assert letter_point.S < 0


@pytest.mark.slow
def test_finite_force_matrix_is_reciprocal(letter_point):
    assert abs(letter_point.reciprocity_gap.item()) <= Z
    assert letter_point.L_ur_err < 0.5 * abs(letter_point.L_ur)  # the check has teeth


def polynomial_response(matrix, quadratic, cubic, length):
    """Currents J = (matrix F + quadratic (F_rho + F_u)^2 + cubic (F_rho + F_u)^3) / L."""
    def currents(F_rho, F_u):
        total = F_rho + F_u
        return (matrix @ [F_rho, F_u] + quadratic * total**2 + cubic * total**3) / length
    return currents


def test_extrapolation_removes_the_quadratic_and_cubic_response():
    matrix = np.array([[6.8, -4.5], [-4.4, 21.1]])  # rows J_rho, J_u; columns F_rho, F_u
    length, force = 20.0, 0.4
    currents = polynomial_response(matrix, np.array([0.3, -0.2]), np.array([2.0, 1.0]), length)

    def entries(symmetric, extrapolate):
        points = force_points("forces", force, symmetric, extrapolate)
        measured = [(currents(F_rho, F_u), 1e-8 * np.eye(2)) for F_rho, F_u, _ in points]
        return forces_entries(measured, length, force, symmetric, extrapolate)[:2]

    exact = matrix.ravel()  # L_rr, L_ru, L_ur, L_uu
    extrapolated, covariance = entries(True, True)
    assert extrapolated == pytest.approx(exact, rel=1e-9)
    central, _ = entries(True, False)  # keeps the cubic term: L cubic f^2
    assert central - exact == pytest.approx(np.repeat([2.0, 1.0], 2) * force**2, rel=1e-9)
    one_sided, _ = entries(False, False)
    assert one_sided[0] - exact[0] == pytest.approx(0.3 * force + 2.0 * force**2)
    # each current's variance s^2 = 1e-8: D(f/2) has variance 2 s^2 (L / f)^2, D(f) a
    # quarter of it, and (4 D(f/2) - D(f)) / 3 their sum with weights 16/9 and 1/9
    assert covariance[1, 1] == pytest.approx((32 + 0.5) / 9 * 1e-8 * (length / force)**2)


def test_the_extrapolation_runs_longest_at_half_the_force():
    points = force_points("forces", 0.4)
    assert [(F_rho, F_u) for F_rho, F_u, _ in points] == [
        (0.2, 0.0), (-0.2, 0.0), (0.4, 0.0), (-0.4, 0.0),
        (0.0, 0.2), (0.0, -0.2), (0.0, 0.4), (0.0, -0.4)]
    assert [share for *_, share in points] == [1, 1, 1 / 8, 1 / 8] * 2


def test_a_precision_target_is_reached_on_every_entry():
    ds = onsager(length=LENGTH, barrier=0.0, n_rods=N_RODS, t_measure=2000.0, rel_err=0.08,
                 workers=2, seed=7)
    assert ds.attrs["target_reached"] == 1 and ds.attrs["t_measured"] > 2000.0
    for name, value in exact_free_gas().items():
        assert ds[name + "_err"].item() <= 0.08 * abs(ds[name].item()), name
        assert abs(ds[name].item() - value) <= Z * ds[name + "_err"].item(), name


def test_the_currents_noise_is_correlated_as_the_onsager_matrix():
    # fluctuation-dissipation (docs/model.md): the mean currents of a run at zero force
    # fluctuate with covariance 2 Lmat / (L t), so their correlation is
    # L_ru / sqrt(L_rr L_uu); the free gas's matrix is exact
    exact = exact_free_gas()
    expected = exact["L_ru"] / np.sqrt(exact["L_rr"] * exact["L_uu"])
    run = simulate(length=LENGTH, barrier=0.0, n_rods=N_RODS, t_measure=100000.0, bins=0,
                   seed=11)
    J, C = measured_currents(run)
    assert abs(run.J_rho_J_u_correlation.item() - expected) < 0.08
    assert C[0, 1] == pytest.approx(run.J_rho_J_u_correlation.item()
                                    * run.J_rho_err.item() * run.J_u_err.item())
    assert J == pytest.approx([run.J_rho.item(), run.J_u.item()])


def test_currents_without_a_recorded_correlation_count_as_independent():
    # points computed before the correlation was recorded
    old_point = {"J_rho": 0.1, "J_rho_err": 0.01, "J_u": -0.2, "J_u_err": 0.03}
    _, C = measured_currents(old_point)
    assert C == pytest.approx(np.diag([1e-4, 9e-4]))
    _, C = measured_currents({**old_point, "J_rho_J_u_correlation": np.nan})
    assert C[0, 1] == 0.0


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
                                       (["--method", "fluctuation"], "--block-time"),
                                       (["--one-sided"], "--extrapolate")])
def test_onsager_bad_input_is_one_line(args, name, error_line):
    assert main(["onsager", "--t-measure", "100", *args]) == 2
    line = error_line()
    assert name in line
