"""Numba kernel: plain arrays in, plain arrays out. Nothing here knows about files or Dask."""

from .state import ChannelState, advance_to, new_channel

__all__ = ["ChannelState", "advance_to", "new_channel"]
