"""Cost plans and budgets: what a sweep will cost before it runs, what a budget buys,
and how long it takes on N workers within a walltime."""

import json
import math

import pytest

from coupledgas import pilots as plan_module
from coupledgas.cli import main
from coupledgas.params import RunParams
from coupledgas.plan import (
    Pilot,
    Pilots,
    Plan,
    PointPlan,
    RunPlan,
    actual_core_seconds,
    fit_budget,
    plan,
)
from coupledgas.schedule import EXTRA_COST, makespan, parse_walltime, schedule, split_spec
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


@pytest.fixture(autouse=True)
def pilot_cache_in_tmp(monkeypatch, tmp_path):
    """The command line's pilot cache under the test's ``tmp_path``, not the user's."""
    monkeypatch.setenv("COUPLEDGAS_CACHE_DIR", str(tmp_path / "cache"))


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
        # docs/sweeps.md, "How well a plan predicts": the quick figures within 30%
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


# --- the wall clock: workers, walltime, replicas ---

HOUR = 3600.0


def _point(part, key, transient_hours, measurement_hours, kind="run", chain=None):
    """A planned point of known cost: a transient and a measurement (hours)."""
    seconds = (transient_hours + measurement_hours) * HOUR
    return PointPlan(part=part, kind=kind, varied={"key": key}, key=key, chain=chain,
                     runs=[RunPlan(0.0, 1.0, 0.0, seconds)],
                     measurement_seconds=measurement_hours * HOUR)


def test_lpt_places_the_longest_jobs_first_on_the_worker_free_first():
    assert makespan([2, 3, 4, 3], 2) == 6  # 4 + 2 and 3 + 3
    assert makespan([5, 1, 1], 8) == 5  # more workers than jobs: the longest job
    assert makespan([1.0] * 10, 3) == 4
    assert makespan([], 4) == 0


def test_the_wall_time_of_known_costs_on_n_workers_runs_a_chain_on_one_worker():
    points = [_point("a", f"p{i}", 0.0, 1.0) for i in range(4)]
    chain = [_point("c", f"c{i}", 0.5, 1.0, chain="c0") for i in range(3)]  # 4.5 h in order
    planned = Plan(points=points + chain, load_seconds=2.0)
    on_two = schedule(planned, 2)
    assert on_two.jobs == 5 and on_two.replicas == {"a": 1, "c": 1}
    # the chain alone on one worker (4.5 h), the four hours on the other
    assert on_two.wall_seconds == pytest.approx(4.5 * HOUR + 2.0)
    assert schedule(planned, 1).wall_seconds == pytest.approx(8.5 * HOUR + 2.0)
    as_json = {**planned.as_json(), **on_two.as_json()}
    assert as_json["workers"] == 2 and as_json["walltime"] is None
    assert as_json["wall_seconds"] == pytest.approx(4.5 * HOUR + 2.0)


def test_a_point_longer_than_the_walltime_is_split_into_replicas_that_fit(tmp_path):
    spec = SweepSpec.load({"base": {"length": 10, "t_measure": 9000, "rel_err": 0.01,
                                    "t_max": 9e5, "bins": 0}, "axes": {"F_u": [0.3, 0.5]}})
    # 1 h of transient and 9 h of measurement: 3 replicas of 1 + 3 h fit 4 h
    long_ = _point("scan", "long", 1.0, 9.0)
    short = _point("scan", "short", 1.0, 1.0)
    stuck = _point("scan", "stuck", 5.0, 1.0)  # its transient alone exceeds 4 h
    engine = _point("engine", "engine", 0.0, 5.0, kind="engine")
    planned = Plan(points=[long_, short], specs={"scan": spec})
    split = schedule(planned, 6, walltime=4 * HOUR)
    assert split.replicas == {"scan": 3} and not split.unfit
    assert split.jobs == 6  # a sweep's replicas are for all its points
    assert split.wall_seconds == pytest.approx(4 * HOUR)
    assert split.core_seconds == pytest.approx((3 * 4 + 3 * (1 + 1 / 3)) * HOUR)
    # what to run: replicas = 3, each a third of the measured time, rel_err x sqrt(3)
    to_run = split.specs["scan"]
    assert to_run == split_spec(spec, 3) and to_run.replicas == 3
    assert to_run.base["t_measure"] == pytest.approx(3000)
    assert to_run.base["t_max"] == pytest.approx(3e5)
    assert to_run.base["rel_err"] == pytest.approx(0.01 * math.sqrt(3))
    assert to_run.base["length"] == 10 and "t_transient" not in to_run.base
    assert "split: part scan into 3 replicas" in "\n".join(split.lines())
    unfit = schedule(Plan(points=[stuck, engine], specs={"scan": spec}), 2, 4 * HOUR)
    assert "transient alone takes 5 h" in unfit.unfit["stuck"]
    assert "cannot be split" in unfit.unfit["engine"]
    lines = [line for line in unfit.lines() if line.startswith("does not fit")]
    assert len(lines) == 2


