"""A barrier of finite range r (the slides' Hamiltonian): exact events, exact energy,
the equilibrium jump of g(x) at r, and every front end."""

import copy
import json
import math
from dataclasses import replace

import numpy as np
import pytest
from reference_stepper import ReferenceShoulderChannel, reference_from

from coupledgas import figures
from coupledgas.checkpoint import load, save
from coupledgas.cli import main
from coupledgas.kernel import advance_to, heat_integral, new_channel, new_ring
from coupledgas.kernel.layout import (
    LOG_COLLISION,
    LOG_CROSS,
    LOG_WIDTH,
    P_LENGTH,
    P_MASS,
    SPECULAR,
)
from coupledgas.params import ParameterError, RunParams
from coupledgas.replicas import run_replicas
from coupledgas.simulate import Run
from coupledgas.sweep import SweepSpec

CASES = {
    "short range": dict(barrier=0.8, F_u=0.4, interaction_range=0.05),
    "overlapping shoulders": dict(barrier=0.8, F_rho=0.2, interaction_range=0.4),
    "hard rods (h = inf), specular rods": dict(barrier=np.inf, F_u=0.3,
                                               interaction_range=0.1, rod_walls="specular"),
    "free gas with pair bookkeeping (h = 0)": dict(barrier=0.0, interaction_range=0.2),
    "closed channel, thermal bullets": dict(barrier=0.5, F_u=0.5, bullet_walls="thermal",
                                            interaction_range=0.3),
}


def _same_events(log, reference):
    """The kernel's events but its crossings, against the reference's; times to 1e-6
    (the gas is chaotic: rounding differences grow by orders of magnitude over a few
    thousand events)."""
    kept = log[log[:, 1] != LOG_CROSS]
    expected = reference.run(len(kept))
    np.testing.assert_array_equal(kept[:, 1:5], expected[:, 1:])  # code, end, species
    np.testing.assert_allclose(kept[:, 0], expected[:, 0], rtol=1e-6)
    return kept


@pytest.mark.parametrize("case", list(CASES))
def test_kernel_processes_the_same_events_as_a_plain_stepper(case):
    params = RunParams.create(length=5.0, **CASES[case])
    rng = np.random.default_rng(7)
    state = new_channel(params, rng)
    reference = reference_from(state, params, copy.deepcopy(rng))
    assert state.energy() == pytest.approx(reference.energy(), rel=1e-12)
    n = 1500
    log = np.zeros((n, LOG_WIDTH))
    state, done = advance_to(state, rng, np.inf, max_events=n, log=log)
    assert done == n
    kept = _same_events(log, reference)
    assert state.energy() == pytest.approx(reference.energy(), rel=1e-9)
    assert int(np.sum(state.window[state.order()])) == len(reference.inside)
    if params.barrier == np.inf:  # hard rods never overlap, so they never cross
        assert len(kept) == n and np.count_nonzero(kept[:, 1] == LOG_COLLISION) > 100
    else:
        assert len(kept) < n  # crossings happened inside the shoulders


def test_ring_events_energy_current_and_energy_are_exact():
    rng = np.random.default_rng(3)
    h = 0.7
    state = new_ring(30, (1.0, 0.5), h, 1.0, 3.0, rng, reach=0.2)
    ids = state.order()
    reference = ReferenceShoulderChannel(
        x=state.x[ids], v=state.v[ids], species=state.species[ids], masses=(1.0, 0.5),
        length=state.params[P_LENGTH], barrier=h, temperatures=(1, 1), rates=(0, 0),
        rules=[[SPECULAR] * 2] * 2, next_injection=[math.inf, math.inf],
        rng=copy.deepcopy(rng), periodic=True, interaction_range=0.2)
    energy = state.energy()
    n = 4000
    log = np.zeros((n, LOG_WIDTH))
    state, _ = advance_to(state, rng, np.inf, max_events=n, log=log)
    kept = _same_events(log, reference)
    # the kernel's last event may be a crossing after the reference's last event
    current = sum(reference.v[k] * reference.particle_energy(k)
                  for k in range(len(reference.x)))
    expected = reference.heat + current * (state.clock - reference.time)
    assert heat_integral(state) == pytest.approx(expected, rel=1e-6)
    assert state.energy() == pytest.approx(energy, rel=1e-12)
    assert np.count_nonzero(kept[:, 1] == LOG_COLLISION) > 100


