"""Compiling every event loop of the kernel at once (``coupledgas compile``).

Numba compiles each loop on its first use after an install and caches it (the
performance page, "Compile time"): the open channel's, the finite-range loop and the
ring's. ``precompile`` compiles, or loads, all three in one go: on a cluster's login
node before a sweep, so that its workers load them rather than each compile the ones it
needs; and at the start of the test suite, in a process of its own (numba's compiler
ran up to twice as slowly inside a test session's large heap).
"""

from __future__ import annotations

import time

import numpy as np

from .kernel import advance_to, new_ring
from .params import RunParams
from .simulate import Run


def precompile() -> float:
    """Compile or load the channel's, the finite-range and the ring's event loops, and
    the helpers a run calls between blocks.

    Returns
    -------
    float
        Wall-clock seconds it took (well under one when all were cached).
    """
    started = time.perf_counter()
    for reach in (0.0, 0.1):
        params = RunParams.create(length=4.0, interaction_range=reach, t_transient=1.0,
                                  t_measure=2.0)
        Run.start(params, n_bins=2).advance().dataset()
    rng = np.random.default_rng(0)
    advance_to(new_ring(8, (1.0, 3.0), np.inf, 1.0, 1.0, rng), rng, 1.0)
    return time.perf_counter() - started
