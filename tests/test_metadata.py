"""Results describe themselves: every variable and coordinate has a long name and units,
times are marked as times, and what is not set is absent rather than a sentinel."""

import matplotlib
import pytest
import xarray as xr

from coupledgas import heat_engine, linear_response, onsager, simulate
from coupledgas.metadata import describe, lookup
from coupledgas.params import RunParams
from coupledgas.replicas import run_replicas
from coupledgas.sweep import (
    ENGINE_SCALARS,
    KINDS,
    ONSAGER_SCALARS,
    OPTIONAL_SCALARS,
    PROFILES,
    SCALARS,
    sweep,
)

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

RUN = dict(length=4, t_transient=10, t_measure=300)


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """The five kinds of result (and the engine's linear response), built small."""
    from dask.distributed import Client, LocalCluster

    out = tmp_path_factory.mktemp("sweep")
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        sweep({"replicas": 2, "base": {**RUN, "bins": 3},
               "axes": {"F_u": [0.1, 0.3], "F_rho": [0.0, 0.2]}}, out, client=client)
    matrix, icc = (onsager(length=4, barrier=h, n_rods=3, t_transient=10, t_measure=400)
                   for h in (0.0, 1.0))
    return {
        "run": simulate(**RUN, bins=3, F_u=0.3),
        "replicas": run_replicas(RunParams.create(**RUN), 2, n_bins=3),
        "sweep": xr.load_dataset(out / "results.nc"),  # from the file
        "onsager": matrix,
        "engine": heat_engine(length_a=4, length_b=4, reservoir_particles=300,
                              t_transient=50, t_measure=500, load_b=0.03),
        "linear_response": linear_response(icc, matrix, 1.15, 0.85),
    }


@pytest.mark.parametrize("kind", ["run", "replicas", "sweep", "onsager", "engine",
                                  "linear_response"])
def test_every_variable_and_coordinate_has_a_long_name_and_units(results, kind):
    ds = results[kind]
    for name, variable in ds.variables.items():
        assert variable.attrs.get("long_name"), (kind, name)
        assert variable.attrs.get("units"), (kind, name)


def test_the_coordinates_of_times_are_times(results):
    for ds, name in ((results["run"], "block"), (results["engine"], "time")):
        assert ds[name].attrs["standard_name"] == "time"
        assert ds[name].attrs["units"] == "time"
    assert "middle of the block" in results["run"].block.attrs["long_name"]


def test_xarray_plots_label_their_axes_with_long_name_and_units(results):
    def labels(ax):  # xarray wraps a long label over lines
        return " ".join(ax.get_xlabel().split()), " ".join(ax.get_ylabel().split())

    fig, ax = plt.subplots()
    results["sweep"].J_u.isel(F_rho=0, replica=0).plot(ax=ax)
    assert labels(ax) == ("force F_u = 1 / T_R - 1 / T_L [1/energy]",
                          "energy current J_u [energy/time]")
    ax.clear()
    results["run"].J_rho_block.plot(ax=ax)
    assert labels(ax) == ("time at the middle of the block [time]",
                          "particle current J_rho in each block [1/time]")
    plt.close(fig)


def test_errors_and_per_end_values_have_the_units_of_their_quantity(results):
    run = results["run"]
    assert run.J_rho_err.attrs == {"long_name": "standard error of particle current J_rho",
                                   "units": "1/time"}
    assert lookup("J_u_end_err") == ("standard error of energy current J_u at each end",
                                     "energy/time")
    assert results["replicas"].J_rho_err_replica.attrs["units"] == "1/time"
    assert results["onsager"].L_uu_err.attrs["units"] == "energy^2 length/time"


def test_every_quantity_a_sweep_gathers_and_every_parameter_it_may_vary_is_declared():
    names = set(SCALARS + OPTIONAL_SCALARS + PROFILES + ENGINE_SCALARS + ONSAGER_SCALARS)
    names |= {"events", "t_measured", "cpu_seconds", "errors_reliable", "t_transient",
              "started_from", "replica", "species", "x_rel", "x_edge_rel"}
    for kind in KINDS.values():
        names |= set(kind.parameters())
    for name in sorted(names):
        long_name, units = lookup(name)
        assert long_name and units, name


def test_an_undeclared_name_is_an_error_that_says_where_to_declare_it():
    with pytest.raises(KeyError, match="metadata.VARIABLES"):
        describe(xr.Dataset({"mystery": ((), 1.0)}))
    with pytest.raises(KeyError):
        lookup("mystery_err")


def test_what_is_not_set_is_absent(results):
    run = results["run"]  # bullets exchanged, no replica, no precision target
    for name in ("n_bullets", "replica", "t_max", "rel_err_target"):
        assert name not in run.attrs, name
    assert "replica" not in results["replicas"].attrs
    matrix = results["onsager"]  # the forces method: a force, no covariance blocks
    assert matrix.attrs["force"] == 0.4
    assert "block_time" not in matrix.attrs and "rel_err_target" not in matrix.attrs
    assert "n_bullets" not in matrix.attrs and "replica" not in matrix.attrs


def test_what_is_set_is_there():
    closed = simulate(length=4, t_transient=10, t_measure=200, bins=0,
                      bullet_walls="thermal", n_bullets=3, T_left=1.2, T_right=0.8)
    assert closed.attrs["n_bullets"] == 3
    targeted = simulate(**RUN, bins=0, rel_err=0.9, t_max=600.0)
    assert targeted.attrs["rel_err_target"] == 0.9 and targeted.attrs["t_max"] == 600.0
    replica = simulate(**RUN, bins=0, replica=2)
    assert replica.attrs["replica"] == 2
