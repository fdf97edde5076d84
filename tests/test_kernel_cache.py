"""The compiled kernel is cached under a hash of all of the kernel's source, so a changed
helper in any kernel module is compiled anew, and a first call, which compiles, runs with
fewer garbage collections (docs/performance.md, "Compile time")."""

import shutil
from pathlib import Path

import coupledgas.kernel as kernel
from coupledgas.kernel import dynamics, shoulders


def test_the_event_loops_are_cached_under_the_hash_of_the_whole_kernel():
    for loop in (dynamics.advance_channel, dynamics.advance_ring, shoulders.advance_shoulders):
        assert f"coupledgas-kernel-{kernel.SOURCE_HASH}" in loop._cache._cache_path


def test_a_change_in_a_helper_module_changes_the_hash(tmp_path):
    copy = tmp_path / "kernel"
    shutil.copytree(Path(kernel.__file__).parent, copy,
                    ignore=shutil.ignore_patterns("__pycache__"))
    assert kernel.source_hash(copy) == kernel.SOURCE_HASH
    ends = copy / "ends.py"  # inlined into the loops, which live in other files
    ends.write_text(ends.read_text() + "\n")
    assert kernel.source_hash(copy) != kernel.SOURCE_HASH


class _Uncompiled:
    signatures = []  # a jitted function before its first call


class _Compiled:
    signatures = [("float64",)]


def test_a_first_call_collects_garbage_less_often_and_restores_the_thresholds():
    import gc

    from coupledgas.kernel.compiling import COMPILE_GC_THRESHOLD, first_call

    before = gc.get_threshold()
    with first_call(_Uncompiled):
        assert gc.get_threshold() == COMPILE_GC_THRESHOLD
        with first_call(_Uncompiled):  # a loop whose first call compiles its helper
            pass
        assert gc.get_threshold() == COMPILE_GC_THRESHOLD
    assert gc.get_threshold() == before
    with first_call(_Compiled):  # later calls leave the collector alone
        assert gc.get_threshold() == before
