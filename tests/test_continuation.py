"""Cheaper transients: chains of points that continue each other, warm-up detection by
MSER, and the replicas' spread against their errors."""

import numpy as np
import pytest
import xarray as xr

from coupledgas.checkpoint import load_final_state, save_final_state
from coupledgas.observables import drifts, mser_truncation
from coupledgas.params import ParameterError, RunParams
from coupledgas.replicas import combine, spread_range, spread_ratio
from coupledgas.simulate import Run
from coupledgas.sweep import SweepSpec, final_state_path, run_point

CHAIN = {"chain": "F_u", "chain_transient": 100.0,
         "base": {"length": 10, "t_measure": 3000, "bins": 5, "F_rho": 0.0},
         "axes": {"F_u": [0.1, 0.4]}}


def run_chain(spec, out):
    """The points of a chain in order, in this process (as the Dask workers do)."""
    for point in spec.points():
        run_point(point.kind, point.params(), point.options(), str(out / point.key()),
                  point.link(out.parent))
    return [xr.load_dataset(out / p.key()) for p in spec.points()]


def test_a_chained_point_starts_from_the_final_state_of_the_point_before(tmp_path):
    spec = SweepSpec.load(CHAIN)
    first, second = spec.points()
    assert second.previous == first and second.params().t_transient == 100.0
    out = tmp_path / "points"
    out.mkdir()
    results = run_chain(spec, out)
    assert results[0].attrs["started_from"] == "equilibrium"
    assert results[1].attrs["started_from"] == first.key()
    assert results[1].attrs["t_transient"] == 100.0
    # the second point starts with the first one's particles, at its final time
    previous, state = load_final_state(final_state_path(out / first.key()))
    assert previous == first.params()
    assert results[1].block.values[0] > state.clock + 100.0 > results[0].block.values[-1]
    # a chain is reproducible point by point: the same start, the same result
    again = tmp_path / "again"
    again.mkdir()
    for got, want in zip(run_chain(spec, again), results):
        assert got.J_rho.item() == want.J_rho.item()


def test_a_chained_point_names_where_it_started_so_a_cold_start_is_another_point():
    chained = SweepSpec.load(CHAIN).points()[1]
    cold = SweepSpec.load({"base": {**CHAIN["base"], "t_transient": 100.0},
                           "axes": {"F_u": [0.4]}}).points()[0]
    assert chained.params() == cold.params() and chained.key() != cold.key()
    down = SweepSpec.load({**CHAIN, "axes": {"F_u": [0.4, 0.1]}}).points()
    assert down[0].previous is None and down[1].previous.settings["F_u"] == 0.4


def test_a_continued_run_relaxes_to_the_same_currents_as_a_cold_start():
    # L = 20 relaxes within a few hundred time units: a run continued from a state at
    # the opposite force must measure the same steady currents as one from equilibrium
    # (the opposite state: after 11 relaxation times L^2 / 2 of that force)
    opposite = RunParams.create(length=20, F_u=-0.5, t_measure=2e3, seed=3)
    start = Run.start(opposite, n_bins=0).advance()
    target = RunParams.create(length=20, F_u=0.5, t_transient=1000.0, t_measure=3e4,
                              seed=4)
    continued = Run.continued(target, opposite, start.state, "opposite", 1,
                              n_bins=0).advance().dataset()
    cold = Run.start(target, n_bins=0).advance().dataset()
    for name in ("J_rho", "J_u"):
        gap = continued[name].item() - cold[name].item()
        assert abs(gap) < 4 * np.hypot(continued[name + "_err"].item(),
                                       cold[name + "_err"].item())
    assert continued.J_rho.item() < 0 < continued.J_u.item()  # the inverse current


def test_a_run_continues_only_the_same_channel(tmp_path):
    params = RunParams.create(length=8, F_u=0.2, t_measure=500)
    run = Run.start(params, n_bins=4).advance()
    save_final_state(run, tmp_path / "s.npz")
    previous, state = load_final_state(tmp_path / "s.npz")
    with pytest.raises(ParameterError, match="^barrier: differs"):
        Run.continued(RunParams.create(length=8, barrier=2.0), previous, state, "s", 1,
                      n_bins=4)
    with pytest.raises(ParameterError, match="^bins:"):
        Run.continued(RunParams.create(length=8, F_u=0.3), previous, state, "s", 1,
                      n_bins=8)
    with pytest.raises(ParameterError, match="^chain: no final state"):
        load_final_state(tmp_path / "missing.npz")


