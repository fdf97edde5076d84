"""Cost plans and budgets: what a sweep will cost before it runs, and what a budget buys."""

import json
import math

import pytest

from coupledgas.cli import main
from coupledgas.plan import Pilots, actual_core_seconds, fit_budget, plan
from coupledgas.sweep import SweepSpec, point_path, run_point

#: two points of about a CPU second each (L = 10: some 3e6 events)
TINY = {"base": {"length": 10, "t_measure": 8000, "bins": 0}, "axes": {"F_u": [0.1, 0.5]}}
TINY_TOML = """
[base]
length = 10
t_measure = 3000
bins = 0
[axes]
F_u = [0.1, 0.5]
"""


@pytest.fixture(scope="module")
def pilots():
    """Pilots shared by the tests (each channel is piloted once)."""
    return Pilots(seconds=0.3)


def test_the_plan_of_a_tiny_sweep_predicts_its_cost_and_finished_points_cost_nothing(
        tmp_path, pilots):
    parts = {"sweep": (TINY, tmp_path)}
    planned = plan(parts, pilots)
    assert [p.done for p in planned.points] == [False, False]
    spec = SweepSpec.load(TINY)
    (tmp_path / "points").mkdir()
    for point in spec.points():  # what a sweep's worker runs
        run_point(point.kind, point.params(), point.options(), point_path(tmp_path, point))
    actual = actual_core_seconds(parts)
    for entry in planned.points:
        # machine noise (other processes, frequency) allows no more than this in a test;
        # the README reports the quick figures within 30%
        assert 0.5 < entry.core_seconds / actual[entry.key] < 2.0
    again = plan(parts, pilots)
    assert [p.done for p in again.points] == [True, True]
    assert again.core_seconds == 0.0 and again.events == 0
    assert [line.split()[-1] for line in again.table().splitlines()[1:3]] == ["done", "done"]


