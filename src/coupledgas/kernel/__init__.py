"""Numba kernel: plain arrays in, plain arrays out. Nothing here knows about files or Dask.

The set-ups use this API and never the arrays' index layout: build an open channel
(``new_channel``) or a periodic ring (``new_ring``), steer it (``set_injection_rate``,
``set_load_step``, ``set_reservoir``), advance it (``advance_to``), and read its boundary flows
(``net_inflow``, ``transferred``, ``check_bookkeeping``) and a ring's energy current
(``heat_integral``).
"""

from .flows import BookkeepingError, check_bookkeeping, net_inflow, transferred
from .state import (
    ChannelState,
    InelasticCollapse,
    advance_to,
    heat_integral,
    new_channel,
    new_ring,
    set_injection_rate,
    set_load_step,
    set_reservoir,
)

__all__ = [
    "BookkeepingError",
    "ChannelState",
    "InelasticCollapse",
    "advance_to",
    "check_bookkeeping",
    "heat_integral",
    "net_inflow",
    "new_channel",
    "new_ring",
    "set_injection_rate",
    "set_load_step",
    "set_reservoir",
    "transferred",
]