@pytest.mark.parametrize("spec,name", [
    ({"chain": "length", "axes": {"length": [5, 10]}}, "chain"),
    ({"chain": "F_rho", "axes": {"F_u": [0.1, 0.2]}}, "chain"),
    ({"chain_transient": 10.0, "axes": {"F_u": [0.1]}}, "chain_transient"),
    ({"chain": "F_u", "chain_transient": -1.0, "axes": {"F_u": [0.1]}}, "chain_transient"),
    ({"kind": "onsager", "chain": "F_u", "axes": {"length": [4]}}, "chain"),
])
def test_a_bad_chain_is_one_error_naming_it(spec, name):
    with pytest.raises(ParameterError, match=f"^spec: {name}: "):
        SweepSpec.load(spec)


def test_mser_cuts_a_decaying_bias_and_keeps_a_stationary_series():
    rng = np.random.default_rng(1)
    noise = rng.normal(size=(50, 2000))
    bias = 5.0 * np.exp(-np.arange(2000) / 100.0)  # below the noise after ~ 160 values
    cuts = np.array([mser_truncation(x + bias)[0] for x in noise])
    assert 150 < np.median(cuts) < 600 and np.all(cuts > 50)
    assert np.median([mser_truncation(x)[0] for x in noise]) < 50
    trend = noise[0] + np.linspace(3.0, 0.0, 2000)
    cut, at_limit = mser_truncation(trend)
    assert at_limit or drifts(trend[cut:])
    assert not drifts(noise[1])


def test_a_cold_run_with_warmup_detection_drops_its_transient():
    # from equilibrium under a strong bias with no transient at all: the first blocks
    # of an L = 40 channel (relaxation time 800) are off, and detection removes them
    params = RunParams.create(length=40, F_u=0.8, t_transient=0.0, t_measure=2e4, seed=2)
    ds = Run.start(params, n_bins=10, warmup=True).advance().dataset()
    assert ds.attrs["warmup_detected"] == 1
    assert 0 < ds.attrs["t_transient"] < 1e4
    assert ds.attrs["t_measured"] == pytest.approx(2e4 - ds.attrs["t_transient"])
    assert ds.block.values[0] > ds.attrs["t_transient"]
    plain = Run.start(params, n_bins=10).advance().dataset()
    assert plain.attrs["t_transient"] == 0.0 and plain.attrs["warmup_detected"] == 0


def test_the_spread_ratio_is_one_for_honest_errors_from_few_blocks():
    # K replicas whose errors come from 4 blocks each: the per-replica chi^2 is 3 on
    # average, the spread ratio is 1
    rng = np.random.default_rng(7)
    K, trials = 24, 400
    blocks = rng.normal(size=(trials, K, 4))
    values, errors = blocks.mean(axis=2), blocks.std(axis=2, ddof=1) / 2.0
    ratios = np.array([spread_ratio(v, e) for v, e in zip(values, errors)])
    chi2 = np.mean(((values - values.mean(axis=1, keepdims=True)) / errors) ** 2, axis=1)
    assert ratios.mean() == pytest.approx(1.0, abs=0.05)
    assert chi2.mean() > 2.0
    low, high = spread_range(K)
    assert 0.85 < np.mean((ratios > low) & (ratios < high)) < 0.99
    # errors half their true size show up
    assert np.mean([spread_ratio(v, e / 2) for v, e in zip(values, errors)]) > 3.5


def synthetic_replica(value, error):
    data = {name: ((), value) for name in ("J_rho", "J_u", "entropy_production")}
    data.update({f"{name}_err": ((), error) for name in ("J_rho", "J_u",
                                                          "entropy_production")})
    return xr.Dataset(data, attrs={"events": 1, "events_total": 1, "kernel_seconds": 1.0,
                                   "events_per_second": 1.0, "errors_reliable": 1,
                                   "target_reached": 0})


def test_eight_replicas_or_more_take_their_spread_when_their_errors_are_too_small():
    rng = np.random.default_rng(3)
    values = rng.normal(size=16)
    combined = combine([synthetic_replica(v, 0.1) for v in values])  # errors 10x too small
    assert combined.J_rho_err.item() == pytest.approx(values.std(ddof=1) / 4)
    assert combined.attrs["spread_ratio_J_rho"] > combined.attrs["spread_ratio_range"][1]
    few = combine([synthetic_replica(v, 0.1) for v in values[:4]])
    assert few.J_rho_err.item() == pytest.approx(0.05)  # propagated: 0.1 * 2 / 4
