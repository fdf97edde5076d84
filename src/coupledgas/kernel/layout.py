"""Index constants shared by the kernel's plain arrays.

A channel's state is a handful of NumPy arrays (see ``state.ChannelState``). The
constants below name the slots of the small bookkeeping arrays; numba freezes them into
the compiled code. ``rule_index`` and ``flow_index`` give the slots that depend on an end
and a species (inlined into the compiled loop, callable from Python too).
"""

from typing import NamedTuple

from numba import njit


class Choice(NamedTuple):
    """One entry of a choice list (a registry): a rule the user picks by name.

    Attributes
    ----------
    name : str
        What the user writes (Python keyword, sweep spec, command line).
    code : int or None
        What the kernel reads (None for a choice made above the kernel).
    description : str
        One line: what the choice does (the command line's help and the docs show it).
    parameters : tuple of str
        The ``Channel`` fields that only this choice reads (their defaults and checks are
        the record's); a run that does not make the choice leaves them out of its
        identity.
    """

    name: str
    code: int | None
    description: str
    parameters: tuple[str, ...] = ()


def registry(*choices: Choice) -> dict[str, Choice]:
    """Choices by name, in the order given (the first is listed first)."""
    return {choice.name: choice for choice in choices}


# species codes (``species`` array)
BULLET = 0
ROD = 1
SPECIES = ("bullet", "rod")

# ends
LEFT = 0
RIGHT = 1

# wall rules (``rules[rule_index(end, species)]``)
EXCHANGE = 0
THERMAL = 1
SPECULAR = 2
WALL_RULES = registry(
    Choice("exchange", EXCHANGE, "absorbed by the reservoir, which injects (bullets only)"),
    Choice("thermal", THERMAL, "re-emitted with a fresh flux-Maxwellian speed at the "
                               "wall's temperature"),
    Choice("specular", SPECULAR, "reflected with its speed unchanged"))
N_RULES = 4


@njit(cache=True, inline="always")
def rule_index(end, species):
    """Slot of the wall rule for ``species`` at ``end`` in ``rules``."""
    return end * 2 + species


# ``ints``: ring-buffer head, particles in the channel, next particle id, kernel status
I_HEAD = 0
I_COUNT = 1
I_NEXT_ID = 2
I_STATUS = 3
N_INTS = 4
STATUS_OK = 0
STATUS_FULL = 1  # an injection found the ring full: grow the arrays and call again

# ``params``: float parameters of the channel and its two reservoirs
P_LENGTH = 0
P_BARRIER = 1
P_MASS = 2  # P_MASS + species
P_TEMPERATURE = 4  # P_TEMPERATURE + end
P_RATE = 6  # P_RATE + end: bullet injection rate gamma of each reservoir
P_DISSIPATION = 8
P_PERIODIC = 9  # 1.0: a periodic ring (no walls, no reservoirs), 0.0: an open channel
P_STEP = 10  # P_STEP + end: potential energy U of that reservoir above the channel end
P_PASSING = 12  # passing rule code (PASSING_RULES)
P_PASSING_WIDTH = 13  # width w of the smooth rule
P_BARRIER_WIDTH = 14  # width a of the quantum rule's square barrier
P_DISSIPATE_AT = 15  # where dissipation acts: a sum of AT_PASS and AT_COLLISION
P_COLLAPSE_TIME = 16  # t_c of the TC model: a bounce within t_c of a particle's last is elastic
P_RANGE = 17  # r of the barrier V(x) = h for -r <= x <= r (0: the Letter's point barrier)
N_PARAMS = 18

# passing rules: whether two neighbours that meet pass through each other
PASS_THRESHOLD = 0  # E_rel > h (the Letter)
PASS_SMOOTH = 1  # with probability 1 / (1 + exp((h - E_rel) / w))
PASS_QUANTUM = 2  # with the transmission probability of a square barrier (h, a)
PASSING_RULES = registry(
    Choice("threshold", PASS_THRESHOLD, "pass if E_rel > h (the Letter)"),
    Choice("smooth", PASS_SMOOTH, "pass with probability 1/(1 + exp((h - E_rel)/w))",
           ("passing_width",)),
    Choice("quantum", PASS_QUANTUM, "pass with the transmission probability of a square "
                                    "barrier of height h, width a (hbar = 1)",
           ("barrier_width",)))

# where the dissipation delta acts (``params[P_DISSIPATE_AT]``)
AT_PASS = 1
AT_COLLISION = 2
DISSIPATION_PLACES = registry(
    Choice("pass", AT_PASS, "when the pair squeezes past (the slides' picture)"),
    Choice("collision", AT_COLLISION, "when the pair bounces back (with the TC model's "
                                      "t_c against inelastic collapse)", ("collapse_time",)),
    Choice("both", AT_PASS + AT_COLLISION, "at both", ("collapse_time",)))

# ``flows``: cumulative boundary flows, index flow_index(end, species) + quantity
Q_COUNT_IN = 0
Q_COUNT_OUT = 1
Q_ENERGY_IN = 2
Q_ENERGY_OUT = 3
N_QUANTITIES = 4
N_FLOWS = 16  # 2 ends x 2 species x N_QUANTITIES


@njit(cache=True, inline="always")
def flow_index(end, species):
    """First slot of the flows (``Q_*``) of ``species`` at ``end`` in ``flows``."""
    # = (2 end + species) N_QUANTITIES, but this form gives the event loop exactly the
    # machine code of end * 8 + species * 4 (the grouped one compiles a few more moves)
    return end * (2 * N_QUANTITIES) + species * N_QUANTITIES


# ``counters``: event counts; encounters by pair type (bullet-bullet, bullet-rod, rod-rod)
C_EVENTS = 0
C_ENCOUNTERS = 1  # + pair type
C_PASSES = 4  # + pair type
C_WALL_HITS = 7
C_INJECTIONS = 8
C_MADE_ELASTIC = 9  # bounces the TC model kept elastic
C_CROSSINGS = 10  # order swaps of two particles inside each other's shoulder (r > 0)
N_COUNTERS = 11

# ``scalars``: the channel clock, the energy dissipated at encounters and, on a ring,
# the energy current J_E = sum m v^3 / 2, its time integral, and when it was last updated
S_CLOCK = 0
S_DISSIPATED = 1
S_HEAT_CURRENT = 2
S_HEAT_INTEGRAL = 3
S_HEAT_TIME = 4
N_SCALARS = 5

# r > 0: the kind of event a slot's pair leaf holds (``pair_event``), see ``shoulders``
PAIR_CROSS = 0
PAIR_LEAVE = 1
PAIR_ENTER = 2

# event leaves after the cap pair leaves
EV_LEFT_WALL = 0
EV_RIGHT_WALL = 1
EV_LEFT_INJECTION = 2
EV_RIGHT_INJECTION = 3
N_SPECIAL_EVENTS = 4

# event-log codes (only when a log array is passed)
LOG_PASS = 0
LOG_COLLISION = 1
LOG_WALL = 2
LOG_ABSORPTION = 3
LOG_INJECTION = 4
LOG_LEAVE = 5  # r > 0: a pair leaves the shoulder (LOG_PASS: it enters; LOG_COLLISION:
LOG_CROSS = 6  # it is turned back at the edge; LOG_CROSS: it crosses inside the shoulder)
# columns: time, code, end or -1, species of a and of b or -1, id of a and of b or -1,
# position; a and b are the left and right particle before an encounter
LOG_WIDTH = 8
