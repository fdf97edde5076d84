"""What every variable and coordinate of a result is: its ``long_name`` and ``units``.

The results (a run's Dataset, its replicas combined, a sweep's ``results.nc``, an Onsager
matrix, a heat engine) carry the CF attributes ``long_name`` and ``units`` on each
variable and coordinate, which xarray's plots and netCDF tools read (a plot's axis says
``long_name [units]``); the coordinates that hold times also carry
``standard_name = "time"``. ``VARIABLES`` declares them once, and ``describe`` sets them
on a Dataset.

Units are the model's reduced units (the Letter's: rho0 = T0 = M1 = 1, k_B = 1):

* lengths in the unit in which the channel length L is given (1 / rho0);
* masses in units of the bullet mass M1;
* energies in units of T0 = 1, temperatures and chemical potentials included (k_B = 1);
* time in the unit these make, length sqrt(M1 / T0).

A ``units`` string names these four in words, combined by products (a space), quotients
(``/``) and powers (``^``): "length", "mass", "energy", "time", "1/time" (a particle
current), "energy/time" (an energy current, a power), "1/length" (a density),
"energy^2 length/time" (an Onsager entry). "1" is dimensionless: pure numbers, counts,
ratios, flags and labels. CPU time is the one quantity in physical units, seconds ("s").
These strings are descriptive; they are not UDUNITS units.

A name not in ``VARIABLES`` may be one in it with suffixes, each read from the right:
``_err`` (its standard error), ``_end`` (its value at each end of the channel),
``_block`` (its value in each block of a run), ``_replica`` (its value in each replica)
and ``_series`` (its time series): ``J_rho_end_err`` is the standard error of the
particle current at each end, in the particle current's units.
"""

from __future__ import annotations

import xarray as xr

#: name -> (long_name, units) of every variable, coordinate and swept parameter
VARIABLES = {
    # a run's currents and counts (``simulate``)
    "J_rho": ("particle current J_rho", "1/time"),
    "J_u": ("energy current J_u", "energy/time"),
    "entropy_production": ("entropy production J_rho F_rho + J_u F_u", "1/time"),
    "J_rho_J_u_correlation": ("correlation of the errors of J_rho and J_u", "1"),
    "dissipated_power": ("dissipated power", "energy/time"),
    "kappa": ("thermal conductivity kappa", "length/time"),
    "bullet_density": ("mean bullet density", "1/length"),
    "kinetic_temperature": ("kinetic temperature m <v^2>", "energy"),
    "encounters": ("encounters", "1"),
    "passes": ("encounters that passed", "1"),
    "pass_fraction": ("fraction of encounters that passed", "1"),
    "bounces_made_elastic": ("bounces made elastic by the TC model", "1"),
    "made_elastic_fraction": ("fraction of bounces made elastic", "1"),
    # a run's profiles
    "density": ("density", "1/length"),
    "temperature": ("temperature", "energy"),
    "mean_mass": ("mean mass <m(x)> crossing x", "mass"),
    "bullet_current": ("bullet current J_rho(x)", "1/time"),
    # a run's coordinates
    "block": ("time at the middle of the block", "time"),
    "end": ("end of the channel", "1"),
    "species": ("species", "1"),
    "pair_type": ("species of the encountering pair", "1"),
    "x": ("position x (bin centre)", "length"),
    "x_edge": ("position x (bin edge)", "length"),
    "replica": ("replica", "1"),
    # a sweep's results
    "x_rel": ("position x / L (bin centre)", "1"),
    "x_edge_rel": ("position x / L (bin edge)", "1"),
    "events": ("events", "1"),
    "t_measured": ("measured time", "time"),
    "cpu_seconds": ("CPU time", "s"),
    "errors_reliable": ("errors reliable (1) or not (0)", "1"),
    "t_transient": ("discarded transient", "time"),
    "started_from": ("started from", "1"),
    # run parameters and options (a sweep's axes)
    "length": ("channel length L", "length"),
    "barrier": ("barrier h", "energy"),
    "T": ("mean temperature T", "energy"),
    "mu": ("mean chemical potential mu", "energy"),
    "F_rho": ("force F_rho = mu_L / T_L - mu_R / T_R", "1"),
    "F_u": ("force F_u = 1 / T_R - 1 / T_L", "1/energy"),
    "T_left": ("temperature T_L of the left reservoir", "energy"),
    "T_right": ("temperature T_R of the right reservoir", "energy"),
    "mu_left": ("chemical potential mu_L of the left reservoir", "energy"),
    "mu_right": ("chemical potential mu_R of the right reservoir", "energy"),
    "m_bullet": ("bullet mass M1", "mass"),
    "m_rod": ("rod mass M2", "mass"),
    "n_rods": ("rods", "1"),
    "n_bullets": ("bullets of a closed channel", "1"),
    "rod_walls": ("wall rule of the rods", "1"),
    "bullet_walls": ("wall rule of the bullets", "1"),
    "dissipation": ("dissipated fraction delta of the relative kinetic energy", "1"),
    "dissipate_at": ("where the dissipation acts", "1"),
    "collapse_time": ("t_c of the TC model", "time"),
    "passing": ("passing rule", "1"),
    "passing_width": ("width w of the smooth passing rule", "energy"),
    "barrier_width": ("width a of the quantum barrier", "length"),
    "interaction_range": ("range r of the barrier", "length"),
    "t_measure": ("measured time asked for", "time"),
    "seed": ("seed", "1"),
    "bins": ("profile bins", "1"),
    "rel_err": ("relative precision target", "1"),
    "t_max": ("longest measured time of a precision target", "time"),
    "warmup": ("transient's end detected (1) or not (0)", "1"),
    # an Onsager matrix (``onsager``) and its keywords
    "L_rr": ("Onsager entry L_rho,rho", "length/time"),
    "L_ru": ("Onsager entry L_rho,u", "energy length/time"),
    "L_ur": ("Onsager entry L_u,rho", "energy length/time"),
    "L_uu": ("Onsager entry L_u,u", "energy^2 length/time"),
    "sigma": ("conductivity sigma = L_rr / T", "length/(energy time)"),
    "S": ("Seebeck coefficient S", "1"),
    "ZT": ("figure of merit ZT", "1"),
    "det": ("determinant of the Onsager matrix", "energy^2 length^2/time^2"),
    "L_ru_normalised": ("normalised cross coefficient L_ru / sqrt(L_rr L_uu)", "1"),
    "reciprocity_gap": ("L_ru - L_ur in standard errors", "1"),
    "nonlinear_shift": ("largest relative change made by the extrapolation", "1"),
    "method": ("method", "1"),
    # f acts as F_rho = f (dimensionless) and as F_u = f (1/energy): a number in units T0 = 1
    "force": ("largest force f", "1"),
    "symmetric": ("central differences (1) or not (0)", "1"),
    "extrapolate": ("extrapolated to zero force (1) or not (0)", "1"),
    "block_time": ("shortest covariance block", "time"),
    "replicas": ("replicas per run", "1"),
    # the heat engine (``heat_engine``) and its parameters
    "J_A": ("particle current through A, hot to cold", "1/time"),
    "J_B": ("particle current through B, hot to cold", "1/time"),
    "J_circ": ("circulation (J_B - J_A) / 2", "1/time"),
    "power": ("power J_A U_A + J_B U_B", "energy/time"),
    "heat_hot": ("heat current out of the hot reservoir", "energy/time"),
    "heat_cold": ("heat current into the cold reservoir", "energy/time"),
    "efficiency": ("efficiency P / Q_hot", "1"),
    "efficiency_carnot": ("Carnot efficiency 1 - T_cold / T_hot", "1"),
    "mu_hot": ("chemical potential of the hot reservoir", "energy"),
    "mu_cold": ("chemical potential of the cold reservoir", "energy"),
    "time": ("time since the engine started", "time"),
    "T_hot": ("temperature of the hot reservoir", "energy"),
    "T_cold": ("temperature of the cold reservoir", "energy"),
    "load_a": ("load U_A", "energy"),
    "load_b": ("load U_B", "energy"),
    "reservoir_particles": ("bullets in each reservoir at the start", "1"),
    "reservoir_volume": ("volume of each reservoir", "length"),
    "slice_time": ("interval of the reservoirs' updates", "time"),
    # the engine in linear response (``linear_response``)
    "YT": ("figure of merit YT", "1"),
    "eta_max": ("largest efficiency", "1"),
    "eta_at_max_power": ("efficiency at largest power", "1"),
    "P_max": ("largest power", "energy/time"),
    "eta_carnot": ("Carnot efficiency", "1"),
    "eta_upper": ("efficiency, upper branch", "1"),
    "eta_lower": ("efficiency, lower branch", "1"),
    "power_fraction": ("power / largest power", "1"),
}

