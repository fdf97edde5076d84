"""The autonomous circular heat engine (slides; Benenti, Casati, Marchesoni, Wang, PRE
106, 044104): two channels A and B between a hot and a cold reservoir.

Both channels run from the hot reservoir (left end) to the cold one (right end), so
they are in series for particles and in parallel for heat. The reservoirs are finite
ideal gases: each holds N_hot or N_cold bullets in a volume V at a fixed temperature, so
its density N / V, hence its chemical potential mu = T ln(N / (V sqrt(T))) and its
injection rate gamma = (N / V) sqrt(T / (2 pi m)), follow its content. The total bullet
number is conserved. A temperature difference alone drives bullets around the circuit
when one channel carries an inverse current.

Loads: between each channel's cold end and the cold reservoir a potential step U (the
reservoir lies U higher; U may be negative). A bullet climbs the step only with kinetic
energy above the rise (else it is turned back) and gains the drop coming down. The power
is P = J_A U_A + J_B U_B, J the particle current hot to cold; the heat taken from the
hot reservoir is the energy that enters the channels at their hot ends; the efficiency
is P / Q_hot, to be compared with Carnot, 1 - T_cold / T_hot.

The two channels are advanced in slices of length ``slice_time``; between slices the
reservoir contents, chemical potentials and injection rates are updated and pending
injections redrawn (a Poisson process is memoryless, so redrawing at a rate change is
exact). Within a slice the rates are those of the contents at its start: a relative
error of (bullets moved in a slice) / N, about 1e-4 for the defaults.
"""

from __future__ import annotations

import inspect

import numpy as np
import xarray as xr

from . import thermo
from ._version import __version__
from .kernel import (
    advance_to,
    check_bookkeeping,
    net_inflow,
    new_channel,
    set_injection_rate,
    set_load_step,
)
from .kernel.layout import BULLET, C_EVENTS, LEFT, RIGHT, S_DISSIPATED
from .metadata import describe
from .observables import block_estimate, ratio_estimate
from .params import ALIASES as RUN_ALIASES
from .params import (
    Channel,
    ParameterError,
    RunParams,
    canonical,
    number,
    positive,
    unknown_keyword,
    whole_number,
)
from .simulate import N_BLOCKS, parameter_attrs


def reservoir_mu(N, V, T):
    """Chemical potential of an ideal gas of N particles in V at T (rho0 = T0 = 1)."""
    return T * np.log(N / (V * np.sqrt(T)))


class _Channel:
    """One channel of the circuit: its parameters, state and generator."""

    def __init__(self, params: RunParams, load: float, seed_sequence):
        self.params, self.load = params, load
        self.rng = np.random.default_rng(seed_sequence)
        self.state = new_channel(params, self.rng)
        set_load_step(self.state, RIGHT, load)

    def set_rates(self, gamma_hot, gamma_cold, T_cold):
        """New injection rates; the pending injections are redrawn (memoryless)."""
        cold = gamma_cold * np.exp(-max(-self.load, 0.0) / T_cold)
        set_injection_rate(self.state, LEFT, gamma_hot, self.rng)
        set_injection_rate(self.state, RIGHT, cold, self.rng)

    def advance(self, t):
        self.state, _ = advance_to(self.state, self.rng, t)

    def bullets(self):
        return self.state.content(BULLET)


#: the engine's channels unless given: A the Letter's (h = 1, an inverse particle
#: current), B a free gas (h = 0, a normal one)
CHANNELS = {"a": Channel(), "b": Channel(barrier=0.0)}


