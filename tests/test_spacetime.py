"""Space-time pictures and movies show the exact trajectory of the kernel."""

import numpy as np
import pytest
from PIL import Image

from coupledgas import simulate
from coupledgas.cli import main
from coupledgas.kernel import advance_to, new_channel
from coupledgas.params import ParameterError, RunParams
from coupledgas.simulate import seed_sequence
from coupledgas.spacetime import kymograph, world_lines

CHANNEL = dict(length=6.0, F_u=0.4, barrier=0.8, m_rod=0.5, seed=3)
WINDOW = (2.0, 12.0)


@pytest.fixture(scope="module")
def lines():
    return world_lines(WINDOW, **CHANNEL)


def _slopes(ds):
    duration = ds.t_end.values - ds.t_start.values
    return (ds.x_end.values - ds.x_start.values) / np.where(duration > 0, duration, np.nan)


def test_world_lines_end_where_an_independent_run_puts_the_particles(lines):
    params = RunParams.create(**CHANNEL, t_transient=WINDOW[0])
    rng = np.random.default_rng(seed_sequence(params))
    state, _ = advance_to(new_channel(params, rng), rng, WINDOW[1])
    slots = state.order()
    expected = dict(zip(state.ident[slots], state.x[slots] + state.v[slots]
                        * (WINDOW[1] - state.t_last[slots])))
    at_end = lines.t_end.values == WINDOW[1]
    got = dict(zip(lines.particle.values[at_end], lines.x_end.values[at_end]))
    assert got.keys() == expected.keys()
    for ident, x in expected.items():
        assert got[ident] == pytest.approx(x, abs=1e-9)


def test_world_lines_are_continuous_and_stay_in_the_channel(lines):
    order = np.lexsort((lines.t_start.values, lines.particle.values))
    p, t0, x0, t1, x1 = (lines[name].values[order] for name in
                         ("particle", "t_start", "x_start", "t_end", "x_end"))
    same = p[1:] == p[:-1]
    np.testing.assert_array_equal(t0[1:][same], t1[:-1][same])  # each flight starts where
    np.testing.assert_array_equal(x0[1:][same], x1[:-1][same])  # the last one ended
    assert np.all(t1 >= t0)
    assert np.all((x0 >= -1e-12) & (x1 <= CHANNEL["length"] + 1e-12))
    # every event is the end of one flight per particle involved
    encounters = np.isin(lines.kind.values, ("pass", "bounce"))
    assert len(p) == (len(lines.event) + encounters.sum() + np.sum(lines.t_end == WINDOW[1])
                      - np.sum(lines.kind == "injection"))


def test_marker_counts_are_the_kernel_counters_over_the_window(lines):
    assert np.sum(lines.kind == "pass") == lines.attrs["passes"] > 100
    assert np.sum(lines.kind == "bounce") == lines.attrs["bounces"] > 100
    assert len(lines.event) == lines.attrs["events"]


def test_passes_cross_and_bounces_reflect(lines):
    """At a pass both particles keep their velocities, so their lines cross; at a bounce
    the velocities follow the elastic collision law and the lines turn back."""
    slopes = _slopes(lines)
    index = {(p, t): k for k, (p, t) in enumerate(zip(lines.particle.values,
                                                       lines.t_start.values))}
    ending = {(p, t): k for k, (p, t) in enumerate(zip(lines.particle.values,
                                                        lines.t_end.values))}
    masses = (1.0, CHANNEL["m_rod"])
    checked = {"pass": 0, "bounce": 0}
    for t, kind, a, b, sa, sb in zip(lines.time.values, lines.kind.values,
                                     lines.particle_a.values, lines.particle_b.values,
                                     lines.species_a.values, lines.species_b.values):
        if kind not in checked or sa == sb:
            continue
        try:
            va, vb = slopes[ending[a, t]], slopes[ending[b, t]]
            ua, ub = slopes[index[a, t]], slopes[index[b, t]]
        except KeyError:  # a flight cut by the window's end
            continue
        if not np.all(np.isfinite([va, vb, ua, ub])) or min(
                lines.t_end.values[index[a, t]] - t, t - lines.t_start.values[ending[a, t]],
                lines.t_end.values[index[b, t]] - t,
                t - lines.t_start.values[ending[b, t]]) < 1e-3:
            continue  # slopes of very short flights are not precise
        assert va > vb  # they approached
        ma, mb = masses[sa], masses[sb]
        if kind == "pass":
            assert (ua, ub) == pytest.approx((va, vb), rel=1e-6, abs=1e-6)
            assert ua > ub  # a continues to the right of b: the lines cross
        else:
            assert ua == pytest.approx(((ma - mb) * va + 2 * mb * vb) / (ma + mb), abs=1e-6)
            assert ub == pytest.approx(((mb - ma) * vb + 2 * ma * va) / (ma + mb), abs=1e-6)
            assert ua < ub  # they separate: a stays on the left
        checked[kind] += 1
    assert checked["pass"] > 50 and checked["bounce"] > 50


def test_kymograph_averages_to_the_run_profile_over_the_same_stretch():
    window = (50.0, 250.0)
    ky = kymograph(window, interval=20.0, bins=6, **CHANNEL)
    run = simulate(**CHANNEL, t_transient=window[0], t_measure=window[1] - window[0], bins=6)
    weights = ky.crossings.values
    mean_mass = (ky.mean_mass.values * weights).sum(axis=0) / weights.sum(axis=0)
    np.testing.assert_allclose(mean_mass, run.mean_mass.values, rtol=1e-12)
    np.testing.assert_allclose(ky.density.mean("time").values, run.density.values,
                               rtol=1e-12)
    assert len(ky.time) == 10
    assert np.all((ky.mean_mass >= 0.5 - 1e-12) & (ky.mean_mass <= 1.0 + 1e-12))


def test_movie_writes_a_gif_with_one_frame_per_interval(tmp_path):
    out = tmp_path / "gas.gif"
    assert main(["movie", "--length", "6", "--window", "1:4", "--frame-interval", "0.5",
                 "--out", str(out)]) == 0
    with Image.open(out) as gif:
        assert gif.n_frames == 7


def test_spacetime_command_writes_the_picture_and_its_data(tmp_path):
    out, data = tmp_path / "st.png", tmp_path / "st.nc"
    assert main(["spacetime", "--length", "6", "--window", "0:3", "--out", str(out),
                 "--data", str(data)]) == 0
    assert out.stat().st_size > 10_000 and data.is_file()


@pytest.mark.parametrize("args,message", [
    (["spacetime", "--window", "5:2"], "--window: T1 must be finite and after T0"),
    (["spacetime", "--window", "-1:2"], "--window: T0 must be a finite time >= 0"),
    (["movie", "--window", "a:b"], "--window: expected T0:T1"),
    (["movie", "--window", "0:2", "--out", "gas.avi"], "--out: must end in .gif or .mp4"),
    (["spacetime", "--window", "0:2", "--mode", "kymograph", "--interval", "5"],
     "--interval: must lie in (0, T1 - T0"),
])
def test_bad_windows_give_one_line_errors(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_a_window_with_too_many_events_is_refused():
    with pytest.raises(ParameterError, match="window"):
        world_lines((0.0, 50.0), max_events=1000, **CHANNEL)
