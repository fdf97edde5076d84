"""Block statistics: means and standard errors of correlated time series.

A run records its transferred particle number and energy per block of simulated time
(``block_length``). Consecutive blocks are correlated for thousands of time units at
L = 20 (PHYSICS.md, "Measured facts"), so the raw spread of short blocks underestimates
the error. The standard error comes from a blocking analysis: blocks are merged pairwise
until the block means are uncorrelated, decided by the automated test of Jonsson,
Phys. Rev. E 98, 043304 (2018): at each level k the statistic
M_k = sum_{j>=k} n_j (gamma_j / s_j^2)^2 (gamma_j the lag-one autocovariance, s_j^2 the
variance of the level-j block means, n_j their number) is compared with the 99% quantile
of chi^2 with d - k degrees of freedom.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2

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

    Parameters
    ----------
    series : array_like, length 2**d

    Returns
    -------
    variance, autocovariance, counts : ndarray, each of length d
        Population variance and lag-one autocovariance of the 2**(d-k) block means at
        level k (blocks of 2**k base blocks).
    """
    x = np.asarray(series, dtype=float)
    d = int(np.log2(x.size))
    if x.size < 4 or 2**d != x.size:
        raise ValueError(f"blocking needs a series of length 2**d >= 4, got {x.size}")
    mu = x.mean()
    variance, autocovariance, counts = np.empty(d), np.empty(d), np.empty(d, dtype=int)
    for k in range(d):
        dx = x - mu
        counts[k] = x.size
        variance[k] = np.mean(dx * dx)
        autocovariance[k] = np.sum(dx[:-1] * dx[1:]) / x.size
        x = 0.5 * (x[0::2] + x[1::2])
    return variance, autocovariance, counts


def block_estimate(series) -> BlockEstimate:
    """Mean and standard error of a correlated series by automated blocking.

    Parameters
    ----------
    series : array_like, length 2**d (d >= 2)
        Per-block values (e.g. the current measured in each block).

    Returns
    -------
    BlockEstimate
    """
    x = np.asarray(series, dtype=float)
    variance, autocovariance, counts = blocking_levels(x)
    d = variance.size
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = counts * np.where(variance > 0, autocovariance / variance, 0.0) ** 2
    M = np.cumsum(terms[::-1])[::-1]
    quantiles = chi2.ppf(0.99, np.arange(d, 0, -1))
    level = d - 1
    for k in range(d):
        if M[k] < quantiles[k]:
            level = k
            break
    n = int(counts[level])
    error = float(np.sqrt(variance[level] / max(n - 1, 1)))
    return BlockEstimate(mean=float(x.mean()), error=error, block_size=2**level,
                         n_blocks=n, reliable=n >= MIN_RELIABLE_BLOCKS)
