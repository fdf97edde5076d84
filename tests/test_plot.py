"""``coupledgas plot`` draws what it is given: a run, a sweep, an Onsager matrix, an engine;
anything else is one line naming the file."""

import matplotlib
import pytest
import xarray as xr

from coupledgas import heat_engine, onsager, simulate
from coupledgas.cli import main
from coupledgas.files import write_netcdf
from coupledgas.plot import DRAW, kind_of
from coupledgas.sweep import sweep

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

RUN = dict(length=4, t_transient=10, t_measure=300)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A small sweep's results.nc (a grid axis and a zipped axis, two replicas), a run,
    an Onsager matrix and an engine, written as the commands write them."""
    from dask.distributed import Client, LocalCluster

    out = tmp_path_factory.mktemp("results")
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        sweep({"replicas": 2, "base": {**RUN, "bins": 0},
               "axes": {"barrier": [0.5, 1.0, 2.0],
                        "line": {"T_left": [1.1, 1.2], "T_right": [0.9, 0.8]}}},
              out / "sweep", client=client)
    made = {"sweep": out / "sweep" / "results.nc"}
    for kind, ds in (("run", simulate(**RUN, bins=4, F_u=0.3)),
                     ("onsager", onsager(length=4, barrier=0.0, n_rods=3, t_transient=10,
                                         t_measure=400)),
                     ("engine", heat_engine(length_a=4, length_b=4, reservoir_particles=300,
                                            t_transient=50, t_measure=500, load_b=0.03))):
        made[kind] = out / f"{kind}.nc"
        write_netcdf(ds, made[kind])
    return made


@pytest.mark.parametrize("kind", ["run", "sweep", "onsager", "engine"])
def test_each_kind_of_result_is_recognised_and_drawn(files, kind, capsys):
    png = files[kind].with_name(f"{kind}-plot.png")
    assert main(["plot", str(files[kind]), "--out", str(png)]) == 0
    assert capsys.readouterr().out.strip() == str(png)
    assert png.stat().st_size > 10_000
    assert kind_of(xr.load_dataset(files[kind])) == kind


def test_a_sweep_draws_each_current_against_each_axis_one_line_per_other_value(files):
    ds = xr.load_dataset(files["sweep"])
    fig = DRAW["sweep"](ds)
    panels = fig.axes
    assert len(panels) == 4  # J_rho and J_u against barrier and against the zipped line
    assert [" ".join(ax.get_xlabel().split()) for ax in panels] == [
        "barrier h [energy]", "temperature T_L of the left reservoir [energy]"] * 2
    assert [ax.get_ylabel() for ax in panels] == ["particle current J_rho [1/time]"] * 2 \
        + ["energy current J_u [energy/time]"] * 2
    # against the barrier: one line per point of the line and replica (2 x 2), each with
    # its three barriers; against the line: 3 barriers x 2 replicas, two points each
    assert [len(ax.containers) for ax in panels] == [4, 6, 4, 6]
    assert len(panels[0].containers[0].lines[0].get_xdata()) == 3
    labels = [text.get_text() for text in panels[0].get_legend().get_texts()]
    assert "T_left = 1.1, T_right = 0.9, replica = 0" in labels
    plt.close(fig)


def test_a_run_draws_its_profiles_and_block_series_with_their_units(files):
    fig = DRAW["run"](xr.load_dataset(files["run"]))
    labels = {ax.get_ylabel() for ax in fig.axes}
    assert {"density [1/length]", "temperature [energy]", "particle current J_rho [1/time]",
            "energy current J_u [energy/time]"} <= labels
    assert "time at the middle of the block [time]" in {ax.get_xlabel() for ax in fig.axes}
    plt.close(fig)


def test_an_unknown_file_is_one_line_naming_it(tmp_path, error_line):
    foreign = tmp_path / "foreign.nc"
    xr.Dataset({"foo": ("x", [1.0, 2.0])}).to_netcdf(foreign)
    assert main(["plot", str(foreign)]) == 2
    assert error_line() == (f"coupledgas: error: RESULT: {foreign} is not a run, a sweep's "
                            "results.nc, an Onsager matrix or a heat engine's result")
    text = tmp_path / "notes.nc"
    text.write_text("not netCDF\n")
    assert main(["plot", str(text)]) == 2
    assert error_line() == f"coupledgas: error: RESULT: cannot read {text}: not a netCDF file"
    assert main(["plot", str(tmp_path / "missing.nc")]) == 2
    assert str(tmp_path / "missing.nc") in error_line()
    assert not list(tmp_path.glob("*.png"))
