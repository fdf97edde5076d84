"""Checkpoints: a run's complete state in one file, written atomically.

The file is a NumPy ``.npz`` archive holding every kernel array (``state.*``), the block
snapshots (``snapshots.*``) and a JSON header with the parameters, the run options, the
generator state and the package version. A run restored from it continues bit for bit
as if it had never stopped: the kernel stops only between events and never draws a
random number when it stops.

A chain's final states (``save_final_state``) hold the parameters and the kernel arrays
only: the next point of a chain starts from them (``simulate.Run.continued``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from pathlib import Path

import numpy as np

from ._version import __version__
from .files import atomic_path
from .kernel.state import ChannelState
from .params import ParameterError, RunParams
from .simulate import Run

FORMAT = 3  # 2: per-slot t_bounce, the TC counter and the encounter-rule parameters;
#  3: the finite range (windows, contacts, pair events, the crossing counter)


def save(run: Run, path) -> None:
    """Write ``run`` to ``path`` (temporary file in the same folder, then rename)."""
    path = Path(path)
    header = {
        "format": FORMAT, "version": __version__, "params": asdict(run.params),
        "n_bins": run.n_bins, "rel_err": run.rel_err, "t_max": run.t_max,
        "block_length": run.block_length, "kernel_seconds": run.kernel_seconds,
        "target_reached": run.target_reached, "rng": run.rng.bit_generator.state,
        "origin": list(run.origin), "started_from": run.started_from, "warmup": run.warmup,
    }
    arrays = {f"state.{name}": value for name, value in run.state.arrays().items()}
    arrays.update({f"snapshots.{name}": np.array(values)
                   for name, values in run.snapshots.items()})
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, header=np.array(json.dumps(header)), **arrays)


def _read(path, name: str, missing: str, snapshots: bool) -> tuple:
    """The header, the kernel arrays and (``snapshots``) the block snapshots of a file
    written by ``save`` or ``save_final_state``; a missing, unreadable or foreign file
    is a ParameterError naming ``name``."""
    path = Path(path)
    if not path.is_file():
        raise ParameterError(name, f"{missing}: {path}")
    try:
        with np.load(path, allow_pickle=False) as archive:
            header = json.loads(str(archive["header"]))
            state = {f.name: archive[f"state.{f.name}"] for f in fields(ChannelState)}
            blocks = {n: list(archive[f"snapshots.{n}"]) for n in Run.FIELDS} \
                if snapshots else None
    except (OSError, ValueError, KeyError) as err:
        raise ParameterError(name, f"cannot read {path}: {err}") from None
    if header.get("format") != FORMAT:
        raise ParameterError(name, f"{path} has format {header.get('format')}, "
                             f"this version reads format {FORMAT}")
    return header, ChannelState(**state), blocks


def load(path) -> Run:
    """Restore a run saved by ``save``; a missing or unreadable file is a ParameterError."""
    header, state, snapshots = _read(path, "checkpoint", "no such file", snapshots=True)
    rng = np.random.Generator(getattr(np.random, header["rng"]["bit_generator"])())
    rng.bit_generator.state = header["rng"]
    return Run(params=RunParams(**header["params"]), n_bins=header["n_bins"],
               rel_err=header["rel_err"], t_max=header["t_max"],
               state=state, rng=rng, block_length=header["block_length"],
               snapshots=snapshots, kernel_seconds=header["kernel_seconds"],
               target_reached=header["target_reached"],
               origin=tuple(header.get("origin", (0.0, 0))),
               started_from=header.get("started_from", "equilibrium"),
               warmup=header.get("warmup", False))


def save_final_state(run: Run, path) -> None:
    """Write a finished run's parameters and final kernel state to ``path`` (atomically,
    compressed): where the next point of a chain starts (``load_final_state``)."""
    header = {"format": FORMAT, "version": __version__, "params": asdict(run.params)}
    arrays = {f"state.{name}": value for name, value in run.state.arrays().items()}
    with atomic_path(Path(path)) as tmp, open(tmp, "wb") as fh:
        np.savez_compressed(fh, header=np.array(json.dumps(header)), **arrays)


def load_final_state(path) -> tuple[RunParams, ChannelState]:
    """The parameters and the final state saved by ``save_final_state``; a missing or
    unreadable file is a ParameterError."""
    header, state, _ = _read(path, "chain", "no final state to continue from",
                             snapshots=False)
    return RunParams(**header["params"]), state
