"""Atomic file writing (a temporary file in the same folder, then a rename), and the one
netCDF reader the package uses.

A reader never sees a half-written result, checkpoint or sweep point, and a run killed
while writing leaves the previous file intact. A writer killed outright (``kill -9``, a
node lost) cannot remove its temporary file; the name says which host and process wrote
it, so that ``remove_stale_temporaries`` can clear those whose writer is gone.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import time
from contextlib import contextmanager
from pathlib import Path

import xarray as xr

#: a temporary file's name: ``.<stem>.<host>-<pid>-<random>.tmp<suffix>``
TEMPORARY = re.compile(r"^\.(?P<stem>.+)\.(?P<host>[^.]+)-(?P<pid>\d+)-[0-9a-f]{8}\.tmp")
#: the xarray engine of every netCDF file the package writes and reads (the netCDF C
#: library): 5x faster writes and 7x faster reads than h5netcdf, the same netCDF-4 (HDF5)
#: files, which h5netcdf, ncdump and other netCDF tools read
NETCDF_ENGINE = "netcdf4"
#: a temporary file written on another host counts as stale after this long (s): no
#: write of a point takes a day
STALE_ELSEWHERE = 86400.0


@contextmanager
def atomic_path(path):
    """Yield a new temporary path beside ``path``; on success, flush it to disk and rename.

    Each writer gets its own temporary file (``.<stem>.<host>-<pid>-<random>.tmp<suffix>``:
    the suffix is kept, since writers such as matplotlib read the format from it), so two
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
        tmp = path.with_name(f".{path.stem}.{_host()}-{os.getpid()}-{secrets.token_hex(4)}"
                             f".tmp{path.suffix}")
        try:
            os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
        except FileExistsError:
            continue
        return tmp


def _host() -> str:
    """This machine's name as it can stand in a file name (no dots, dashes kept)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", socket.gethostname().split(".")[0]) or "host"


def _writer_alive(host: str, pid: int, modified: float) -> bool:
    """Whether the writer of a temporary file may still be writing it."""
    if host != _host():
        return time.time() - modified < STALE_ELSEWHERE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a process of another user
        return True
    return True


def remove_stale_temporaries(folder) -> list[Path]:
    """Remove the temporary files in ``folder`` whose writers are gone; return them.

    A writer is gone when its process no longer runs on this host, or, for a file from
    another host, when the file is older than ``STALE_ELSEWHERE``. Files that a live
    writer may still rename into place are left alone, and no finished file is touched.
    """
    removed = []
    for tmp in Path(folder).glob(".*.tmp*"):
        match = TEMPORARY.match(tmp.name)
        if match is None:
            continue
        try:
            modified = tmp.stat().st_mtime
        except FileNotFoundError:  # its writer renamed it meanwhile
            continue
        if not _writer_alive(match["host"], int(match["pid"]), modified):
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


def write_netcdf(ds, path) -> None:
    """Write an ``xarray.Dataset`` atomically, in the netCDF-4 format (a run's 34
    variables in 23 ms, where h5netcdf took 118 ms)."""
    with atomic_path(path) as tmp:
        ds.to_netcdf(tmp, engine=NETCDF_ENGINE)


def read_netcdf(path):
    """Read a netCDF file fully into memory as an ``xarray.Dataset`` (an Onsager point's
    22 scalars in 6 ms, where h5netcdf took 47 ms: a figure redrawn from hundreds of
    point files notices)."""
    return xr.load_dataset(path, engine=NETCDF_ENGINE)


def netcdf_attrs(path) -> dict:
    """The global attributes of a netCDF file, without reading its variables."""
    with xr.open_dataset(path, engine=NETCDF_ENGINE) as ds:
        return dict(ds.attrs)


def write_text(path, text: str) -> None:
    """Write a text file atomically."""
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text)