def heat_engine(T_hot=1.15, T_cold=0.85, channel_a: Channel | None = None,
                channel_b: Channel | None = None, load_a=0.0, load_b=0.0,
                reservoir_particles=20000, reservoir_volume=None, t_transient=2000.0,
                t_measure=100000.0, slice_time=1.0, seed=1, **channel_fields) -> xr.Dataset:
    """Run the circular engine and measure its circulation, power and efficiency.

    Parameters
    ----------
    T_hot, T_cold : float
        Reservoir temperatures.
    channel_a, channel_b : Channel, optional
        The two channels, with any rule (passing rules, dissipation and where it acts,
        rod walls, a finite range); default ``CHANNELS``. Their bullets are exchanged with
        the reservoirs and have one mass; rods default to round(rho L / 2) at the
        reservoirs' mean starting state.
    **channel_fields
        ``Channel`` fields that replace the records': ``<field>_a`` or ``<field>_b`` for
        one channel (``length_a=40``, ``rods_b=10``, ``dissipate_at_a="collision"``),
        ``<field>`` for both (``m_rod=0.3``).
    load_a, load_b : float
        Potential steps U between each channel's cold end and the cold reservoir.
    reservoir_particles : int
        N, the bullets in each reservoir at the start.
    reservoir_volume : float, optional
        V; default N / e^1.5, so that both start near the Letter's density rho(1, 1.5).
    t_transient, t_measure, slice_time : float
        Discarded time, measured time, and the interval of reservoir updates.

    Returns
    -------
    xarray.Dataset
        ``J_A``, ``J_B`` (particle currents hot to cold), ``J_circ`` = (J_B - J_A) / 2,
        ``power``, ``heat_hot``, ``heat_cold``, ``efficiency``, ``mu_hot``, ``mu_cold``
        (time averages), each with ``_err``; ``efficiency_carnot``; the series
        ``mu_hot_series`` and ``mu_cold_series`` on ``time`` from the start. Every
        variable and coordinate has a ``long_name`` and ``units`` (``metadata``); the
        attributes hold each channel's fields with the suffix ``_a`` or ``_b``.
    """
    T_hot, T_cold = positive("T_hot", T_hot), positive("T_cold", T_cold)
    if not T_hot > T_cold:
        raise ParameterError("T_hot", f"must exceed T_cold ({T_cold:g}), got {T_hot:g}")
    N = whole_number("reservoir_particles", reservoir_particles)
    V = N / np.exp(1.5) if reservoir_volume is None else \
        positive("reservoir_volume", reservoir_volume)
    slice_time = positive("slice_time", slice_time)
    t_measure = positive("t_measure", t_measure)
    block_length = t_measure / N_BLOCKS
    slices_per_block = max(int(np.ceil(block_length / slice_time)), 1)
    mu_hot0, mu_cold0 = reservoir_mu(N, V, T_hot), reservoir_mu(N, V, T_cold)
    seeds = np.random.SeedSequence(int(seed)).spawn(2)
    given = {"a": channel_a, "b": channel_b}
    channels = []
    for (name, channel), load, ss in zip(_channels(given, channel_fields).items(),
                                         (load_a, load_b), seeds):
        params = RunParams.create(channel=channel, T_left=T_hot, T_right=T_cold,
                                  mu_left=mu_hot0, mu_right=mu_cold0, t_transient=t_transient,
                                  t_measure=t_measure, seed=int(seed))
        channels.append(_Channel(params, number(f"load_{name}", load), ss))
    m_bullet = channels[0].params.m_bullet
    reservoir = {"hot": int(N), "cold": int(N)}
    total = 2 * int(N) + sum(c.bullets() for c in channels)

    def rates():
        flux = np.sqrt(1.0 / (2.0 * np.pi * m_bullet))
        return (reservoir["hot"] / V * np.sqrt(T_hot) * flux,
                reservoir["cold"] / V * np.sqrt(T_cold) * flux)

    def step(t):
        before = [c.state.flows.copy() for c in channels]
        gamma_hot, gamma_cold = rates()
        for c in channels:
            c.set_rates(gamma_hot, gamma_cold, T_cold)
            c.advance(t)
        for c, f0 in zip(channels, before):
            d = c.state.flows - f0
            reservoir["hot"] -= int(net_inflow(d, LEFT, BULLET, "count"))
            reservoir["cold"] -= int(net_inflow(d, RIGHT, BULLET, "count"))

    time_axis, mu_series, t = [0.0], [(mu_hot0, mu_cold0)], 0.0
    n_transient_blocks = int(np.ceil(t_transient / block_length))
    snapshots = []
    for b in range(n_transient_blocks + N_BLOCKS):
        if b == n_transient_blocks:
            snapshots.append(_engine_snapshot(channels, reservoir))
        for _ in range(slices_per_block):
            t += block_length / slices_per_block
            step(t)
        time_axis.append(t)
        mu_series.append((reservoir_mu(reservoir["hot"], V, T_hot),
                          reservoir_mu(reservoir["cold"], V, T_cold)))
        if b >= n_transient_blocks:
            snapshots.append(_engine_snapshot(channels, reservoir))
        if reservoir["hot"] + reservoir["cold"] + sum(c.bullets() for c in channels) != total:
            raise RuntimeError("bullets were not conserved around the circuit")
    attrs = {f"{k}_{name}": v for name, c in zip("ab", channels)
             for k, v in parameter_attrs(c.params).items() if k in Channel.names()}
    attrs.update(T_hot=T_hot, T_cold=T_cold, load_a=load_a, load_b=load_b,
                 reservoir_particles=int(N), reservoir_volume=V, t_transient=t_transient,
                 t_measure=t_measure, slice_time=block_length / slices_per_block,
                 seed=int(seed))
    return _engine_dataset(channels, snapshots, block_length, T_hot, T_cold, V, time_axis,
                           mu_series, attrs)


