"""One run: build the state, advance the kernel block by block, return a Dataset.

The measured time is cut into ``N_BLOCKS`` blocks of equal length; after each block the
cumulative boundary flows are read, so every current has a block series from which
its standard error follows by a blocking analysis (``observables``). Currents are
positive from left to right; each is measured at both ends and the reported value is
the mean of the two (they differ only by the change of the channel's content over the
run, which the bookkeeping check accounts for exactly).
"""

from __future__ import annotations

import time

import numpy as np
import xarray as xr

from . import __version__
from .kernel import advance_to, new_channel
from .kernel.layout import (BULLET, C_ENCOUNTERS, C_EVENTS, C_PASSES, LEFT, P_MASS,
                            Q_COUNT_IN, Q_COUNT_OUT, Q_ENERGY_IN, Q_ENERGY_OUT, RIGHT, ROD,
                            S_DISSIPATED, SPECIES)
from .observables import block_estimate
from .params import RunParams

#: blocks of the measured time (a power of two, for the blocking analysis)
N_BLOCKS = 1024

PAIR_TYPES = ("bullet-bullet", "bullet-rod", "rod-rod")


class BookkeepingError(RuntimeError):
    """The particle or energy balance of a run does not close."""


def net_inflow(flows, end, species, quantity):
    """Net amount of ``quantity`` ("count" or "energy") that entered the channel at ``end``."""
    base = end * 8 + species * 4
    if quantity == "count":
        return flows[..., base + Q_COUNT_IN] - flows[..., base + Q_COUNT_OUT]
    return flows[..., base + Q_ENERGY_IN] - flows[..., base + Q_ENERGY_OUT]


def transferred(flows):
    """Particles and energy moved left to right through each end.

    Parameters
    ----------
    flows : ndarray (..., 16)
        Cumulative boundary flows (kernel layout).

    Returns
    -------
    dict of ndarray (..., 2)
        ``particles`` (bullets) and ``energy`` (all species), indexed by end.
    """
    particles = np.stack([net_inflow(flows, LEFT, BULLET, "count"),
                          -net_inflow(flows, RIGHT, BULLET, "count")], axis=-1)
    energy = np.stack([sum(net_inflow(flows, LEFT, s, "energy") for s in (BULLET, ROD)),
                       -sum(net_inflow(flows, RIGHT, s, "energy") for s in (BULLET, ROD))],
                      axis=-1)
    return {"particles": particles, "energy": energy}


def _snapshot(state):
    """What is read after each block: flows, content, energy, kinetic temperatures, counters."""
    ids = state.order()
    kinds = state.species[ids]
    m_v2 = state.params[P_MASS + kinds] * state.v[ids] ** 2
    temperature = [m_v2[kinds == s].mean() if np.any(kinds == s) else np.nan
                   for s in (BULLET, ROD)]
    return (state.flows.copy(), int(np.count_nonzero(kinds == BULLET)),
            state.kinetic_energy(), temperature, state.counters.copy())


def check_bookkeeping(flows_start, flows_end, bullets_start, bullets_end, energy_start,
                      energy_end, dissipated):
    """Raise ``BookkeepingError`` unless particles and energy balance over the run.

    Bullets: in - out at both ends = change of the content (exactly, integers).
    Energy: in - out = change of the kinetic energy + energy dissipated at encounters,
    to rounding (relative 1e-9 of the energy that flowed).
    """
    d = flows_end - flows_start
    moved = transferred(d)
    particle_balance = moved["particles"][LEFT] - moved["particles"][RIGHT]
    if particle_balance != bullets_end - bullets_start:
        raise BookkeepingError(f"bullets in - out = {particle_balance:g} but the content "
                               f"changed by {bullets_end - bullets_start}")
    energy_balance = moved["energy"][LEFT] - moved["energy"][RIGHT]
    change = energy_end - energy_start + dissipated
    scale = np.sum(np.abs(d[2::4])) + np.sum(np.abs(d[3::4])) + abs(energy_start) + 1.0
    if abs(energy_balance - change) > 1e-9 * scale:
        raise BookkeepingError(f"energy in - out = {energy_balance:.12g} but the content "
                               f"changed by {change:.12g}")


def simulate(length=20.0, barrier=1.0, T=1.0, mu=1.5, F_rho=None, F_u=None, *,
             T_left=None, T_right=None, mu_left=None, mu_right=None, m_bullet=1.0,
             m_rod=0.5, n_rods=None, rod_walls="thermal", t_transient=200.0,
             t_measure=100000.0, seed=1) -> xr.Dataset:
    """Simulate the open two-mass gas between two particle reservoirs.

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
    t_transient, t_measure : float
        Discarded transient and measured time.
    seed : int
        Seed of the run's ``numpy.random.SeedSequence``; the same seed gives the same
        result bit for bit.

    Returns
    -------
    xarray.Dataset
        ``J_rho``, ``J_u`` (and ``_err``: blocking standard errors), their values at each
        ``end``, the block series, ``entropy_production``, the bullet density and the
        kinetic temperatures m <v^2> per ``species`` (sampled at the end of each block,
        with blocking errors), encounter and pass counts and the pass fraction per
        ``pair_type``; parameters, seed, version, event counts and events per second in
        ``attrs``.
    """
    params = RunParams.create(length=length, barrier=barrier, T=T, mu=mu, F_rho=F_rho,
                              F_u=F_u, T_left=T_left, T_right=T_right, mu_left=mu_left,
                              mu_right=mu_right, m_bullet=m_bullet, m_rod=m_rod,
                              n_rods=n_rods, rod_walls=rod_walls, t_transient=t_transient,
                              t_measure=t_measure, seed=seed)
    return run(params)


