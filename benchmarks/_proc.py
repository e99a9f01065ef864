"""Shared by the benchmarks: time whole child processes and print medians, min/max and ratios.

A child's CPU time (user + system) comes from `os.wait4`, so it is the child's own, whatever
else the machine runs; the wall clock is printed beside because that is what a user waits for.

Peak RSS does not come from `wait4`: Linux carries the parent's high-water mark over into a
forked child (`ru_maxrss` is at least the benchmark's own size at the time of the spawn). A
Python child is therefore started through `_peak.py`, which runs the command unchanged and, at
exit, writes the `VmHWM` of its own (post-exec) memory to a file read here. A command timed
to the millisecond (start-up) can opt out (`peak=False`): its peak RSS is then not measured
(NaN), never the inflated `wait4` figure.
"""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Sample", "bytecode", "child", "combine", "median", "print_table", "stats"]

PEAK = Path(__file__).resolve().with_name("_peak.py")
REPO = PEAK.parents[1]
PEAK_ENV = "FCHARNESS_BENCH_PEAK_FILE"


@dataclass(frozen=True)
class Sample:
    """One whole process."""

    wall: float
    """Seconds of wall clock, from start to exit."""
    cpu: float
    """Seconds of CPU time of the child (user + system)."""
    rss_mib: float
    """Peak resident set size of the child, MiB."""
    code: int
    """Exit code."""
    out: str = ""
    """Its standard output, when asked for (`capture=True`)."""


def bytecode(root: Path = REPO) -> None:
    """Byte-compile the fc-harness under `root`, as installing it does. Where
    PYTHONDONTWRITEBYTECODE is set (as here) nothing writes `.pyc` files, so every timed child
    would otherwise compile each module it imports (≈ 0.2 s for a replay, half of a `validate`)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(root / "harness")], check=True)


def child(
    argv: Sequence[str],
    *,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    ok: Sequence[int] = (0,),
    capture: bool = False,
    peak: bool = True,
) -> Sample:
    """Run `argv` to its end; exit with its stderr when its code is not in `ok`.

    Its output is discarded unless `capture` (then it is `Sample.out`). When `argv[0]` is this
    interpreter and `peak` holds, the child runs through `_peak.py` for its own peak RSS;
    otherwise the peak is not known and `Sample.rss_mib` is NaN.
    """
    cmd = list(map(str, argv))
    with tempfile.TemporaryDirectory() as tmp:
        peak_file = Path(tmp) / "peak"
        child_env = dict(os.environ if env is None else env)
        if peak and cmd[0] == sys.executable:
            cmd[1:1] = [str(PEAK)]
            child_env[PEAK_ENV] = str(peak_file)
        with open(Path(tmp) / "stderr", "w+b") as err, open(Path(tmp) / "stdout", "w+b") as out:
            t0 = time.perf_counter()
            proc = subprocess.Popen(
                cmd, cwd=cwd, env=child_env, stdout=out if capture else subprocess.DEVNULL, stderr=err
            )
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t0
            code = proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
            if code not in ok:
                err.seek(0)
                tail = err.read()[-2000:].decode("utf-8", "replace")
                sys.exit(f"benchmark child failed with exit {code}: {' '.join(cmd)}\n{tail}")
            out.seek(0)
            text = out.read().decode("utf-8", "replace") if capture else ""
        rss_mib = float(peak_file.read_text()) / 1024 if peak_file.exists() else math.nan
    return Sample(wall, usage.ru_utime + usage.ru_stime, rss_mib, code, text)


def combine(parts: Sequence[Sample]) -> Sample:
    """Processes run one after the other, as one: times added, the highest peak and exit code."""
    return Sample(
        sum(s.wall for s in parts),
        sum(s.cpu for s in parts),
        max(s.rss_mib for s in parts),
        max(s.code for s in parts),
        "".join(s.out for s in parts),
    )


def median(samples: Sequence[Sample], field: str) -> float:
    """The median of one field (`wall`, `cpu`, `rss_mib`) over `samples`."""
    return statistics.median(float(getattr(s, field)) for s in samples)


def stats(xs: Sequence[float], unit: str = "s", scale: float = 1.0) -> str:
    """`median unit (min a, max b)`."""
    med = statistics.median(xs) * scale
    return f"{med:8.3f} {unit} (min {min(xs) * scale:.3f}, max {max(xs) * scale:.3f})"


def print_table(samples: Mapping[str, Sequence[Sample]], floor: str, target: str = "") -> None:
    """Print wall, CPU and peak RSS of each kind of process, with its ratio to the `floor` kind's."""
    n = min(len(v) for v in samples.values())
    print(f"whole processes, median of {n} (interleaved), min/max; ratio to {floor!r}:")
    width = max(len(k) for k in samples)
    base = samples[floor]
    for name, xs in samples.items():
        wall = [s.wall for s in xs]
        cpu = [s.cpu for s in xs]
        rss = [s.rss_mib for s in xs]
        rw = statistics.median(wall) / statistics.median([s.wall for s in base])
        rc = statistics.median(cpu) / statistics.median([s.cpu for s in base])
        peak = "" if any(map(math.isnan, rss)) else f"  peak RSS {stats(rss, 'MiB')}"
        ratios = f"  ratio wall {rw:5.2f}x  CPU {rc:5.2f}x"
        print(f"  {name:<{width}}  wall {stats(wall)}  CPU {stats(cpu)}{peak}{ratios}")
    if target:
        print(f"  {target}")
