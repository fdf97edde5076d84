"""Names of results by their settings: a hash of the settings as sorted JSON.

A sweep point's file (``sweep_files.point_path``), its Dask task, a pilot in the pilot
cache (``pilots.Pilots``) and a budget's recorded factor (``budget.Budget``) are named
by the ``digest`` of exactly what they depend on.
"""

from __future__ import annotations

import hashlib
import json


def digest(value) -> str:
    """20 hex digits of the SHA-256 of ``value`` as sorted JSON: the name of a result
    that depends on exactly these settings."""
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:20]
