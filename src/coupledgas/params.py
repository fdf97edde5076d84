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
from dataclasses import asdict, dataclass, fields, replace

from . import thermo
from .kernel.layout import DISSIPATION_PLACES, PASSING_RULES, WALL_RULES

#: the rods' wall rules: the wall rules but exchange (rods are never exchanged)
ROD_WALL_RULES = tuple(name for name in WALL_RULES if name != "exchange")
#: default t_c of the TC model (time units of the Letter: rho0 = T0 = M1 = 1): a tenth of
#: the mean time between a particle's encounters at the Letter's state (about 0.1). Lossy
#: bounces pile the channel up into a dense cluster whose event rate grows like 1 / t_c;
#: over t_c = 3e-3 .. 3e-2 the currents at delta = 0.1 agree within errors
#: (docs/results.md, "Lossy bounces and t_c").
COLLAPSE_TIME = 1e-2
#: the Letter's reservoir state: temperature T and chemical potential mu around which
#: the forces act (docs/model.md; its density rho(1, 1.5) = e^1.5 is about 4.48)
LETTER_T, LETTER_MU = 1.0, 1.5


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


def _count(name, value):
    """A non-negative particle count, or a ``ParameterError`` naming it."""
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
class Channel:
    """A channel as a value: its size, particles, walls and encounter rule.

    Everything of a run that is neither its reservoirs nor its measurement, with the
    Letter's defaults (docs/model.md). ``onsager`` takes one channel, ``heat_engine``
    two, ``RunParams.create`` its fields as keywords. Each field is checked when the
    record is built: a bad one raises ``ParameterError`` naming it.

    Attributes
    ----------
    length : float
        Channel length L > 0.
    barrier : float
        Pass-through barrier h >= 0 (``inf`` allowed: the hard-point gas).
    m_bullet, m_rod : float
        Masses M1 (exchanged species) and M2, > 0.
    n_rods : int, optional
        Number of rods; None: round(rho(T, mu) L / 2) at the mean reservoir state
        (T, mu), resolved when a run is built.
    n_bullets : int, optional
        Bullets of a closed channel (``bullet_walls`` thermal or specular); None:
        round(rho(T, mu) L). Must stay None when the bullets are exchanged.
    rod_walls, bullet_walls : str
        Wall rule per species, the same at both ends (``WALL_RULES``): ``exchange``
        (bullets only: absorbed and injected), ``thermal`` (re-emitted with a fresh
        flux-Maxwellian speed at the wall's temperature) or ``specular`` (speed
        unchanged).
    dissipation : float
        Fraction delta in [0, 1) of the pair's relative kinetic energy E_rel lost at an
        encounter (slides, "Introducing dissipation"); the centre-of-mass velocity is kept.
    dissipate_at : str
        Where delta acts (``DISSIPATION_PLACES``): when the pair squeezes past (the
        default: the slides' particles lose energy squeezing their way past each other
        in a narrow channel), when it bounces back, or at both.
    collapse_time : float
        t_c >= 0 of the TC model (Luding and McNamara), used where bounces dissipate: a
        bounce of a particle that bounced less than t_c before is elastic, which
        prevents inelastic collapse. 0 switches it off.
    passing : str
        Passing rule (``PASSING_RULES``): E_rel > h (the Letter); probability
        1 / (1 + exp((h - E_rel) / w)); or the transmission probability of a square
        barrier of height h and width a for the relative motion (reduced mass, hbar = 1).
        See ``kernel.encounter``.
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
    """

    length: float = 20.0
    barrier: float = 1.0
    m_bullet: float = 1.0
    m_rod: float = 0.5
    n_rods: int | None = None
    n_bullets: int | None = None
    rod_walls: str = "thermal"
    bullet_walls: str = "exchange"
    dissipation: float = 0.0
    dissipate_at: str = "pass"
    collapse_time: float = COLLAPSE_TIME
    passing: str = "threshold"
    passing_width: float = 0.1
    barrier_width: float = 1.0
    interaction_range: float = 0.0

    def __post_init__(self):
        def put(name, value):
            object.__setattr__(self, name, value)

        put("length", positive("length", self.length))
        put("barrier", non_negative("barrier", self.barrier, allow_inf=True))
        put("m_bullet", positive("m_bullet", self.m_bullet))
        put("m_rod", positive("m_rod", self.m_rod))
        _choice("rod_walls", self.rod_walls, ROD_WALL_RULES)
        _choice("bullet_walls", self.bullet_walls, WALL_RULES)
        for name in ("n_rods", "n_bullets"):
            if getattr(self, name) is not None:
                put(name, _count(name, getattr(self, name)))
        if self.bullet_walls == "exchange" and self.n_bullets is not None:
            raise ParameterError("n_bullets", "applies only to a closed channel "
                                 "(bullet walls thermal or specular)")
        dissipation = non_negative("dissipation", self.dissipation)
        if dissipation >= 1:
            raise ParameterError("dissipation", f"must lie in [0, 1), got {dissipation:g}")
        put("dissipation", dissipation)
        _choice("dissipate_at", self.dissipate_at, DISSIPATION_PLACES)
        put("collapse_time", non_negative("collapse_time", self.collapse_time))
        _choice("passing", self.passing, PASSING_RULES)
        put("passing_width", positive("passing_width", self.passing_width))
        put("barrier_width", non_negative("barrier_width", self.barrier_width))
        reach = non_negative("interaction_range", self.interaction_range)
        if reach > 0:
            if reach >= self.length / 2:
                raise ParameterError("interaction_range", f"must be below L / 2 = "
                                     f"{self.length / 2:g}, got {reach:g}")
            if self.passing != "threshold" or self.dissipation > 0:
                raise ParameterError("interaction_range", "a barrier of finite range "
                                     "takes the threshold passing rule and no dissipation")
        put("interaction_range", reach)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The channel's fields, in order."""
        return tuple(f.name for f in fields(cls))

    @classmethod
    def of(cls, channel: Channel | None = None, **changes) -> Channel:
        """``channel`` (default ``Channel()``) with the fields in ``changes`` replaced.

        Aliases (``ALIASES``: ``rods``, ``range``, ...) are read as the fields they stand
        for; a keyword that is no field raises ``ParameterError`` naming the closest one.
        """
        if channel is not None and not isinstance(channel, Channel):
            raise ParameterError("channel", f"expected a Channel, got {channel!r}")
        changes = {canonical(name): value for name, value in changes.items()}
        unknown = sorted(set(changes) - set(cls.names()))
        if unknown:
            raise unknown_keyword(unknown[0], cls.names(), "a channel parameter")
        return replace(channel or cls(), **changes)

    def keywords(self) -> dict:
        """The fields as keywords of ``RunParams.create`` (None ones left to defaults)."""
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class Reservoirs:
    """The two ideal-gas reservoirs as a value: their states and the forces between them.

    Build one with ``Reservoirs.of``, which checks what it is given; ``RunParams.create``
    (and so ``simulate``) takes one as ``reservoirs``. Units: k_B = 1, energies and
    temperatures in the model's reduced units (docs/model.md, "Forces and currents").

    Attributes
    ----------
    T, mu : float
        The reference state around which forces act (the rods' number is
        round(rho(T, mu) L / 2)); given with the states, the keywords' ``T`` and ``mu``.
    T_left, T_right : float
        Reservoir temperatures (> 0).
    mu_left, mu_right : float
        Reservoir chemical potentials.
    F_rho, F_u : float
        The forces mu_L/T_L - mu_R/T_R and 1/T_R - 1/T_L: as given, when the reservoirs
        were specified by forces (so that 0 stays exactly 0), else computed.
    """

    T: float = LETTER_T
    mu: float = LETTER_MU
    T_left: float = LETTER_T
    T_right: float = LETTER_T
    mu_left: float = LETTER_MU
    mu_right: float = LETTER_MU
    F_rho: float = 0.0
    F_u: float = 0.0

    @classmethod
    def of(cls, *, T=LETTER_T, mu=LETTER_MU, F_rho=None, F_u=None, T_left=None,
           T_right=None, mu_left=None, mu_right=None) -> Reservoirs:
        """Reservoirs from forces ``F_rho``, ``F_u`` (default 0) applied symmetrically
        around ``T``, ``mu`` (``thermo.reservoirs_from_forces``), or from the states
        ``T_left``, ``T_right``, ``mu_left``, ``mu_right`` (missing ones: ``T``, ``mu``).

        Raises ``ParameterError`` naming the bad parameter: a temperature that is not
        positive (also one that the forces make so), forces given with states.
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
        return cls(T=float(T), mu=float(mu), T_left=float(T_left), T_right=float(T_right),
                   mu_left=float(mu_left), mu_right=float(mu_right), F_rho=float(F_rho),
                   F_u=float(F_u))


@dataclass(frozen=True)
class Measurement:
    """How a run is measured, as a value: its transient, measured time, profile bins,
    precision target and seed.

    ``simulate`` and ``RunParams.create`` take one as ``measurement`` (or its fields as
    keywords); each field is checked when the record is built, and a bad one raises
    ``ParameterError`` naming it. Times are in the model's reduced units (docs/model.md).

    Attributes
    ----------
    t_transient : float, optional
        Discarded time before the measurement (>= 0); None: ``default_transient(L)``,
        max(200, L^2 / 2), resolved when the run is built.
    t_measure : float
        Measured time (> 0). It sets the block length t_measure / 1024; with ``rel_err``
        it is the shortest run.
    bins : int
        Profile bins along the channel (0: no profiles).
    rel_err : float, optional
        Precision target in (0, 1): the run goes on until the standard error of both
        currents is below ``rel_err`` times their value, or until ``t_max``.
    t_max : float, optional
        With ``rel_err`` only: the longest measured time (>= ``t_measure``; None: 100
        ``t_measure``).
    seed : int
        Seed (>= 0) of the run's ``numpy.random.SeedSequence``: same seed, same result.
    """

    t_transient: float | None = None
    t_measure: float = 100000.0
    bins: int = 40
    rel_err: float | None = None
    t_max: float | None = None
    seed: int = 1

    def __post_init__(self):
        def put(name, value):
            object.__setattr__(self, name, value)

        if self.t_transient is not None:
            put("t_transient", non_negative("t_transient", self.t_transient))
        put("t_measure", positive("t_measure", self.t_measure))
        put("bins", whole_number("bins", self.bins, minimum=0))
        rel_err, _ = precision_target(self.rel_err, self.t_max, self.t_measure)
        put("rel_err", rel_err)
        if self.t_max is not None:
            put("t_max", number("t_max", self.t_max))
        put("seed", whole_number("seed", self.seed, minimum=0))

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The measurement's fields, in order."""
        return tuple(f.name for f in fields(cls))

    def transient(self, length: float) -> float:
        """The discarded time of a channel of ``length``: ``t_transient``, or by default
        ``default_transient(length)``."""
        return default_transient(length) if self.t_transient is None else self.t_transient

    @property
    def target(self) -> tuple:
        """``(rel_err, t_max)``, with t_max's default filled in, or ``(None, None)``."""
        return precision_target(self.rel_err, self.t_max, self.t_measure)


