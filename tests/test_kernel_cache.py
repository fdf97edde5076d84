"""The compiled kernel is cached under a hash of all of the kernel's source, so a changed
helper in any kernel module is compiled anew (docs/performance.md, "Compile time")."""

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