def test_a_split_tiny_sweep_runs_each_replica_within_the_walltime(tmp_path, pilots):
    parts = {"sweep": (TINY, tmp_path)}
    planned = plan(parts, pilots)
    longest = max(planned.points, key=lambda p: p.core_seconds)
    walltime = 0.4 * longest.core_seconds
    split = schedule(planned, 4, walltime)
    assert split.replicas["sweep"] >= 3
    # the split sweep, planned with the same pilots: every replica fits
    replanned = plan({"sweep": (split.specs["sweep"], tmp_path)}, pilots)
    assert len(replanned.points) == 2 * split.replicas["sweep"]
    for entry in replanned.points:
        assert entry.core_seconds <= walltime * 1.001
    assert replanned.core_seconds == pytest.approx(split.core_seconds, rel=1e-6)


def _fake_pilot(params, n_bins, seconds, resolve=()):
    """A pilot without a run: at F_u = 0 the particle current is 0 within its error."""
    j_rho = (0.02, 0.001) if params.F_u else (1e-17, 0.004)
    return Pilot(events_per_time=1e3, events_per_second=1e7, t_measured=100.0,
                 estimates={"J_rho": j_rho, "J_u": (0.05, 0.001)})


@pytest.fixture
def fake_pilots(monkeypatch):
    """Pilots that run nothing (and count their calls)."""
    calls = []

    def pilot(params, n_bins, seconds, resolve=()):
        calls.append(params.F_u)
        return _fake_pilot(params, n_bins, seconds)

    monkeypatch.setattr(plan_module, "_run_pilot", pilot)
    monkeypatch.setattr(plan_module, "_warm_up", lambda params, n_bins: None)
    return calls


def test_an_unresolved_pilot_is_reported_as_unresolved_and_its_target_takes_t_max(
        tmp_path, fake_pilots):
    spec = {"base": {"length": 10, "t_measure": 1000, "rel_err": 0.01, "t_max": 1e5,
                     "bins": 0}, "axes": {"F_u": [0.0, 0.3]}}
    still, driven = plan({"s": (spec, tmp_path)}, Pilots()).points
    assert still.unresolved == {"J_rho": "J_rho within 1 sigma of 0 in the pilot"}
    assert "J_rho within 2 sigma of 0" in still.fallback
    assert still.runs[0].t_measure == 1e5  # the target's bound, not an absurd time
    assert still.as_dict()["relative_errors"]["J_rho"] is None
    assert still.error_text("J_rho") == "J_rho unresolved (within 1 sigma of 0 in the pilot)"
    # resolved: (0.001 / 0.02 / 0.01)^2 x 100 = 2500 time units
    assert not driven.unresolved and driven.fallback is None
    assert driven.runs[0].t_measure == pytest.approx(2500)
    table = Plan(points=[still, driven]).table()
    assert "1e+05+" in table and "2.5e+03*" in table and "planned at t_max" in table


def test_a_second_plan_takes_its_pilots_from_the_cache(tmp_path, fake_pilots, capsys):
    (tmp_path / "spec.toml").write_text(TINY_TOML)
    command = ["sweep", str(tmp_path / "spec.toml"), "--out", str(tmp_path / "out"),
               "--plan", "--json", "--workers", "3", "--walltime", "01:00:00"]
    assert main(command) == 0
    first = json.loads(capsys.readouterr().out)
    assert sorted(fake_pilots) == [0.1, 0.5]
    assert (tmp_path / "cache" / "pilots.json").exists()
    assert main(command) == 0
    second = json.loads(capsys.readouterr().out)
    assert sorted(fake_pilots) == [0.1, 0.5]  # no pilot ran again
    assert second["pilots_reused"] == 2 and first["pilots_reused"] == 0
    assert second["core_seconds"] == first["core_seconds"]
    assert second["workers"] == 3 and second["walltime"] == "01:00:00"
    assert second["wall_seconds"] == pytest.approx(max(
        p["core_seconds"] for p in second["points"]) + second["load_seconds_per_worker"])
    assert [p["replicas"] for p in second["points"]] == [1, 1]
    # other pilot settings are other pilots
    Pilots(seconds=0.3, cache=tmp_path / "cache" / "pilots.json").run(
        SweepSpec.load(TINY).points()[0].params(), 0)
    assert len(fake_pilots) == 3


