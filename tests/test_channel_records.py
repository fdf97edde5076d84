"""A channel is a value: one record, checked once, that every set-up takes with every rule."""

import numpy as np
import pytest
import xarray as xr

from coupledgas import (
    Channel,
    Measurement,
    ParameterError,
    Reservoirs,
    RunParams,
    heat_engine,
    onsager,
    simulate,
)
from coupledgas.cli import main
from coupledgas.onsager import check

Z = 4.0


def test_a_channel_checks_each_field_once_and_names_the_bad_one():
    for bad, name in ((dict(length=-1), "length"), (dict(barrier=-0.1), "barrier"),
                      (dict(passing="fast"), "passing"), (dict(dissipation=1.0), "dissipation"),
                      (dict(n_bullets=5), "n_bullets"),
                      (dict(length=1.0, interaction_range=0.5), "interaction_range")):
        with pytest.raises(ParameterError, match=f"^{name}:"):
            Channel(**bad)
    with pytest.raises(ParameterError, match="did you mean 'length'"):
        Channel.of(lenght=3)
    assert Channel.of(rods=7, range=0.1).n_rods == 7  # the aliases of the command line


def test_a_run_built_from_a_channel_is_the_run_built_from_its_fields():
    channel = Channel(length=8.0, barrier=0.7, passing="smooth", passing_width=0.2)
    from_record = RunParams.create(channel=channel, F_u=0.2)
    assert from_record == RunParams.create(**channel.keywords(), F_u=0.2)
    assert from_record.channel == Channel.of(channel, n_rods=from_record.n_rods)
    # a keyword replaces the record's field
    assert RunParams.create(channel=channel, barrier=0.3).barrier == 0.3
    a = simulate(channel=channel, F_u=0.2, t_transient=10, t_measure=200, bins=0)
    b = simulate(**channel.keywords(), F_u=0.2, t_transient=10, t_measure=200, bins=0)
    assert a.J_rho.item() == b.J_rho.item()  # the same trajectory


def test_onsager_and_the_engine_refuse_what_they_cannot_measure():
    with pytest.raises(ParameterError, match="^bullet_walls:"):
        check(channel=Channel(bullet_walls="thermal"))
    with pytest.raises(ParameterError, match="did you mean 'passing_width'"):
        check(passing_widht=0.2)
    with pytest.raises(ParameterError, match="^length_b:"):
        heat_engine(length_b=-1.0)
    with pytest.raises(ParameterError, match="^m_bullet_b:"):
        heat_engine(channel_b=Channel(barrier=0.0, m_bullet=2.0))
    with pytest.raises(ParameterError, match="did you mean 'dissipate_at_a'"):
        heat_engine(dissipate_at_aa="collision")


def test_onsager_with_the_smooth_rule_keeps_reciprocity():
    # the smooth rule passes with a probability that depends on E_rel only, which time
    # reversal keeps: the matrix stays symmetric (L_ru = L_ur), and the passes are
    # the smooth rule's (a particle current against the forces needs bounces)
    channel = Channel(length=6.0, barrier=0.6, n_rods=6, passing="smooth", passing_width=0.3)
    ds = onsager(channel, t_transient=50.0, t_measure=8000.0, seed=2)
    assert ds.attrs["passing"] == "smooth" and ds.attrs["passing_width"] == 0.3
    assert abs(ds.reciprocity_gap.item()) < Z
    assert ds.L_rr > Z * ds.L_rr_err and ds.L_uu > Z * ds.L_uu_err


def test_an_engine_with_loss_at_passes_balances_its_energy_with_the_loss():
    # every slice checks energy in - out = content change + energy dissipated; the loss
    # shows as heat missing at the cold end: Q_hot - Q_cold - P > 0
    ds = heat_engine(T_hot=1.2, T_cold=0.8, channel_a=Channel(length=6.0, dissipation=0.3),
                     length_b=6.0, reservoir_particles=1000, t_transient=200.0,
                     t_measure=4000.0, seed=5)
    assert ds.attrs["dissipation_a"] == 0.3 and ds.attrs["dissipate_at_a"] == "pass"
    assert ds.attrs["dissipation_b"] == 0.0
    lost = ds.heat_hot.item() - ds.heat_cold.item() - ds.power.item()
    err = np.hypot(ds.heat_hot_err.item(), ds.heat_cold_err.item())
    assert lost > Z * err


def test_the_command_line_takes_every_channel_option_for_onsager_and_each_engine_channel(
        tmp_path):
    onsager_file, engine_file = tmp_path / "onsager.nc", tmp_path / "engine.nc"
    assert main(["onsager", "--length", "4", "--rods", "3", "--passing", "smooth",
                 "--passing-width", "0.3", "--t-transient", "10", "--t-measure", "400",
                 "--out", str(onsager_file)]) == 0
    assert main(["heat-engine", "--length-a", "5", "--length-b", "5", "--dissipation-a",
                 "0.2", "--dissipate-at-a", "collision", "--passing-b", "smooth",
                 "--t-measure", "200", "--t-transient", "10", "--reservoir-particles", "300",
                 "--out", str(engine_file)]) == 0
    with xr.open_dataset(onsager_file) as ds:
        assert (ds.attrs["passing"], ds.attrs["passing_width"], ds.attrs["n_rods"]) == \
            ("smooth", 0.3, 3)
    with xr.open_dataset(engine_file) as ds:
        assert (ds.attrs["dissipation_a"], ds.attrs["dissipate_at_a"]) == (0.2, "collision")
        assert (ds.attrs["passing_a"], ds.attrs["passing_b"]) == ("threshold", "smooth")
        assert ds.attrs["barrier_b"] == 0.0  # channel B's own default stays


