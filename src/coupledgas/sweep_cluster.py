"""The Dask side of a sweep: its cluster's life cycle, the points submitted to it, and
the progress shown while they run.

``dask_client`` starts a local cluster (or connects to a scheduler, or starts workers as
SLURM jobs: ``slurm_cluster``) and closes it on exit; ``compute_points`` submits the
missing points (``sweep_files.run_point``), a chain's points after their predecessors,
and reports their progress (``SweepProgress``: one terminal line).
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from .digests import digest
from .params import ParameterError
from .sweep_files import run_point

#: how many times Dask runs a failed point again (``Client.submit``'s ``retries``)
RETRIES = 3


@contextmanager
def dask_client(workers=None, scheduler=None, slurm=None):
    """A Dask client, closed (with its cluster) on exit.

    Parameters
    ----------
    workers : int, optional
        Local cluster (the default): this many single-threaded worker processes, bound
        to 127.0.0.1 [default: one per core].
    scheduler : str, optional
        Address of a running scheduler (``tcp://host:8786``).
    slurm : dict, optional
        Keyword arguments of ``slurm_cluster``: workers as SLURM jobs.
    """
    # dask.distributed is imported only where a sweep runs: it takes a quarter of a
    # second, which every other command (and the package import) would pay
    from dask.distributed import Client, LocalCluster

    if scheduler is not None:
        with Client(scheduler) as client:
            yield client
        return
    if slurm is not None:
        cluster = slurm_cluster(**slurm)
    else:
        n = os.cpu_count() if workers is None else workers
        if int(n) != n or n < 1:
            raise ParameterError("workers", f"must be a positive integer, got {workers!r}")
        cluster = LocalCluster(n_workers=int(n), threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address="127.0.0.1:0")
    with cluster, Client(cluster) as client:
        try:
            yield client
        finally:
            if slurm is not None:
                _cancel_jobs(cluster)


def _cancel_jobs(cluster, timeout=60.0):
    """Cancel a SLURM cluster's jobs while its scheduler runs; wait until they have ended.

    Closing a ``SLURMCluster`` with workers connected closes the scheduler and cancels
    the jobs at once: each worker, told to close by the closing scheduler, is still
    writing to its stream when that closes, and its job log ends in ``CommClosedError``
    tracebacks. Cancelled first, each job's nanny stops its worker, which leaves the
    running scheduler in order; the cluster's close then finds no worker left. Gives
    up waiting after ``timeout`` seconds.
    """
    import subprocess

    jobs = [job.job_id for job in cluster.workers.values() if job.job_id]
    if not jobs:
        return
    subprocess.run(["scancel", *jobs], capture_output=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listed = subprocess.run(["squeue", "--noheader", "--format=%i",
                                 f"--jobs={','.join(jobs)}"], capture_output=True, text=True)
        if not listed.stdout.split():
            return
        time.sleep(0.2)


def slurm_cluster(queue=None, walltime="24:00:00", memory="4GB", jobs=1, account=None,
                  scheduler_host=None):
    """A dask-jobqueue SLURM cluster of ``jobs`` single-core worker jobs."""
    # only SLURM sweeps need dask-jobqueue (and its import cost)
    from dask_jobqueue import SLURMCluster

    extra = [f"--account={account}"] if account else []
    options = {"dashboard_address": None}
    if scheduler_host:
        options["host"] = scheduler_host
    cluster = SLURMCluster(queue=queue, walltime=walltime, cores=1, processes=1,
                           memory=memory, job_extra_directives=extra,
                           scheduler_options=options)
    cluster.scale(jobs=jobs)
    return cluster


class SweepProgress:
    """One terminal line: points done, running, failed, and the estimated time left."""

    def __init__(self, stream=None):
        self.stream = sys.stderr if stream is None else stream
        self.started = time.monotonic()
        self.shown = False

    def __call__(self, done, running, failed, total):
        elapsed = time.monotonic() - self.started
        left = (total - done - failed) * elapsed / done if done else float("nan")
        self.stream.write(f"\rpoints: {done}/{total} done, {running} running, "
                          f"{failed} failed, ~{left:,.0f} s left\033[K")
        self.stream.flush()
        self.shown = True


def with_sweep_progress(call):
    """``call(progress)`` with a ``SweepProgress`` line on a terminal (none when stderr is
    piped); the line is ended when it was shown."""
    progress = SweepProgress() if sys.stderr.isatty() else None
    result = call(progress)
    if progress is not None and progress.shown:
        sys.stderr.write("\n")
    return result


def compute_points(client, missing, progress) -> list:
    """Submit the (point, path) pairs, report progress as they finish; return the failures.

    Parameters
    ----------
    client : dask.distributed.Client
    missing : list
        (``sweep_spec.SweepPoint``, path of its result file) pairs, a chain's points after
        their predecessors.
    progress : callable or None
        Called as ``progress(done, running, failed, total)`` at once and as points finish.

    Returns
    -------
    list of str
        The failed points' errors.
    """
    from dask.distributed import as_completed  # see dask_client: import cost

    futures, by_key = [], {}
    for p, path in missing:  # a chain's points come after their predecessors
        out = Path(path).parent.parent
        after = by_key.get(p.previous.key()) if p.previous is not None else None
        future = client.submit(run_point, p.kind, p.params(), p.options(), str(path),
                               p.link(out), after,
                               key=f"coupledgas-point-{p.key()}-{_path_tag(path)}",
                               retries=RETRIES, pure=False)
        futures.append(future)
        by_key[p.key()] = future
    done, failures = 0, []
    n_workers = max(len(client.scheduler_info().get("workers", {})), 1)
    if progress is not None:  # at once: a point may take hours
        progress(0, min(n_workers, len(futures)), 0, len(futures))
    for future in as_completed(futures):
        if future.status == "error":
            failures.append(str(future.exception()))
        else:
            done += 1
        if progress is not None:
            left = len(futures) - done - len(failures)
            progress(done, min(n_workers, left), len(failures), len(futures))
    return failures


def _path_tag(path) -> str:
    """A short hash of a point file's path: the same point in two sweeps is two tasks."""
    return digest(str(Path(path).resolve()))[:8]