@pytest.mark.parametrize("walltime", ["24h", "1:00", "00:61:00", "00:00:00", "abc"])
def test_a_bad_walltime_is_one_line_naming_walltime(tmp_path, walltime, error_line,
                                                   fake_pilots):
    (tmp_path / "spec.toml").write_text(TINY_TOML)
    assert main(["sweep", str(tmp_path / "spec.toml"), "--out", str(tmp_path / "out"),
                 "--plan", "--walltime", walltime]) == 2
    assert error_line().startswith("coupledgas: error: --walltime: ")
    assert not fake_pilots  # checked before any pilot runs


def test_walltime_parses_hours_days_and_applies_only_to_a_plan(tmp_path, error_line):
    assert parse_walltime("24:00:00") == 86400
    assert parse_walltime("1-02:03:04") == 93784
    assert parse_walltime("100:00:00") == 360000
    (tmp_path / "spec.toml").write_text(TINY_TOML)
    assert main(["sweep", str(tmp_path / "spec.toml"), "--out", str(tmp_path / "out"),
                 "--walltime", "01:00:00"]) == 2
    assert "--walltime: only applies with --plan" in error_line()


# --- pilots that resolve what a precision target needs ---

def _growing_pilot(value):
    """A synthetic pilot run: after c CPU seconds it has measured 100 c time units, and
    J_rho = ``value`` with an error 0.03 / sqrt(c); ``more`` continues it (and records
    the CPU seconds asked for)."""
    asked = []

    def at(cpu):
        return Pilot(events_per_time=1e3, events_per_second=1e7, t_measured=100.0 * cpu,
                     estimates={"J_rho": (value, 0.03 / math.sqrt(cpu)),
                                "J_u": (0.05, 0.001)}, cpu_seconds=cpu)

    def more(seconds):
        asked.append(seconds)
        return at(asked[-1] + sum(asked[:-1]) + 1.0)

    return at(1.0), more, asked


def test_a_pilot_goes_on_doubling_until_its_target_currents_are_three_errors_from_zero():
    # 3 x 0.03 / sqrt(c) < 0.02 from c = 20.25 CPU seconds on: 1, 2, 4, 8, 16, 32
    first, more, asked = _growing_pilot(0.02)
    resolved = plan_module._stretched(first, more, ("J_rho", "J_u"), cap=60.0)
    assert asked == [1.0, 2.0, 4.0, 8.0, 16.0]  # the same run, continued
    assert resolved.cpu_seconds == 32.0 and resolved.unresolved("J_rho", 3) is None
    # at the cap it stops, unresolved: the last step only up to the cap
    first, more, asked = _growing_pilot(0.02)
    capped = plan_module._stretched(first, more, ("J_rho",), cap=10.0)
    assert asked == [1.0, 2.0, 4.0, 2.0] and capped.cpu_seconds == 10.0
    assert capped.unresolved("J_rho", 3)
    # nothing to resolve (no precision target), or only what it resolves: no stretch
    for names in ((), ("J_u",)):
        first, more, asked = _growing_pilot(0.0)
        assert plan_module._stretched(first, more, names, cap=60.0) is first
        assert not asked


