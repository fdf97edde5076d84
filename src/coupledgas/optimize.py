"""Search model parameters for the best linear-response transport (``coupledgas optimize``).

An *objective* is a number measured from Onsager matrices (``onsager``) and its error:

* ``ZT`` (maximised): the figure of merit of one channel (Supplement, Eqs. 6-7), from an
  Onsager matrix with ``onsager``'s defaults;
* ``YT`` (maximised): the circular engine's figure of merit in linear response
  (``heat_engine.linear_response``, as the ``yt-vs-length`` recipe computes it): channel A
  has the searched parameters, channel B is the same channel without its barrier
  (h = 0), both measured as that recipe measures them (``ENGINE_ONSAGER``) at the
  engine recipes' temperatures ``ENGINE_T``; one evaluation is two Onsager matrices;
* ``L_ru_normalised`` (minimised): L_ru / sqrt(L_rr L_uu), from -1 to 1, negative where
  a temperature bias alone drives the particles against it (an inverse current in
  linear response).

The searched parameters (``PARAMETERS``) are ``mass_ratio`` = m_rod / m_bullet
(m_bullet = 1), the barrier h (energy units), ``rod_density`` = n_rods / L (rods per
unit length; n_rods is the nearest integer, kept within the bounds, and the optimiser
is told the density that was run) and ``interaction_range`` r (length units, below
L / 2). Those not searched keep ``onsager``'s defaults (the Letter's: h = 1,
m_rod = 0.5, round(rho L / 2) rods, r = 0); the length L, T = 1 and mu = 1.5 are fixed.
The passing rules' widths cannot be searched: ``onsager`` runs the threshold rule only.

The optimiser is Bayesian optimisation with the ``bayes_opt`` package
(bayesian-optimization): a Gaussian process (scikit-learn's, Matern 5/2) on the unit
cube, each parameter scaled linearly from its bounds, and the upper confidence bound
as acquisition. Each evaluation's error enters the Gaussian process as its own noise
variance (``alpha``), so a noisy point weighs less; this module standardises the
targets itself (``normalize_y`` off) so that the noise is in the same units. Repeated
evaluations of one point are combined (inverse-variance mean) before they are given to
it.

The first ``max(2 d + 1, batch)`` evaluations (d parameters) are a scrambled Halton
design; then each round of ``batch`` evaluations is suggested by the Gaussian process
of the finished rounds, the points already chosen in the round taken as measured at
the process's own mean there (the *kriging believer*), which steers the next
suggestion away from them. Every Onsager matrix is a point of an Onsager sweep
(``sweep.SweepPoint``, ``kind = "onsager"``), run on Dask and stored as
``OUT/points/<hash>.nc``; each evaluation has its own seeds. Running the same call
again rebuilds the optimiser from the same seed, replays its suggestions and loads
every point file that exists, so it computes only what is missing; a larger budget
adds evaluations after those done. It resumes only with the same objective, bounds,
length, measured time, seed and batch (the default batch is the number of workers:
give it explicitly when it may change).

The best point reported is not the best single measurement (the winner's curse) but
the evaluated point where the Gaussian process of all evaluations has its best mean.
``OUT/optimize.json`` records every evaluation (its parameters, value, error, CPU
seconds and point files) and the best point; it is rewritten atomically after each
round.

How it compared with a grid of the same budget: docs/optimize.md, "Against a grid".
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Mapping
from contextlib import ExitStack
from pathlib import Path

import numpy as np

from .figures.slides import ENGINE_ONSAGER, ENGINE_T
from .files import read_netcdf, remove_stale_temporaries, write_text
from .heat_engine import linear_response
from .params import (
    Channel,
    ParameterError,
    non_negative,
    number,
    positive,
    unknown_keyword,
    whole_number,
)
from .sweep import RETRIES, SweepPoint, dask_client, digest, point_path, run_point

#: what can be optimised
OBJECTIVES = ("ZT", "YT", "L_ru_normalised")
#: +1 where an objective is maximised, -1 where it is minimised
SENSES = {"ZT": 1.0, "YT": 1.0, "L_ru_normalised": -1.0}
#: the parameters that can be searched
PARAMETERS = ("mass_ratio", "barrier", "rod_density", "interaction_range")
#: measured time of each Onsager matrix (``onsager``'s default) [time units]
T_MEASURE = 100000.0
#: the record of a search in its folder
RECORD = "optimize.json"
#: noise variance added to every standardised observation (bayes_opt's own default
#: ``alpha``): keeps the Gaussian process's matrix well conditioned
JITTER = 1e-6
#: independent random streams of one search, by purpose (``_seed``)
STREAMS = ("channel A", "channel B", "suggestion", "design", "best")


def check_bounds(bounds, length) -> dict:
    """The searched parameters' bounds, checked.

    Parameters
    ----------
    bounds : mapping
        Parameter name (``PARAMETERS``) -> (low, high), in the parameter's units.
    length : float
        Channel length L (``rod_density`` and ``interaction_range`` depend on it).

    Returns
    -------
    dict
        Name -> (low, high) as floats, in the order given.

    Raises
    ------
    ParameterError
        Naming the parameter: unknown, low >= high, a bound not finite, a mass ratio
        not positive, a barrier, rod density or range negative, a range not below
        L / 2, or rod densities that hold no whole number of rods.
    """
    if not isinstance(bounds, Mapping) or not bounds:
        raise ParameterError("bounds", "give at least one parameter and its (low, high)")
    checked = {}
    for name, pair in bounds.items():
        if name not in PARAMETERS:
            raise unknown_keyword(name, PARAMETERS, "a parameter optimize searches")
        try:
            low, high = pair
        except (TypeError, ValueError):
            raise ParameterError(name, f"bounds must be a pair (low, high), got "
                                 f"{pair!r}") from None
        low, high = number(name, low), number(name, high)
        if not (math.isfinite(low) and math.isfinite(high)):
            raise ParameterError(name, f"bounds must be finite, got {low:g}:{high:g}")
        if not low < high:
            raise ParameterError(name, f"needs low < high, got {low:g}:{high:g}")
        (positive if name == "mass_ratio" else non_negative)(name, low)
        checked[name] = (low, high)
    if "interaction_range" in checked and checked["interaction_range"][1] >= length / 2:
        raise ParameterError("interaction_range", f"must stay below L / 2 = {length / 2:g}, "
                             f"got {checked['interaction_range'][1]:g}")
    if "rod_density" in checked and not _rod_counts(checked["rod_density"], length):
        low, high = checked["rod_density"]
        raise ParameterError("rod_density", f"{low:g}:{high:g} holds no whole number of "
                             f"rods at L = {length:g}")
    return checked


def parse_bounds(texts, length) -> dict:
    """Bounds from the command line's ``--bound NAME=LOW:HIGH`` texts, checked.

    Raises
    ------
    ParameterError
        Named ``bound``, its message naming the parameter (``check_bounds``).
    """
    bounds = {}
    for text in texts:
        name, _, pair = text.partition("=")
        low, colon, high = pair.partition(":")
        if not (name and colon):
            raise ParameterError("bound", f"expected NAME=LOW:HIGH, got {text!r}")
        if name in bounds:
            raise ParameterError("bound", f"{name}: given twice")
        bounds[name] = (low, high)
    try:
        return check_bounds(bounds, length)
    except ParameterError as err:
        raise ParameterError("bound", str(err)) from None


def _rod_counts(bound, length) -> tuple[int, int] | None:
    """The fewest and most rods whose density lies within ``bound`` (None if none)."""
    fewest, most = math.ceil(bound[0] * length - 1e-9), math.floor(bound[1] * length + 1e-9)
    return (fewest, most) if fewest <= most else None


def parameters_at(unit, bounds, length) -> dict:
    """The parameters at a point of the unit cube (each scaled linearly from its bounds),
    ``rod_density`` as run: the nearest whole number of rods within the bounds, over L."""
    out = {}
    for u, (name, (low, high)) in zip(unit, bounds.items()):
        value = low + float(u) * (high - low)
        if name == "rod_density":
            fewest, most = _rod_counts((low, high), length)
            value = min(max(round(value * length), fewest), most) / length
        out[name] = value
    return out


def unit_point(parameters, bounds) -> np.ndarray:
    """The point of the unit cube where ``parameters`` lie (inverse of ``parameters_at``)."""
    return np.array([(parameters[name] - low) / (high - low)
                     for name, (low, high) in bounds.items()])


def onsager_settings(objective, parameters, length, t_measure, seeds) -> list[dict]:
    """The keyword arguments of the Onsager matrices one evaluation measures.

    Parameters
    ----------
    objective : str
        One of ``OBJECTIVES``.
    parameters : dict
        The searched parameters (``parameters_at``).
    length, t_measure : float
        Channel length and measured time [time units] of each matrix.
    seeds : tuple of int
        The seeds of channel A and (``YT`` only) channel B.

    Returns
    -------
    list of dict
        ``onsager``'s keywords: one channel, or channels A and B for ``YT``.
    """
    channel = {"length": float(length), "t_measure": float(t_measure), "seed": seeds[0]}
    names = {"mass_ratio": "m_rod", "barrier": "barrier",
             "interaction_range": "interaction_range"}
    channel.update({names[k]: v for k, v in parameters.items() if k in names})
    if "rod_density" in parameters:
        channel["n_rods"] = round(parameters["rod_density"] * length)
    if objective != "YT":
        return [channel]
    channel.update(ENGINE_ONSAGER)
    return [channel, {**channel, "barrier": 0.0, "seed": seeds[1]}]


def measured(objective, matrices) -> tuple[float, float]:
    """An objective's value and error from the Onsager results of one evaluation
    (``onsager_settings``' order)."""
    if objective == "YT":
        prediction = linear_response(*matrices, *ENGINE_T)
        return prediction.YT.item(), prediction.YT_err.item()
    ds = matrices[0]
    return ds[objective].item(), ds[objective + "_err"].item()


def _seed(seed, index, stream) -> int:
    """The seed of evaluation ``index``'s random ``stream`` (``STREAMS``): independent
    streams of one ``numpy.random.SeedSequence``."""
    sequence = np.random.SeedSequence(seed, spawn_key=(index, STREAMS.index(stream)))
    return int(sequence.generate_state(1)[0])


def _design_point(index, dimensions, seed) -> np.ndarray:
    """Point ``index`` of the scrambled Halton sequence (the same for any number of
    points: a longer design extends a shorter one)."""
    # imported here: scipy.stats takes half a second, which every process that imports
    # the package would pay
    from scipy.stats import qmc

    halton = qmc.Halton(dimensions, scramble=True, seed=_seed(seed, 0, "design"))
    return halton.random(index + 1)[index]


def training_set(units, values, errors):
    """What the Gaussian process learns from, in maximisation form.

    Parameters
    ----------
    units : array (n, d)
        The evaluated points in the unit cube.
    values, errors : array (n,)
        Their values (times the objective's sense: larger is better) and errors. A
        value that is not finite is left out; an error that is not finite is taken as
        the largest finite one.

    Returns
    -------
    x : array (m, d)
        The distinct points (repeated evaluations combined, inverse-variance weighted).
    z : array (m,)
        Their values, standardised: (value - mean) / scale.
    alpha : array (m,)
        Their noise variances in the same units, (error / scale)^2 + ``JITTER``.
    mean, scale : float
        The standardisation (scale 1 where the values do not spread).
    """
    keep = np.isfinite(values)
    units, values, errors = np.asarray(units)[keep], values[keep], errors[keep]
    known = np.isfinite(errors)
    fallback = errors[known].max() if known.any() else 1.0
    errors = np.maximum(np.where(known, errors, fallback), 1e-12)
    groups = {}
    for row, value, error in zip(units, values, errors):
        groups.setdefault(tuple(row), []).append((value, error ** -2))
    x = np.array(list(groups), dtype=float).reshape(len(groups), units.shape[1])
    weights = np.array([sum(w for _, w in g) for g in groups.values()])
    combined = np.array([sum(v * w for v, w in g) for g in groups.values()]) / weights
    mean = combined.mean() if combined.size else 0.0
    scale = combined.std() if combined.size > 1 and combined.std() > 0 else 1.0
    return x, (combined - mean) / scale, 1.0 / (weights * scale**2) + JITTER, mean, scale


def _surrogate(x, z, alpha, random_state):
    """A ``bayes_opt.BayesianOptimization`` holding the observations ``x``, ``z`` with
    noise variances ``alpha`` (in registration order, the order the Gaussian process
    sees them in)."""
    # imported where a search runs: scikit-learn takes a third of a second to import,
    # which every other command (and the package import) would pay
    from bayes_opt import BayesianOptimization

    optimizer = BayesianOptimization(f=None, pbounds={f"x{i}": (0.0, 1.0)
                                                      for i in range(x.shape[1])},
                                     random_state=random_state, verbose=0)
    for row, target in zip(x, z):
        optimizer.register(_named(row), float(target))
    optimizer.set_gp_params(alpha=np.asarray(alpha, dtype=float), normalize_y=False)
    return optimizer


def _named(row) -> dict:
    """A point of the unit cube as ``bayes_opt``'s parameters ``x0``, ``x1``, ..."""
    return {f"x{i}": float(u) for i, u in enumerate(row)}


def suggestion(x, z, alpha, pending, random_state) -> np.ndarray:
    """The next point to evaluate (unit cube), with ``pending`` points chosen but not
    measured yet taken as measured at the Gaussian process's mean (kriging believer),
    with the median noise of the observations."""
    optimizer = _surrogate(x, z, alpha, random_state)
    seen, believed = {tuple(row) for row in x}, []
    for row in pending:
        if tuple(row) not in seen:
            seen.add(tuple(row))
            believed.append(row)
    if believed:
        means = optimizer.predict([_named(row) for row in believed])
        for row, mean in zip(believed, means):
            optimizer.register(_named(row), float(mean))
        optimizer.set_gp_params(alpha=np.concatenate(
            [alpha, np.full(len(believed), np.median(alpha))]))
    chosen = optimizer.suggest()
    return np.array([chosen[f"x{i}"] for i in range(x.shape[1])])


def best_evaluation(evaluations, bounds, sense, seed) -> dict | None:
    """The evaluation where the Gaussian process of all evaluations has its best mean.

    Parameters
    ----------
    evaluations : list of dict
        As recorded (``parameters``, ``value``, ``error`` in the objective's units).
    bounds : dict
        The searched parameters' bounds (``check_bounds``).
    sense : float
        +1 if larger values are better, -1 if smaller (``SENSES``).
    seed : int
        Seeds the fit of the Gaussian process's kernel.

    Returns
    -------
    dict or None
        The evaluation (as recorded) with ``posterior_mean`` and ``posterior_std`` in
        the objective's units; None when no evaluation has a finite value.
    """
    units, values, errors = _observations(evaluations, bounds, sense)
    x, z, alpha, mean, scale = training_set(units, values, errors)
    if not len(x):
        return None
    optimizer = _surrogate(x, z, alpha, _seed(seed, len(evaluations), "best"))
    means, stds = optimizer.predict([_named(row) for row in units], return_std=True)
    means = np.where(np.isfinite(values), means, -np.inf)
    best = int(np.argmax(means))
    return {**evaluations[best], "posterior_mean": float(sense * (mean + scale * means[best])),
            "posterior_std": float(scale * stds[best])}


def _observations(evaluations, bounds, sense):
    """The evaluations' unit points, values times ``sense``, and errors, as arrays."""
    units = np.array([unit_point(e["parameters"], bounds) for e in evaluations])
    values = sense * np.array([e["value"] for e in evaluations], dtype=float)
    errors = np.array([e["error"] for e in evaluations], dtype=float)
    return units.reshape(len(evaluations), len(bounds)), values, errors


def optimize(objective, bounds, length=Channel.length, budget=16, out="optimize", *, t_measure=None,
             batch=None, seed=1, workers=None, scheduler=None, client=None,
             progress=False) -> dict:
    """Search the parameters within ``bounds`` for the best value of ``objective``.

    Parameters
    ----------
    objective : {"ZT", "YT", "L_ru_normalised"}
        What to maximise (ZT, YT) or minimise (L_ru_normalised); see the module
        docstring.
    bounds : mapping
        Parameter (``PARAMETERS``) -> (low, high): ``mass_ratio`` m_rod / m_bullet,
        ``barrier`` h [energy], ``rod_density`` n_rods / L [1 / length],
        ``interaction_range`` r [length].
    length : float
        Channel length L [length units].
    budget : int
        Evaluations (one Onsager matrix each; two for YT), those already done included.
    out : path
        The search folder: ``points/`` (the Onsager matrices) and ``optimize.json``.
    t_measure : float, optional
        Measured time of each Onsager matrix [time units] (``onsager``'s meaning);
        default ``T_MEASURE``.
    batch : int, optional
        Evaluations per round, run at once [default: ``workers``, or one per core].
    seed : int
        Seeds the design, the suggestions and every evaluation's runs.
    workers, scheduler, client
        Where the points run, as for ``sweep``: a ``dask.distributed.Client``, or one
        started only if a point is missing (``dask_client(workers, scheduler)``).
    progress : bool
        Print one line per evaluation to stderr.

    Returns
    -------
    dict
        ``objective``, ``sense`` ("max" or "min"), ``bounds``, ``length``,
        ``t_measure``, ``budget``, ``batch``, ``seed``, ``evaluations`` (each:
        ``index``, ``round``, ``parameters``, ``value``, ``error``, ``cpu_seconds``,
        ``points`` (file names), ``reused``) and ``best`` (``best_evaluation``); also
        written to ``out/optimize.json`` (where a number that is not finite is
        null).
    """
    if objective not in OBJECTIVES:
        raise ParameterError("objective", f"must be one of {', '.join(OBJECTIVES)}, got "
                             f"{objective!r}")
    length = positive("length", length)
    bounds = check_bounds(bounds, length)
    budget = whole_number("budget", budget)
    batch = whole_number("batch", (workers or os.cpu_count() or 1) if batch is None else batch)
    seed = whole_number("seed", seed, minimum=0)
    t_measure = positive("t_measure", T_MEASURE if t_measure is None else t_measure)
    out = Path(out)
    (out / "points").mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out / "points")  # left by writers killed mid-write
    record = {"objective": objective, "sense": "max" if SENSES[objective] > 0 else "min",
              "bounds": bounds, "length": length, "t_measure": t_measure, "budget": budget,
              "batch": batch, "seed": seed, "evaluations": []}
    with ExitStack() as stack:
        def connect():
            nonlocal client
            if client is None:
                client = stack.enter_context(dask_client(workers, scheduler))
            return client

        for start in range(0, budget, batch):
            chosen = _round(record, range(start, min(start + batch, budget)))
            record["evaluations"] += _evaluated(record, chosen, out, connect, progress)
            record["best"] = best_evaluation(record["evaluations"], bounds,
                                             SENSES[objective], seed)
            write_text(out / RECORD, json.dumps(_json_safe(record), indent=1))
    return record


