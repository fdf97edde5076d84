"""Atomic file writing: a temporary file in the same folder, then a rename.

A reader never sees a half-written result, checkpoint or sweep point, and a run killed
while writing leaves the previous file intact.
"""

from __future__ import annotations

import os
import secrets
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path):
    """Yield a new temporary path beside ``path``; on success, flush it to disk and rename.

    Each writer gets its own temporary file (``.<stem>.<random>.tmp<suffix>``: the
    suffix is kept, since writers such as matplotlib read the format from it), so two
    writers of one path never write into each other's file: the last rename wins and the
    file is always whole. The temporary file is removed if the writer fails.
    """
    path = Path(path)
    tmp = _new_temporary(path)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def _new_temporary(path: Path) -> Path:
    """Create an empty file with a unique name beside ``path`` and return its path.

    Created with ``O_EXCL`` (so the name is this writer's alone) and mode 0o666 less the
    umask, the mode any new file gets (``tempfile.mkstemp`` would make it 0o600).
    """
    while True:
        tmp = path.with_name(f".{path.stem}.{secrets.token_hex(4)}.tmp{path.suffix}")
        try:
            os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
        except FileExistsError:
            continue
        return tmp


def write_netcdf(ds, path) -> None:
    """Write an ``xarray.Dataset`` atomically (h5netcdf engine)."""
    with atomic_path(path) as tmp:
        ds.to_netcdf(tmp, engine="h5netcdf")


def write_text(path, text: str) -> None:
    """Write a text file atomically."""
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text)
