"""coupledgas: coupled particle and energy transport in 1D two-mass Hamiltonian gases.

The model of Wang, Casati and Benenti, "Inverse Currents in Hamiltonian Coupled
Transport": heavy bullets exchanged with two particle reservoirs and light rods that only
exchange energy; neighbours pass through each other when their centre-of-mass energy
exceeds a barrier h and collide elastically otherwise.
"""

from ._version import __version__
from .critical import critical_barrier
from .execute import simulate
from .heat_engine import heat_engine, linear_response
from .onsager import onsager
from .optimize import optimize
from .params import Channel, Measurement, ParameterError, Reservoirs, RunParams
from .ring import ring
from .simulate import BookkeepingError
from .sweep import sweep, sweeps

__all__ = ["simulate", "onsager", "sweep", "sweeps", "ring", "heat_engine", "linear_response",
           "critical_barrier", "optimize", "Channel", "Reservoirs", "Measurement", "RunParams",
           "ParameterError", "BookkeepingError", "__version__"]