#: the run parameters' short names for each channel's fields (``rods_a`` for ``n_rods_a``)
ALIASES = {f"{short}{suffix}": f"{field}{suffix}" for short, field in RUN_ALIASES.items()
           for suffix in ("", "_a", "_b")}


def keywords() -> tuple[str, ...]:
    """Every keyword ``heat_engine`` takes: its own, and each ``Channel`` field with the
    suffix ``_a``, ``_b`` or none."""
    own = tuple(n for n in inspect.signature(heat_engine).parameters
                if n != "channel_fields")
    return own + tuple(f"{field}{suffix}" for suffix in ("", "_a", "_b")
                       for field in Channel.names())


def _channels(given: dict, channel_fields: dict) -> dict:
    """Channels A and B: the ``given`` records (default ``CHANNELS``) with the keywords'
    fields replaced; a bad keyword raises ``ParameterError`` naming it."""
    changes = {"a": {}, "b": {}}
    for key, value in channel_fields.items():
        stem, _, suffix = key.rpartition("_")
        if suffix in changes and canonical(stem) in Channel.names():
            changes[suffix][canonical(stem)] = value
        elif canonical(key) in Channel.names():
            for fields in changes.values():
                fields.setdefault(canonical(key), value)
        else:
            raise unknown_keyword(key, keywords(), "a keyword of heat_engine")
    channels = {}
    for name, channel in given.items():
        try:
            channels[name] = Channel.of(channel or CHANNELS[name], **changes[name])
        except ParameterError as err:
            raise ParameterError(f"{err.name}_{name}", str(err).split(": ", 1)[1]) from None
        if channels[name].bullet_walls != "exchange":
            raise ParameterError(f"bullet_walls_{name}", "the engine's channels exchange "
                                 "their bullets with the reservoirs")
    if channels["a"].m_bullet != channels["b"].m_bullet:
        raise ParameterError("m_bullet_b", "the reservoirs hold one gas: both channels' "
                             "bullets have one mass")
    return channels


def _engine_snapshot(channels, reservoir):
    return {"flows": [c.state.flows.copy() for c in channels],
            "bullets": [c.bullets() for c in channels],
            "energy": [c.state.energy() for c in channels],
            "dissipated": [float(c.state.scalars[S_DISSIPATED]) for c in channels],
            "reservoir": (reservoir["hot"], reservoir["cold"])}


def _engine_dataset(channels, snapshots, block_length, T_hot, T_cold, V, time_axis,
                    mu_series, attrs):
    for k, c in enumerate(channels):
        first, last = snapshots[0], snapshots[-1]
        check_bookkeeping(first["flows"][k], last["flows"][k], first["bullets"][k],
                          last["bullets"][k], first["energy"][k], last["energy"][k],
                          last["dissipated"][k] - first["dissipated"][k])
    flows = np.array([[s["flows"][k] for k in range(2)] for s in snapshots])  # (t, ch, 16)
    d = np.diff(flows, axis=0)
    # particle current hot -> cold in each channel: mean of the two ends
    J = np.stack([0.5 * (net_inflow(d[:, k], LEFT, BULLET, "count")
                         - net_inflow(d[:, k], RIGHT, BULLET, "count")) for k in range(2)],
                 axis=-1) / block_length
    heat_in_hot = sum(net_inflow(d[:, k], LEFT, s, "energy") for k in range(2)
                      for s in range(2))
    loads = np.array([c.load for c in channels])
    # energy reaching the cold reservoir: kinetic energy out of the cold ends minus the
    # work done climbing the steps
    heat_out_cold = sum(-net_inflow(d[:, k], RIGHT, s, "energy") for k in range(2)
                        for s in range(2)) \
        + sum(loads[k] * net_inflow(d[:, k], RIGHT, BULLET, "count") for k in range(2))
    power = J @ loads
    series = {"J_A": J[:, 0], "J_B": J[:, 1], "J_circ": 0.5 * (J[:, 1] - J[:, 0]),
              "power": power, "heat_hot": heat_in_hot / block_length,
              "heat_cold": heat_out_cold / block_length}
    reservoirs = np.array([s["reservoir"] for s in snapshots[1:]], dtype=float)
    series["mu_hot"] = reservoir_mu(reservoirs[:, 0], V, T_hot)
    series["mu_cold"] = reservoir_mu(reservoirs[:, 1], V, T_cold)
    data = {}
    for name, values in series.items():
        est = block_estimate(values)
        data[name], data[name + "_err"] = ((), est.mean), ((), est.error)
    efficiency, efficiency_err = ratio_estimate(power, heat_in_hot / block_length)
    data["efficiency"], data["efficiency_err"] = ((), efficiency), ((), efficiency_err)
    data["efficiency_carnot"] = ((), 1.0 - T_cold / T_hot)
    mu = np.array(mu_series)
    data["mu_hot_series"] = (("time",), mu[:, 0])
    data["mu_cold_series"] = (("time",), mu[:, 1])
    attrs.update(coupledgas_version=__version__, block_length=block_length,
                 events=int(sum(c.state.counters[C_EVENTS] for c in channels)),
                 m_bullet=channels[0].params.m_bullet)
    return describe(xr.Dataset(data, coords={"time": np.array(time_axis)}, attrs=attrs))


