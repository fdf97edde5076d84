"""The periodic ring: exact dynamics, conservation laws, energy-current correlations."""

import copy
import json

import numpy as np
import pytest
from reference_stepper import ReferenceChannel
from scipy.stats import chi2

from coupledgas.cli import main
from coupledgas.kernel import advance_to
from coupledgas.kernel.layout import LOG_WIDTH, S_HEAT_CURRENT
from coupledgas.ring import new_ring, ring


def _energy_momentum(state, masses):
    slots = state.order()
    m = np.where(state.species[slots] == 0, masses[0], masses[1])
    v = state.v[slots]
    return 0.5 * np.sum(m * v * v), np.sum(m * v), 0.5 * np.sum(m * v**3)


@pytest.mark.parametrize("barrier", [0.6, np.inf])
def test_ring_processes_the_same_events_as_a_plain_stepper(barrier):
    rng = np.random.default_rng(3)
    state = new_ring(9, (1.0, 3.0), barrier, 2.0, 1.0, rng)
    slots = state.order()
    reference = ReferenceChannel(
        x=state.x[slots], v=state.v[slots], species=state.species[slots], masses=(1.0, 3.0),
        length=9.0, barrier=barrier, temperatures=(0, 0), rates=(0, 0), rules=None,
        next_injection=[np.inf, np.inf], rng=copy.deepcopy(rng), periodic=True)
    log = np.zeros((3000, LOG_WIDTH))
    state, done = advance_to(state, rng, np.inf, max_events=3000, log=log)
    expected = reference.run(3000)
    np.testing.assert_array_equal(log[:, 1:5], expected[:, 1:])
    np.testing.assert_allclose(log[:, 0], expected[:, 0], rtol=1e-9)
    if barrier == 0.6:
        assert np.any(log[:, 1] == 0)  # passes, also across the seam, were exercised


def test_ring_is_microcanonical_and_conserves_momentum():
    masses = (1.0, 3.0)
    rng = np.random.default_rng(1)
    state = new_ring(64, masses, 0.8, 2.0, 1.0, rng)
    energy0, momentum0, _ = _energy_momentum(state, masses)
    assert energy0 == pytest.approx(64 * 2.0 / 2) and abs(momentum0) < 1e-12
    state, n = advance_to(state, rng, 2000.0)
    energy, momentum, heat = _energy_momentum(state, masses)
    assert n > 50000
    assert energy == pytest.approx(energy0, rel=1e-10) and abs(momentum) < 1e-9
    # the kernel's running energy current is the sum of m v^3 / 2
    assert state.scalars[S_HEAT_CURRENT] == pytest.approx(heat, rel=1e-8, abs=1e-8)


@pytest.mark.parametrize("masses,barrier", [((1.0, 1.0), np.inf), ((1.0, 3.0), 0.0)])
def test_energy_current_never_decays_when_the_gas_is_integrable(masses, barrier):
    # equal masses exchange velocities, free particles keep theirs: J = sum m v^3 / 2 is
    # conserved, so its autocorrelation stays at C(0) and Green-Kubo grows linearly
    ds = ring(particles=32, masses=masses, barrier=barrier, t_measure=800.0, cutoff=50.0,
              t_transient=10.0)
    C = ds.heat_current_correlation.values
    np.testing.assert_allclose(C, C[0], rtol=1e-6)


def test_hard_point_two_mass_gas_energy_current_decorrelates():
    ds = ring(particles=256, masses=(1.0, 3.0), t_measure=8000.0, cutoff=100.0, seed=2)
    C = ds.heat_current_correlation
    assert C.sel(lag=50.0) < 0.1 * C.sel(lag=0.0)
    assert ds.kappa_cutoff > 3 * ds.kappa_cutoff_err > 0
    assert ds.attrs["events_per_second"] > 0


def test_green_kubo_errors_match_the_spread_of_independent_rings():
    # 30 independent rings: the spread of kappa(tau) about the weighted mean, in units of
    # each ring's own error, is chi^2 with 29 degrees of freedom when the errors are
    # honest; its central 99% is chi^2/dof in [0.45, 1.73]
    runs = [ring(particles=128, t_measure=2000.0, cutoff=50.0, seed=seed)
            for seed in range(1, 31)]
    kappa = np.array([r.kappa_cutoff.item() for r in runs])
    error = np.array([r.kappa_cutoff_err.item() for r in runs])
    mean = np.sum(kappa / error**2) / np.sum(1 / error**2)
    dof = kappa.size - 1
    spread = np.sum(((kappa - mean) / error) ** 2) / dof
    assert chi2.ppf(0.005, dof) / dof < spread < chi2.ppf(0.995, dof) / dof


def test_events_per_second_counts_the_measured_events_only():
    short, long = (ring(particles=64, t_transient=t, t_measure=200.0, cutoff=10.0)
                   for t in (0.0, 2000.0))
    # a transient ten times the measurement adds no events to the count
    assert long.attrs["events"] == pytest.approx(short.attrs["events"], rel=0.1)
    for ds in (short, long):
        assert ds.attrs["events_per_second"] == pytest.approx(
            ds.attrs["events"] / ds.attrs["kernel_seconds"])


def test_ring_command_prints_rate_and_green_kubo(capsys):
    assert main(["ring", "--particles", "64", "--masses", "1,3", "--barrier", "inf", "--T",
                 "2", "--density", "1", "--t-measure", "400", "--cutoff", "20",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("events", "events_per_second", "kappa", "kappa_err", "cutoff"):
        assert key in out


@pytest.mark.parametrize("args,name", [(["--particles", "1"], "--particles"),
                                       (["--masses", "1,-3"], "--masses"),
                                       (["--masses", "1"], "--masses"),
                                       (["--cutoff", "1e6"], "--cutoff"),
                                       # the run must exceed 8 cut-offs
                                       (["--cutoff", "12.5"], "--cutoff")])
def test_ring_bad_input_is_one_line(args, name, error_line):
    assert main(["ring", "--t-measure", "100", *args]) == 2
    line = error_line()
    assert name in line
