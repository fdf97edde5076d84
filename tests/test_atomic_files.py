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