def run(params: RunParams) -> xr.Dataset:
    """Simulate a validated parameter set (see ``simulate``)."""
    rng = np.random.default_rng(np.random.SeedSequence(params.seed))
    state = new_channel(params, rng)
    state, _ = advance_to(state, rng, 0.0, max_events=0)  # compile or load the kernel

    kernel_seconds = 0.0
    started = time.perf_counter()
    state, _ = advance_to(state, rng, params.t_transient)
    kernel_seconds += time.perf_counter() - started
    dissipated_start = state.scalars[S_DISSIPATED]
    snapshots = [_snapshot(state)]
    block_length = params.t_measure / N_BLOCKS
    for b in range(1, N_BLOCKS + 1):
        started = time.perf_counter()
        state, _ = advance_to(state, rng, params.t_transient + b * block_length)
        kernel_seconds += time.perf_counter() - started
        snapshots.append(_snapshot(state))

    flows = np.array([s[0] for s in snapshots])
    bullets = np.array([s[1] for s in snapshots])
    energy = np.array([s[2] for s in snapshots])
    temperatures = np.array([s[3] for s in snapshots[1:]])
    counters = np.array([s[4] for s in snapshots])
    dissipated = state.scalars[S_DISSIPATED] - dissipated_start
    check_bookkeeping(flows[0], flows[-1], bullets[0], bullets[-1], energy[0], energy[-1],
                      dissipated)
    return _dataset(params, flows, bullets, temperatures, counters, block_length,
                    kernel_seconds, int(state.counters[C_EVENTS]))


def ratio_estimate(numerator, denominator):
    """Ratio of two block-summed counts, sum(a) / sum(b), with its blocking error.

    The error is that of the mean of (a_b - R b_b) / mean(b), the linearised ratio.
    """
    R = numerator.sum() / denominator.sum() if denominator.sum() > 0 else np.nan
    if not np.isfinite(R):
        return np.nan, np.nan
    return R, block_estimate((numerator - R * denominator) / denominator.mean()).error


def _dataset(params, flows, bullets, temperatures, counters, block_length, kernel_seconds,
             events_total):
    moved = transferred(np.diff(flows, axis=0))  # per block, per end
    series = {
        "J_rho": moved["particles"].mean(axis=-1) / block_length,
        "J_u": moved["energy"].mean(axis=-1) / block_length,
    }
    F_rho, F_u = params.forces
    series["entropy_production"] = series["J_rho"] * F_rho + series["J_u"] * F_u
    data, attrs = {}, params.as_attrs()
    reliable = True
    for name, values in series.items():
        est = block_estimate(values)
        data[name] = ((), est.mean)
        data[name + "_err"] = ((), est.error)
        data[name + "_block"] = (("block",), values)
        attrs[name + "_blocks_used"] = est.n_blocks
        reliable &= est.reliable
    total = transferred(flows[-1] - flows[0])
    for name, key in (("J_rho", "particles"), ("J_u", "energy")):
        ends = total[key] / params.t_measure
        data[name + "_end"] = (("end",), ends)
        per_end = [block_estimate(moved[key][:, e] / block_length).error for e in (LEFT, RIGHT)]
        data[name + "_end_err"] = (("end",), np.array(per_end))
    # sampled at the end of every block: content and kinetic temperature m <v^2> per species
    density = block_estimate(bullets[1:] / params.length)
    data["bullet_density"] = ((), density.mean)
    data["bullet_density_err"] = ((), density.error)
    kinetic = [block_estimate(temperatures[:, s]) if np.all(np.isfinite(temperatures[:, s]))
               else None for s in (BULLET, ROD)]
    data["kinetic_temperature"] = (("species",), [k.mean if k else np.nan for k in kinetic])
    data["kinetic_temperature_err"] = (("species",), [k.error if k else np.nan for k in kinetic])
    events = counters[-1] - counters[0]
    per_block = np.diff(counters, axis=0)
    data["encounters"] = (("pair_type",), events[C_ENCOUNTERS:C_ENCOUNTERS + 3])
    data["passes"] = (("pair_type",), events[C_PASSES:C_PASSES + 3])
    fractions = [ratio_estimate(per_block[:, C_PASSES + k], per_block[:, C_ENCOUNTERS + k])
                 for k in range(3)]
    data["pass_fraction"] = (("pair_type",), [f[0] for f in fractions])
    data["pass_fraction_err"] = (("pair_type",), [f[1] for f in fractions])
    kernel_events = int(events[C_EVENTS])
    attrs.update(
        coupledgas_version=__version__, events=kernel_events, events_total=events_total,
        events_per_second=events_total / kernel_seconds if kernel_seconds > 0 else 0.0,
        kernel_seconds=kernel_seconds, block_length=block_length, n_blocks=N_BLOCKS,
        errors_reliable=int(reliable),
        gamma_left=params.injection_rates[LEFT], gamma_right=params.injection_rates[RIGHT],
    )
    coords = {"block": (np.arange(N_BLOCKS) + 0.5) * block_length + params.t_transient,
              "end": ["left", "right"], "species": list(SPECIES), "pair_type": list(PAIR_TYPES)}
    return xr.Dataset(data, coords=coords, attrs=attrs)