def _json_safe(value):
    """``value`` with each float that is not finite replaced by None (JSON has no NaN)."""
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _round(record, indices) -> list[dict]:
    """The evaluations of one round: their indices, round and parameters."""
    bounds, seed, done = record["bounds"], record["seed"], record["evaluations"]
    dimensions = len(bounds)
    initial = max(2 * dimensions + 1, record["batch"])
    units, values, errors = _observations(done, bounds, SENSES[record["objective"]])
    x, z, alpha, _, _ = training_set(units, values, errors)
    chosen = []
    for index in indices:
        if index < initial or not len(x):
            unit = _design_point(index, dimensions, seed)
        else:
            unit = suggestion(x, z, alpha, [c["unit"] for c in chosen],
                              _seed(seed, index, "suggestion"))
        parameters = parameters_at(unit, bounds, record["length"])
        chosen.append({"index": index, "round": index // record["batch"],
                       "parameters": parameters, "unit": unit_point(parameters, bounds)})
    return chosen


def _evaluated(record, chosen, out, connect, progress) -> list[dict]:
    """Measure the evaluations ``chosen`` (``_round``): load the point files that
    exist, run the others on ``connect()``'s client; in index order."""
    objective, seed = record["objective"], record["seed"]
    points = {}
    for c in chosen:
        seeds = (_seed(seed, c["index"], "channel A"), _seed(seed, c["index"], "channel B"))
        settings = onsager_settings(objective, c["parameters"], record["length"],
                                    record["t_measure"], seeds)
        points[c["index"]] = [SweepPoint(index=(c["index"], j), replica=0, settings=s,
                                         replicated=False, kind="onsager")
                              for j, s in enumerate(settings)]
    missing = {p.key(): p for group in points.values() for p in group
               if not point_path(out, p).exists()}
    results = {}

    def finish(c, reused):
        paths = [point_path(out, p) for p in points[c["index"]]]
        results[c["index"]] = _result(objective, c, paths, reused)
        if progress:
            print(progress_line(results[c["index"]], objective, record["budget"]),
                  file=sys.stderr, flush=True)

    for c in chosen:
        if not any(p.key() in missing for p in points[c["index"]]):
            finish(c, reused=True)
    if missing:
        _run_points(connect(), missing, out, points, chosen, finish)
    return [results[c["index"]] for c in chosen]


