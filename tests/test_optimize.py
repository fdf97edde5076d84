"""``coupledgas optimize``: a search within its bounds that records each evaluation's
value and error, resumes from its point files, and gives one line for bad input.

The searches are tiny (L = 5, short runs: values with large errors) on conftest's Dask
cluster; what they check does not depend on the values.
"""

import json
import math

import numpy as np
import pytest

from coupledgas import optimize
from coupledgas.cli import main
from coupledgas.optimize import RECORD, best_evaluation, training_set
from coupledgas.params import ParameterError

BOUNDS = {"mass_ratio": (0.2, 2.0), "barrier": (0.0, 2.0)}
#: budget 6 with two parameters: five design points, then one the Gaussian process
#: suggests (with a design point pending in its round: the kriging believer)
TINY = dict(length=5.0, t_measure=500.0, batch=2, seed=3)


def _mtimes(folder):
    return {path.name: path.stat().st_mtime_ns for path in (folder / "points").glob("*.nc")}


@pytest.fixture(scope="module")
def search(tmp_path_factory, dask_scheduler):
    out = tmp_path_factory.mktemp("optimize")
    result = optimize("ZT", BOUNDS, budget=6, out=out, scheduler=dask_scheduler, **TINY)
    return out, result, _mtimes(out)


@pytest.mark.slow
def test_a_search_stays_within_its_bounds_and_records_each_value_with_its_error(search):
    out, result, files = search
    evaluations = result["evaluations"]
    assert [e["index"] for e in evaluations] == list(range(6))
    for e in evaluations:
        for name, (low, high) in BOUNDS.items():
            assert low <= e["parameters"][name] <= high, (name, e)
        assert math.isfinite(e["value"]) and e["error"] > 0, e
        assert not e["reused"] and e["cpu_seconds"] > 0
        assert set(e["points"]) <= set(files)
    assert len(files) == 6
    assert len({tuple(e["parameters"].values()) for e in evaluations}) == 6
    record = json.loads((out / RECORD).read_text())
    assert [e["value"] for e in record["evaluations"]] == [e["value"] for e in evaluations]
    assert record["best"]["index"] in range(6) and record["sense"] == "max"


@pytest.mark.slow
def test_a_larger_budget_reuses_every_finished_evaluation(search, dask_scheduler):
    out, first, files = search
    again = optimize("ZT", BOUNDS, budget=7, out=out, scheduler=dask_scheduler, **TINY)
    evaluations = again["evaluations"]
    # the suggestion (index 5) was replayed: the same point, loaded from its file
    assert [e["reused"] for e in evaluations] == [True] * 6 + [False]
    assert evaluations[:6] == [{**e, "reused": True} for e in first["evaluations"]]
    now = _mtimes(out)
    assert {name: now[name] for name in files} == files
    assert len(now) == 7


@pytest.mark.slow
def test_yt_evaluates_channel_a_and_channel_b_without_its_barrier(tmp_path, dask_scheduler):
    import xarray as xr

    result = optimize("YT", {"barrier": (0.5, 1.5)}, budget=1, out=tmp_path,
                      scheduler=dask_scheduler, **TINY)
    (evaluation,) = result["evaluations"]
    a, b = (xr.load_dataset(tmp_path / "points" / name) for name in evaluation["points"])
    assert a.attrs["barrier"] == evaluation["parameters"]["barrier"]
    assert b.attrs["barrier"] == 0.0 and a.attrs["seed"] != b.attrs["seed"]
    assert math.isfinite(evaluation["value"]) and evaluation["error"] > 0


def test_the_error_of_each_evaluation_weighs_it():
    # the middle point measures 10, the others 0 and 1: precise, it is the best; with an
    # error of 100 it says nothing, and the last point (1 +- 0.01) is the best
    def best(middle_error):
        evaluations = [{"index": i, "parameters": {"barrier": x}, "value": v, "error": e}
                       for i, (x, v, e) in enumerate([(0.1, 0.0, 0.01), (0.5, 10.0,
                                                     middle_error), (0.9, 1.0, 0.01)])]
        return best_evaluation(evaluations, {"barrier": (0.0, 1.0)}, 1.0, seed=1)["index"]

    assert best(0.01) == 1
    assert best(100.0) == 2


def test_repeated_points_are_combined_and_unknown_errors_taken_as_the_largest():
    units = np.array([[0.5], [0.5], [0.2], [0.9]])
    values = np.array([1.0, 3.0, 0.0, np.nan])
    errors = np.array([1.0, 1.0, np.nan, 0.1])
    x, z, alpha, mean, scale = training_set(units, values, errors)
    assert x.tolist() == [[0.5], [0.2]]  # the NaN value left out
    assert mean + scale * z[0] == pytest.approx(2.0)
    assert alpha * scale**2 == pytest.approx([0.5, 1.0], rel=1e-4)


@pytest.mark.parametrize("objective,bounds,name", [
    ("ZX", BOUNDS, "objective"),
    ("ZT", {"barier": (0.0, 1.0)}, "barier"),
    ("ZT", {"barrier": (2.0, 1.0)}, "barrier"),
    ("ZT", {"mass_ratio": (-1.0, 1.0)}, "mass_ratio"),
    ("ZT", {"rod_density": (-0.5, 1.0)}, "rod_density"),
    ("ZT", {"interaction_range": (0.0, 3.0)}, "interaction_range"),  # L / 2 = 2.5
])
def test_bad_bounds_or_objective_raise_an_error_naming_them(objective, bounds, name,
                                                            tmp_path):
    with pytest.raises(ParameterError) as caught:
        optimize(objective, bounds, length=5.0, out=tmp_path / "never")
    assert caught.value.name == name
    assert not (tmp_path / "never").exists()


@pytest.mark.parametrize("args,words", [
    (["ZX", "--bound", "barrier=0:1"], ["objective", "ZX"]),
    (["ZT", "--bound", "barrier=2:1"], ["--bound", "barrier", "low < high"]),
    (["ZT", "--bound", "mass_ratio=-1:1"], ["--bound", "mass_ratio", "positive"]),
    (["ZT", "--bound", "height=0:1"], ["--bound", "height"]),
    (["ZT", "--bound", "barrier"], ["--bound", "NAME=LOW:HIGH"]),
])
def test_the_command_gives_one_line_for_bad_input(args, words, error_line, tmp_path):
    assert main(["optimize", *args, "--out", str(tmp_path / "never")]) == 2
    line = error_line()
    assert all(word in line for word in words), line


@pytest.mark.slow
def test_the_command_resumes_a_search_and_prints_it(search, capsys):
    out, first, _ = search
    assert main(["optimize", "ZT", "--bound", "mass_ratio=0.2:2", "--bound", "barrier=0:2",
                 "--length", "5", "--t-measure", "500", "--batch", "2", "--seed", "3",
                 "--budget", "6", "--out", str(out), "--json"]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert [e["value"] for e in result["evaluations"]] == \
        [e["value"] for e in first["evaluations"]]
    assert all(e["reused"] for e in result["evaluations"])
    assert len(captured.err.strip().splitlines()) == 6  # one line per evaluation