def test_hard_rods_on_a_ring_are_hard_points_on_a_shorter_ring():
    # rods of length r map onto points on a ring shortened by N r (x_k -> x_k - k r):
    # the same collisions at the same times, an exact check of the shoulder edges
    n, reach, density = 24, 0.1, 2.0
    masses = (1.0, 3.0)
    rods = new_ring(n, masses, np.inf, 1.0, density, np.random.default_rng(5), reach=reach)
    length = rods.params[P_LENGTH]
    points = new_ring(n, masses, np.inf, 1.0, n / (length - n * reach),
                      np.random.default_rng(0))
    ids = rods.order()
    points.x[:n] = rods.x[ids] - reach * np.arange(n)
    points.v[:n] = rods.v[ids]
    points.species[:n] = rods.species[ids]
    points = new_ring_from(points)
    logs = []
    for state in (rods, points):
        log = np.zeros((2000, LOG_WIDTH))
        advance_to(state, np.random.default_rng(0), np.inf, max_events=2000, log=log)
        logs.append(log)
    np.testing.assert_array_equal(logs[0][:, 1], LOG_COLLISION)
    np.testing.assert_array_equal(logs[0][:, [1, 3, 4, 5, 6]], logs[1][:, [1, 3, 4, 5, 6]])
    np.testing.assert_allclose(logs[0][:, 0], logs[1][:, 0], rtol=1e-9)


def new_ring_from(state):
    """The ring ``state`` with its events predicted afresh (after its arrays were set)."""
    from coupledgas.kernel.dynamics import schedule_all

    schedule_all(0.0, state.x, state.v, state.t_last, state.ints, state.params,
                 state.queue_time, state.queue_leaf, state.queue_offsets)
    return state


def test_energy_balances_at_the_ends_including_the_pair_energy():
    params = RunParams.create(length=6.0, barrier=1.0, F_u=0.4, F_rho=-0.2,
                              interaction_range=0.3)
    rng = np.random.default_rng(2)
    state = new_channel(params, rng)
    energy, flows = state.energy(), state.flows.copy()
    state, _ = advance_to(state, rng, 300.0)
    moved = state.flows - flows
    energy_in = moved[2::4].sum() - moved[3::4].sum()  # Q_ENERGY_IN - Q_ENERGY_OUT
    assert state.energy() - energy == pytest.approx(energy_in, abs=1e-9 * moved[2::4].sum())
    assert state.pair_energy() > 0 and state.counters[0] > 1e4


def _pair_jumps(states_positions, species, length, reach, periodic, width):
    """g(r-) / g(r+) per species pair from snapshots: counts of pair separations in
    bins of ``width`` on each side of r, extrapolated linearly to r."""
    edges = reach + width * np.arange(-3, 4)
    counts = np.zeros((len(states_positions), 3, 6))
    for n, x in enumerate(states_positions):
        d = x[None, :] - x[:, None]
        if periodic:
            d -= length * np.round(d / length)
        pair = species[n][:, None] + species[n][None, :]
        upper = np.triu(np.ones_like(d, dtype=bool), 1)
        for t in range(3):
            counts[n, t] = np.histogram(np.abs(d[upper & (pair == t)]), edges)[0]
    return counts


def _jump_estimate(counts):
    """Extrapolate the three bins on each side linearly to r; return the ratio."""
    centres = np.array([-2.5, -1.5, -0.5])
    inner = np.polyval(np.polyfit(centres, counts[:3], 1), 0.0)
    outer = np.polyval(np.polyfit(-centres[::-1], counts[3:], 1), 0.0)
    return inner / outer


SETUPS = {
    "equal reservoirs": dict(length=10.0),
    "heat baths at one temperature": dict(length=10.0, bullet_walls="thermal"),
}


