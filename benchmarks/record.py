"""Recording benchmark: the 12-provider demo against the emulator, concurrency 1 vs N.

    python benchmarks/record.py [--delay 0.1] [--concurrency 16] [--repeat 3] [-p ID]...

Starts the local emulator in this process (never a real vendor) with `--delay` seconds added
before every response, copies the shipped cases and fcharness.toml into a temporary project,
and records every `emulator-*` profile (or the `-p` ones) with `fcharness record` as a whole
process at `--concurrency 1` and at `--concurrency N`, interleaved, `--repeat` times. Wall and
CPU time (user + system) of each child come from `os.wait4` and its peak RSS from its own
`VmHWM` (`_proc.child`); the emulator's own work is in this process and not counted.

Printed, medians with min/max: both runs, the speed-up (c1 wall ÷ cN wall) and the ratio of the
cN wall time to its CPU-bound ideal, max(cN CPU time, c1 waiting time ÷ N) where the waiting time
is c1 wall − c1 CPU (target ≤ 1.3).
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from _proc import Sample, bytecode, child, median, stats  # noqa: E402
from record_demo import _base_url  # noqa: E402

from harness.cases.loader import load_cases  # noqa: E402
from harness.commands.emulator import DEMO_SCRIPTS  # noqa: E402
from harness.emulator import server as _server  # noqa: E402
from harness.run.config import load_config  # noqa: E402


def _slow_handler(delay: float) -> None:
    """Every emulator response waits `delay` seconds first (a vendor's think time)."""
    original = _server._Handler.do_POST

    @functools.wraps(original)
    def do_post(self: Any) -> None:
        time.sleep(delay)
        original(self)

    _server._Handler.do_POST = do_post  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> int:
    """Record at concurrency 1 and N; print times, speed-up and the ratio to the ideal."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.1, help="seconds added before each response")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("-p", "--provider", action="append", default=None)
    args = parser.parse_args(argv)
    config = load_config(REPO / "fcharness.toml")
    ids = args.provider or [pid for pid, p in config.providers.items() if p.is_emulator]
    cases = load_cases([str(config.resolve(c)) for c in config.cases])
    _slow_handler(args.delay)
    bytecode()
    with tempfile.TemporaryDirectory(prefix="fcharness-record-") as tmp:
        work = Path(tmp)
        shutil.copytree(REPO / "cases", work / "cases")
        shutil.copyfile(REPO / "fcharness.toml", work / "fcharness.toml")
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "FCHARNESS_EMULATOR_KEY": "fch-bench-key-not-secret",
            "FCHARNESS_CACHE": str(work / "cache"),
        }
        with _server.start_emulator(DEMO_SCRIPTS, cases, port=0) as handle:
            cmd = [sys.executable, "-m", "harness", "--config", str(work / "fcharness.toml"), "record"]
            cmd += ["--no-progress", "--reports", str(work / "reports")]
            for pid in ids:
                url = _base_url(config.providers[pid].kind, handle.base_url)
                cmd += ["-p", pid, "--base-url", f"{pid}={url}"]
            runs: dict[int, list[Sample]] = {1: [], args.concurrency: []}
            for k in range(args.repeat):
                for c in runs:
                    argv = [*cmd, "--concurrency", str(c), "--run-id", f"c{c}-{k}"]
                    runs[c].append(child(argv, env=env, ok=(0, 1)))  # 1: some verdicts fail
    n_jobs = len(cases) * len(ids)
    print(f"recording {len(ids)} providers x {len(cases)} cases ({n_jobs} jobs), +{args.delay * 1000:.0f} ms")
    print(f"per response; whole processes, median of {args.repeat} interleaved; exit codes", end=" ")
    print(sorted({r.code for rs in runs.values() for r in rs}))
    for c, rs in runs.items():
        print(
            f"  concurrency {c:>2}: wall {stats([r.wall for r in rs])}  CPU {stats([r.cpu for r in rs])}"
            f"  peak RSS {stats([r.rss_mib for r in rs], 'MiB')}"
        )
    c1, cn = runs[1], runs[args.concurrency]
    wall1, cpu1 = median(c1, "wall"), median(c1, "cpu")
    walln, cpun = median(cn, "wall"), median(cn, "cpu")
    ideal = max(cpun, (wall1 - cpu1) / args.concurrency)
    print(f"  speed-up c1 / c{args.concurrency}: {wall1 / walln:.2f}x")
    print(
        f"  CPU-bound ideal max({cpun:.2f}, {wall1 - cpu1:.2f} / {args.concurrency}) = {ideal:.2f} s;"
        f" wall / ideal = {walln / ideal:.2f}x (target ≤ 1.3)"
    )
    ratios = [n.wall / max(n.cpu, (o.wall - o.cpu) / args.concurrency) for o, n in zip(c1, cn, strict=True)]
    print(f"  wall / ideal per repeat: {', '.join(f'{r:.2f}' for r in ratios)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