def _run_points(client, missing, out, points, chosen, finish):
    """Run the ``missing`` sweep points (key -> point) on ``client``; ``finish`` each
    evaluation whose points are all done. Raises RuntimeError after the round if a point
    failed."""
    from dask.distributed import as_completed  # see sweep.dask_client: import cost

    owner = {p.key(): c for c in chosen for p in points[c["index"]]}
    waiting = {c["index"]: {p.key() for p in points[c["index"]]} & set(missing)
               for c in chosen}
    futures = {}
    for p in missing.values():
        path = point_path(out, p)
        future = client.submit(run_point, p.kind, p.params(), p.options(), str(path),
                               key=f"coupledgas-optimize-{p.key()}-"
                                   f"{digest(str(path.resolve()))[:8]}",
                               retries=RETRIES, pure=False)
        futures[future] = p.key()
    failures = []
    for future in as_completed(list(futures)):
        if future.status == "error":
            failures.append(str(future.exception()))
            continue
        c = owner[futures[future]]
        waiting[c["index"]].discard(futures[future])
        if not waiting[c["index"]]:
            finish(c, reused=False)
    if failures:
        raise RuntimeError(f"{len(failures)} optimisation points failed (the others are "
                           f"saved; run the search again to retry): {failures[0]}")


def _result(objective, chosen, paths, reused) -> dict:
    """One evaluation as recorded: its parameters, value, error, cost and files."""
    matrices = [read_netcdf(path) for path in paths]
    value, error = measured(objective, matrices)
    cpu = sum(float(m.attrs.get("point_cpu_seconds", np.nan)) for m in matrices)
    return {"index": chosen["index"], "round": chosen["round"],
            "parameters": chosen["parameters"], "value": value, "error": error,
            "cpu_seconds": cpu, "points": [path.name for path in paths], "reused": reused}


def progress_line(evaluation, objective, budget) -> str:
    """One line on one evaluation: its parameters, value and error, cost."""
    parameters = ", ".join(f"{k} = {v:.4g}" for k, v in evaluation["parameters"].items())
    done = "reused" if evaluation["reused"] else f"{evaluation['cpu_seconds']:.1f} CPU s"
    return (f"evaluation {evaluation['index'] + 1}/{budget}: {parameters}: {objective} = "
            f"{evaluation['value']:+.4g} +- {evaluation['error']:.2g} ({done})")
