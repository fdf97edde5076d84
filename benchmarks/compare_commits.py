"""Events per second of two source trees side by side (alternating processes, medians).

    python benchmarks/compare_commits.py OLD_SRC NEW_SRC [--seconds 4] [--rounds 4]

OLD_SRC and NEW_SRC are ``src`` directories (e.g. ``git archive HEAD~1 src | tar -x -C
/tmp/old``). Each round runs, for each case (the ring at N = 4096, the channel at
L = 20 and L = 1280, and L = 20 with a barrier of range r = 0.01; no profiles) and each
tree in turn, a fresh process that measures
``kernel_speed``'s events per second for ``--seconds``; the trees alternate so that a
change of the machine's load hits both alike. Prints the median over the rounds and the
ratio new / old.
"""

import argparse
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

CASES = {
    "ring N=4096": "kernel_speed.ring_events_per_second({s})[0]",
    "channel L=20": "kernel_speed.events_per_second(20, {s})[0]",
    "channel L=1280": "kernel_speed.events_per_second(1280, {s})[0]",
    "range L=20": "kernel_speed.events_per_second(20, {s}, interaction_range=0.01)[0]",
}


def measure(src, case, seconds):
    code = (f"import sys; sys.path.insert(0, {HERE!r}); import kernel_speed, coupledgas; "
            f"assert coupledgas.__file__.startswith({os.path.abspath(src)!r}); "
            f"print({CASES[case].format(s=seconds)})")
    env = dict(os.environ, PYTHONPATH=os.path.abspath(src))
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                         capture_output=True, text=True).stdout
    return float(out.split()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--cases", nargs="*", default=list(CASES))
    args = parser.parse_args()
    for src in (args.old, args.new):  # compile (or load the cache) once, unmeasured
        measure(src, args.cases[0], 0.01)
    for case in args.cases:
        rates = {args.old: [], args.new: []}
        for k in range(args.rounds):
            order = (args.old, args.new) if k % 2 == 0 else (args.new, args.old)
            for src in order:
                rates[src].append(measure(src, case, args.seconds))
        old = statistics.median(rates[args.old])
        new = statistics.median(rates[args.new])
        print(f"{case:15s} old {old / 1e6:6.2f}  new {new / 1e6:6.2f} M events/s  "
              f"new/old {new / old:5.3f}   (old {[round(r / 1e6, 2) for r in rates[args.old]]},"
              f" new {[round(r / 1e6, 2) for r in rates[args.new]]})", flush=True)


if __name__ == "__main__":
    main()
