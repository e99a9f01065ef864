"""The benchmarks' process timer reports a child's own peak memory, not its parent's."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from _proc import Sample, child, combine, median

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


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


def test_child_captures_output_and_runs_python_as_python_would(tmp_path: Path) -> None:
    # `_peak.py` must not leave benchmarks/ as sys.path[0]: its replay.py, bfcl.py, record.py
    # would shadow any module of those names that the command imports.
    c = child([sys.executable, "-c", "import sys; print(repr(sys.path[0]))"], capture=True)
    assert c.out.strip() == "''"
    (tmp_path / "probe.py").write_text("import sys\nprint(sys.path[0])\n", encoding="utf-8")
    f = child([sys.executable, str(tmp_path / "probe.py")], capture=True)
    assert f.out.strip() == str(tmp_path)
    m = child([sys.executable, "-m", "probe"], cwd=tmp_path, capture=True)
    assert m.out.strip() == str(tmp_path)
    assert child([sys.executable, "-c", "print('x')"]).out == ""  # not captured unless asked


def test_peak_is_not_measured_without_the_wrapper_and_never_taken_from_wait4() -> None:
    s = child([sys.executable, "-c", "pass"], peak=False)
    assert math.isnan(s.rss_mib) and s.code == 0
    assert child(["/bin/sh", "-c", "exit 3"], ok=(3,)).code == 3  # not Python: no wrapper, no peak


def test_combine_adds_times_and_keeps_the_worst() -> None:
    a, b = Sample(1.0, 0.5, 30.0, 0, "a"), Sample(2.0, 1.5, 20.0, 1, "b")
    assert combine([a, b]) == Sample(3.0, 2.0, 30.0, 1, "ab")
    assert median([a, b, Sample(9.0, 0.0, 0.0, 0)], "wall") == 2.0


def test_every_benchmark_times_processes_through_proc_child() -> None:
    # One runner: no benchmark reads `wait4` (whose ru_maxrss counts the parent) by itself.
    for path in sorted(BENCHMARKS.glob("*.py")):
        if path.name in ("_proc.py", "_peak.py"):
            continue
        text = path.read_text(encoding="utf-8")
        assert "wait4(" not in text and "def _child(" not in text and "def _stats(" not in text, path.name


@pytest.mark.parametrize(
    ("script", "args", "expect"),
    [
        ("startup.py", ["--repeat", "1"], "ratio"),
        ("replay.py", ["--cases", "3", "--cases", "4", "--repeat", "1"], "peak RSS warm: 4 cases"),
        ("memory.py", ["--cases", "3", "--cases", "4", "--repeat", "1"], "peak RSS, 4 cases ÷ 3 cases"),
    ],
)
def test_benchmark_runs_in_its_smallest_form(script: str, args: list[str], expect: str) -> None:
    out = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    assert expect in out.stdout and "nan" not in out.stdout, out.stdout
