"""Sweeps on Dask: grids of runs that resume, on a local cluster or any scheduler."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import xarray as xr

from coupledgas.cli import main
from coupledgas.onsager import onsager
from coupledgas.simulate import Run
from coupledgas.sweep import SweepSpec, slurm_cluster, sweep, sweeps

SPEC = """
replicas = 2
[base]
length = 5
barrier = 1
t-measure = 1500
bins = 4
[axes]
F_u = [0.1, 0.3]
F_rho = {start = 0.0, stop = 0.2, num = 2}
"""


@pytest.fixture(scope="module")
def local_sweep(tmp_path_factory, dask_scheduler):
    # on the tests' shared cluster (conftest): a local cluster of its own costs seconds of
    # worker start-up; the killed sweep below starts one through --workers
    out = tmp_path_factory.mktemp("sweep")
    (out / "spec.toml").write_text(SPEC)
    assert main(["sweep", str(out / "spec.toml"), "--out", str(out / "run"),
                 "--scheduler", dask_scheduler]) == 0
    return out / "run"


@pytest.mark.slow
def test_results_have_one_dimension_per_axis_and_replica(local_sweep):
    ds = xr.load_dataset(local_sweep / "results.nc")
    assert dict(ds.J_rho.sizes) == {"F_u": 2, "F_rho": 2, "replica": 2}
    assert list(ds.F_rho.values) == [0.0, 0.2]
    assert ds.density.dims == ("F_u", "F_rho", "replica", "species", "x_rel")
    assert len(finished_points(local_sweep)) == 8
    assert (local_sweep / "spec.toml").exists()


@pytest.mark.slow
def test_sweep_points_are_the_single_runs_with_the_same_seeds(local_sweep):
    ds = xr.load_dataset(local_sweep / "results.nc")
    spec = SweepSpec.load(local_sweep / "spec.toml")
    for point in spec.points()[::3]:
        single = Run.start(point.params(), **point.options()).advance().dataset()
        where = {name: spec.axes[name][i] for name, i in zip(spec.axes, point.index)}
        where["replica"] = point.replica
        for name in ("J_rho", "J_rho_err", "J_u", "J_u_err"):
            assert ds[name].sel(where).item() == single[name].item()
    # replicas are independent runs
    assert ds.J_rho.isel(F_u=0, F_rho=0, replica=0) != ds.J_rho.isel(F_u=0, F_rho=0, replica=1)


def finished_points(out):
    return [p for p in (out / "points").glob("*.nc") if not p.name.startswith(".")]


@pytest.mark.slow
def test_a_killed_sweep_resumes_without_recomputing_finished_points(tmp_path,
                                                                   dask_scheduler):
    spec = tmp_path / "spec.toml"
    spec.write_text("[base]\nlength = 20\nt_measure = 4000\nbins = 0\n"
                    "[axes]\nF_u = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4]\n")
    out = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-m", "coupledgas.cli", "sweep", str(spec),
                             "--out", str(out), "--workers", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while len(finished_points(out)) < 2:
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its workers
    proc.wait()
    time.sleep(0.5)
    finished = {p: p.stat().st_mtime_ns for p in finished_points(out)}
    assert 2 <= len(finished) < 8
    assert not (out / "results.nc").exists()
    # resumed on another cluster (the tests' shared one): what is on disk is what counts
    assert main(["sweep", str(spec), "--out", str(out), "--scheduler", dask_scheduler]) == 0
    for path, mtime in finished.items():
        assert path.stat().st_mtime_ns == mtime  # not recomputed
    ds = xr.load_dataset(out / "results.nc")
    assert ds.J_rho.sizes == {"F_u": 8} and np.all(np.isfinite(ds.J_rho))
    assert len(finished_points(out)) == 8
    assert not list((out / "points").glob(".*"))  # no half-written point survives


def test_a_point_resumes_from_its_checkpoint_bit_for_bit(tmp_path, monkeypatch):
    from coupledgas.checkpoint import save
    from coupledgas.sweep import run_point

    point = SweepSpec.load({"base": {"length": 8, "t_measure": 2000, "t_transient": 300,
                                     "bins": 4}, "axes": {"F_u": [0.3]}}).points()[0]
    path = tmp_path / f"{point.key()}.nc"
    checkpoint = tmp_path / f".{point.key()}.checkpoint.npz"
    whole = Run.start(point.params(), **point.options()).advance().dataset()
    # a worker died mid-transient (block length 2000 / 1024: the transient has pieces)
    run = Run.start(point.params(), **point.options())
    for _ in range(50):
        run.advance_block()
    assert run.n_blocks == 0 and 0 < run.state.clock < 300
    save(run, checkpoint)
    monkeypatch.setattr(Run, "start", None)  # it must not start afresh
    run_point(point.kind, point.params(), point.options(), str(path))
    resumed = xr.load_dataset(path)
    for name in ("J_rho", "J_rho_err", "J_u", "mean_mass"):
        assert np.array_equal(resumed[name].values, whole[name].values)
    assert not checkpoint.exists()


@pytest.mark.slow
def test_a_sweep_runs_on_an_existing_scheduler(tmp_path, dask_scheduler):
    # the tests' shared cluster (conftest), started before this sweep and running after it
    ds = sweep({"base": {"length": 4, "t_measure": 500, "bins": 0},
                "axes": {"barrier": [0.5, float("inf")]}}, tmp_path, scheduler=dask_scheduler)
    assert ds.J_rho.sizes == {"barrier": 2}
    assert (tmp_path / "results.nc").exists()


@pytest.mark.slow
def test_several_sweeps_share_one_queue_and_count_their_points_together(tmp_path,
                                                                       dask_scheduler):
    base = {"length": 4, "t_measure": 500, "bins": 0}
    parts = {"a": ({"base": base, "axes": {"barrier": [0.5, 1.0]}}, tmp_path / "a"),
             "b": ({"base": base, "axes": {"barrier": [1.0, 2.0, 3.0]}}, tmp_path / "b")}
    calls = []
    results = sweeps(parts, scheduler=dask_scheduler,
                     progress=lambda *counts: calls.append(counts))
    assert results["a"].J_rho.sizes == {"barrier": 2}
    assert results["b"].J_rho.sizes == {"barrier": 3}
    assert calls[-1] == (5, 0, 0, 5)  # (done, running, failed, total) over both parts
    # h = 1 is a point of both sweeps: each directory holds its own copy, the same run
    assert results["a"].J_rho.sel(barrier=1.0) == results["b"].J_rho.sel(barrier=1.0)
    assert len(finished_points(tmp_path / "a")) == 2
    assert len(finished_points(tmp_path / "b")) == 3
    calls.clear()
    sweeps(parts, workers=1, progress=lambda *counts: calls.append(counts))
    assert calls == []  # nothing left to compute, no cluster started


@pytest.mark.slow
def test_a_zipped_axis_varies_its_parameters_together(tmp_path, dask_scheduler):
    spec = {"base": {"length": 4, "t_measure": 300, "bins": 0},
            "axes": {"barrier": [0.5, 1.0],
                     "line": {"T_left": [1.1, 1.2, 1.3], "T_right": [0.9, 0.8, 0.7]}}}
    ds = sweep(spec, tmp_path, scheduler=dask_scheduler)
    assert dict(ds.J_rho.sizes) == {"barrier": 2, "line": 3}
    assert list(ds.T_left.values) == [1.1, 1.2, 1.3] and ds.T_right.dims == ("line",)
    for path in finished_points(tmp_path):  # 6 runs, each on the line T_L + T_R = 2
        attrs = xr.load_dataset(path).attrs
        assert attrs["T_left"] + attrs["T_right"] == pytest.approx(2.0)
    assert len(finished_points(tmp_path)) == 6
    written = SweepSpec.load(tmp_path / "spec.toml")  # the copy names the same points
    assert [p.key() for p in written.points()] == \
        [p.key() for p in SweepSpec.load(spec).points()]


@pytest.mark.slow
def test_an_onsager_sweep_computes_one_matrix_per_point_once(tmp_path, dask_scheduler):
    spec = {"kind": "onsager", "base": {"barrier": 0.0, "force": 0.1, "t_measure": 2000,
                                        "seed": 3},
            "axes": {"length": [4, 6]}}
    ds = sweep(spec, tmp_path, scheduler=dask_scheduler)
    assert dict(ds.L_ru.sizes) == {"length": 2} and list(ds.length.values) == [4, 6]
    assert len(finished_points(tmp_path)) == 2
    single = onsager(length=6, barrier=0.0, force=0.1, t_measure=2000, seed=3)
    for name in ("L_rr", "L_ru", "L_ur", "L_uu", "S_err", "reciprocity_gap"):
        assert ds[name].sel(length=6).item() == single[name].item(), name
    assert ds.events.sel(length=6).item() == single.attrs["events"]
    calls = []
    sweep(spec, tmp_path, workers=1, progress=lambda *counts: calls.append(counts))
    assert calls == []  # every matrix is on disk: nothing computed, no cluster started


def test_encounter_rules_are_sweep_axes_and_unused_settings_do_not_rename_points():
    spec = SweepSpec.load({"base": {"length": 5, "dissipation": 0.1, "t_measure": 100},
                           "axes": {"dissipate_at": ["pass", "collision", "both"],
                                    "passing": ["threshold", "smooth", "quantum"]}})
    points = spec.points()
    assert spec.dims == {"dissipate_at": 3, "passing": 3} and len(points) == 9
    assert {(p.params().dissipate_at, p.params().passing) for p in points} == {
        (a, b) for a in ("pass", "collision", "both") for b in ("threshold", "smooth",
                                                               "quantum")}
    assert len({p.key() for p in points}) == 9

    def key(**base):
        return SweepSpec.load({"base": {"length": 5, **base}, "axes": {"F_u": [0.3]}}
                              ).points()[0].key()

    # a setting that cannot change the trajectory does not change the point's name ...
    assert key() == key(dissipate_at="both", collapse_time=0.5, passing_width=3.0,
                        barrier_width=2.0)
    assert key(dissipation=0.1) == key(dissipation=0.1, collapse_time=0.5)  # at passes
    # ... one that can, does
    assert key(dissipation=0.1) != key(dissipation=0.1, dissipate_at="both")
    assert key(passing="smooth") != key(passing="smooth", passing_width=0.3)


def test_run_and_engine_points_keep_the_names_of_their_files():
    # stored sweeps (docs/figures/*-data) are found again only if these never change
    run = SweepSpec.load({"replicas": 2, "base": {"length": 5, "barrier": 1,
                                                  "t-measure": 1500, "bins": 4},
                          "axes": {"F_u": [0.1, 0.3], "F_rho": [0.0, 0.2]}})
    engine = SweepSpec.load({"kind": "engine", "base": {
        "T_hot": 1.05, "T_cold": 0.95, "length_a": 10.0, "barrier_a": 1.0,
        "length_b": 10.0, "barrier_b": 0.0, "load_a": 0.0, "reservoir_particles": 5000,
        "t_transient": 5000.0, "t_measure": 1e5, "seed": 1}, "axes": {"load_b": [0.0]}})
    assert run.points()[0].key() == "a339b788ce3942654662"
    assert engine.points()[0].key() == "1831780f562a2e964c3f"


def test_slurm_job_script_asks_for_one_single_threaded_worker_per_job():
    cluster = slurm_cluster(queue="short", walltime="01:30:00", memory="2GB", jobs=0,
                            account="physics", scheduler_host="127.0.0.1")
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    for line in ("#SBATCH -p short", "#SBATCH -t 01:30:00", "#SBATCH --account=physics",
                 "#SBATCH --cpus-per-task=1"):
        assert line in script
    assert "--nthreads 1" in script and "tcp://127.0.0.1:" in script


@pytest.mark.parametrize("text,name", [
    ("[base]\nlenght = 5\n[axes]\nF_u = [0.1]\n", "lenght"),
    ("[base]\nlength = -5\n[axes]\nF_u = [0.1]\n", "length"),
    ("[base]\nlength = 5\n[axes]\nF_u = []\n", "F_u"),
    ("[base\nlength = 5\n", "SPEC"),
    ("[axes.line]\nT_left = [1.1, 1.2]\nT_right = [0.9]\n", "line"),
    ("[axes.length]\nT_left = [1.1]\nT_right = [0.9]\n", "length"),
    ("[axes]\nT_left = [1.2]\n[axes.line]\nT_left = [1.1]\nT_right = [0.9]\n", "T_left"),
    ('kind = "onsager"\n[base]\nworkers = 2\n[axes]\nlength = [4]\n', "workers"),
    ('kind = "onsager"\n[axes]\nforce = [0.1, -0.1]\n', "force"),
    ('kind = "onsager"\n[base]\nmethod = "magic"\n[axes]\nlength = [4]\n', "method"),
    ('kind = "onsager"\nreplicas = 2\n[axes]\nlength = [4]\n', "replicas"),
    ('kind = "onsager"\n[axes]\nF_u = [0.1]\n', "F_u"),
    ('[axes]\npassing = ["threshold", "magic"]\n', "passing"),
    ('[axes]\ndissipate_at = ["pass", "walls"]\n', "dissipate_at"),
    ('[base]\ndissipation = 0.1\n[axes]\ncollapse_time = [0.01, -1]\n', "collapse_time"),
])
def test_a_bad_spec_is_one_line_naming_what_is_wrong(tmp_path, error_line, text, name):
    spec = tmp_path / "spec.toml"
    spec.write_text(text)
    assert main(["sweep", str(spec), "--out", str(tmp_path / "o")]) == 2
    line = error_line()
    assert name in line and "SPEC" in line


def test_every_point_kind_declares_what_a_plan_reports_and_plot_draws():
    from coupledgas.point_kinds import KINDS

    for name, kind in KINDS.items():
        assert kind.reported and set(kind.reported) <= set(kind.scalars), name
        assert kind.drawn and set(kind.drawn) <= set(kind.scalars), name
