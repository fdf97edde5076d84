"""Running a run to its end: checkpoints, progress reports, Ctrl-C; and ``simulate``.

``simulate.Run`` advances the kernel block by block and knows nothing of files;
``execute`` drives it with periodic checkpoints (``checkpoint.save``), a progress callback
and a clean stop on Ctrl-C. ``simulate`` is the one-call entry point: parameters in,
Dataset out. (The split keeps the imports one way: checkpoint -> simulate, and
execute -> checkpoint, simulate.)
"""

from __future__ import annotations

import signal
import threading
import time

import xarray as xr

from .checkpoint import save
from .params import RunParams
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


def simulate(length=20.0, barrier=1.0, T=1.0, mu=1.5, F_rho=None, F_u=None, *,
             T_left=None, T_right=None, mu_left=None, mu_right=None, m_bullet=1.0,
             m_rod=0.5, n_rods=None, rod_walls="thermal", bullet_walls="exchange",
             n_bullets=None, dissipation=0.0, t_transient=None, t_measure=100000.0, seed=1,
             bins=40, rel_err=None, t_max=None, checkpoint=None, checkpoint_every=600.0,
             progress=None) -> xr.Dataset:
    """Simulate the two-mass gas between two reservoirs.

    Parameters
    ----------
    length : float
        Channel length L.
    barrier : float
        Pass-through barrier h (``inf``: the hard-point gas).
    T, mu : float
        Mean reservoir temperature and chemical potential (the Letter: 1 and 1.5).
    F_rho, F_u : float, optional
        Thermodynamic forces mu_L/T_L - mu_R/T_R and 1/T_R - 1/T_L (default 0).
    T_left, T_right, mu_left, mu_right : float, optional
        Reservoir states, instead of the forces.
    m_bullet, m_rod : float
        Masses of the exchanged bullets (M1) and of the rods (M2).
    n_rods : int, optional
        Number of rods; default round(rho(T, mu) L / 2).
    rod_walls : {"thermal", "specular"}
        What the ends do to a rod: re-emit it at the reservoir's temperature, or reflect it.
    bullet_walls : {"exchange", "thermal", "specular"}
        ``exchange`` (the Letter): the ends absorb bullets and the reservoirs inject them.
        ``thermal``: a closed channel between two heat baths (slides; Wang and Casati,
        PRL 118, 040601), ``n_bullets`` bullets (default round(rho(T, mu) L)) re-emitted
        like the rods; the run then reports the conductivity kappa.
    dissipation : float
        Fraction delta in [0, 1) of the pair's relative kinetic energy lost at every
        encounter, momentum conserved (slides); the run reports the dissipated power.
    t_transient : float, optional
        Discarded transient [default: max(200, L^2 / 2), ``params.default_transient``].
    t_measure : float
        Measured time (with ``rel_err``: the shortest measured time, which also sets the
        block length t_measure / 1024).
    seed : int
        Seed of the run's ``numpy.random.SeedSequence``; the same seed gives the same
        result bit for bit.
    bins : int
        Profile bins (0: no profiles).
    rel_err : float, optional
        Run until the standard error of both currents is below ``rel_err`` times their
        value (checked every 64 blocks, with reliable errors), or until ``t_max``
        (default 100 t_measure); ``attrs["target_reached"]`` says which.
    checkpoint : path, optional
        Save the run there every ``checkpoint_every`` seconds and on Ctrl-C
        (``coupledgas resume`` continues it).
    progress : callable, optional
        Called with the ``Run`` after every block.

    Returns
    -------
    xarray.Dataset
        ``J_rho``, ``J_u`` (and ``_err``: blocking standard errors), their values at each
        ``end``, the block series, ``entropy_production``, ``dissipated_power``, the
        conductivity ``kappa`` = J_u L / (T_L - T_R) of a closed channel, the bullet density and the
        kinetic temperatures m <v^2> per ``species`` (sampled at the end of each block),
        encounter and pass counts and the pass fraction per ``pair_type``; with bins,
        the exact time-averaged profiles ``density`` and ``temperature`` (species, x),
        ``mean_mass`` and ``bullet_current`` (x_edge), all with ``_err``; parameters,
        seed, version, event counts and events per second in ``attrs``.
    """
    params = RunParams.create(length=length, barrier=barrier, T=T, mu=mu, F_rho=F_rho,
                              F_u=F_u, T_left=T_left, T_right=T_right, mu_left=mu_left,
                              mu_right=mu_right, m_bullet=m_bullet, m_rod=m_rod,
                              n_rods=n_rods, rod_walls=rod_walls, bullet_walls=bullet_walls,
                              n_bullets=n_bullets, dissipation=dissipation,
                              t_transient=t_transient, t_measure=t_measure, seed=seed)
    run = Run.start(params, n_bins=bins, rel_err=rel_err, t_max=t_max)
    return execute(run, checkpoint, checkpoint_every, progress).dataset()
