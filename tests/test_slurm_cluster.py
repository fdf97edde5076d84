"""Sweeps through ``--slurm`` on a real SLURM: ``bash scripts/slurm-one-node.sh`` starts one.

The sweep's scheduler and its workers bind to loopback (``DASK_JOBQUEUE__SLURM__INTERFACE
= lo``); the worker jobs write their logs (``slurm-<job>.out``) into the sweep's folder.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import coupledgas
from coupledgas.onsager import onsager


def _why_not() -> str | None:
    """Why the SLURM tests cannot run here, or None."""
    if shutil.which("sbatch") is None:
        return "sbatch is not on PATH (bash scripts/slurm-one-node.sh starts a one-node SLURM)"
    try:
        sinfo = subprocess.run(["sinfo", "--noheader", "--format=%t"], capture_output=True,
                               text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"SLURM does not answer (sinfo: {err})"
    if sinfo.returncode != 0 or not {"idle", "mix"} & set(sinfo.stdout.split()):
        return f"no idle SLURM node (sinfo: {(sinfo.stdout + sinfo.stderr).strip()!r})"
    return None


WHY_NOT = _why_not()
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(WHY_NOT is not None, reason=WHY_NOT or "")]

RUNS = """
[base]
length = 5
barrier = 1
t_measure = 300
bins = 0
[axes]
F_u = [0.1, 0.2, 0.3]
"""
# the engine figure's two Onsager matrices (channel A: h = 1, B: h = 0), small
ONSAGER = """
kind = "onsager"
[base]
length = 5
T = 1.0
mu = 1.5
force = 0.1
t_measure = 2000
[axes.channel]
barrier = [1.0, 0.0]
seed = [11, 12]
"""


def slurm_sweep(folder: Path, spec: str) -> subprocess.CompletedProcess:
    """``coupledgas sweep SPEC --out folder/out --slurm`` with two small worker jobs."""
    (folder / "spec.toml").write_text(spec)
    env = dict(os.environ, DASK_JOBQUEUE__SLURM__INTERFACE="lo",
               PYTHONPATH=os.pathsep.join([str(Path(coupledgas.__file__).parents[1]),
                                           os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, "-m", "coupledgas.cli", "sweep", "spec.toml",
                           "--out", "out", "--slurm", "--slurm-jobs", "2",
                           "--slurm-memory", "2GB", "--slurm-walltime", "00:15:00"],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=900,
                          stdin=subprocess.DEVNULL)


def job_logs(folder: Path) -> dict:
    return {p.name: p.read_text() for p in folder.glob("slurm-*.out")}


def points(folder: Path) -> dict:
    return {p: p.stat().st_mtime_ns for p in (folder / "out" / "points").glob("*.nc")}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("slurm-runs")
    return folder, slurm_sweep(folder, RUNS)


def test_a_sweep_through_slurm_finishes_every_point(runs):
    folder, proc = runs
    assert proc.returncode == 0, proc.stderr
    ds = xr.load_dataset(folder / "out" / "results.nc")
    assert dict(ds.J_rho.sizes) == {"F_u": 3}
    assert np.all(np.isfinite(ds.J_rho)) and np.all(ds.J_rho_err > 0)
    assert len(points(folder)) == 3


def test_a_sweep_through_slurm_is_quiet_and_its_workers_stop_cleanly(runs):
    folder, proc = runs
    assert proc.stdout.strip().splitlines() == [
        "3 points, results: out/results.nc (dimensions: {'F_u': 3})"]
    assert "Traceback" not in proc.stderr and "Error" not in proc.stderr, proc.stderr
    logs = job_logs(folder)
    registered = [text for text in logs.values() if "Registered to:" in text]
    assert registered, logs  # the points ran in SLURM jobs
    for name, text in logs.items():
        assert "Traceback" not in text and "ERROR" not in text, f"{name}:\n{text}"
        for line in text.splitlines():
            if "Registered to:" in line or "Listening to:" in line:
                assert "tcp://127.0.0.1:" in line, line  # loopback only


def test_a_rerun_through_slurm_computes_nothing_and_submits_no_job(runs):
    folder, proc = runs
    assert proc.returncode == 0, proc.stderr
    finished, logs = points(folder), set(job_logs(folder))
    again = slurm_sweep(folder, RUNS)
    assert again.returncode == 0, again.stderr
    assert points(folder) == finished  # not one point recomputed
    assert set(job_logs(folder)) == logs  # no cluster started
    assert again.stderr == ""


def test_onsager_points_through_slurm_are_the_matrices_computed_here(tmp_path):
    proc = slurm_sweep(tmp_path, ONSAGER)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    ds = xr.load_dataset(tmp_path / "out" / "results.nc")
    assert dict(ds.L_ru.sizes) == {"channel": 2}
    assert list(ds.barrier.values) == [1.0, 0.0] and list(ds.seed.values) == [11, 12]
    here = onsager(length=5, barrier=0.0, T=1.0, mu=1.5, force=0.1, t_measure=2000,
                   seed=12)
    for name in ("L_rr", "L_ru", "L_ur", "L_uu", "ZT", "ZT_err"):
        assert ds[name].isel(channel=1).item() == here[name].item(), name
    for text in job_logs(tmp_path).values():
        assert "Traceback" not in text and "ERROR" not in text, text
