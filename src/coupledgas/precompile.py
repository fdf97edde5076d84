"""Compiling every event loop of the kernel at once (``coupledgas compile``).

Numba compiles each loop on its first use after an install and caches it (the
performance page, "Compile time"): the open channel's, the finite-range loop and the
ring's. ``precompile`` compiles, or loads, all three in one go, in two processes side
by side where there are two cores: on a cluster's login node before a sweep, so that its
workers load them rather than each compile the ones it needs; and at the start of the
test suite, outside the session's process (numba's compiler ran up to twice as slowly
inside a test session's large heap).
"""

from __future__ import annotations

import multiprocessing
import os
import time

import numpy as np

from .kernel import advance_to, dynamics, new_ring, shoulders
from .params import RunParams
from .simulate import Run

#: the loops, in the groups that compile in one process each (about equal times)
GROUPS = (("range",), ("channel", "ring"))


def _ready(loops: tuple) -> None:
    """Compile or load ``loops`` ("channel", "range", "ring") and the helpers a run calls
    between blocks."""
    for loop in loops:
        if loop == "ring":
            rng = np.random.default_rng(0)
            advance_to(new_ring(8, (1.0, 3.0), np.inf, 1.0, 1.0, rng), rng, 1.0)
        else:
            params = RunParams.create(length=4.0, t_transient=1.0, t_measure=2.0,
                                      interaction_range=0.1 if loop == "range" else 0.0)
            Run.start(params, n_bins=2).advance().dataset()


def _all_cached() -> bool:
    """Whether numba's cache holds each event loop (then nothing needs compiling)."""
    loops = (dynamics.advance_channel, dynamics.advance_ring, shoulders.advance_shoulders)
    return all(os.path.exists(loop._cache._cache_file._index_path) for loop in loops)


def precompile(processes: int | None = None) -> float:
    """Compile or load the channel's, the finite-range and the ring's event loops.

    Parameters
    ----------
    processes : int, optional
        Processes that compile side by side [default: 2 where there are 2 cores or
        more, else 1]: each compiles its loops into the shared cache (20 s in one
        process on the idle two-core machine from a fresh cache, 14 s in two).

    Returns
    -------
    float
        Wall-clock seconds it took (well under one when all were cached).
    """
    started = time.perf_counter()
    if processes is None:
        processes = min(len(GROUPS), os.cpu_count() or 1)
    if processes > 1 and not _all_cached():
        with multiprocessing.get_context("spawn").Pool(processes) as pool:
            pool.map(_ready, GROUPS)
    _ready(sum(GROUPS, ()))  # loads what the pool compiled (or compiles, with one process)
    return time.perf_counter() - started
