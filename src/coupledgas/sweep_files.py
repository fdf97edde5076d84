"""A sweep's directory: its point files, written atomically, and ``results.nc``
gathered from them.

The sweep directory holds ``spec.toml`` (a copy), ``points/<hash>.nc`` (one result per
finished point, named by a hash of its full parameters and seed, written atomically) and
``results.nc``, the combined Dataset with one dimension per axis (and ``replica``), with
each point's ``events``, ``t_measured``, ``cpu_seconds`` and (runs) ``errors_reliable``.

Running the same sweep again computes only the missing points, and a run point in flight
resumes from its checkpoint (``points/.<hash>.checkpoint.npz``, saved every ten minutes
of wall time), so a killed sweep loses at most ten minutes of each running point; Dask
retries a point whose worker died. The temporary files of writers killed mid-write are
removed (``files.remove_stale_temporaries``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import xarray as xr

from .files import read_netcdf, remove_stale_temporaries, write_netcdf, write_text
from .metadata import describe
from .point_kinds import KINDS, PROFILES

if TYPE_CHECKING:
    from .sweep_spec import SweepPoint, SweepSpec


def point_path(out, point: SweepPoint) -> Path:
    """Where a sweep in the directory ``out`` keeps the result of ``point``."""
    return Path(out) / "points" / f"{point.key()}.nc"


def run_point(kind: str, params, options: dict, path: str, link=None, after=None) -> str:
    """Run one point and write its Dataset to ``path`` atomically (on a Dask worker).

    The Dataset records the CPU seconds the point took in ``attrs["point_cpu_seconds"]``
    (its process's CPU time from the start of the run, or of its resumption, to the
    Dataset; ``coupledgas.plan``
    compares its plans with it).

    A run point saves a checkpoint beside its file (``.<hash>.checkpoint.npz``) every
    ``point_kinds.CHECKPOINT_EVERY`` seconds of wall time; when the point runs again after its
    worker died or the sweep was killed, it resumes from there, bit for bit as if it
    had not stopped.

    A chained point (``link``, a ``point_kinds.ChainLink``) starts from its predecessor's final
    state; ``after`` is the predecessor's own task, which Dask finishes first.
    """
    path = Path(path)
    if path.exists():
        return str(path)
    checkpoint = path.with_name(f".{path.stem}.checkpoint.npz")
    started = time.process_time()
    ds = KINDS[kind].run(params, options, checkpoint, link)
    ds.attrs["point_cpu_seconds"] = time.process_time() - started
    write_netcdf(ds, path)
    checkpoint.unlink(missing_ok=True)
    return str(path)


def prepare(spec: SweepSpec, out: Path) -> dict:
    """Make the sweep directory ``out`` ready for ``spec``: its ``points`` folder (the
    stale temporaries of killed writers removed) and its copy of the spec.

    Returns
    -------
    dict
        Point key -> the path of its result file (``point_path``).
    """
    (out / "points").mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out / "points")  # left by writers killed mid-write
    write_text(out / "spec.toml", spec.to_toml())
    return {p.key(): point_path(out, p) for p in spec.points()}


def gather(spec: SweepSpec, out: Path, paths: dict) -> xr.Dataset:
    """Combine the point files ``paths`` (point key -> path, every point of ``spec``
    finished) into ``out/results.nc`` and return the combined Dataset."""
    results = combine(spec, [read_netcdf(paths[p.key()])
                             for p in spec.points()])
    write_netcdf(results, out / "results.nc")
    remove_stale_temporaries(out / "points")  # of workers that died and were retried
    return results


def combine(spec: SweepSpec, datasets: list) -> xr.Dataset:
    """One Dataset with a dimension per axis (and ``replica``) from the point results."""
    shape = tuple(spec.dims.values())
    dims = list(spec.dims)
    if spec.replicas > 1:
        shape += (spec.replicas,)
        dims.append("replica")
    first = datasets[0]
    data = {}
    kind = KINDS[spec.kind]
    scalars = kind.scalars + tuple(n for n in kind.optional_scalars
                                   if any(n in d for d in datasets))
    for name in scalars:
        values = [d[name].item() if name in d else np.nan for d in datasets]
        data[name] = (dims, np.array(values).reshape(shape))
    data["events"] = (dims, np.array([d.attrs["events"] for d in datasets]).reshape(shape))
    data["t_measured"] = (dims, np.array([d.attrs.get("t_measured", d.attrs["t_measure"])
                                          for d in datasets]).reshape(shape))
    # what each point cost (a run's kernel, an Onsager point's runs), and whether a
    # run's errors are reliable (``simulate.Run.min_block``; NaN where not recorded)
    for name, keys in (("cpu_seconds", ("kernel_seconds", "cpu_seconds")),
                       ("errors_reliable", ("errors_reliable",)),
                       ("t_transient", ("t_transient",))):
        values = [next((float(d.attrs[k]) for k in keys if k in d.attrs), np.nan)
                  for d in datasets]
        data[name] = (dims, np.array(values).reshape(shape))
    if spec.kind == "run":
        data["started_from"] = (dims, np.array(
            [d.attrs.get("started_from", "equilibrium") for d in datasets]).reshape(shape))
    coords = {n: v for n, v in spec.axes.items()}
    coords.update({n: (group, v) for group, lists in spec.zipped.items()
                   for n, v in lists.items()})
    if spec.replicas > 1:
        coords["replica"] = np.arange(spec.replicas)
    if "density" in first and all("density" in d for d in datasets) and \
            len({d.sizes["x"] for d in datasets}) == 1:
        n_bins = first.sizes["x"]
        coords["species"] = first.species.values
        coords["x_rel"] = (np.arange(n_bins) + 0.5) / n_bins
        coords["x_edge_rel"] = np.arange(n_bins + 1) / n_bins
        for name in PROFILES:
            var = first[name]
            profile_dims = [{"x": "x_rel", "x_edge": "x_edge_rel"}.get(d, d) for d in var.dims]
            stacked = np.stack([d[name].values for d in datasets])
            data[name] = (dims + profile_dims, stacked.reshape(shape + var.shape))
    attrs = {f"base_{k}": (v if not isinstance(v, bool) else int(v))
             for k, v in spec.base.items()}
    if spec.chain:
        attrs.update(chain=spec.chain, chain_transient=spec.chain_transient)
    attrs.update(kind=spec.kind, replicas=spec.replicas, axes=",".join(spec.dims),
                 coupledgas_version=first.attrs["coupledgas_version"])
    return describe(xr.Dataset(data, coords=coords, attrs=attrs))
