"""Block statistics: means and standard errors of correlated time series.

A run records its transferred particle number and energy per block of simulated time
(``block_length``). Consecutive blocks are correlated for thousands of time units at
L = 20 (docs/model.md, "Measured facts behind the estimators"), so the raw spread of
short blocks underestimates the error. The standard error comes from a blocking
analysis: blocks are merged pairwise until the block means are uncorrelated, decided
by the automated test of Jonsson,
Phys. Rev. E 98, 043304 (2018): at each level k the statistic
M_k = sum_{j>=k} n_j (gamma_j / s_j^2)^2 (gamma_j the lag-one autocovariance, s_j^2 the
variance of the level-j block means, n_j their number) is compared with the 99% quantile
of chi^2 with d - k degrees of freedom.

The test cannot see correlations that are weak but slow. A run therefore also gives the
shortest block it knows to be needed (``min_block``: its relaxation time L^2 / 2,
``simulate.Run.min_block``). The current through a channel of bounded content is
anticorrelated over that time, so shorter blocks overestimate its error (1.35x at
L = 80); <m(x)> is positively correlated over it, so shorter blocks underestimate
(down to 0.5x). With blocks of at least L^2 / 2 both match the spread of independent
replicas (docs/guarantees.md, "Error bars against independent replicas"), and an error
needs 16 such blocks to be reliable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import gammaincinv

from .kernel.profiles import MV2_TIME, SIGNED, TIME, UNSIGNED, V_TIME

#: fewest merged blocks for which the error estimate is called reliable
MIN_RELIABLE_BLOCKS = 16


@dataclass(frozen=True)
class BlockEstimate:
    """Mean of a series with its blocking standard error.

    Attributes
    ----------
    mean, error : float
        The mean and its standard error.
    block_size : int
        Base blocks per merged block at the chosen level.
    n_blocks : int
        Number of merged blocks at that level.
    reliable : bool
        Whether at least ``MIN_RELIABLE_BLOCKS`` blocks remain there: with fewer, the
        correlation time is comparable to the run and the error itself is uncertain.
    """

    mean: float
    error: float
    block_size: int
    n_blocks: int
    reliable: bool


def blocking_levels(series):
    """Variances and lag-one autocovariances of the block means at each level.

    Level k merges 2**k base blocks; where a level has an odd number of blocks the last
    one is left out of the next merge.

    Parameters
    ----------
    series : array_like, length n >= 4

    Returns
    -------
    variance, autocovariance, counts : ndarray, each of length floor(log2 n)
        Population variance and lag-one autocovariance of the block means at each level,
        and the number of blocks there.
    """
    x = np.asarray(series, dtype=float)
    if x.size < 4:
        raise ValueError(f"blocking needs at least 4 blocks, got {x.size}")
    d = int(np.log2(x.size))
    variance, autocovariance, counts = np.empty(d), np.empty(d), np.empty(d, dtype=int)
    for k in range(d):
        dx = x - x.mean()
        counts[k] = x.size
        variance[k] = np.mean(dx * dx)
        autocovariance[k] = np.sum(dx[:-1] * dx[1:]) / x.size
        x = x[: x.size - x.size % 2]
        x = 0.5 * (x[0::2] + x[1::2])
    return variance, autocovariance, counts


def block_estimate(series, min_block=1) -> BlockEstimate:
    """Mean and standard error of a correlated series by automated blocking.

    Parameters
    ----------
    series : array_like, length >= 4
        Per-block values (e.g. the current measured in each block).
    min_block : int
        The shortest merged block, in base blocks: the caller's knowledge of a slow
        mode (a run's relaxation time, ``simulate.Run.min_block``). The level used is
        the deeper of the test's and the first whose blocks are at least this long.

    Returns
    -------
    BlockEstimate
    """
    x = np.asarray(series, dtype=float)
    variance, autocovariance, counts = blocking_levels(x)
    errors = np.sqrt(variance / np.maximum(counts - 1, 1))
    level = max(_test_level(variance, autocovariance, counts),
                min_level(min_block, variance.size))
    level = _still_rising(errors, counts, level)
    n = int(counts[level])
    return BlockEstimate(mean=float(x.mean()), error=float(errors[level]),
                         block_size=2**level, n_blocks=n, reliable=n >= MIN_RELIABLE_BLOCKS)


def min_level(min_block, levels):
    """The first blocking level whose blocks hold at least ``min_block`` base blocks
    (the deepest of ``levels`` if none)."""
    return int(min(max(np.ceil(np.log2(max(min_block, 1))), 0), levels - 1))


def chi2_quantile(probability, dof):
    """The ``probability`` quantile of the chi^2 distribution with ``dof`` degrees of
    freedom: 2 P^-1(dof / 2, probability), P the regularised lower incomplete gamma
    function (what ``scipy.stats.chi2.ppf`` computes, without importing scipy.stats,
    which took 0.55 s of every process's import of the package)."""
    return 2.0 * gammaincinv(0.5 * np.asarray(dof, float), probability)


def _test_level(variance, autocovariance, counts):
    """The first level whose block means the automated test finds uncorrelated
    (the deepest level if none)."""
    d = variance.size
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = counts * np.where(variance > 0, autocovariance / variance, 0.0) ** 2
    M = np.cumsum(terms[::-1])[::-1]
    quantiles = chi2_quantile(0.99, np.arange(d, 0, -1))
    for k in range(d):
        if M[k] < quantiles[k]:
            return k
    return d - 1


def _still_rising(errors, counts, level):
    """The level to use when the error keeps growing past the one the test chose.

    The test has little power at the top levels, where few blocks remain; a slow mode
    (the drift of the species' domain wall, relaxing over ~L^2/2) then goes unnoticed
    while the blocking error is still climbing toward its plateau. Returns the level of
    largest error among the higher levels that keep ``MIN_RELIABLE_BLOCKS`` blocks and
    exceed the chosen level's error by more than twice their own standard error
    (relative error 1/sqrt(2(n-1)) for n blocks); else ``level``. A falling curve
    (anticorrelated increments, as of a current through a channel of bounded content)
    keeps the test's choice.

    Measured at L = 80, F_u = 0.6, t = 2e4 (10 runs), <m(x)> at x = 0, L/4, L/2: errors
    0.0014, 0.0028, 0.0042 by the test alone and 0.0019, 0.0032, 0.0049 with this rule,
    against spreads of 0.0025, 0.0052, 0.0049 between the runs (the runs last only about
    8 relaxation times, too few for the plateau). The currents' errors are unchanged
    (1 of 40 runs at L = 20).
    """
    candidates = [k for k in range(level + 1, errors.size)
                  if counts[k] >= MIN_RELIABLE_BLOCKS
                  and errors[k] > errors[level] * (1.0 + 2.0 / np.sqrt(2.0 * (counts[k] - 1)))]
    return max(candidates, key=lambda k: errors[k]) if candidates else level


def ratio_estimate(numerator, denominator, min_block=1):
    """Ratio of two block-summed series, sum(a) / sum(b), with its blocking error.

    The error is that of the mean of (a_b - R b_b) / mean(b), the linearised ratio
    (``block_estimate`` with ``min_block``).

    Returns
    -------
    tuple of float
        (R, error); NaN when the denominator is zero.
    """
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    if not denominator.sum() > 0:
        return np.nan, np.nan
    R = numerator.sum() / denominator.sum()
    return R, block_estimate((numerator - R * denominator) / denominator.mean(),
                             min_block).error


def profile_estimates(profile_blocks, crossing_blocks, masses, length, block_length,
                      min_block=1):
    """Profiles with blocking errors from per-block profile accumulators.

    Errors: blocking on the per-block series (ratios by linearisation); the temperature
    error is that of <m v^2>, which dominates the error of m <v>^2 near equilibrium.

    Parameters
    ----------
    profile_blocks : ndarray (n_blocks, 2, n_bins, 3)
        Per block: time, integral of v dt and of m v^2 dt, per species and bin.
    crossing_blocks : ndarray (n_blocks, 2, n_bins + 1, 2)
        Per block: signed and unsigned crossings per species and bin edge.
    masses : sequence of float
        Mass of each species.
    length, block_length : float
    min_block : int
        The shortest merged block (``block_estimate``).

    Returns
    -------
    dict of (value, error) arrays
        ``density`` (species, x): time in bin / (w t); ``temperature`` (species, x):
        m (<v^2> - <v>^2), time averages in the bin; ``mean_mass`` (x_edge): mass
        averaged over every crossing of the edge (the Letter's <m(x)>, Fig. 5b);
        ``bullet_current`` (x_edge): net bullets crossing per unit time.
    """
    _, n_species, n_bins, _ = profile_blocks.shape
    width = length / n_bins
    density = np.empty((2, n_species, n_bins))
    temperature = np.full((2, n_species, n_bins), np.nan)
    for s in range(n_species):
        for k in range(n_bins):
            est = block_estimate(profile_blocks[:, s, k, TIME] / (width * block_length),
                                 min_block)
            density[:, s, k] = est.mean, est.error
            time = profile_blocks[:, s, k, TIME]
            if time.sum() > 0:
                # T = <m v^2> - m <v>^2; error from the linearised ratio of <m v^2>
                mv2, mv2_err = ratio_estimate(profile_blocks[:, s, k, MV2_TIME], time,
                                              min_block)
                mean_v = profile_blocks[:, s, k, V_TIME].sum() / time.sum()
                temperature[:, s, k] = mv2 - masses[s] * mean_v**2, mv2_err
    unsigned = crossing_blocks[..., UNSIGNED]
    weighted = sum(masses[s] * unsigned[:, s, :] for s in range(n_species))
    total = unsigned.sum(axis=1)
    mean_mass = np.array([ratio_estimate(weighted[:, e], total[:, e], min_block)
                          for e in range(n_bins + 1)]).T
    current = np.array([[est.mean, est.error] for est in (
        block_estimate(crossing_blocks[:, 0, e, SIGNED] / block_length, min_block)
        for e in range(n_bins + 1))]).T
    return {"density": density, "temperature": temperature, "mean_mass": mean_mass,
            "bullet_current": current}


@dataclass(frozen=True)
class CovarianceEstimate:
    """Covariance matrix of the means of several correlated series, by blocking.

    Attributes
    ----------
    covariance : ndarray (p, p)
        Covariance of the p series' means.
    error : ndarray (p, p)
        Standard error of each entry (Wishart: var C_ij = (C_ii C_jj + C_ij^2) / (n - 1)).
    block_size, n_blocks : int
        The blocking level used (base blocks per block) and the number of blocks there.
    reliable : bool
        At least ``MIN_RELIABLE_BLOCKS`` blocks at that level.
    curve : ndarray (levels, p, p)
        The covariance estimate at every level (its plateau is the answer).
    """

    covariance: np.ndarray
    error: np.ndarray
    block_size: int
    n_blocks: int
    reliable: bool
    curve: np.ndarray


def block_covariance(series, min_block=1) -> CovarianceEstimate:
    """Covariance matrix of the means of p jointly recorded series.

    The blocking level is the largest of the levels that the automated test picks for
    each series and for each pairwise sum (standardised), so that the cross terms, which
    decorrelate last, have reached their plateau too, and at least ``min_block`` base
    blocks per block (for correlations too weak and slow for the test to see: the
    caller's knowledge of the slow mode, rather than ``block_estimate``'s search of the
    top levels, which would leave too few blocks for a covariance).

    Parameters
    ----------
    series : array_like (n, p)
    min_block : int
    """
    x = np.asarray(series, dtype=float)
    n, p = x.shape
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = x / scale
    combos = [z[:, i] for i in range(p)] + [z[:, i] + z[:, j] for i in range(p)
                                            for j in range(i + 1, p)]
    level = max(_test_level(*blocking_levels(c)) for c in combos)
    level = min(max(level, min_level(min_block, int(np.log2(n)))), int(np.log2(n)) - 1)
    curve = []
    blocks = x
    for k in range(int(np.log2(n))):
        m = blocks.shape[0]
        curve.append(np.cov(blocks, rowvar=False).reshape(p, p) / m)
        if k == level:
            chosen, n_chosen = curve[-1], m
        blocks = blocks[: m - m % 2]
        blocks = 0.5 * (blocks[0::2] + blocks[1::2])
    diag = np.diag(chosen)
    error = np.sqrt((np.outer(diag, diag) + chosen**2) / max(n_chosen - 1, 1))
    return CovarianceEstimate(covariance=chosen, error=error, block_size=2**level,
                              n_blocks=n_chosen, reliable=n_chosen >= MIN_RELIABLE_BLOCKS,
                              curve=np.array(curve))


#: MSER's batches: consecutive blocks averaged before truncating (MSER-5)
MSER_BATCH = 5


def mser_truncation(series, batch=MSER_BATCH) -> tuple[int, bool]:
    """Where a series' warm-up ends, by MSER-m (White, Simulation 69, 323 (1997)).

    The series is cut into batches of ``batch`` values; for each d the statistic
    MSER(d) = sum_{i>=d} (y_i - mean(y_d..))^2 / (n - d)^2 of the batch means y_i is the
    squared standard error of the mean of what remains (without its correlations). It
    falls while dropping leading batches removes a bias faster than it loses data and
    rises after; its minimum over d <= n / 2 marks the end of the warm-up.

    Parameters
    ----------
    series : array_like
        Per-block values, in time order.
    batch : int
        Blocks per batch.

    Returns
    -------
    (int, bool)
        The number of leading values to drop, and whether the minimum lies at the limit
        d = n / 2 (the warm-up may not be over: the series still drifts).
    """
    x = np.asarray(series, dtype=float)
    n = x.size // batch
    if n < 4:
        return 0, False
    means = x[:n * batch].reshape(n, batch).mean(axis=1)
    tail = means[::-1]  # tail[:k] are the last k batches
    kept = np.arange(1, n + 1)
    sums, squares = np.cumsum(tail), np.cumsum(tail**2)
    mser = (squares - sums**2 / kept) / kept**2  # indexed by k = n - d batches kept
    limit = n // 2
    d = int(np.argmin(mser[::-1][:limit + 1]))  # mser[::-1][d]: d batches dropped
    return d * batch, d == limit


#: halves of a series that differ by more than this many combined standard errors drift
DRIFT_SIGMAS = 4.0


def drifts(series, min_block=1) -> bool:
    """Whether a series' first and second halves differ by more than ``DRIFT_SIGMAS``
    combined blocking errors (``block_estimate`` of each half): a trend that the
    measurement has not outrun. Fewer than 8 values never drift."""
    x = np.asarray(series, dtype=float)
    if x.size < 8:
        return False
    half = x.size // 2
    first, second = (block_estimate(part, min_block) for part in (x[:half], x[half:2 * half]))
    spread = np.hypot(first.error, second.error)
    return bool(spread > 0 and abs(first.mean - second.mean) > DRIFT_SIGMAS * spread)
