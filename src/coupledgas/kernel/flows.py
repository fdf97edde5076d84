"""Reading a channel's boundary flows: net inflows, transfers and the bookkeeping check.

``ChannelState.flows`` holds, per end and species, the cumulative number of particles and
kinetic energy (energy units, k_B T0 = 1) that entered and left the channel there (slots
``flow_index(end, species) + Q_*``). Everything above the kernel reads them through
these functions, on one snapshot (shape (N_FLOWS,)) or on a stack of them, e.g. the
per-block differences (shape (..., N_FLOWS)).
"""

import numpy as np

from .layout import (
    BULLET,
    LEFT,
    Q_COUNT_IN,
    Q_COUNT_OUT,
    Q_ENERGY_IN,
    Q_ENERGY_OUT,
    RIGHT,
    ROD,
    flow_index,
)


class BookkeepingError(RuntimeError):
    """The particle or energy balance of a run does not close."""


def net_inflow(flows, end, species, quantity):
    """Net amount of a quantity that entered the channel at one end.

    Parameters
    ----------
    flows : ndarray (..., N_FLOWS)
        Cumulative boundary flows, or differences of them.
    end : int
        ``LEFT`` or ``RIGHT``.
    species : int
        ``BULLET`` or ``ROD``.
    quantity : {"count", "energy"}
        Particles, or their kinetic energy (energy units).

    Returns
    -------
    ndarray (...)
        In minus out.
    """
    base = flow_index(end, species)
    if quantity == "count":
        return flows[..., base + Q_COUNT_IN] - flows[..., base + Q_COUNT_OUT]
    return flows[..., base + Q_ENERGY_IN] - flows[..., base + Q_ENERGY_OUT]


def transferred(flows):
    """Particles and energy moved left to right through each end.

    Parameters
    ----------
    flows : ndarray (..., N_FLOWS)
        Cumulative boundary flows, or differences of them.

    Returns
    -------
    dict of ndarray (..., 2)
        ``particles`` (bullets) and ``energy`` (all species, energy units), indexed by
        end.
    """
    particles = np.stack([net_inflow(flows, LEFT, BULLET, "count"),
                          -net_inflow(flows, RIGHT, BULLET, "count")], axis=-1)
    energy = np.stack([sum(net_inflow(flows, LEFT, s, "energy") for s in (BULLET, ROD)),
                       -sum(net_inflow(flows, RIGHT, s, "energy") for s in (BULLET, ROD))],
                      axis=-1)
    return {"particles": particles, "energy": energy}


def check_bookkeeping(flows_start, flows_end, bullets_start, bullets_end, energy_start,
                      energy_end, dissipated):
    """Raise ``BookkeepingError`` unless particles and energy balance over a stretch.

    Bullets: in - out at both ends = change of the content (exactly, integers).
    Energy: in - out = change of the kinetic energy + energy dissipated at encounters,
    to rounding (relative 1e-9 of the energy that flowed).

    Parameters
    ----------
    flows_start, flows_end : ndarray (N_FLOWS,)
        Cumulative boundary flows at the start and the end.
    bullets_start, bullets_end : int
        Bullets in the channel then.
    energy_start, energy_end : float
        Kinetic energy in the channel then (energy units).
    dissipated : float
        Energy lost at encounters in between (energy units).
    """
    d = flows_end - flows_start
    moved = transferred(d)
    particle_balance = moved["particles"][LEFT] - moved["particles"][RIGHT]
    if particle_balance != bullets_end - bullets_start:
        raise BookkeepingError(f"bullets in - out = {particle_balance:g} but the content "
                               f"changed by {bullets_end - bullets_start}")
    energy_balance = moved["energy"][LEFT] - moved["energy"][RIGHT]
    change = energy_end - energy_start + dissipated
    slots = [flow_index(end, s) for end in (LEFT, RIGHT) for s in (BULLET, ROD)]
    energy_in = d[[k + Q_ENERGY_IN for k in slots]]
    energy_out = d[[k + Q_ENERGY_OUT for k in slots]]
    scale = np.sum(np.abs(energy_in)) + np.sum(np.abs(energy_out)) + abs(energy_start) + 1.0
    if abs(energy_balance - change) > 1e-9 * scale:
        raise BookkeepingError(f"energy in - out = {energy_balance:.12g} but the content "
                               f"changed by {change:.12g}")
