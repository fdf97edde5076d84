"""Parameter sweeps on Dask: one machine by default, any cluster by address.

``sweep`` runs every missing point of a sweep and gathers all points into
``results.nc``; ``sweeps`` runs several sweeps on one queue. A sweep's parts live in
modules of their own, whose names are importable from here as well:

* ``sweep_spec``: the spec language (how to write a spec: its docstring), its
  validation and its points (``SweepSpec``, ``SweepPoint``);
* ``point_kinds``: what a point of each kind is, how it runs and what it gives
  (``KINDS``);
* ``sweep_files``: the sweep directory, its point files and ``results.nc``;
* ``sweep_cluster``: the Dask cluster, the submitted points and their progress.
"""

from __future__ import annotations

from pathlib import Path

import xarray as xr

from .digests import digest
from .point_kinds import (
    CHECKPOINT_EVERY,
    ENGINE_SCALARS,
    KINDS,
    ONSAGER_OPTIONAL,
    ONSAGER_SCALARS,
    OPTIONAL_SCALARS,
    PROFILES,
    RUN_OPTIONS,
    RUN_PARAMETERS,
    SCALARS,
    ChainLink,
    PointKind,
    final_state_path,
)
from .sweep_cluster import (
    RETRIES,
    SweepProgress,
    compute_points,
    dask_client,
    slurm_cluster,
    with_sweep_progress,
)
from .sweep_files import combine, gather, point_path, prepare, run_point
from .sweep_spec import CHAIN_TRANSIENT, SweepPoint, SweepSpec

# the names this module has always offered, defined in the modules above
__all__ = [
    "CHAIN_TRANSIENT", "CHECKPOINT_EVERY", "ENGINE_SCALARS", "KINDS", "ONSAGER_OPTIONAL",
    "ONSAGER_SCALARS", "OPTIONAL_SCALARS", "PROFILES", "RETRIES", "RUN_OPTIONS",
    "RUN_PARAMETERS", "SCALARS", "ChainLink", "PointKind", "SweepPoint", "SweepProgress",
    "SweepSpec", "combine", "dask_client", "digest", "final_state_path", "point_path",
    "run_point", "slurm_cluster", "sweep", "sweeps", "with_sweep_progress",
]


def sweep(spec, out, client=None, workers=None, scheduler=None, slurm=None,
          progress=None) -> xr.Dataset:
    """Run every missing point of a sweep and combine all points into ``results.nc``.

    Parameters
    ----------
    spec : SweepSpec, dict or path
        See ``sweep_spec``.
    out : path
        The sweep directory (created if needed).
    client : dask.distributed.Client, optional
        Where to run. Without one, a cluster is started only if points are missing:
        ``dask_client(workers, scheduler, slurm)`` (default: a local cluster with one
        worker process per core).
    progress : callable, optional
        Called as ``progress(done, running, failed, total)`` as points finish; the counts
        are of the points this call computes (those not already on disk).

    Returns
    -------
    xarray.Dataset
        The combined results (also in ``out/results.nc``).
    """
    return sweeps({"sweep": (spec, out)}, client, workers, scheduler, slurm,
                  progress)["sweep"]


def sweeps(parts: dict, client=None, workers=None, scheduler=None, slurm=None,
           progress=None) -> dict:
    """Several sweeps at once: their missing points share one cluster and one queue.

    Parameters
    ----------
    parts : dict
        Name -> ``(spec, out)``, each as in ``sweep``.
    client, workers, scheduler, slurm, progress
        As in ``sweep``; ``progress`` counts the points of all parts together.

    Returns
    -------
    dict
        Name -> the combined results of that sweep (also in its ``out/results.nc``).
    """
    loaded, missing = {}, []
    for name, (spec, out) in parts.items():
        spec, out = SweepSpec.load(spec), Path(out)
        paths = prepare(spec, out)
        loaded[name] = (spec, out, paths)
        missing += [(p, paths[p.key()]) for p in spec.points()
                    if not paths[p.key()].exists()]
    failures = []
    if missing and client is None:
        with dask_client(workers, scheduler, slurm) as own:
            failures = compute_points(own, missing, progress)
    elif missing:
        failures = compute_points(client, missing, progress)
    if failures:
        raise RuntimeError(f"{len(failures)} sweep points failed (the others are saved; "
                           f"run the sweep again to retry): {failures[0]}")
    return {name: gather(spec, out, paths) for name, (spec, out, paths) in loaded.items()}
