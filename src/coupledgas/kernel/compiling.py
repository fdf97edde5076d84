"""The first call of a jitted kernel function, which compiles it, with fewer garbage
collections.

Numba's compiler makes millions of short-lived objects, and with Python's default
thresholds (700, 10, 10) the collector walks the whole heap again and again while it
works: measured on the idle two-core machine, the three loops' cold compile took 34 s
instead of 26 s in a plain process, and in a test session's larger heap the ring and
the finite-range loop took 51 s instead of 26 s. ``first_call(f)`` raises the
thresholds while ``f`` has no compiled version yet (its first call compiles it or loads
it from the cache), and restores them afterwards; later calls pay nothing but one
attribute test. The compiled code and the trajectories do not depend on it.
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager, nullcontext

#: the collector's thresholds while a kernel function compiles
COMPILE_GC_THRESHOLD = (100_000, 50, 100)

_lock = threading.Lock()
_depth = 0
_saved = None


@contextmanager
def _collecting_less():
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(*COMPILE_GC_THRESHOLD)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.set_threshold(*_saved)


def first_call(function):
    """A context manager for a call of the jitted ``function``: collecting less while it
    has no compiled version (its first call compiles it), else nothing."""
    return _collecting_less() if not function.signatures else nullcontext()
