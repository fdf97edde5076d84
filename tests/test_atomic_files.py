"""Atomic writes: a reader never sees a half-written file, even with several writers."""

import threading

from coupledgas.files import atomic_path, write_text


def test_two_concurrent_writers_of_one_path_both_succeed_and_leave_it_whole(tmp_path):
    path = tmp_path / "result.nc"
    payloads = [bytes([65 + k]) * 1_000_000 for k in range(2)]
    both_writing = threading.Barrier(2, timeout=30)
    errors = []

    def write(payload):
        try:
            with atomic_path(path) as tmp, open(tmp, "wb") as fh:
                both_writing.wait()  # both are inside their atomic_path at once
                fh.write(payload)
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)

    writers = [threading.Thread(target=write, args=(p,)) for p in payloads]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    assert errors == []
    assert path.read_bytes() in payloads
    assert [p.name for p in tmp_path.iterdir()] == ["result.nc"]  # no temporary left


def test_a_failed_writer_leaves_the_previous_file_and_no_temporary(tmp_path):
    path = tmp_path / "summary.json"
    write_text(path, "old")
    try:
        with atomic_path(path) as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed while writing")
    except RuntimeError:
        pass
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_a_writer_killed_mid_write_leaves_a_temporary_that_the_next_sweep_clears(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    from coupledgas.files import STALE_ELSEWHERE, remove_stale_temporaries

    # a writer that is killed (SIGKILL: no finally runs) inside its atomic_path
    code = ("import sys, time\nfrom coupledgas.files import atomic_path\n"
            "with atomic_path(sys.argv[1]) as tmp:\n"
            "    open(tmp, 'w').write('half'); print('writing', flush=True); time.sleep(60)\n")
    writer = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "point.nc")],
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline() == "writing\n"
    [left] = tmp_path.glob(".point.*.tmp.nc")
    assert remove_stale_temporaries(tmp_path) == []  # its writer still runs
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    assert left.exists()  # what the flaky killed-sweep test saw
    finished = tmp_path / "done.nc"
    write_text(finished, "whole")
    elsewhere_new = tmp_path / ".other.node7-12-0123abcd.tmp.nc"
    elsewhere_old = tmp_path / ".other.node7-13-0123abcd.tmp.nc"
    for path in (elsewhere_new, elsewhere_old):
        path.write_text("half")
    old = time.time() - STALE_ELSEWHERE - 1
    os.utime(elsewhere_old, (old, old))
    assert sorted(remove_stale_temporaries(tmp_path)) == sorted([left, elsewhere_old])
    assert sorted(p.name for p in tmp_path.iterdir()) == [elsewhere_new.name, "done.nc"]
    assert finished.read_text() == "whole"
