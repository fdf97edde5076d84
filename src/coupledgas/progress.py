"""Progress reports of long runs: one rewritten line on a terminal, a line every few
seconds when the output is piped, and a notice while the kernel compiles."""

from __future__ import annotations

import sys
import threading
import time
from contextlib import contextmanager

#: a kernel that takes longer than this to start is being compiled, not loaded (loading
#: the cached kernel takes a few hundredths of a second)
COMPILE_NOTICE_AFTER = 0.25


@contextmanager
def compile_notice(stream=None, after=COMPILE_NOTICE_AFTER, estimate="about 10 s"):
    """Say on ``stream`` (default stderr, a terminal or not) that the kernel is being
    compiled, while the block inside takes longer than ``after`` seconds.

    Numba compiles the kernel on its first use after an install (an open channel's loop:
    ``estimate``, about 10 s on one core) and caches it; later runs load it at once and
    print nothing. On a terminal the notice counts the seconds; piped, it prints a line
    when it starts and one when it is done.
    """
    stream = sys.stderr if stream is None else stream
    tty = stream.isatty()
    done = threading.Event()
    started = time.monotonic()
    shown = []

    def notice():
        if done.wait(after):
            return
        stream.write("coupledgas: compiling the simulation kernel (once after installing; "
                     f"{estimate}) ...")
        stream.flush()
        shown.append(True)
        while tty and not done.wait(1.0):
            stream.write(f"\rcoupledgas: compiling the simulation kernel (once after "
                         f"installing; {estimate}) ... {time.monotonic() - started:.0f} s")
            stream.flush()

    thread = threading.Thread(target=notice, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        if shown:
            seconds = time.monotonic() - started
            stream.write(f"\rcoupledgas: compiled the simulation kernel in {seconds:.0f} s"
                         "\033[K\n" if tty else f" compiled in {seconds:.0f} s\n")
            stream.flush()


def _clock(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class ProgressLine:
    """Rewrites one terminal line at most every ``interval`` seconds (default 0.5); on a
    stream that is not a terminal (piped, a log file) writes a new line instead, by
    default every ``PIPED_INTERVAL`` seconds.

    Shows the simulated time (during the transient: how far it is), events per second,
    the current values and errors of J_rho and J_u, and the estimated time left, from
    the kernel's seconds per unit of simulated time so far (compiling not included)
    times what remains to simulate, the transient's rest included: for a fixed run the
    remaining measured time; for a precision target from the error's 1/sqrt(t) decay,
    capped by t_max.
    """

    PIPED_INTERVAL = 10.0

    def __init__(self, stream=None, interval=None):
        self.stream = sys.stderr if stream is None else stream
        self.tty = self.stream.isatty()
        if interval is None:
            interval = 0.5 if self.tty else self.PIPED_INTERVAL
        self.interval = interval
        # piped, the first line comes after one interval: a short run prints none
        self._last = 0.0 if self.tty else time.monotonic()

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
        simulated = run.state.clock - run.origin[0]
        if simulated > 0 and run.kernel_seconds > 0:
            remaining = max(run.transient_end - run.state.clock, 0.0) + target - measured
            parts.append(f"left ~{_clock(run.kernel_seconds * remaining / simulated)}")
        line = " | ".join(parts)
        self.stream.write("\r" + line + "\033[K" if self.tty else line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
