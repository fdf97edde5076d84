"""Validated, immutable run parameters.

A run is one channel [0, L] holding bullets (mass ``m_bullet``, exchanged with the
reservoirs) and rods (mass ``m_rod``, kept in the channel), between a left and a right
reservoir. The reservoirs are given either by forces (F_rho, F_u) around (T, mu) or
directly by their temperatures and chemical potentials (docs/model.md, "Forces and currents").
"""

from __future__ import annotations

import difflib
import inspect
import math
from dataclasses import asdict, dataclass

from . import thermo

WALL_RULES = ("exchange", "thermal", "specular")
#: passing rules (``kernel.encounter``) and where the dissipation acts
PASSING_RULES = ("threshold", "smooth", "quantum")
DISSIPATION_PLACES = ("pass", "collision", "both")
#: default t_c of the TC model (time units of the Letter: rho0 = T0 = M1 = 1): a tenth of
#: the mean time between a particle's encounters at the Letter's state (about 0.1). Lossy
#: bounces pile the channel up into a dense cluster whose event rate grows like 1 / t_c;
#: over t_c = 3e-3 .. 3e-2 the currents at delta = 0.1 agree within errors
#: (docs/results.md, "Lossy bounces and t_c").
COLLAPSE_TIME = 1e-2


class ParameterError(ValueError):
    """Bad input, with a message that names the parameter."""

    def __init__(self, name: str, message: str):
        self.name = name
        super().__init__(f"{name}: {message}")


#: short names that Python keywords, sweep specs and the command line accept for run
#: parameters (the command line's ``--rods`` is ``--n-rods``, and so on)
ALIASES = {"rods": "n_rods", "bullets": "n_bullets", "range": "interaction_range"}


def canonical(name: str, aliases=ALIASES) -> str:
    """The parameter that ``name`` stands for: dashes read as underscores, ``aliases``
    (default: the run parameters' ``ALIASES``) resolved."""
    name = name.replace("-", "_")
    return aliases.get(name, name)


