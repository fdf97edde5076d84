"""Long runs: checkpoints that survive SIGKILL and Ctrl-C, precision on demand, replicas."""

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from coupledgas import RunParams
from coupledgas.checkpoint import load, save
from coupledgas.cli import main
from coupledgas.progress import ProgressLine, compile_notice
from coupledgas.replicas import run_replicas
from coupledgas.simulate import Run

RUN = ["run", "--length", "20", "--F-u", "0.3", "--t-measure", "40000", "--bins", "8",
       "--seed", "5", "--json"]
#: what must agree bit for bit (timings and event rates need not)
PHYSICS = ("J_rho", "J_rho_err", "J_u", "J_u_err", "J_rho_left", "J_rho_right",
           "J_u_left", "J_u_right", "entropy_production", "bullet_density", "events",
           "t_measured")


def cli(*args, **kw):
    return subprocess.Popen([sys.executable, "-m", "coupledgas.cli", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


@pytest.fixture(scope="module")
def uninterrupted():
    # the same command in this process (one of its own costs seconds of start-up); the
    # interrupted and resumed runs below are processes of their own
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(RUN) == 0
    return json.loads(out.getvalue())


def _interrupt_after_first_checkpoint(path, sig):
    proc = cli(*RUN, "--checkpoint", str(path), "--checkpoint-every", "0.3")
    deadline = time.monotonic() + 120
    while not path.exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
        time.sleep(0.05)
    time.sleep(0.2)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out, err


def _resume(path):
    # in this process: only the interrupted run needs one of its own
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["resume", str(path), "--json"]) == 0
    return json.loads(out.getvalue())


@pytest.mark.slow
def test_a_killed_run_resumes_to_exactly_the_uninterrupted_result(tmp_path, uninterrupted):
    path = tmp_path / "run.ckpt"
    code, _, _ = _interrupt_after_first_checkpoint(path, signal.SIGKILL)
    assert code == -signal.SIGKILL
    resumed = _resume(path)
    for key in PHYSICS:
        assert resumed[key] == uninterrupted[key], key


@pytest.mark.slow
def test_ctrl_c_saves_the_checkpoint_and_exits_cleanly(tmp_path, uninterrupted):
    path = tmp_path / "run.ckpt"
    code, out, err = _interrupt_after_first_checkpoint(path, signal.SIGINT)
    assert code == 130 and out == ""
    assert err.strip().splitlines()[-1] == f"coupledgas: interrupted; checkpoint saved: " \
                                           f"coupledgas resume {path}"
    assert "Traceback" not in err
    assert not list(tmp_path.glob(".*.tmp*"))
    resumed = _resume(path)
    for key in PHYSICS:
        assert resumed[key] == uninterrupted[key], key


@pytest.mark.slow
def test_a_stochastic_dissipative_run_resumes_bit_for_bit(tmp_path):
    # the passing rule's random numbers and the TC model's bounce times are in the state
    params = RunParams.create(length=8.0, F_u=0.3, passing="quantum", dissipation=0.2,
                              dissipate_at="both", collapse_time=0.05, t_transient=50.0,
                              t_measure=400.0)
    whole = Run.start(params, n_bins=4).advance().dataset()
    run = Run.start(params, n_bins=4)
    for _ in range(300):
        run.advance_block()
    save(run, tmp_path / "cp.npz")
    resumed = load(tmp_path / "cp.npz").advance().dataset()
    for name in ("J_rho_block", "J_u_block", "dissipated_power", "bounces_made_elastic",
                 "mean_mass"):
        np.testing.assert_array_equal(resumed[name].values, whole[name].values)
    assert whole.bounces_made_elastic > 0 and whole.dissipated_power > 0


def test_resume_can_measure_longer(tmp_path):
    params = RunParams.create(length=6.0, F_u=0.3, t_measure=1000.0, seed=2)
    run = Run.start(params, n_bins=0).advance()
    save(run, tmp_path / "r.ckpt")
    assert main(["resume", str(tmp_path / "r.ckpt"), "--t-measure", "3000", "--json"]) == 0
    restored = load(tmp_path / "r.ckpt")
    assert restored.measured_time == pytest.approx(4000.0)
    assert restored.dataset().J_rho_end.values[0] != run.dataset().J_rho_end.values[0]


@pytest.mark.parametrize("content", [None, b"not a checkpoint"])
def test_a_missing_or_unreadable_checkpoint_is_one_clear_line(tmp_path, error_line, content):
    path = tmp_path / "x.ckpt"
    if content is not None:
        path.write_bytes(content)
    assert main(["resume", str(path)]) == 2
    line = error_line()
    assert "CHECKPOINT" in line and str(path) in line


def test_precision_target_stops_the_run_once_both_currents_are_known_that_well():
    params = RunParams.create(length=5.0, barrier=0.0, F_rho=0.5, t_measure=400.0, seed=1)
    run = Run.start(params, n_bins=0, rel_err=0.05).advance()
    ds = run.dataset()
    assert ds.attrs["target_reached"] == 1
    for name in ("J_rho", "J_u"):
        assert ds[name + "_err"] <= 0.05 * abs(ds[name])
    assert 400.0 <= ds.attrs["t_measured"] < 400.0 * 100  # before the default t_max


def test_precision_target_out_of_reach_stops_at_t_max_and_says_so(capsys):
    assert main(["run", "--length", "5", "--F-u", "0", "--t-measure", "200", "--rel-err",
                 "0.001", "--t-max", "800", "--bins", "0"]) == 0
    out = capsys.readouterr().out
    assert "NOT reached by t-max" in out and "over t = 800" in out


def test_replicas_are_the_spawned_seeds_combined_with_propagated_errors():
    params = RunParams.create(length=6.0, F_u=0.3, t_measure=3000.0, seed=4)
    combined = run_replicas(params, replicas=3, workers=2, n_bins=0)
    singles = [Run.start(RunParams(**{**params.as_attrs(), "replica": k}), n_bins=0)
               .advance().dataset() for k in range(3)]
    values = np.array([s.J_rho.item() for s in singles])
    errors = np.array([s.J_rho_err.item() for s in singles])
    np.testing.assert_array_equal(combined.J_rho_replica, values)
    assert combined.J_rho.item() == pytest.approx(values.mean())
    assert combined.J_rho_err.item() == pytest.approx(np.sqrt(np.sum(errors**2)) / 3)
    assert len(set(values)) == 3  # independent
    low, high = combined.attrs["spread_ratio_range"]
    assert low < 1 < high and "spread_ratio_J_rho" in combined.attrs


def test_plot_draws_profiles_and_block_series(tmp_path, capsys):
    nc = tmp_path / "run.nc"
    assert main(["run", "--length", "5", "--t-measure", "500", "--out", str(nc)]) == 0
    assert main(["plot", str(nc)]) == 0
    png = tmp_path / "run.png"
    assert png.read_bytes()[:4] == b"\x89PNG" and png.stat().st_size > 10000


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_line_shows_time_rate_currents_and_time_left():
    params = RunParams.create(length=5.0, F_u=0.3, t_measure=500.0)
    stream = Terminal()
    line = ProgressLine(stream, interval=0.0)
    Run.start(params, n_bins=0).advance(on_block=line)
    last = stream.getvalue().split("\r")[-1]
    for field in ("t = 500", "M events/s", "J_rho = ", "J_u = ", "left ~0:00:00"):
        assert field in last
    assert os.linesep not in stream.getvalue()  # one line, rewritten
    # the transient (default 200 here) reports too, in pieces of one block length
    assert "transient 200 / 200" in stream.getvalue()
    # piped: whole lines
    piped = io.StringIO()
    Run.start(params, n_bins=0).advance(on_block=ProgressLine(piped, interval=0.0))
    lines = piped.getvalue().splitlines()
    assert len(lines) > 10 and "\r" not in piped.getvalue() and "t = 500" in lines[-1]


def test_a_compiling_kernel_is_announced_at_once_and_a_loaded_one_is_not():
    slow, fast = io.StringIO(), io.StringIO()
    with compile_notice(slow, after=0.01):
        time.sleep(0.2)
    with compile_notice(fast, after=0.5):
        pass
    assert slow.getvalue().startswith("coupledgas: compiling the simulation kernel")
    assert slow.getvalue().endswith(" compiled in 0 s\n")
    assert fast.getvalue() == ""


def test_plot_of_a_missing_result_is_one_line(tmp_path, error_line):
    assert main(["plot", str(tmp_path / "missing.nc")]) == 2
    assert "no such file" in error_line()
