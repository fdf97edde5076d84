"""Numba kernel: plain arrays in, plain arrays out. Nothing here knows about files or Dask.

The set-ups use this API and never the arrays' index layout: build an open channel
(``new_channel``) or a periodic ring (``new_ring``), steer it (``set_injection_rate``,
``set_load_step``, ``set_reservoir``), advance it (``advance_to``), and read its boundary flows
(``net_inflow``, ``transferred``, ``check_bookkeeping``) and a ring's energy current
(``heat_integral``).

The compiled kernel is cached on disk in a folder named by a hash of this package's
source (``SOURCE_HASH``), so that an edited or upgraded kernel is always compiled anew.
"""

import hashlib
import os
import shutil
from pathlib import Path

import numba


def source_hash(folder=Path(__file__).parent) -> str:
    """SHA-256 (first 16 hex digits) of the Python modules in ``folder`` (by default the
    kernel's), in name order."""
    digest = hashlib.sha256()
    for module in sorted(Path(folder).glob("*.py")):
        digest.update(module.name.encode() + b"\0" + module.read_bytes())
    return digest.hexdigest()[:16]


def _cache_dir(digest: str) -> str | None:
    """Where the compiled kernel of this source is cached: a folder named by its hash
    under NUMBA_CACHE_DIR if set, else under the kernel's ``__pycache__``; None (numba's
    own choice) where that cannot be written.

    Numba keys a cached function by its own file only, so a kernel whose inlined helpers
    changed in another file (after an upgrade in place, or an edit) would load the old
    machine code; a folder per source hash never holds code of another source.
    """
    in_tree = not numba.config.CACHE_DIR
    base = str(Path(__file__).parent / "__pycache__") if in_tree else numba.config.CACHE_DIR
    folder = os.path.join(base, f"coupledgas-kernel-{digest}")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        return None
    if in_tree:  # the kernels of earlier sources of this install are never used again
        for old in Path(base).glob("coupledgas-kernel-*"):
            if old.name != Path(folder).name:
                shutil.rmtree(old, ignore_errors=True)
    return folder if os.access(folder, os.W_OK) else None


#: the hash of the kernel's source that names its compiled cache
SOURCE_HASH = source_hash()
_user_cache_dir = numba.config.CACHE_DIR
numba.config.CACHE_DIR = _cache_dir(SOURCE_HASH) or _user_cache_dir
try:  # each jitted function finds its cache folder when it is defined, on import
    from .flows import BookkeepingError, check_bookkeeping, net_inflow, transferred
    from .state import (
        ChannelState,
        InelasticCollapse,
        advance_to,
        heat_integral,
        new_channel,
        new_ring,
        set_injection_rate,
        set_load_step,
        set_reservoir,
    )
finally:
    numba.config.CACHE_DIR = _user_cache_dir

__all__ = [
    "BookkeepingError",
    "ChannelState",
    "InelasticCollapse",
    "advance_to",
    "check_bookkeeping",
    "heat_integral",
    "net_inflow",
    "new_channel",
    "new_ring",
    "set_injection_rate",
    "set_load_step",
    "set_reservoir",
    "transferred",
]
