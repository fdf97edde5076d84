"""The periodic ring: a closed, microcanonical channel for equilibrium correlations.

N particles on a ring of length L = N / density, masses alternating m_0, m_1, m_0, ...,
the same pass-or-collide rule (barrier ``inf``: the hard-point two-mass gas). The total
momentum is zero and the kinetic energy exactly N T / 2. The run reports the kernel's
speed (events per second; the workload of the fastest public 1D hard-point codes:
N = 4096, masses 1 and 3, kT = 2, density 1) and the correlation of the energy current
with its Green-Kubo integral.

For point particles energy moves only with them, so the total energy current is
J(t) = sum_i m_i v_i^3 / 2; the kernel integrates it exactly between events. With a
barrier of range r > 0 each particle also carries half its pair energy, and every event
moves energy across the pair's separation r (``kernel.shoulders``). The run
records its interval means Jbar_k (the mean of J over the k-th interval of length D),
their autocovariance C(jD) = <Jbar_k Jbar_k+j> and the Green-Kubo conductivity up to the
cut-off tau = m D,

    kappa(tau) = D / (L T^2) [C(0) / 2 + sum_{j=1}^{m} C(jD)],

which tends to (1 / (L T^2)) int_0^tau <J(0) J(t)> dt as D -> 0 and tau grows. C(0) is
the variance of the interval means, not the equal-time <J^2>: averaging over D smooths
the current (N = 1024, masses 1 and 3, kT = 2, D = 1: C(0) = 5.4 N against
<J^2> = 11.8 N). C(jD) approaches <J(0) J(jD)> only where the correlation changes little
over D.

The error of kappa(tau) is Bartlett's variance of a Gaussian current's correlation
estimate (``green_kubo_error``), not a spread of segments: kappa(tau) is quadratic in the
current, and its spread over a few segments is both noisy (8 segments: 7 degrees of
freedom) and largest where kappa came out large. At N = 4096, masses 1 and 3, kT = 2,
t_measure = 2000, cut-off 100 (seeds 1-40), the 8-segment errors gave
chi^2/dof = 2.65 about the mean of the seeds' kappa (1.70 about their weighted mean);
Bartlett's errors give 1.81 (0.87), and the seeds' variance over the mean squared error
is 0.86.
"""

from __future__ import annotations

import time

import numpy as np
import xarray as xr

from ._version import __version__
from .kernel import advance_to, heat_integral, new_ring
from .kernel.layout import C_EVENTS
from .params import ParameterError, non_negative, number, positive

#: the measured time must exceed this many cut-offs (kappa(tau) and its error rest on
#: the correlation up to lag 2 tau, estimated from the run)
CUTOFFS_PER_RUN = 8


def green_kubo(means, interval, length, T, n_lags):
    """Autocovariance of interval means and the Green-Kubo integral at every lag.

    The equilibrium current has zero ensemble mean, so the run's own mean is not
    subtracted: a conserved current (an integrable gas) keeps its full correlation and
    its conductivity diverges, as it should.

    Parameters
    ----------
    means : array_like
        Interval means Jbar_k of the energy current.
    interval : float
        D, the length of an interval.
    length, T : float
        The ring's length and temperature.
    n_lags : int
        The longest lag, in intervals.

    Returns
    -------
    correlation, kappa : ndarray (n_lags + 1,)
        C(jD) and kappa(jD) (module docstring) for j = 0 ... n_lags.
    """
    x = np.asarray(means, dtype=float)
    n = x.size
    spectrum = np.fft.rfft(x, 2 * n)
    correlation = np.fft.irfft(spectrum * np.conj(spectrum))[: n_lags + 1] \
        / (n - np.arange(n_lags + 1))
    kappa = interval / (length * T**2) * (np.cumsum(correlation) - 0.5 * correlation[0])
    return correlation, kappa


def green_kubo_error(correlation, interval, length, T, n_lags, n_samples):
    """Standard error of kappa(m D), m = ``n_lags``, for a Gaussian current.

    kappa(m D) is the mean over time origins k of y_k = a x_k z_k, with x the interval
    means, z_k = x_k / 2 + x_k+1 + ... + x_k+m and a = D / (L T^2). For a stationary
    Gaussian x of autocovariance C, Isserlis' theorem gives Cov(y_0, y_r) =
    a^2 [C(r) C_zz(r) + C_xz(r) C_xz(-r)], C_xz(r) = <x_0 z_r>, C_zz(r) = <z_0 z_r>
    (Bartlett), and the variance of the mean of n samples is sum_r Cov(y_0, y_r) / n.
    C is the run's estimate up to the lags given and zero beyond. The current is a sum
    over N particles, so it is close to Gaussian; the fourth cumulant is left out.

    Parameters
    ----------
    correlation : array_like
        C(jD) for j = 0 ... R with R >= m (``green_kubo``); R = 2 m covers the lags where
        C_zz and C_xz reach beyond C's own range (R = m underestimates the error by
        about 10%, R = 3 m adds noise).
    interval, length, T : float
        As in ``green_kubo``.
    n_lags : int
        m, the cut-off in intervals.
    n_samples : int
        The number of interval means the correlation came from.

    Returns
    -------
    float
    """
    c = np.asarray(correlation, dtype=float)
    c = np.concatenate([c[:0:-1], c])  # lags -R ... R
    R, m = c.size // 2, int(n_lags)
    w = np.ones(m + 1)
    w[0] = 0.5
    cross = np.convolve(c, w[::-1])  # C_xz(r) at index r + R + m
    zz = np.convolve(cross, w)[m: m + 2 * R + 1]  # C_zz(r), r = -R ... R
    cross_back = np.convolve(c, w)[: 2 * R + 1]  # C_xz(-r)
    cross = cross[m: m + 2 * R + 1]
    a = interval / (length * T**2)
    variance = a**2 * np.sum(c * zz + cross * cross_back) / n_samples
    return float(np.sqrt(max(variance, 0.0)))


