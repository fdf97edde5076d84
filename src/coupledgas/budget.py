"""Fitting sweeps into a budget: one factor on every point's measured time, chosen so
that their plan costs the budget, and kept so that the same budget resumes the same
points.

A budget scales every point's measured time t_measure (and t_max; a precision target
``rel_err`` becomes rel_err / sqrt(s), which asks for s times the time) by one factor s
and keeps the transients whole: s = (budget - transients) / (measurements), refined
(the fixed costs do not scale) and rounded down to three digits. The factor chosen for
a sweep directory is recorded there (``budget.json``) and reused when the same budget
is given again, so that an interrupted budgeted sweep resumes its points instead of
re-planning them under another factor (``fit_budget``, ``Budget``); ``schedule`` fits
the scaled points into a walltime.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from .costs import SECONDS_PER_HOUR, plan
from .digests import digest
from .files import write_text
from .params import ParameterError, positive
from .pilots import Pilots, keyword_defaults
from .point_kinds import KINDS
from .sweep_spec import SweepSpec


def scaled_spec(spec: SweepSpec, scale: float) -> dict:
    """``spec`` as a dict with every measured time (t_measure, t_max) times ``scale`` and
    every precision target rel_err / sqrt(scale); transients untouched."""
    default = keyword_defaults(KINDS[spec.kind].function)["t_measure"]
    base = dict(spec.base)
    axes = {k: list(v) for k, v in spec.axes.items()}
    zipped = {k: {n: list(v) for n, v in g.items()} for k, g in spec.zipped.items()}

    def rescale(name, value):
        if name in ("t_measure", "t_max"):
            return float(value) * scale
        if name == "rel_err" and value is not None:
            if not float(value) / math.sqrt(scale) < 1:
                raise ParameterError("budget", f"too small: the measured times x {scale:g} "
                                     f"make the precision target rel_err = {value:g} "
                                     f"{float(value) / math.sqrt(scale):.3g}, not below 1")
            return float(value) / math.sqrt(scale)
        return value

    for table in [base, axes] + list(zipped.values()):
        for name, value in table.items():
            table[name] = [rescale(name, v) for v in value] if isinstance(value, list) \
                else rescale(name, value)
    varied = set(axes) | {n for g in zipped.values() for n in g}
    if "t_measure" not in base and "t_measure" not in varied:
        base["t_measure"] = float(default) * scale
    out = {"kind": spec.kind, "replicas": spec.replicas, "base": base,
           "axes": {**axes, **zipped}}
    if spec.chain:
        out.update(chain=spec.chain, chain_transient=spec.chain_transient)
    return out


def scaled_parts(parts: dict, scale: float) -> dict:
    """``parts`` with every spec's measured times scaled (``scaled_spec``); a spec that
    the scaling makes invalid is a ParameterError naming ``budget``."""
    out = {}
    for name, (spec, path) in parts.items():
        try:
            out[name] = (SweepSpec.from_dict(scaled_spec(SweepSpec.load(spec), scale)), path)
        except ParameterError as err:
            if err.name == "budget":
                raise
            raise ParameterError("budget", f"the measured times x {scale:g} make the "
                                 f"spec invalid ({err})") from None
    return out


def check_budget(core_hours) -> float:
    """A budget in core-hours: a positive, finite number, or a ParameterError."""
    return positive("budget", core_hours)


def fit_budget(parts: dict, core_hours, record=None, pilots: Pilots | None = None):
    """Scale every point's measured time by one factor so that the plan fits a budget.

    Parameters
    ----------
    parts : dict
        As for ``plan``.
    core_hours : float
        The budget (CPU core-hours for all the points, done ones included).
    record : path, optional
        A JSON file keeping the factor chosen for this budget and these specs: given
        again, the same factor is used (so that finished points are found again) and
        none is chosen anew. Written when ``write`` is called on the result.
    pilots : Pilots, optional

    Returns
    -------
    (dict, Plan, Budget)
        The scaled parts, their plan (done points cost 0) and the ``Budget`` (factor and
        where it is recorded).

    Raises
    ------
    ParameterError
        Naming ``budget``: not a positive number, or smaller than the transients alone.
    """
    core_hours = check_budget(core_hours)
    pilots = Pilots() if pilots is None else pilots
    specs = {name: SweepSpec.load(spec) for name, (spec, _) in parts.items()}
    parts = {name: (specs[name], path) for name, (_, path) in parts.items()}
    identity = digest({"budget": core_hours,
                       "specs": {name: spec.to_toml() for name, spec in specs.items()}})
    recorded = _recorded(record, identity)
    started = pilots.cpu_seconds
    if recorded is not None:
        scale = recorded
    else:
        # the whole plan, as if no point were done: the budget is for all of them
        full = plan(parts, pilots, done=False)
        transients = full.core_seconds - sum(p.measurement_seconds for p in full.points)
        measurements = full.core_seconds - transients
        budget_seconds = core_hours * SECONDS_PER_HOUR
        if budget_seconds <= transients or measurements <= 0:
            raise ParameterError("budget", f"{core_hours:g} core-hours does not cover the "
                                 f"transients alone ({transients / SECONDS_PER_HOUR:.3g} "
                                 f"core-hours)")

        def cost(scale):
            return plan(scaled_parts(parts, scale), pilots, done=False).core_seconds

        # the blocks make the cost not quite linear in the factor: a few secant steps
        scale = _round_down((budget_seconds - transients) / measurements)
        for _ in range(12):
            spent = cost(scale)
            if 0.98 * budget_seconds <= spent <= budget_seconds:
                break
            if spent > transients:
                scale = _round_down(scale * 0.995 * (budget_seconds - transients)
                                    / (spent - transients))
            else:
                scale = _round_down(2 * scale)
        for _ in range(40):
            if cost(scale) <= budget_seconds:
                break
            scale = _round_down(0.97 * scale)
        else:
            raise ParameterError("budget", f"{core_hours:g} core-hours is too small for "
                                 f"these points")
    scaled = scaled_parts(parts, scale)
    result = plan(scaled, pilots)
    result.pilot_seconds = pilots.cpu_seconds - started
    result.scale, result.budget = scale, core_hours
    return scaled, result, Budget(core_hours, scale, identity, record)


@dataclass(frozen=True)
class Budget:
    """The factor chosen for a budget, and the file that keeps it."""

    core_hours: float
    scale: float
    identity: str
    record: Path | None = None

    def write(self):
        """Keep the factor (atomically) so that the same budget resumes the same points."""
        if self.record is not None:
            Path(self.record).parent.mkdir(parents=True, exist_ok=True)
            write_text(self.record, json.dumps({"budget_core_hours": self.core_hours,
                                                "scale": self.scale,
                                                "identity": self.identity}))


def _recorded(record, identity):
    """The factor recorded for ``identity``, or None."""
    if record is None or not Path(record).exists():
        return None
    try:
        saved = json.loads(Path(record).read_text())
    except (OSError, ValueError):
        return None
    return float(saved["scale"]) if saved.get("identity") == identity else None


def _round_down(x: float) -> float:
    """``x`` rounded down to three significant digits."""
    if x <= 0:
        return x
    step = 10.0 ** (math.floor(math.log10(x)) - 2)
    return math.floor(x / step * (1 + 1e-12)) * step