@pytest.mark.slow
@pytest.mark.parametrize("setup", list(SETUPS) + ["periodic ring"])
def test_equilibrium_pair_distribution_jumps_by_the_boltzmann_factor(setup):
    # the cavity function is continuous at a step of the pair potential, at any
    # density, so g(r-) / g(r+) = exp(-h / T) exactly; no current flows and the
    # velocities are Maxwell's
    h, reach, width, T = 1.0, 0.1, 0.01, 1.0
    rng = np.random.default_rng(11)
    if setup == "periodic ring":
        state = new_ring(120, (1.0, 0.5), h, 1.0, 6.0, rng, reach=reach)
    else:
        params = RunParams.create(barrier=h, interaction_range=reach, **SETUPS[setup])
        state = new_channel(params, rng)
    state, _ = advance_to(state, rng, 100.0)
    positions, kinds, m_v2, kurtosis = [], [], [], []
    for t in 100.0 + 0.25 * np.arange(1, 6001):
        state, _ = advance_to(state, rng, t)
        ids = state.order()
        positions.append(state.x[ids] + state.v[ids] * (state.clock - state.t_last[ids]))
        kinds.append(state.species[ids])
        mv2 = state.params[P_MASS + state.species[ids]] * state.v[ids] ** 2
        m_v2.append(mv2.mean())
        kurtosis.append(np.mean(mv2 ** 2))
    if setup == "periodic ring":  # microcanonical: the temperature is what it settled at
        T = float(np.mean(m_v2))
    counts = _pair_jumps(positions, kinds, state.params[P_LENGTH], reach,
                         setup == "periodic ring", width)
    batches = counts.reshape(10, -1, 3, 6).sum(axis=1)  # 10 stretches of 150 time units
    for t in range(3):
        ratio = _jump_estimate(counts[:, t].sum(axis=0))
        spread = np.std([_jump_estimate(b[t]) for b in batches], ddof=1) / np.sqrt(10)
        assert spread < 0.1 * math.exp(-h / T), (t, spread)
        assert abs(ratio - math.exp(-h / T)) < 4 * spread, (t, ratio, spread)
    # Maxwell: <m v^2> = T and <(m v^2)^2> = 3 T^2, batch errors
    for values, expected in ((m_v2, T), (kurtosis, 3 * T * T)):
        means = np.array(values).reshape(10, -1).mean(axis=1)
        assert abs(means.mean() - expected) < 4 * means.std(ddof=1) / np.sqrt(10) + 1e-12


@pytest.mark.slow
def test_equal_reservoirs_drive_no_current():
    params = RunParams.create(length=10.0, barrier=1.0, interaction_range=0.05,
                              t_transient=100.0, t_measure=4000.0)
    ds = Run.start(params, n_bins=4).advance().dataset()
    for name in ("J_rho", "J_u"):
        assert abs(float(ds[name])) < 4 * float(ds[f"{name}_err"])
    assert 0 < float(ds["J_u_err"]) < 0.1


def test_a_run_with_range_resumes_from_its_checkpoint_bit_for_bit(tmp_path):
    params = RunParams.create(length=6.0, F_u=0.3, interaction_range=0.2,
                              t_transient=20.0, t_measure=200.0)
    whole = Run.start(params, n_bins=4).advance().dataset()
    run = Run.start(params, n_bins=4)
    for _ in range(300):
        run.advance_block()
    save(run, tmp_path / "cp.npz")
    resumed = load(tmp_path / "cp.npz").advance().dataset()
    for name in ("J_rho_block", "J_u_block", "density", "mean_mass"):
        np.testing.assert_array_equal(resumed[name].values, whole[name].values)
    assert whole.attrs["interaction_range"] == 0.2


def test_replicas_and_profiles_work_with_a_range():
    params = RunParams.create(length=6.0, F_u=0.3, interaction_range=0.1,
                              t_transient=20.0, t_measure=200.0)
    ds = run_replicas(params, 2, 1, n_bins=6)
    content = float((ds.density.sum("species") * params.length / 6).sum("x"))
    assert 20 < content < 80  # about rho(1, 1.5) L + rods, lowered by the pair energy
    assert np.isfinite(float(ds.J_rho)) and float(ds.J_rho_err) > 0


def test_range_is_a_sweep_axis_and_zero_range_keeps_the_point_names():
    spec = SweepSpec.load({"base": {"length": 5, "t_measure": 100},
                           "axes": {"interaction_range": [0.0, 0.01, 0.02]}})
    assert [p.params().interaction_range for p in spec.points()] == [0.0, 0.01, 0.02]
    assert len({p.key() for p in spec.points()}) == 3
    plain = SweepSpec.load({"base": {"length": 5, "t_measure": 100}, "axes": {"F_u": [0.0]}})
    assert plain.points()[0].key() == spec.points()[0].key()