def record_or_keywords(name, record, kind, build, given: dict, defaults: dict):
    """``record`` (a ``kind``) or, when it is None, ``build(**given)``; a keyword that
    differs from its default beside a record raises ``ParameterError`` naming it."""
    if record is None:
        return build(**given)
    if not isinstance(record, kind):
        raise ParameterError(name, f"expected a {kind.__name__}, got {record!r}")
    changed = [key for key, value in given.items() if value != defaults[key]]
    if changed:
        raise ParameterError(changed[0], f"give the {name} as a record or as keywords, "
                                         "not both")
    return record


@dataclass(frozen=True)
class RunParams:
    """All parameters of one open-channel run: a ``Channel``'s fields, its reservoirs and
    its measurement, flat.

    Attributes
    ----------
    length, barrier, m_bullet, m_rod, rod_walls, bullet_walls, dissipation, dissipate_at, \
collapse_time, passing, passing_width, barrier_width, interaction_range
        The channel's, as in ``Channel`` (the ``channel`` property gives it back).
    n_rods : int
        Number of rods (resolved: ``Channel.n_rods`` None gives round(rho(T, mu) L / 2)
        at the mean reservoir state, or at the ``T`` and ``mu`` given with the forces).
    n_bullets : int
        Bullets of a closed channel; -1 when the bullets are exchanged (their number
        fluctuates).
    T_left, T_right, mu_left, mu_right : float
        Reservoir temperatures (> 0) and chemical potentials.
    F_rho, F_u : float
        The forces mu_L/T_L - mu_R/T_R and 1/T_R - 1/T_L: as given, when the run was
        specified by forces (so that 0 stays exactly 0), else computed.
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

    length: float = Channel.length
    barrier: float = Channel.barrier
    T_left: float = Reservoirs.T_left
    T_right: float = Reservoirs.T_right
    mu_left: float = Reservoirs.mu_left
    mu_right: float = Reservoirs.mu_right
    F_rho: float = Reservoirs.F_rho
    F_u: float = Reservoirs.F_u
    m_bullet: float = Channel.m_bullet
    m_rod: float = Channel.m_rod
    n_rods: int = 0
    n_bullets: int = -1
    rod_walls: str = Channel.rod_walls
    bullet_walls: str = Channel.bullet_walls
    dissipation: float = Channel.dissipation
    dissipate_at: str = Channel.dissipate_at
    collapse_time: float = Channel.collapse_time
    passing: str = Channel.passing
    passing_width: float = Channel.passing_width
    barrier_width: float = Channel.barrier_width
    interaction_range: float = Channel.interaction_range
    t_transient: float = 200.0
    t_measure: float = Measurement.t_measure
    seed: int = Measurement.seed
    replica: int = -1

    @classmethod
    def create(cls, *, channel: Channel | None = None, reservoirs: Reservoirs | None = None,
               measurement: Measurement | None = None, T=LETTER_T, mu=LETTER_MU, F_rho=None,
               F_u=None, T_left=None, T_right=None, mu_left=None, mu_right=None,
               t_transient=None, t_measure=Measurement.t_measure, seed=Measurement.seed,
               replica=-1, **channel_fields):
        """Validate user input and build the parameters.

        Give the channel as ``channel`` (default ``Channel()``) and/or its fields as
        keywords (``length=80``, ``passing="smooth"``, ...; they replace the record's).
        Give the reservoirs as a ``Reservoirs`` record, or as its keywords (``Reservoirs.of``):
        forces ``F_rho``, ``F_u`` (default 0) around ``T``, ``mu``, or ``T_left``,
        ``T_right``, ``mu_left``, ``mu_right`` (missing ones default to ``T`` and ``mu``).
        Give the transient, measured time and seed as a ``Measurement`` record or as its
        keywords (its bins and precision target belong to the run: ``simulate``).
        Raises ``ParameterError`` naming the bad parameter.
        """
        reservoirs = record_or_keywords("reservoirs", reservoirs, Reservoirs, Reservoirs.of,
                                        dict(T=T, mu=mu, F_rho=F_rho, F_u=F_u,
                                             T_left=T_left, T_right=T_right,
                                             mu_left=mu_left, mu_right=mu_right),
                                        Reservoirs.of.__kwdefaults__)
        measurement = record_or_keywords(
            "measurement", measurement, Measurement, Measurement,
            dict(t_transient=t_transient, t_measure=t_measure, seed=seed),
            asdict(Measurement()))
        unknown = sorted({canonical(n) for n in channel_fields} - set(Channel.names()))
        if unknown:
            raise unknown_keyword(unknown[0], cls.names())
        channel = Channel.of(channel, **channel_fields)
        density = float(thermo.density(reservoirs.T, reservoirs.mu))
        n_rods = round(density * channel.length / 2.0) if channel.n_rods is None \
            else channel.n_rods
        if channel.bullet_walls == "exchange":
            n_bullets = -1
        else:
            n_bullets = round(density * channel.length) if channel.n_bullets is None \
                else channel.n_bullets
        return cls(**{**asdict(channel), "n_rods": int(n_rods), "n_bullets": int(n_bullets)},
                   T_left=reservoirs.T_left, T_right=reservoirs.T_right,
                   mu_left=reservoirs.mu_left, mu_right=reservoirs.mu_right,
                   F_rho=reservoirs.F_rho, F_u=reservoirs.F_u,
                   t_transient=measurement.transient(channel.length),
                   t_measure=measurement.t_measure, seed=measurement.seed,
                   replica=int(replica))

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
    def reservoirs(self) -> Reservoirs:
        """The run's reservoirs, as a value (``T`` and ``mu`` their means)."""
        return Reservoirs(T=self.T, mu=self.mu, T_left=self.T_left, T_right=self.T_right,
                          mu_left=self.mu_left, mu_right=self.mu_right, F_rho=self.F_rho,
                          F_u=self.F_u)

    @property
    def injection_rates(self) -> tuple[float, float]:
        """(gamma_L, gamma_R), bullets injected per unit time at each end (0 if closed)."""
        if self.bullet_walls != "exchange":
            return 0.0, 0.0
        return (float(thermo.injection_rate(self.T_left, self.mu_left, self.m_bullet)),
                float(thermo.injection_rate(self.T_right, self.mu_right, self.m_bullet)))

    @property
    def channel(self) -> Channel:
        """The channel of the run, as a value (rod and bullet numbers resolved)."""
        values = {name: getattr(self, name) for name in Channel.names()}
        if self.bullet_walls == "exchange":
            values["n_bullets"] = None
        return Channel(**values)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """Every parameter a run, a sweep or the CLI can set: the channel's fields and the
        other keywords of ``create``."""
        own = inspect.signature(cls.create).parameters
        return Channel.names() + tuple(n for n in own if n not in (
            "channel", "reservoirs", "measurement", "channel_fields"))

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
        chosen = [PASSING_RULES[self.passing]]
        if self.dissipation > 0:
            chosen.append(DISSIPATION_PLACES[self.dissipate_at])
        else:
            del out["dissipate_at"]
        if self.passing == "threshold":
            del out["passing"]
        # the parameters that only rules not chosen read (the registries declare them)
        optional = {name for rules in (PASSING_RULES, DISSIPATION_PLACES)
                    for rule in rules.values() for name in rule.parameters}
        for name in optional - {name for rule in chosen for name in rule.parameters}:
            del out[name]
        if self.interaction_range == 0:
            del out["interaction_range"]
        return out
