"""A one-line progress report for long runs on a terminal."""

from __future__ import annotations

import sys
import time


def _clock(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class ProgressLine:
    """Rewrites one terminal line at most every ``interval`` seconds.

    Shows the simulated time (during the transient: how far it is), events per second,
    the current values and errors of J_rho and J_u, and the estimated time left: for a
    fixed run from the remaining measured time; for a precision target from the error's
    1/sqrt(t) decay, capped by t_max.
    """

    def __init__(self, stream=None, interval=0.5):
        self.stream = sys.stderr if stream is None else stream
        self.interval = interval
        self._last = 0.0
        self._started = time.monotonic()

    def __call__(self, run) -> None:
        now = time.monotonic()
        if now - self._last < self.interval:
            return
        self._last = now
        measured, rate = run.measured_time, run.events / max(run.kernel_seconds, 1e-9)
        parts = [f"t = {measured:,.0f}" if run.n_blocks else
                 f"transient {run.state.clock:,.0f} / {run.params.t_transient:,.0f}",
                 f"{rate / 1e6:.2f} M events/s"]
        target = run.params.t_measure
        if run.n_blocks >= 4:
            estimates = run.current_estimates()
            for name, est in estimates.items():
                parts.append(f"{name} = {est.mean:+.5g} +- {est.error:.2g}")
            if run.rel_err is not None:
                needed = max((est.error / (run.rel_err * abs(est.mean))) ** 2
                             if est.mean else float("inf") for est in estimates.values())
                target = min(max(measured * needed, target), run.t_max)
        elapsed = now - self._started
        if measured > 0:
            parts.append(f"left ~{_clock(elapsed * (target - measured) / measured)}")
        self.stream.write("\r" + " | ".join(parts) + "\033[K")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()