@pytest.mark.parametrize("arguments, message", [
    (["--range", "-0.1"], "--interaction-range: must be >= 0"),
    (["--range", "12", "--length", "20"], "--interaction-range: must be below L / 2"),
    (["--range", "0.1", "--passing", "smooth"], "--interaction-range: a barrier of finite range"),
    (["--range", "0.1", "--dissipation", "0.1"], "--interaction-range: a barrier of finite range"),
])
def test_bad_ranges_get_one_line(arguments, message, capsys):
    assert main(["run", *arguments, "--t-measure", "10"]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_ring_takes_a_range_and_reports_the_kinetic_temperature():
    from coupledgas.ring import ring

    ds = ring(particles=64, masses=(1.0, 3.0), barrier=1.0, T=2.0, density=1.0,
              t_transient=50.0, t_measure=400.0, cutoff=10.0, interaction_range=0.1)
    assert ds.attrs["interaction_range"] == 0.1
    assert 0 < ds.attrs["T_kinetic"] < 2.0  # kinetic energy went into pair energy
    with pytest.raises(ParameterError, match="interaction_range"):
        ring(particles=8, density=1.0, interaction_range=4.0)


def test_world_lines_with_a_range_are_continuous_and_end_where_the_run_puts_them():
    from coupledgas.simulate import seed_sequence
    from coupledgas.spacetime import world_lines

    channel, window = dict(length=6.0, F_u=0.4, barrier=0.8, interaction_range=0.2), (2.0, 8.0)
    lines = world_lines(window, **channel)
    assert {"pass", "leave", "cross", "bounce"} <= set(lines.kind.values)
    params = RunParams.create(**channel, t_transient=window[0])
    rng = np.random.default_rng(seed_sequence(params))
    state, _ = advance_to(new_channel(params, rng), rng, window[1])
    slots = state.order()
    expected = dict(zip(state.ident[slots],
                        state.x[slots] + state.v[slots] * (window[1] - state.t_last[slots])))
    at_end = lines.t_end.values == window[1]
    got = dict(zip(lines.particle.values[at_end], lines.x_end.values[at_end]))
    assert got.keys() == expected.keys()
    for ident, x in expected.items():
        assert got[ident] == pytest.approx(x, abs=1e-9)
    order = np.lexsort((lines.t_start.values, lines.particle.values))
    p, x0, x1 = (lines[name].values[order] for name in ("particle", "x_start", "x_end"))
    same = p[1:] == p[:-1]
    np.testing.assert_allclose(x0[1:][same], x1[:-1][same], atol=1e-9)


@pytest.mark.slow
def test_free_gas_with_a_range_has_the_exact_onsager_matrix():
    # h = 0: the pair steps are there (entries, crossings, exits are events) but do
    # nothing, so the matrix is the free gas's, exactly as for r = 0
    from coupledgas import thermo
    from coupledgas.onsager import onsager

    length, n_rods = 4.0, 3
    exact = thermo.free_gas_onsager(1.0, 1.5, 1.0, length)
    exact["L_uu"] += thermo.free_rod_conductance(1.0, 0.5, n_rods)
    # t = 5e4: errors of 1.5-3.5% (the bound below is 15%); leaving out the rods' 11% of
    # L_uu would still be 6 errors off
    ds = onsager(length=length, barrier=0.0, n_rods=n_rods, interaction_range=0.1,
                 t_measure=50000.0, workers=2, seed=5)
    assert ds.attrs["interaction_range"] == 0.1
    for name, value in exact.items():
        assert abs(ds[name].item() - value) <= 4 * ds[name + "_err"].item(), name
        assert ds[name + "_err"].item() < 0.15 * value, name


def test_engine_channels_take_a_range_and_balance_their_energy():
    from coupledgas.heat_engine import heat_engine

    # the engine checks each channel's particle and energy balance (pair energy included)
    ds = heat_engine(T_hot=1.2, T_cold=0.8, length_a=6.0, length_b=6.0, load_b=0.03,
                     reservoir_particles=1000, t_transient=200.0, t_measure=2000.0,
                     interaction_range=0.1, seed=2)
    assert np.isfinite(float(ds.J_circ)) and float(ds.J_circ_err) > 0


@pytest.mark.slow
def test_range_recipe_finds_the_inverse_current_fading_with_the_range(tmp_path, monkeypatch,
                                                                     dask_scheduler):
    # here, not in test_figures: the shared cluster's workers then load the loop this
    # module compiled (and cached) before
    original = figures.RECIPES["range"]

    def tiny(preset):
        spec = original.specs("quick")
        for part in spec.values():
            part["base"].update(t_measure=15000.0)
            part["axes"].update(length=[20.0], interaction_range=[0.0, 0.2])
        return spec

    monkeypatch.setitem(figures.RECIPES, "range", replace(original, specs=tiny))
    assert main(["figure", "range", "--out", str(tmp_path), "--scheduler", dask_scheduler]) == 0
    row = json.loads((tmp_path / "range.json").read_text())["L = 20"]
    # the point barrier's inverse current (J_rho -0.062 +- 0.003 at t = 1e5; about 6
    # errors below zero at t = 1.5e4, where "inverse" asks for 2) is gone at r = 0.2
    # (+0.007 +- 0.001), where the energy current has fallen by 45% (8 errors at t = 1.5e4)
    assert row["inverse"] == [True, False] and row["inverse_up_to_r"] == 0.0
    assert row["J_u"][1] < row["J_u"][0] - 4 * np.hypot(*row["J_u_err"])
    assert (tmp_path / "range.png").stat().st_size > 5000
