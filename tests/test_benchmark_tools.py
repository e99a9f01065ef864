"""The benchmarks' process timer reports a child's own peak memory, not its parent's."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from _proc import child


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="VmHWM is read from /proc (Linux)")
def test_peak_rss_is_the_childs_own() -> None:
    ballast = bytearray(200 * 1024 * 1024)  # this process: > 200 MiB resident
    ballast[::4096] = b"x" * len(ballast[::4096])
    small = child([sys.executable, "-c", "pass"])
    big = child([sys.executable, "-c", "b = bytearray(120 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096])"])
    del ballast
    assert small.code == 0 and big.code == 0
    assert small.rss_mib < 100, small  # wait4's ru_maxrss would say > 200 (the parent's copy)
    assert big.rss_mib > small.rss_mib + 100, (small, big)
    assert small.cpu > 0 and small.wall >= small.cpu / 2


def test_failing_child_stops_the_benchmark_with_its_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        child([sys.executable, "-c", "import sys; sys.exit('boom from the child')"])
    assert "boom from the child" in str(stop.value) and "exit 1" in str(stop.value)