def test_plan_json_has_the_total_and_one_entry_per_point_and_runs_nothing(tmp_path, capsys):
    (tmp_path / "spec.toml").write_text(TINY_TOML)
    out = tmp_path / "out"
    assert main(["sweep", str(tmp_path / "spec.toml"), "--out", str(out), "--plan",
                 "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert len(result["points"]) == 2
    assert result["core_hours"] == pytest.approx(
        sum(p["core_seconds"] for p in result["points"]) / 3600)
    for entry in result["points"]:
        assert {"settings", "t_transient", "t_measure", "events", "core_seconds",
                "relative_errors", "done"} <= set(entry)
        assert entry["t_transient"] == 200.0 and entry["t_measure"] == 3000.0
        assert entry["events"] > 0 and not entry["done"]
    assert [p["settings"]["F_u"] for p in result["points"]] == [0.1, 0.5]
    assert not out.exists()  # a plan runs no point and writes nothing


def test_a_budget_scales_every_measured_time_by_one_factor_and_keeps_the_transients(
        tmp_path, pilots):
    parts = {"sweep": (TINY, tmp_path)}
    full = plan(parts, pilots)
    for budget in (0.4 * full.core_hours, 3.0 * full.core_hours):
        scaled, planned, fitted = fit_budget(parts, budget, pilots=pilots)
        assert planned.core_hours <= budget
        assert planned.core_hours > 0.95 * budget  # spent, not wasted
        spec = scaled["sweep"][0]
        for point, before in zip(spec.points(), SweepSpec.load(TINY).points()):
            assert point.params().t_transient == before.params().t_transient
            assert point.params().t_measure == pytest.approx(
                fitted.scale * before.params().t_measure)
        # errors ~ 1 / sqrt(t)
        for entry, unscaled in zip(planned.points, full.points):
            for name, error in entry.errors.items():
                assert error == pytest.approx(unscaled.errors[name] / math.sqrt(fitted.scale))


def test_a_budget_turns_a_precision_target_into_a_proportionally_stricter_one(pilots,
                                                                             tmp_path):
    spec = {"base": {"length": 10, "t_measure": 2000, "rel_err": 0.2, "bins": 0},
            "axes": {"F_u": [0.5]}}
    parts = {"sweep": (spec, tmp_path)}
    planned = plan(parts, pilots)
    scaled, fitted_plan, fitted = fit_budget(parts, 0.5 * planned.core_hours, pilots=pilots)
    params = scaled["sweep"][0].points()[0]
    assert params.options()["rel_err"] == pytest.approx(0.2 / math.sqrt(fitted.scale))
    assert fitted_plan.points[0].runs[0].t_measure == pytest.approx(
        fitted.scale * planned.points[0].runs[0].t_measure, rel=1e-6)


def test_the_factor_a_budget_chose_is_kept_so_that_a_rerun_finds_its_points(tmp_path,
                                                                            pilots):
    parts = {"sweep": (TINY, tmp_path)}
    record = tmp_path / "budget.json"
    budget = plan(parts, pilots).core_hours * 0.5
    _, first, fitted = fit_budget(parts, budget, record=record, pilots=pilots)
    fitted.write()
    fresh = Pilots(seconds=0.3)  # a rerun: other pilots would choose another factor
    _, again, _ = fit_budget(parts, budget, record=record, pilots=fresh)
    assert again.scale == first.scale
    assert [p.key for p in again.points] == [p.key for p in first.points]
    _, other, _ = fit_budget(parts, budget * 2, record=record, pilots=pilots)
    assert other.scale > first.scale  # another budget: a new factor


@pytest.mark.parametrize("budget", ["0", "-1", "abc", "nan", "inf", "1e-9"])
def test_a_bad_budget_is_one_line_naming_budget(tmp_path, budget, error_line):
    (tmp_path / "spec.toml").write_text(TINY_TOML)
    assert main(["sweep", str(tmp_path / "spec.toml"), "--out", str(tmp_path / "out"),
                 "--budget", budget]) == 2
    line = error_line()
    assert "--budget" in line
    if budget == "1e-9":
        assert "transients" in line
    assert not (tmp_path / "out" / "points").exists()


def test_an_onsager_point_costs_what_its_runs_cost(tmp_path, pilots):
    onsager_spec = {"kind": "onsager", "base": {"length": 10, "force": 0.1,
                                                "symmetric": False, "extrapolate": False,
                                                "t_measure": 4000, "replicas": 2},
                    "axes": {"barrier": [1.0]}}
    runs_spec = {"base": {"length": 10, "t_measure": 4000, "bins": 0},
                 "axes": {"forces": {"F_rho": [0.1, 0.0], "F_u": [0.0, 0.1]}}}
    matrix = plan({"m": (onsager_spec, tmp_path / "m")}, pilots)
    runs = plan({"r": (runs_spec, tmp_path / "r")}, pilots)
    assert len(matrix.points[0].runs) == 4  # (f, 0) and (0, f), two replicas each
    assert matrix.core_seconds == pytest.approx(2 * runs.core_seconds)
    symmetric = plan({"m": ({**onsager_spec, "base": {**onsager_spec["base"],
                                                      "symmetric": True}},
                            tmp_path / "s")}, pilots)
    assert len(symmetric.points[0].runs) == 8
    extrapolated = plan({"m": ({**onsager_spec, "base": {**onsager_spec["base"],
                                                         "symmetric": True,
                                                         "extrapolate": True}},
                               tmp_path / "x")}, pilots)
    # +-f/2 for t_measure and +-f for t_measure / 8 in each direction, two replicas each
    assert sorted({run.t_measure for run in extrapolated.points[0].runs}) == [500.0, 4000.0]
    assert len(extrapolated.points[0].runs) == 16
    assert set(matrix.points[0].errors) == {"L_rr", "L_ru", "L_ur", "L_uu"}


def test_an_engine_point_costs_its_simulated_time_at_the_pilots_speed(tmp_path, pilots):
    base = {"T_hot": 1.05, "T_cold": 0.95, "length_a": 6.0, "length_b": 6.0,
            "reservoir_particles": 2000, "t_transient": 100.0}
    planned = plan({"e": ({"kind": "engine", "base": base,
                           "axes": {"t_measure": [1000.0, 4000.0]}}, tmp_path)}, pilots)
    short, long_ = planned.points
    assert long_.core_seconds / short.core_seconds == pytest.approx(4100 / 1100)
    assert set(short.errors) == {"J_circ", "power"}
