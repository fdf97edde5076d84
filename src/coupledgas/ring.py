"""The periodic ring: a closed, microcanonical channel for equilibrium correlations.

N particles on a ring of length L = N / density, masses alternating m_0, m_1, m_0, ...,
the same pass-or-collide rule (barrier ``inf``: the hard-point two-mass gas). The total
momentum is zero and the kinetic energy exactly N T / 2. The run reports events per
second (the workload of the fastest public 1D hard-point codes: N = 4096, masses 1 and
3, kT = 2, density 1) and the energy-current autocorrelation with its Green-Kubo
integral.

For point particles energy moves only with them, so the total energy current is
J(t) = sum_i m_i v_i^3 / 2; the kernel integrates it exactly between events. With
interval means Jbar_k over intervals of length D, C(jD) = <Jbar_k Jbar_k+j> and the
Green-Kubo conductivity up to the cut-off tau = m D is

    kappa(tau) = D / (L T^2) [C(0) / 2 + sum_{j=1}^{m} C(jD)],

which tends to (1 / (L T^2)) int_0^tau <J(0) J(t)> dt as D -> 0 and tau grows.
"""

from __future__ import annotations

import time

import numpy as np
import xarray as xr

from ._version import __version__
from .kernel import advance_to, heat_integral, new_ring
from .kernel.layout import C_EVENTS
from .params import ParameterError
from .params import non_negative as _non_negative
from .params import number as _finite
from .params import positive as _positive

#: segments over which the Green-Kubo integral is repeated for its error
SEGMENTS = 8


def green_kubo(means, interval, length, T, n_lags):
    """Autocorrelation of interval means and the Green-Kubo integral at every lag.

    The equilibrium current has zero ensemble mean, so the run's own mean is not
    subtracted: a conserved current (an integrable gas) keeps its full correlation and
    its conductivity diverges, as it should.

    Returns
    -------
    correlation, kappa : ndarray (n_lags + 1,)
    """
    x = np.asarray(means, dtype=float)
    n = x.size
    spectrum = np.fft.rfft(x, 2 * n)
    correlation = np.fft.irfft(spectrum * np.conj(spectrum))[: n_lags + 1] \
        / (n - np.arange(n_lags + 1))
    kappa = interval / (length * T**2) * (np.cumsum(correlation) - 0.5 * correlation[0])
    return correlation, kappa


def ring(particles=4096, masses=(1.0, 3.0), barrier=np.inf, T=2.0, density=1.0,
         t_transient=100.0, t_measure=2000.0, sample_interval=1.0, cutoff=100.0,
         seed=1) -> xr.Dataset:
    """Run the periodic ring and measure its energy-current correlations.

    Parameters
    ----------
    particles : int
        N >= 2.
    masses : pair of float
        Masses of the alternating particles.
    barrier : float
        Pass-through barrier h (``inf``: the hard-point gas).
    T, density : float
        Temperature (kinetic energy N T / 2) and N / L.
    t_transient, t_measure : float
        Discarded and measured time.
    sample_interval : float
        D, the interval of the energy-current means.
    cutoff : float
        Longest lag of the correlation (below t_measure / SEGMENTS: each segment of the
        error estimate must be longer than it).

    Returns
    -------
    xarray.Dataset
        ``heat_current_correlation`` and ``kappa`` (the Green-Kubo integral up to each
        ``lag``), ``kappa_cutoff`` with ``kappa_cutoff_err`` (spread of SEGMENTS
        segments); events, events per second and parameters in ``attrs``.
    """
    n = _finite("particles", particles)
    if n != int(n) or n < 2:
        raise ParameterError("particles", f"must be an integer >= 2, got {particles!r}")
    if len(masses) != 2:
        raise ParameterError("masses", f"give two masses, got {masses!r}")
    masses = tuple(_positive("masses", m) for m in masses)
    barrier = _non_negative("barrier", barrier, allow_inf=True)
    T, density = _positive("T", T), _positive("density", density)
    t_transient = _non_negative("t_transient", t_transient)
    t_measure = _positive("t_measure", t_measure)
    interval = _positive("sample_interval", sample_interval)
    cutoff = _positive("cutoff", cutoff)
    n_samples = int(t_measure / interval)
    n_lags = int(round(cutoff / interval))
    if n_lags < 1 or n_lags >= n_samples // SEGMENTS:  # each segment must be longer
        raise ParameterError("cutoff", f"must be at least sample_interval and below "
                             f"t_measure / {SEGMENTS} ({t_measure / SEGMENTS:g}), "
                             f"got {cutoff:g}")
    rng = np.random.default_rng(np.random.SeedSequence(int(seed)))
    state = new_ring(int(n), masses, barrier, T, density, rng)
    state, _ = advance_to(state, rng, 0.0, max_events=0)  # compile or load

    started = time.perf_counter()
    state, _ = advance_to(state, rng, t_transient)
    events_start = int(state.counters[C_EVENTS])
    integrals = np.empty(n_samples + 1)
    integrals[0] = heat_integral(state)
    for k in range(1, n_samples + 1):
        state, _ = advance_to(state, rng, t_transient + k * interval)
        integrals[k] = heat_integral(state)
    seconds = time.perf_counter() - started
    events = int(state.counters[C_EVENTS]) - events_start

    length = n / density
    means = np.diff(integrals) / interval
    correlation, kappa = green_kubo(means, interval, length, T, n_lags)
    per_segment = [green_kubo(part, interval, length, T, n_lags)[1][-1]
                   for part in np.array_split(means, SEGMENTS)]
    lags = np.arange(n_lags + 1) * interval
    data = {
        "heat_current_correlation": (("lag",), correlation),
        "kappa": (("lag",), kappa),
        "kappa_cutoff": ((), kappa[-1]),
        "kappa_cutoff_err": ((), np.std(per_segment, ddof=1) / np.sqrt(SEGMENTS)),
        "heat_current_mean": ((), means.mean()),
    }
    attrs = dict(particles=int(n), mass_0=masses[0], mass_1=masses[1], barrier=barrier, T=T,
                 density=density, length=length, t_transient=t_transient,
                 t_measure=n_samples * interval, sample_interval=interval, cutoff=cutoff,
                 seed=int(seed), events=events, events_per_second=events / seconds,
                 wall_seconds=seconds, coupledgas_version=__version__)
    return xr.Dataset(data, coords={"lag": lags}, attrs=attrs)