def unknown_keyword(name: str, known, noun: str = "a run parameter") -> ParameterError:
    """The error for a keyword that is not one of ``known``, naming the closest known one.

    >>> str(unknown_keyword("lenght", ["length", "barrier"]))
    "lenght: is not a run parameter (did you mean 'length'?)"
    """
    close = difflib.get_close_matches(name.replace("-", "_"), list(known), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return ParameterError(name, f"is not {noun}{hint}")


def number(name, value):
    """A number, not NaN (infinities pass), or a ``ParameterError`` naming it.

    Parameters
    ----------
    name : str
        The parameter's name, for the error message.
    value : object
        Anything ``float`` accepts but a bool (``True`` is no number of anything).

    Returns
    -------
    float
    """
    if isinstance(value, bool):
        raise ParameterError(name, f"expected a number, got {value!r}")
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ParameterError(name, f"expected a number, got {value!r}") from None
    if math.isnan(value):
        raise ParameterError(name, "is NaN")
    return value


def whole_number(name, value, minimum=1) -> int:
    """An integer of at least ``minimum`` (a float with no fractional part passes), or a
    ``ParameterError`` naming it ("must be a positive integer" for ``minimum`` 1)."""
    count = number(name, value)
    if not math.isfinite(count) or count != int(count) or count < minimum:
        wanted = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ParameterError(name, f"must be {wanted}, got {value!r}")
    return int(count)


def positive(name, value, allow_inf=False):
    """A number > 0, finite unless ``allow_inf``, or a ``ParameterError`` naming it.

    Parameters
    ----------
    name, value
        As for ``number``.
    allow_inf : bool
        Whether ``inf`` passes (e.g. an infinite barrier).

    Returns
    -------
    float
    """
    return _bounded(name, value, allow_inf, lambda v: v > 0, "must be positive")


def precision_target(rel_err, t_max, t_measure):
    """A precision target, checked: ``(rel_err, t_max)``, or ``(None, None)`` without one.

    ``rel_err`` (the relative standard error to reach) lies in (0, 1); ``t_max`` (the
    longest measured time, in the model's time units; default 100 ``t_measure``) is at
    least ``t_measure`` and is given only with ``rel_err``. Raises ``ParameterError``
    naming the bad one.
    """
    if rel_err is None:
        if t_max is not None:
            raise ParameterError("t_max", "only applies with a precision target (rel_err)")
        return None, None
    rel_err = number("rel_err", rel_err)
    if not 0 < rel_err < 1:
        raise ParameterError("rel_err", f"must lie in (0, 1), got {rel_err:g}")
    t_max = 100.0 * t_measure if t_max is None else number("t_max", t_max)
    if not t_max >= t_measure:
        raise ParameterError("t_max", f"must be >= t_measure ({t_measure:g}), got {t_max:g}")
    return rel_err, t_max


def non_negative(name, value, allow_inf=False):
    """A number >= 0, finite unless ``allow_inf``, or a ``ParameterError`` naming it.

    Parameters and return value as for ``positive``.
    """
    return _bounded(name, value, allow_inf, lambda v: v >= 0, "must be >= 0")


def _bounded(name, value, allow_inf, accept, requirement):
    value = number(name, value)
    if not accept(value):
        raise ParameterError(name, f"{requirement}, got {value:g}")
    if math.isinf(value) and not allow_inf:
        raise ParameterError(name, "must be finite")
    return value


def _choice(name, value, choices):
    if value not in choices:
        raise ParameterError(name, f"must be one of {', '.join(choices)}, got {value!r}")


def _count(name, value, default):
    """A non-negative particle count; ``None`` gives ``default``."""
    if value is None:
        return int(default)
    count = number(name, value)
    if count < 0 or count != int(count):
        raise ParameterError(name, f"must be a non-negative integer, got {value!r}")
    return int(count)


def relaxation_time(length: float) -> float:
    """The channel's slowest relaxation, L^2 / 2 (time units).

    The species' segregation (the <m(x)> profile of the Letter's Fig. 5b) and the
    channel's content relax diffusively. Measured from t = 0 at F_u = 0.5, h = 1
    (``coupledgas.simulate`` windows of <m(x)>): settled after about 1e4 at L = 160 and
    3.5e4 at L = 320, i.e. about 0.4 L^2. In a steady state the same modes make the
    current anticorrelated, and <m(x)> correlated, over about L^2 / 2 (at L = 80 the
    blocking errors of both reach their plateau at blocks of L^2 / 2 to L^2;
    docs/guarantees.md, "Error bars against independent replicas").
    """
    return 0.5 * float(length) ** 2


def default_transient(length: float) -> float:
    """Discarded time long enough for the channel to reach its steady state:
    max(200, ``relaxation_time``), 200 at L = 20 (the currents settle much sooner)."""
    return max(200.0, relaxation_time(length))


@dataclass(frozen=True)
class RunParams:
    """All parameters of one open-channel run.

    Attributes
    ----------
    length : float
        Channel length L.
    barrier : float
        Pass-through barrier h >= 0 (``inf`` allowed: the hard-point gas).
    T_left, T_right, mu_left, mu_right : float
        Reservoir temperatures (> 0) and chemical potentials.
    F_rho, F_u : float
        The forces mu_L/T_L - mu_R/T_R and 1/T_R - 1/T_L: as given, when the run was
        specified by forces (so that 0 stays exactly 0), else computed.
    m_bullet, m_rod : float
        Masses M1 (exchanged species) and M2.
    n_rods : int
        Number of rods; default round(rho(T, mu) L / 2) at the mean reservoir state
        (T, mu) = ((T_L + T_R) / 2, (mu_L + mu_R) / 2), or at the ``T`` and ``mu`` given
        with the forces.
    n_bullets : int
        Bullets of a closed channel (``bullet_walls`` thermal or specular); default
        round(rho(T, mu) L). -1 when the bullets are exchanged (their number fluctuates).
    rod_walls, bullet_walls : str
        Wall rule per species, the same at both ends: ``exchange`` (bullets only:
        absorbed and injected), ``thermal`` (re-emitted with a fresh flux-Maxwellian
        speed at the wall's temperature) or ``specular`` (speed unchanged).
    dissipation : float
        Fraction delta in [0, 1) of the pair's relative kinetic energy E_rel lost at an
        encounter (slides, "Introducing dissipation"); the centre-of-mass velocity is kept.
    dissipate_at : {"pass", "collision", "both"}
        Where delta acts: when the pair squeezes past (the default: the slides' particles
        lose energy squeezing their way past each other in a narrow channel), when it
        bounces back, or at both.
    collapse_time : float
        t_c >= 0 of the TC model (Luding and McNamara), used where bounces dissipate: a
        bounce of a particle that bounced less than t_c before is elastic, which
        prevents inelastic collapse. 0 switches it off.
    passing : {"threshold", "smooth", "quantum"}
        Passing rule: E_rel > h (the Letter); probability 1 / (1 + exp((h - E_rel) / w));
        or the transmission probability of a square barrier of height h and width a
        for the relative motion (reduced mass, hbar = 1). See ``kernel.encounter``.
    passing_width : float
        w > 0 of the smooth rule (energy units).
    barrier_width : float
        a >= 0 of the quantum rule (length units).
    interaction_range : float
        Range r >= 0 of the barrier: the pair potential is V(x) = h for -r <= x <= r and 0
        beyond (the slides' classical Lieb-Liniger gas; r = 0 is the Letter's point
        barrier). For r > 0 pairs inside each other's shoulder cross freely, the
        encounter rule is the threshold rule without dissipation, and r < L / 2
        (``kernel.shoulders``).
    t_transient : float
        Discarded transient; default ``default_transient(length)``, max(200, L^2 / 2).
    t_measure : float
        Measured time.
    seed : int
        Seed of the run's ``numpy.random.SeedSequence``.
    replica : int
        -1 for a single run; k >= 0 for the k-th child of the seed
        (``SeedSequence(seed).spawn``), an independent replica.
    """

    length: float = 20.0
    barrier: float = 1.0
    T_left: float = 1.0
    T_right: float = 1.0
    mu_left: float = 1.5
    mu_right: float = 1.5
    F_rho: float = 0.0
    F_u: float = 0.0
    m_bullet: float = 1.0
    m_rod: float = 0.5
    n_rods: int = 0
    n_bullets: int = -1
    rod_walls: str = "thermal"
    bullet_walls: str = "exchange"
    dissipation: float = 0.0
    dissipate_at: str = "pass"
    collapse_time: float = COLLAPSE_TIME
    passing: str = "threshold"
    passing_width: float = 0.1
    barrier_width: float = 1.0
    interaction_range: float = 0.0
    t_transient: float = 200.0
    t_measure: float = 100000.0
    seed: int = 1
    replica: int = -1

    @classmethod
    def create(cls, *, length=20.0, barrier=1.0, T=1.0, mu=1.5, F_rho=None, F_u=None,
               T_left=None, T_right=None, mu_left=None, mu_right=None, m_bullet=1.0,
               m_rod=0.5, n_rods=None, n_bullets=None, rod_walls="thermal",
               bullet_walls="exchange", dissipation=0.0, dissipate_at="pass",
               collapse_time=COLLAPSE_TIME, passing="threshold", passing_width=0.1,
               barrier_width=1.0, interaction_range=0.0, t_transient=None,
               t_measure=100000.0, seed=1, replica=-1):
        """Validate user input and build the parameters.

        Give the reservoirs either as forces ``F_rho``, ``F_u`` (default 0) around ``T``,
        ``mu``, or as ``T_left``, ``T_right``, ``mu_left``, ``mu_right`` (missing ones
        default to ``T`` and ``mu``). Raises ``ParameterError`` naming the bad parameter.
        """
        T = positive("T", T)
        mu = number("mu", mu)
        explicit = {k: v for k, v in dict(T_left=T_left, T_right=T_right, mu_left=mu_left,
                                          mu_right=mu_right).items() if v is not None}
        if explicit and (F_rho is not None or F_u is not None):
            raise ParameterError(next(iter(explicit)),
                                 "give either forces (F_rho, F_u) or reservoir states, not both")
        if explicit:
            T_left = positive("T_left", explicit.get("T_left", T))
            T_right = positive("T_right", explicit.get("T_right", T))
            mu_left = number("mu_left", explicit.get("mu_left", mu))
            mu_right = number("mu_right", explicit.get("mu_right", mu))
            F_rho, F_u = thermo.forces_from_reservoirs(T_left, T_right, mu_left, mu_right)
        else:
            F_rho = number("F_rho", 0.0 if F_rho is None else F_rho)
            F_u = number("F_u", 0.0 if F_u is None else F_u)
            if abs(F_u) * T >= 1e300:
                raise ParameterError("F_u", "is too large")
            T_left, T_right, mu_left, mu_right = thermo.reservoirs_from_forces(T, mu, F_rho, F_u)
            if not (T_left > 0 and T_right > 0):
                raise ParameterError("F_u", f"makes a reservoir temperature non-positive "
                                     f"(T_left={T_left:g}, T_right={T_right:g})")
        length = positive("length", length)
        barrier = non_negative("barrier", barrier, allow_inf=True)
        m_bullet = positive("m_bullet", m_bullet)
        m_rod = positive("m_rod", m_rod)
        _choice("rod_walls", rod_walls, WALL_RULES[1:])
        _choice("bullet_walls", bullet_walls, WALL_RULES)
        dissipation = non_negative("dissipation", dissipation)
        if dissipation >= 1:
            raise ParameterError("dissipation", f"must lie in [0, 1), got {dissipation:g}")
        _choice("dissipate_at", dissipate_at, DISSIPATION_PLACES)
        collapse_time = non_negative("collapse_time", collapse_time)
        _choice("passing", passing, PASSING_RULES)
        passing_width = positive("passing_width", passing_width)
        barrier_width = non_negative("barrier_width", barrier_width)
        interaction_range = non_negative("interaction_range", interaction_range)
        if interaction_range > 0:
            if interaction_range >= length / 2:
                raise ParameterError("interaction_range", f"must be below L / 2 = "
                                     f"{length / 2:g}, got {interaction_range:g}")
            if passing != "threshold" or dissipation > 0:
                raise ParameterError("interaction_range", "a barrier of finite range "
                                     "takes the threshold passing rule and no dissipation")
        t_transient = non_negative("t_transient", default_transient(length)
                                   if t_transient is None else t_transient)
        t_measure = positive("t_measure", t_measure)
        n_rods = _count("n_rods", n_rods, round(float(thermo.density(T, mu)) * length / 2.0))
        if bullet_walls == "exchange":
            if n_bullets is not None:
                raise ParameterError("n_bullets", "applies only to a closed channel "
                                     "(bullet walls thermal or specular)")
            n_bullets = -1
        else:
            n_bullets = _count("n_bullets", n_bullets,
                               round(float(thermo.density(T, mu)) * length))
        try:
            seed = int(seed)
        except (TypeError, ValueError):
            raise ParameterError("seed", f"expected an integer, got {seed!r}") from None
        if seed < 0:
            raise ParameterError("seed", f"must be >= 0, got {seed}")
        replica = int(replica)
        return cls(length=length, barrier=barrier, T_left=float(T_left),
                   T_right=float(T_right), mu_left=float(mu_left), mu_right=float(mu_right),
                   F_rho=float(F_rho), F_u=float(F_u),
                   m_bullet=m_bullet, m_rod=m_rod, n_rods=n_rods, n_bullets=n_bullets,
                   rod_walls=rod_walls,
                   bullet_walls=bullet_walls, dissipation=dissipation,
                   dissipate_at=dissipate_at, collapse_time=collapse_time, passing=passing,
                   passing_width=passing_width, barrier_width=barrier_width,
                   interaction_range=interaction_range, t_transient=t_transient,
                   t_measure=t_measure, seed=seed, replica=replica)

    @property
    def T(self) -> float:
        """Mean reservoir temperature (T_L + T_R) / 2."""
        return 0.5 * (self.T_left + self.T_right)

    @property
    def mu(self) -> float:
        """Mean reservoir chemical potential (mu_L + mu_R) / 2."""
        return 0.5 * (self.mu_left + self.mu_right)

    @property
    def forces(self) -> tuple[float, float]:
        """(F_rho, F_u) of the two reservoirs."""
        return self.F_rho, self.F_u

    @property
    def injection_rates(self) -> tuple[float, float]:
        """(gamma_L, gamma_R), bullets injected per unit time at each end (0 if closed)."""
        if self.bullet_walls != "exchange":
            return 0.0, 0.0
        return (float(thermo.injection_rate(self.T_left, self.mu_left, self.m_bullet)),
                float(thermo.injection_rate(self.T_right, self.mu_right, self.m_bullet)))

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The keywords of ``create``: every parameter a run, a sweep or the CLI can set."""
        return tuple(inspect.signature(cls.create).parameters)

    def as_attrs(self) -> dict:
        """Parameters as netCDF-safe attributes (floats, ints, strings)."""
        return asdict(self)

    def identity(self) -> dict:
        """The parameters that determine the run, by name.

        ``as_attrs`` without the settings that cannot change the trajectory: where the
        dissipation acts when there is none, t_c when no bounce dissipates, the widths
        of the passing rules not in use, and a zero range. Two parameter sets with the
        same identity give the same result bit for bit; sweeps name their points by it.
        """
        out = self.as_attrs()
        if self.dissipation == 0:
            del out["dissipate_at"]
        if self.dissipation == 0 or self.dissipate_at == "pass":
            del out["collapse_time"]
        if self.passing == "threshold":
            del out["passing"]
        if self.passing != "smooth":
            del out["passing_width"]
        if self.passing != "quantum":
            del out["barrier_width"]
        if self.interaction_range == 0:
            del out["interaction_range"]
        return out
