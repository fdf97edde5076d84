"""Running a run to its end: checkpoints, progress reports, Ctrl-C; and ``simulate``.

``simulate.Run`` advances the kernel block by block and knows nothing of files;
``execute`` drives it with periodic checkpoints (``checkpoint.save``), a progress callback
and a clean stop on Ctrl-C. ``simulate`` is the one-call entry point: parameters in,
Dataset out. (The split keeps the imports one way: checkpoint -> simulate, and
execute -> checkpoint, simulate.)
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from dataclasses import asdict

import xarray as xr

from .checkpoint import save
from .params import (
    Measurement,
    ParameterError,
    RunParams,
    canonical,
    record_or_keywords,
    unknown_keyword,
)
from .progress import ProgressLine, compile_notice
from .simulate import Run


class Interrupted(KeyboardInterrupt):
    """A run stopped by Ctrl-C after saving its checkpoint."""


class _InterruptFlag:
    """Turns Ctrl-C into a flag that the run loop reads between blocks."""

    def __init__(self):
        self.raised = False
        self._previous = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame):
        self.raised = True

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def execute(run: Run, checkpoint=None, checkpoint_every=600.0, progress=None) -> Run:
    """Advance ``run`` to its end with checkpoints and progress reports.

    Parameters
    ----------
    run : Run
    checkpoint : path, optional
        Saved (atomically) every ``checkpoint_every`` seconds of wall time, at the end,
        and on Ctrl-C, which then raises ``Interrupted``.
    progress : callable, optional
        Called as ``progress(run)`` after every block.
    """
    last_save = time.monotonic()
    with _InterruptFlag() as interrupt:
        def on_block(r):
            nonlocal last_save
            if progress is not None:
                progress(r)
            if checkpoint is not None and (interrupt.raised or
                                           time.monotonic() - last_save >= checkpoint_every):
                save(r, checkpoint)
                last_save = time.monotonic()
            if interrupt.raised:
                raise Interrupted(checkpoint)

        run.advance(on_block)
    if checkpoint is not None:
        save(run, checkpoint)
    return run


def execute_reporting(run: Run, checkpoint=None, checkpoint_every=600.0,
                      quiet=False) -> xr.Dataset:
    """``execute`` as ``coupledgas run`` and ``resume`` do it: a compile notice when the
    kernel compiles, a progress line on stderr (none if ``quiet``), and on Ctrl-C the line
    that says where the checkpoint is before ``Interrupted`` is raised.

    Returns
    -------
    xarray.Dataset
        The finished run's (``Run.dataset``).
    """
    if not checkpoint_every > 0:
        raise ParameterError("checkpoint_every", f"must be positive, got {checkpoint_every:g}")
    progress = None if quiet else ProgressLine()
    with compile_notice():
        run.load_kernel()
    try:
        execute(run, checkpoint, checkpoint_every, progress)
    except Interrupted:
        where = f"; checkpoint saved: coupledgas resume {checkpoint}" if checkpoint else ""
        if progress:
            progress.close()
        print(f"coupledgas: interrupted{where}", file=sys.stderr)
        raise
    if progress:
        progress.close()
    return run.dataset()


def simulate(*, channel=None, reservoirs=None, measurement=None, checkpoint=None,
             checkpoint_every=600.0, progress=None, **parameters) -> xr.Dataset:
    """Simulate the two-mass gas between two reservoirs.

    Parameters
    ----------
    channel : Channel, optional
        The channel (default ``Channel()``: the Letter's, L = 20, h = 1).
    reservoirs : Reservoirs, optional
        The reservoirs as a record (``Reservoirs.of``), instead of their keywords below.
    measurement : Measurement, optional
        Transient, measured time, bins, precision target and seed as a record, instead
        of their keywords below.
    **parameters
        The run's parameters: the keywords of ``RunParams.create``, each checked there:
        the ``Channel`` fields, which replace the record's (``length``, ``barrier``,
        ``passing``, ...; ``rods``, ``bullets`` and ``range`` are accepted for
        ``n_rods``, ``n_bullets`` and ``interaction_range``), the reservoirs as the forces
        ``F_rho``, ``F_u`` around ``T``, ``mu`` or as the states ``T_left``, ``T_right``,
        ``mu_left``, ``mu_right``, and the ``Measurement`` fields ``t_transient``,
        ``t_measure``, ``bins``, ``rel_err``, ``t_max``, ``seed``. An unknown keyword
        raises ``ParameterError`` naming the closest known one.
        Defaults: T = 1, mu = 1.5 at zero forces, measured for t = 1e5 after a transient
        max(200, L^2 / 2). A closed channel (``bullet_walls`` thermal or specular)
        between two heat baths reports the conductivity kappa; with ``dissipation`` the
        run reports the dissipated power.
    bins, rel_err, t_max
        Profile bins (default 40; 0: no profiles); a precision target: run until the
        standard error of both currents is below ``rel_err`` times their value (checked
        every 64 blocks, with reliable errors), or until ``t_max`` (default 100
        t_measure); ``attrs["target_reached"]`` says which. ``t_measure`` is then the
        shortest run and sets the block length t_measure / 1024.
    checkpoint : path, optional
        Save the run there every ``checkpoint_every`` seconds and on Ctrl-C
        (``coupledgas resume`` continues it).
    progress : callable, optional
        Called with the ``Run`` after every block.

    Returns
    -------
    xarray.Dataset
        ``J_rho``, ``J_u`` (and ``_err``: blocking standard errors), the correlation of
        their errors ``J_rho_J_u_correlation``, their values at each ``end``, the block
        series, ``entropy_production``, ``dissipated_power``, the conductivity
        ``kappa`` = J_u L / (T_L - T_R) of a closed channel, the bullet density and the
        kinetic temperatures m <v^2> per ``species`` (sampled at the end of each block),
        encounter and pass counts and the pass fraction per ``pair_type``, the bounces
        that the TC model kept elastic (``bounces_made_elastic``, and as a fraction of
        all bounces, ``made_elastic_fraction``: where it is not small, t_c matters);
        with bins, the exact time-averaged profiles ``density`` and ``temperature``
        (species, x), ``mean_mass`` and ``bullet_current`` (x_edge), all with ``_err``;
        parameters, seed, version, event counts and events per second in ``attrs``.
    """
    parameters = {canonical(name): value for name, value in parameters.items()}
    known = RunParams.names() + Measurement.names()
    unknown = sorted(set(parameters) - set(known))
    if unknown:
        raise unknown_keyword(unknown[0], known)
    defaults = asdict(Measurement())
    measured = {name: parameters.pop(name) for name in defaults if name in parameters}
    measurement = record_or_keywords("measurement", measurement, Measurement, Measurement,
                                     {**defaults, **measured}, defaults)
    params = RunParams.create(channel=channel, reservoirs=reservoirs,
                              measurement=measurement, **parameters)
    run = Run.start(params, measurement.bins, *measurement.target)
    return execute(run, checkpoint, checkpoint_every, progress).dataset()