def test_the_channel_defaults_are_declared_once_in_the_record():
    # no function of the package repeats a channel field's default as a literal: each
    # takes it from ``Channel`` (the ring is its own system, Lepri's alternating-mass
    # ring, with its own defaults)
    import ast
    from pathlib import Path

    import coupledgas

    repeated = []
    for path in Path(coupledgas.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef) or node.name == "ring":
                continue
            args = node.args
            pairs = list(zip(args.args[len(args.args) - len(args.defaults):], args.defaults))
            pairs += zip(args.kwonlyargs, args.kw_defaults)
            repeated += [f"{path.name}:{node.name}({arg.arg}={default.value!r})"
                         for arg, default in pairs if arg.arg in Channel.names()
                         and isinstance(default, ast.Constant) and default.value is not None]
    assert not repeated


def test_reservoirs_are_a_value_that_a_run_takes_as_it_takes_their_keywords():
    by_forces = Reservoirs.of(F_u=0.3)  # the Letter's Fig. 2 point: T_L > T_R, F_rho = 0
    assert by_forces.T_left > by_forces.T_right and by_forces.F_rho == 0.0
    assert RunParams.create(reservoirs=by_forces, length=20) == RunParams.create(
        F_u=0.3, length=20)
    by_states = Reservoirs.of(T_left=1.2, T_right=0.8)
    assert by_states.F_u == pytest.approx(1 / 0.8 - 1 / 1.2)
    params = RunParams.create(reservoirs=by_states, length=6, t_measure=200)
    assert params.reservoirs == Reservoirs.of(T_left=1.2, T_right=0.8)
    record = simulate(reservoirs=by_states, length=6, t_measure=200, bins=0)
    keywords = simulate(T_left=1.2, T_right=0.8, length=6, t_measure=200, bins=0)
    assert record.attrs["events"] == keywords.attrs["events"]  # the same run, bit for bit
    assert record.J_rho_block.identical(keywords.J_rho_block)
    assert "reservoirs" not in RunParams.names()  # a record, not a sweepable parameter


@pytest.mark.parametrize("build, name", [
    (lambda: Reservoirs.of(T=-1.0), "T"),
    (lambda: Reservoirs.of(T_left=-1.2), "T_left"),
    (lambda: Reservoirs.of(T_left=1.2, F_u=0.1), "T_left"),
    (lambda: RunParams.create(reservoirs=Reservoirs.of(), F_u=0.1), "F_u"),
    (lambda: RunParams.create(reservoirs={"F_u": 0.1}), "reservoirs"),
])
def test_bad_reservoirs_name_the_parameter(build, name):
    with pytest.raises(ParameterError) as err:
        build()
    assert err.value.name == name


def test_a_measurement_is_a_value_that_a_run_takes_as_it_takes_its_keywords():
    measured = Measurement(t_transient=50.0, t_measure=300.0, bins=4, seed=7)
    record = simulate(measurement=measured, length=6, F_u=0.3)
    keywords = simulate(t_transient=50, t_measure=300, bins=4, seed=7, length=6, F_u=0.3)
    assert record.attrs["events"] == keywords.attrs["events"]  # the same run, bit for bit
    assert record.J_rho_block.identical(keywords.J_rho_block)
    assert record.sizes["x"] == 4 and record.attrs["seed"] == 7
    # a default transient is resolved from the channel's length: max(200, L^2 / 2)
    assert Measurement().transient(40.0) == 800.0 and measured.transient(40.0) == 50.0
    assert Measurement(rel_err=0.01, t_measure=10.0).target == (0.01, 1000.0)
    assert "measurement" not in RunParams.names()  # a record, not a sweepable parameter


@pytest.mark.parametrize("build, name", [
    (lambda: Measurement(t_measure=0.0), "t_measure"),
    (lambda: Measurement(t_transient=-1.0), "t_transient"),
    (lambda: Measurement(bins=2.5), "bins"),
    (lambda: Measurement(seed=-3), "seed"),
    (lambda: Measurement(t_max=10.0), "t_max"),  # a longest time needs a target
    (lambda: Measurement(rel_err=0.1, t_measure=100.0, t_max=50.0), "t_max"),
    (lambda: simulate(measurement=Measurement(), bins=3), "bins"),
    (lambda: RunParams.create(measurement=Measurement(), seed=4), "seed"),
    (lambda: simulate(measurement={"seed": 4}), "measurement"),
])
def test_bad_measurements_name_the_parameter(build, name):
    with pytest.raises(ParameterError) as err:
        build()
    assert err.value.name == name


def test_the_command_lines_defaults_are_the_apis():
    # each option group of the command line takes its defaults from the record or the
    # function it calls: none is written twice
    from coupledgas import heat_engine, onsager, ring
    from coupledgas.cli_options import (
        ENGINE_OPTIONS,
        MEASUREMENT_OPTIONS,
        ONSAGER_OPTIONS,
        RING_OPTIONS,
        default,
    )

    def defaults(group):
        return {p.name: getattr(p.default.default, "value", p.default.default)
                for p in group}

    assert defaults(MEASUREMENT_OPTIONS) == {
        name: value for name, value in vars(Measurement()).items()}
    for group, function in ((ONSAGER_OPTIONS, onsager), (ENGINE_OPTIONS, heat_engine),
                            (RING_OPTIONS, ring)):
        for name, value in defaults(group).items():
            expected = default(function, name)
            if name == "masses":
                expected = ",".join(f"{m:g}" for m in expected)
            assert value == expected, (function.__name__, name)