def test_a_plan_stretches_the_pilots_of_precision_targets_and_plans_t_max_only_at_the_cap(
        tmp_path, monkeypatch):
    asked = []

    def pilot(params, n_bins, seconds, resolve=()):  # J_rho = 0 at F_u = 0: never resolved
        asked.append((params.F_u, tuple(resolve)))
        first, more, _ = _growing_pilot(0.02 if params.F_u else 0.0)
        return plan_module._stretched(first, more, resolve, plan_module.PILOT_CAP_SECONDS)

    monkeypatch.setattr(plan_module, "_run_pilot", pilot)
    monkeypatch.setattr(plan_module, "_warm_up", lambda params, n_bins: None)
    monkeypatch.setattr(plan_module, "PILOT_CAP_SECONDS", 40.0)
    spec = {"base": {"length": 10, "t_measure": 1000, "rel_err": 0.1, "t_max": 1e6,
                     "bins": 0}, "axes": {"F_u": [0.0, 0.3]}}
    still, driven = plan({"s": (spec, tmp_path / "a")}, Pilots()).points
    assert asked == [(0.0, ("J_rho", "J_u")), (0.3, ("J_rho", "J_u"))]
    # resolved after 32 s (3200 time units, J_rho's error 0.0053): the target's time
    assert driven.fallback is None and not driven.unresolved
    assert driven.runs[0].t_measure == pytest.approx(3200 * (0.03 / math.sqrt(32) / 0.02
                                                             / 0.1) ** 2)
    assert still.runs[0].t_measure == 1e6
    assert still.fallback.startswith("J_rho within 2 sigma of 0 in the pilot after 4e+03 "
                                     "time units (")  # 32 + 8 s: the cap's 40 s
    assert still.fallback.endswith("a pilot stops at 40 s)")
    # without a precision target nothing is stretched (another pilot than the target's)
    untargeted = {k: v for k, v in spec["base"].items() if k not in ("rel_err", "t_max")}
    plan({"s": ({**spec, "base": untargeted}, tmp_path / "b")}, Pilots())
    assert asked[2:] == [(0.0, ()), (0.3, ())]


def test_a_pilot_whose_rate_has_settled_is_not_marked_drifting():
    params = RunParams.create(length=20.0, F_u=0.1, t_transient=1e5, t_measure=1e4)
    pilot = plan_module._run_pilot(params, 0, 0.3)
    # the transient ended early (the rate settled), not after PILOT_STRETCH x 0.3 s
    assert not pilot.drifting and pilot.cpu_seconds < plan_module.PILOT_STRETCH * 0.3


# --- more replicas where they save rounds on the workers ---

def test_a_split_takes_more_replicas_where_they_save_a_round_at_a_modest_cost(tmp_path):
    spec = SweepSpec.load({"base": {"length": 10, "t_measure": 9000, "rel_err": 0.01,
                                    "t_max": 9e5, "bins": 0}, "axes": {"F_u": [0.3]}})
    # 11 points of 1 h transient and 100 h measurement, a walltime of 20 h: 6 replicas
    # fit (66 jobs: two rounds of 17.7 h on 64 workers); 11 make two rounds of 10.1 h
    points = [_point("scan", f"p{i}", 1.0, 100.0) for i in range(11)]
    split = schedule(Plan(points=points, specs={"scan": spec}), 64, 20 * HOUR)
    assert split.fitting == {"scan": 6} and split.replicas == {"scan": 11}
    assert split.wall_fitting == pytest.approx(2 * (1 + 100 / 6) * HOUR)
    assert split.wall_seconds == pytest.approx(2 * (1 + 100 / 11) * HOUR)
    assert split.jobs == 121  # 12 would take three rounds
    assert split.core_seconds - split.core_fitting == pytest.approx(11 * 5 * HOUR)
    assert split.specs["scan"] == split_spec(spec, 11)
    text = "\n".join(split.lines())
    assert "6 replicas a point would fit the walltime; 11 take 20.2 h instead of 35.3 h" \
        in text and "for 55 more core-hours (+4.7%" in text
    as_json = split.as_json()
    assert as_json["replicas"] == {"scan": 11} and as_json["replicas_fitting"] == {"scan": 6}
    # long transients: the extra replicas may cost at most EXTRA_COST more core-seconds
    # (4 fit 30 h, two rounds on 40 workers; 7 would save a round's 10% but cost 12.5%)
    points = [_point("scan", f"p{i}", 5.0, 100.0) for i in range(11)]
    costly = schedule(Plan(points=points, specs={"scan": spec}), 40, 30 * HOUR)
    assert costly.fitting == {"scan": 4} and costly.replicas == {"scan": 6}
    assert costly.core_seconds <= (1 + EXTRA_COST) * costly.core_fitting
    # every worker busy in one round already: the least that fits (idle workers would
    # have taken more replicas)
    alone = schedule(Plan(points=points[:2], specs={"scan": spec}), 8, 30 * HOUR)
    assert alone.replicas == alone.fitting == {"scan": 4}
    assert "would fit the walltime" not in "\n".join(alone.lines())
