"""Shared test helpers."""

import subprocess
import sys

import pytest


def pytest_sessionstart(session):
    """Compile the kernel's event loops once, in a process of their own, before the tests
    (``coupledgas compile``; nothing to do when they are cached): numba's compiler ran
    up to twice as slowly inside the test session's large heap, and the tests then load
    the loops from the cache. Its exit code and stderr are kept for
    ``test_cli.py::test_the_session_compiled_every_loop_before_its_tests``."""
    done = subprocess.run([sys.executable, "-m", "coupledgas.cli", "compile"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    session.config.kernel_compile = (done.returncode, done.stderr)


@pytest.fixture(scope="session")
def dask_scheduler():
    """The address of one local Dask cluster (two single-threaded worker processes on
    127.0.0.1) that the figure recipes' tests share: a cluster of their own each cost
    them seconds of process start-up and kernel loading."""
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0") as cluster:
        yield cluster.scheduler_address


@pytest.fixture
def error_line(capsys):
    """The single line a failed command printed on stderr (fails if there are more)."""
    def read():
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1, lines
        assert "Traceback" not in lines[0]
        return lines[0]
    return read
