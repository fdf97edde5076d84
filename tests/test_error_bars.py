"""Error bars against the spread of independent replicas (docs/guarantees.md, "Error bars
against independent replicas")."""

from dataclasses import replace

import numpy as np
import pytest

from coupledgas import replicas as replicas_module
from coupledgas.observables import block_estimate
from coupledgas.params import RunParams, relaxation_time
from coupledgas.replicas import combine, run_replicas
from coupledgas.simulate import Run

LENGTH, REPLICAS = 20.0, 16
#: 16 relaxation times L^2 / 2: the shortest run whose errors are reliable
T_MEASURE = 16 * relaxation_time(LENGTH)


@pytest.fixture(scope="module")
def replicas():
    """The combined replicas, their parameters, and each replica's own Dataset (with its
    block series), kept as ``run_replicas`` hands them to ``combine``."""
    params = RunParams.create(length=LENGTH, barrier=1.0, F_rho=0.0, F_u=0.3,
                              t_measure=T_MEASURE, seed=11)
    singles = []

    def kept(results):
        singles.extend(results)
        return combine(results)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(replicas_module, "combine", kept)
        ds = run_replicas(params, REPLICAS, workers=2, n_bins=8)
    return ds, [replace(params, replica=k) for k in range(REPLICAS)], singles


def spread_ratio(values, errors):
    """rms error / standard deviation of the replicas (1 when the errors are right)."""
    return np.sqrt(np.mean(np.square(errors))) / np.std(values, ddof=1)


@pytest.mark.slow
def test_current_errors_match_the_spread_of_independent_replicas(replicas):
    ds, _, _ = replicas
    assert ds.attrs["errors_reliable"] == 1
    # the ratio's own uncertainty from 16 replicas is 0.18: this catches errors off by
    # the factor 1.5-2 that blocks shorter than the relaxation time gave at L = 80
    for name in ("J_rho", "J_u"):
        ratio = spread_ratio(ds[name + "_replica"].values, ds[name + "_err_replica"].values)
        assert 0.6 < ratio < 1.6, (name, ratio)


@pytest.mark.slow
def test_short_blocks_overestimate_the_current_error(replicas):
    # the content of the channel is bounded, so the current through an end is
    # anticorrelated over the relaxation time: blocks much shorter than it see a larger
    # variance than the mean current has
    # (the first four replicas' block series: profiles do not change a trajectory)
    _, runs, singles = replicas
    short, relaxed = [], []
    for params, single in zip(runs[:4], singles[:4]):
        assert single.attrs["replica"] == params.replica
        min_block = Run.start(params, n_bins=0).min_block  # L^2 / 2 in blocks
        series = single.J_rho_block.values
        short.append(block_estimate(series).error)  # the blocking test's own level
        relaxed.append(block_estimate(series, min_block).error)
    assert np.mean(short) > 1.1 * np.mean(relaxed)


def test_a_run_shorter_than_sixteen_relaxation_times_has_unreliable_errors():
    params = RunParams.create(length=LENGTH, barrier=1.0, F_u=0.3, t_measure=T_MEASURE / 4)
    run = Run.start(params, n_bins=0).advance()
    assert run.min_block * run.block_length == relaxation_time(LENGTH)  # 4 such blocks
    assert run.dataset().attrs["errors_reliable"] == 0
