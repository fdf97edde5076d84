"""Fingerprint of channel and ring trajectories, to check that two source trees agree bit
for bit.

    PYTHONPATH=OLD_SRC python benchmarks/bit_identity.py dump /tmp/old.npz
    PYTHONPATH=NEW_SRC python benchmarks/bit_identity.py dump /tmp/new.npz
    python benchmarks/bit_identity.py compare /tmp/old.npz /tmp/new.npz

``dump`` runs a few ``simulate`` channels (threshold, smooth passing, lossy bounces and
passes, a barrier of finite range, open and closed), ``ring`` runs and kernel-level runs
with the event log on, and saves every
array and number of their results (timings left out); ``compare`` checks that the two
files hold the same keys and exactly the same values (NaN equal to NaN).
"""

import sys

import numpy as np

TIMING = {"events_per_second", "kernel_seconds", "wall_seconds", "seconds", "elapsed",
          "created", "coupledgas_version", "version", "hostname", "date"}


def _flatten(prefix, ds, out):
    for name, var in ds.variables.items():
        out[f"{prefix}/{name}"] = np.asarray(var.values)
    for key, value in ds.attrs.items():
        if key in TIMING or "second" in key or "time_" in key and "wall" in key:
            continue
        try:
            out[f"{prefix}/attr/{key}"] = np.asarray(value)
        except Exception:  # noqa: BLE001
            out[f"{prefix}/attr/{key}"] = np.asarray(repr(value))


def _kernel(prefix, state, rng, t_stop, chunks, out):
    from coupledgas.kernel import advance_to
    from coupledgas.kernel.layout import C_EVENTS, LOG_WIDTH

    log = np.zeros((1 << 16, LOG_WIDTH))
    events = []
    for k in range(1, chunks + 1):
        # the log holds 2^16 rows: cut the run into pieces of at most that many events
        while True:
            start = int(state.counters[C_EVENTS])
            state, n = advance_to(state, rng, t_stop * k / chunks, max_events=log.shape[0],
                                  log=log)
            events.append(log[(start + np.arange(n)) % log.shape[0]])
            if n < log.shape[0]:
                break
    out[f"{prefix}/log"] = np.concatenate(events)
    for name, value in state.arrays().items():
        out[f"{prefix}/state/{name}"] = np.asarray(value)
    out[f"{prefix}/rng"] = rng.random(4)


def dump(path):
    import coupledgas
    from coupledgas.kernel import new_channel, new_ring
    from coupledgas.params import RunParams
    from coupledgas.ring import ring

    out = {}
    channel_runs = {
        "threshold": dict(length=20, F_u=0.3, barrier=1.0, t_measure=2000, seed=3),
        "smooth": dict(length=20, F_u=0.3, barrier=1.0, passing="smooth", t_measure=2000,
                       seed=4),
        "lossy": dict(length=20, F_u=0.3, barrier=1.0, dissipation=0.1,
                      dissipate_at="both", t_measure=2000, seed=5),
        "long": dict(length=160, F_rho=0.2, barrier=0.5, t_measure=500, seed=6),
        "range": dict(length=20, F_u=0.3, barrier=1.0, interaction_range=0.05,
                      t_measure=2000, seed=7),
        "range-closed": dict(length=10, T_left=1.2, T_right=0.8, bullet_walls="thermal",
                             interaction_range=0.1, t_measure=1000, seed=8),
    }
    for name, kw in channel_runs.items():
        _flatten(f"simulate/{name}", coupledgas.simulate(bins=8, **kw), out)
    _flatten("ring/default", ring(particles=1024, t_transient=20.0, t_measure=400.0,
                                  cutoff=20.0, seed=2), out)
    _flatten("ring/barrier", ring(particles=300, barrier=2.0, masses=(1.0, 2.0),
                                  t_transient=20.0, t_measure=400.0, cutoff=20.0, seed=3),
             out)
    for n, barrier in ((4096, np.inf), (512, 1.5), (3, np.inf), (70, 0.7)):
        rng = np.random.default_rng(n)
        _kernel(f"kernel/ring{n}", new_ring(n, (1.0, 3.0), barrier, 2.0, 1.0, rng), rng,
                20.0 if n == 4096 else 200.0, 4, out)
    for length, reach in ((20, 0.0), (1280, 0.0), (20, 0.05)):
        rng = np.random.default_rng(length)
        params = RunParams.create(length=length, F_u=0.3, interaction_range=reach)
        _kernel(f"kernel/channel{length}-range{reach:g}", new_channel(params, rng, n_bins=8),
                rng, 200.0 if length == 20 else 5.0, 4, out)
    np.savez(path, **out)
    print(f"{len(out)} arrays written to {path} by {coupledgas.__file__}")


def compare(path_a, path_b):
    a, b = np.load(path_a), np.load(path_b)
    bad = sorted(set(a.files) ^ set(b.files))
    for key in a.files:
        if key in b.files:
            x, y = a[key], b[key]
            same = x.shape == y.shape and x.dtype == y.dtype and (
                np.array_equal(x, y, equal_nan=x.dtype.kind in "fc")
                if x.dtype.kind in "fcbiu" else np.array_equal(x, y))
            if not same:
                bad.append(key)
    n_log = sum(a[k].shape[0] for k in a.files if k.endswith("/log"))
    if bad:
        print(f"DIFFERENT ({len(bad)} of {len(a.files)}):", *bad[:30], sep="\n  ")
        return 1
    print(f"identical: {len(a.files)} arrays, {n_log} logged events")
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "dump":
        dump(sys.argv[2])
    else:
        sys.exit(compare(sys.argv[2], sys.argv[3]))
