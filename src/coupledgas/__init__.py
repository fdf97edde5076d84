"""coupledgas: coupled particle and energy transport in 1D two-mass Hamiltonian gases.

The model of Wang, Casati and Benenti, "Inverse Currents in Hamiltonian Coupled
Transport": heavy bullets exchanged with two particle reservoirs and light rods that only
exchange energy; neighbours pass through each other when their centre-of-mass energy
exceeds a barrier h and collide elastically otherwise.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("coupledgas")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0+unknown"

from .critical import critical_barrier  # noqa: E402
from .heat_engine import heat_engine, linear_response  # noqa: E402
from .onsager import onsager  # noqa: E402
from .params import ParameterError, RunParams  # noqa: E402
from .ring import ring  # noqa: E402
from .simulate import BookkeepingError, simulate  # noqa: E402
from .sweep import sweep, sweeps  # noqa: E402

__all__ = ["simulate", "onsager", "sweep", "sweeps", "ring", "heat_engine", "linear_response",
           "critical_barrier", "RunParams", "ParameterError", "BookkeepingError",
           "__version__"]