def ring(particles=4096, masses=(1.0, 3.0), barrier=np.inf, T=2.0, density=1.0,
         t_transient=100.0, t_measure=2000.0, sample_interval=1.0, cutoff=100.0,
         seed=1, interaction_range=0.0) -> xr.Dataset:
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
        Temperature (kinetic energy N T / 2 at the start) and N / L.
    t_transient, t_measure : float
        Discarded and measured time.
    interaction_range : float
        Range r of the barrier, below L / 2 (0: point particles). The start has no pair
        inside a shoulder, so as pairs enter, kinetic energy turns into pair energy and
        the gas settles below T: kappa then uses the measured kinetic temperature
        ``T_kinetic``, the mean of 2 KE / N at the sampling times.
    sample_interval : float
        D, the interval of the energy-current means.
    cutoff : float
        tau, the longest lag of the correlation: at least D and below
        t_measure / CUTOFFS_PER_RUN.

    Returns
    -------
    xarray.Dataset
        ``heat_current_correlation``: C(jD), the autocovariance of the interval means of
        the energy current at each ``lag`` jD (at lag 0 the variance of the interval
        means, see the module docstring); ``kappa``: the Green-Kubo integral kappa(jD)
        up to each lag; ``kappa_cutoff`` = kappa(tau) with ``kappa_cutoff_err``
        (``green_kubo_error``); ``heat_current_mean``: the mean energy current over the
        measured time (zero in expectation). ``attrs``: the parameters, ``events`` (the
        events of the measured time), ``kernel_seconds`` (the time spent in the kernel
        while measuring), ``events_per_second`` (their ratio: the transient is in
        neither).
    """
    n = number("particles", particles)
    if n != int(n) or n < 2:
        raise ParameterError("particles", f"must be an integer >= 2, got {particles!r}")
    if len(masses) != 2:
        raise ParameterError("masses", f"give two masses, got {masses!r}")
    masses = tuple(positive("masses", m) for m in masses)
    barrier = non_negative("barrier", barrier, allow_inf=True)
    T, density = positive("T", T), positive("density", density)
    reach = non_negative("interaction_range", interaction_range)
    if reach >= 0.5 * n / density:
        raise ParameterError("interaction_range", f"must be below L / 2 = "
                             f"{0.5 * n / density:g}, got {reach:g}")
    t_transient = non_negative("t_transient", t_transient)
    t_measure = positive("t_measure", t_measure)
    interval = positive("sample_interval", sample_interval)
    cutoff = positive("cutoff", cutoff)
    n_samples = int(t_measure / interval)
    n_lags = int(round(cutoff / interval))
    if n_lags < 1 or n_lags >= n_samples // CUTOFFS_PER_RUN:
        raise ParameterError("cutoff", f"must be at least sample_interval and below "
                             f"t_measure / {CUTOFFS_PER_RUN} "
                             f"({t_measure / CUTOFFS_PER_RUN:g}), got {cutoff:g}")
    rng = np.random.default_rng(np.random.SeedSequence(int(seed)))
    state = new_ring(int(n), masses, barrier, T, density, rng, reach=reach)
    state, _ = advance_to(state, rng, 0.0, max_events=0)  # compile or load
    state, _ = advance_to(state, rng, t_transient)

    events_start = int(state.counters[C_EVENTS])
    integrals = np.empty(n_samples + 1)
    integrals[0] = heat_integral(state)
    kinetic = np.empty(n_samples)
    seconds = 0.0
    for k in range(1, n_samples + 1):
        started = time.perf_counter()
        state, _ = advance_to(state, rng, t_transient + k * interval)
        seconds += time.perf_counter() - started
        integrals[k] = heat_integral(state)
        kinetic[k - 1] = state.kinetic_energy()
    events = int(state.counters[C_EVENTS]) - events_start
    T_kinetic = 2.0 * float(kinetic.mean()) / n
    T_gas = T_kinetic if reach > 0 else T  # for r > 0 the pair energy took its share

    length = n / density
    means = np.diff(integrals) / interval
    correlation, kappa = green_kubo(means, interval, length, T_gas, 2 * n_lags)
    lags = np.arange(n_lags + 1) * interval
    data = {
        "heat_current_correlation": (("lag",), correlation[: n_lags + 1]),
        "kappa": (("lag",), kappa[: n_lags + 1]),
        "kappa_cutoff": ((), kappa[n_lags]),
        "kappa_cutoff_err": ((), green_kubo_error(correlation, interval, length, T_gas,
                                                  n_lags,
                                                  n_samples)),
        "heat_current_mean": ((), means.mean()),
    }
    attrs = dict(particles=int(n), mass_0=masses[0], mass_1=masses[1], barrier=barrier, T=T,
                 T_kinetic=T_kinetic, interaction_range=reach,
                 density=density, length=length, t_transient=t_transient,
                 t_measure=n_samples * interval, sample_interval=interval, cutoff=cutoff,
                 seed=int(seed), events=events, events_per_second=events / seconds,
                 kernel_seconds=seconds, coupledgas_version=__version__)
    return xr.Dataset(data, coords={"lag": lags}, attrs=attrs)