#: suffix -> how it changes the long name (the units stay)
SUFFIXES = {
    "_err": "standard error of {}",
    "_end": "{} at each end",
    "_block": "{} in each block",
    "_replica": "{} of each replica",
    "_series": "{} over time",
    "_a": "{} of channel A",  # the heat engine's channels (``heat_engine``)
    "_b": "{} of channel B",
}

#: the coordinates that hold times (CF ``standard_name``)
TIMES = ("block", "time")


def lookup(name: str) -> tuple[str, str]:
    """The long name and units of ``name`` (``VARIABLES``, with its suffixes).

    Raises
    ------
    KeyError
        If neither ``name`` nor the name without a suffix is declared.
    """
    if name in VARIABLES:
        return VARIABLES[name]
    for suffix, template in SUFFIXES.items():
        if name.endswith(suffix) and len(name) > len(suffix):
            long_name, units = lookup(name[:-len(suffix)])
            return template.format(long_name), units
    raise KeyError(f"{name!r} has no long name and units: declare it in "
                   "coupledgas.metadata.VARIABLES")


def describe(ds: xr.Dataset) -> xr.Dataset:
    """Set ``long_name`` and ``units`` (``lookup``) on every variable and coordinate of
    ``ds``, and ``standard_name = "time"`` on the coordinates of times; returns ``ds``
    (changed in place)."""
    for name, variable in ds.variables.items():
        long_name, units = lookup(str(name))
        variable.attrs.update(long_name=long_name, units=units)
        if name in TIMES:
            variable.attrs["standard_name"] = "time"
    return ds


def label(array: xr.DataArray) -> str:
    """An axis label for ``array``: ``long_name [units]`` as xarray writes it, from its
    attributes or, for a file written before they were set, from ``lookup`` (its bare
    name if it is not declared)."""
    name = str(array.name)
    if "long_name" in array.attrs:
        long_name, units = array.attrs["long_name"], array.attrs.get("units")
    else:
        try:
            long_name, units = lookup(name)
        except KeyError:
            return name
    return f"{long_name} [{units}]" if units else long_name