def linear_response(onsager_a: xr.Dataset, onsager_b: xr.Dataset, T_hot, T_cold,
                    samples=20000, seed=0) -> xr.Dataset:
    """Linear-response predictions of the engine from its channels' Onsager results.

    Parameters
    ----------
    onsager_a, onsager_b : xarray.Dataset
        ``coupledgas.onsager`` results of channels A and B (sigma, kappa, S with errors;
        ``length`` in attrs), computed around the mean temperature.
    T_hot, T_cold : float

    Returns
    -------
    xarray.Dataset
        ``YT``, ``eta_max``, ``eta_at_max_power``, ``P_max`` with ``_err`` (Monte Carlo
        over the channels' independent errors; unphysical draws left out),
        ``eta_carnot``, and the power-efficiency
        curve ``eta_upper``, ``eta_lower`` against ``power_fraction`` = P / P_max.
    """
    T, delta_T = 0.5 * (T_hot + T_cold), T_hot - T_cold
    rng = np.random.default_rng(seed)

    def draws(ds, name):
        return ds[name].item() + ds[name + "_err"].item() * rng.standard_normal(samples)

    def predictions(a, b, L_a, L_b):
        YT = thermo.engine_figure_of_merit(a["sigma"], a["kappa"], a["S"], L_a, b["sigma"],
                                           b["kappa"], b["S"], L_b, T)
        eff = thermo.engine_efficiencies(YT, T_hot, T_cold)
        P = thermo.engine_max_power(a["sigma"], L_a, b["sigma"], L_b, a["S"], b["S"],
                                    delta_T)
        return {"YT": YT, "eta_max": eff["eta_max"],
                "eta_at_max_power": eff["eta_at_max_power"], "P_max": P}

    names = ("sigma", "kappa", "S")
    L_a, L_b = onsager_a.attrs["length"], onsager_b.attrs["length"]
    central = predictions({n: onsager_a[n].item() for n in names},
                          {n: onsager_b[n].item() for n in names}, L_a, L_b)
    with np.errstate(invalid="ignore", divide="ignore"):
        # draws with unphysical values (e.g. kappa < 0 when it is poorly known) give NaN
        # efficiencies and are left out of the error estimate
        sampled = predictions({n: draws(onsager_a, n) for n in names},
                              {n: draws(onsager_b, n) for n in names}, L_a, L_b)
    data = {}
    for name, value in central.items():
        low, high = np.nanpercentile(sampled[name], [15.865, 84.135])
        data[name], data[name + "_err"] = ((), value), ((), 0.5 * (high - low))
    eta_c = 1.0 - T_cold / T_hot
    p, upper, lower = thermo.power_efficiency_curve(central["YT"], eta_c)
    data.update(eta_carnot=((), eta_c), eta_upper=(("power_fraction",), upper),
                eta_lower=(("power_fraction",), lower))
    return describe(xr.Dataset(data, coords={"power_fraction": p}, attrs=dict(
        T_hot=T_hot, T_cold=T_cold, length_a=L_a, length_b=L_b)))
