"""The fast kernel is exactly the model: same events as a plain stepper, same trajectory
however the run is cut, grown or repeated."""

import copy

import numpy as np
import pytest
from reference_stepper import reference_from

from coupledgas import simulate
from coupledgas.kernel import advance_to, new_channel
from coupledgas.kernel.layout import (
    BULLET,
    C_EVENTS,
    C_MADE_ELASTIC,
    C_PASSES,
    LOG_WIDTH,
    ROD,
    S_DISSIPATED,
)
from coupledgas.kernel.state import grown
from coupledgas.params import RunParams

CASES = {
    "barrier 0.8, thermal rods": dict(barrier=0.8, F_rho=0.1, F_u=0.4),
    "hard-point gas, specular rods": dict(barrier=np.inf, F_u=0.3, rod_walls="specular"),
    "free gas": dict(barrier=0.0, F_rho=-0.2),
    "closed channel, thermal bullets": dict(barrier=0.5, F_u=0.5, bullet_walls="thermal"),
    "heavy rods": dict(barrier=1.2, F_u=0.2, m_rod=3.0),
    "smooth passing": dict(barrier=0.8, F_u=0.3, passing="smooth", passing_width=0.3),
    "quantum passing": dict(barrier=1.0, F_rho=0.2, passing="quantum", barrier_width=0.7),
    "dissipation at passes": dict(barrier=0.6, F_u=0.3, dissipation=0.2),
    "dissipation at bounces, TC model": dict(barrier=1.0, dissipation=0.3,
                                            dissipate_at="both", collapse_time=0.05),
}


@pytest.mark.parametrize("case", list(CASES))
def test_kernel_processes_the_same_events_as_a_plain_stepper(case):
    params = RunParams.create(length=5.0, **CASES[case])
    rng = np.random.default_rng(7)
    state = new_channel(params, rng)
    reference = reference_from(state, params, copy.deepcopy(rng))
    n = 3000
    log = np.zeros((n, LOG_WIDTH))
    state, done = advance_to(state, rng, np.inf, max_events=n, log=log)
    assert done == n
    expected = reference.run(n)
    np.testing.assert_array_equal(log[:, 1:5], expected[:, 1:])  # code, end, species
    np.testing.assert_allclose(log[:, 0], expected[:, 0], rtol=1e-9, atol=1e-12)
    assert state.scalars[S_DISSIPATED] == pytest.approx(reference.dissipated, rel=1e-9)
    assert state.counters[C_MADE_ELASTIC] == reference.made_elastic
    if params.dissipation > 0:  # the cases exercise what they name
        assert reference.dissipated > 0
    if params.dissipate_at == "both":
        assert reference.made_elastic > 0


def _advance_in_chunks(params, seed, t_end, n_chunks):
    rng = np.random.default_rng(seed)
    state = new_channel(params, rng)
    for t in np.linspace(t_end / n_chunks, t_end, n_chunks):
        state, _ = advance_to(state, rng, t)
    return state


def test_where_the_run_is_cut_does_not_change_the_trajectory():
    params = RunParams.create(length=8.0, F_u=0.3)
    whole = _advance_in_chunks(params, 3, 300.0, 1)
    cut = _advance_in_chunks(params, 3, 300.0, 97)
    assert whole.counters[C_EVENTS] > 10000
    np.testing.assert_array_equal(whole.flows, cut.flows)
    np.testing.assert_array_equal(whole.x[whole.order()], cut.x[cut.order()])
    np.testing.assert_array_equal(whole.v[whole.order()], cut.v[cut.order()])


def test_growing_the_arrays_does_not_change_the_trajectory():
    params = RunParams.create(length=8.0, F_rho=0.2)
    rng_a, rng_b = np.random.default_rng(5), np.random.default_rng(5)
    a, b = new_channel(params, rng_a), new_channel(params, rng_b)
    a, _ = advance_to(a, rng_a, 100.0)
    b, _ = advance_to(b, rng_b, 100.0)
    b = grown(grown(b))
    a, _ = advance_to(a, rng_a, 300.0)
    b, _ = advance_to(b, rng_b, 300.0)
    assert b.capacity == 4 * a.capacity
    np.testing.assert_array_equal(a.flows, b.flows)
    np.testing.assert_array_equal(a.v[a.order()], b.v[b.order()])


def test_a_channel_that_fills_up_grows_and_keeps_every_particle():
    # an almost empty start (rho = e^-3) fed by a dense left reservoir (rho = e^4)
    params = RunParams.create(length=10.0, mu=-3.0, mu_left=4.0, n_rods=3)
    rng = np.random.default_rng(2)
    state = new_channel(params, rng)
    start_capacity, start_bullets = state.capacity, state.content(BULLET)
    state, _ = advance_to(state, rng, 200.0)
    f = state.flows  # kernel layout: end * 8 + species * 4 + (in, out, ...)
    bullets_in, bullets_out = f[0] + f[8], f[1] + f[9]
    assert state.content(BULLET) > start_capacity
    assert state.content(BULLET) == start_bullets + bullets_in - bullets_out
    assert state.content(ROD) == 3


def test_same_seed_gives_the_same_result_bit_for_bit():
    a = simulate(length=6.0, F_u=0.2, t_measure=500.0, seed=11)
    b = simulate(length=6.0, F_u=0.2, t_measure=500.0, seed=11)
    c = simulate(length=6.0, F_u=0.2, t_measure=500.0, seed=12)
    np.testing.assert_array_equal(a.J_rho_block.values, b.J_rho_block.values)
    np.testing.assert_array_equal(a.J_u_block.values, b.J_u_block.values)
    assert a.attrs["events"] == b.attrs["events"]
    assert not np.array_equal(a.J_rho_block.values, c.J_rho_block.values)


def test_particles_keep_their_ids_as_they_pass_and_collide():
    # rods never leave, so the set of rod ids is fixed; bullets get fresh ids on entry
    params = RunParams.create(length=8.0, barrier=0.6, F_u=0.3)
    rng = np.random.default_rng(9)
    state = new_channel(params, rng)
    slots = state.order()
    rod_ids = set(state.ident[slots][state.species[slots] == ROD])
    state, _ = advance_to(state, rng, 500.0)
    slots = state.order()
    ids = state.ident[slots]
    assert set(ids[state.species[slots] == ROD]) == rod_ids
    assert len(set(ids)) == ids.size  # no two particles share an id
    assert state.counters[C_PASSES + BULLET + ROD] > 1000  # many bullet-rod passes happened
