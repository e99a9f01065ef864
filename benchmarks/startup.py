"""Start-up benchmark: whole processes of `fcharness --help` and `fcharness validate` vs `python -c pass`.

    python benchmarks/startup.py [--repeat 9]

Runs, interleaved, `python -c pass` (the floor: the interpreter and site), `fcharness --help`
and `fcharness validate cases` (the shipped suite) as fresh processes `--repeat` times and
prints the median wall and CPU time (user + system, `os.wait4`, through `_proc.child`) of each
with min/max and the ratio to the floor (target ≤ 5×; on a loaded machine the CPU ratio is the
steadier one). The children run without `_peak.py`'s wrapper, which would add its own start-up
to every figure; peak RSS is not measured here.
It also prints, in-process, which heavy modules each command imported (none of vcrpy, a
vendor SDK or jsonschema should be among them).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from _proc import Sample, bytecode, child, median, stats

REPO = Path(__file__).resolve().parents[1]
HEAVY = (
    "vcr",
    "jsonschema",
    "openai",
    "anthropic",
    "boto3",
    "botocore",
    "google.genai",
    "cohere",
    "mistralai",
)
HEAVY += ("httpx",)

COMMANDS: dict[str, list[str]] = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "fcharness --help": [sys.executable, "-m", "harness", "--help"],
    "fcharness validate cases": [sys.executable, "-m", "harness", "validate", str(REPO / "cases")],
}


def _time(argv: list[str]) -> Sample:
    """One whole process, without the peak-RSS wrapper (it would add to the start-up timed)."""
    return child(argv, cwd=REPO, peak=False)


def _heavy_imports(args: list[str]) -> list[str]:
    code = (
        "import sys, contextlib, io\n"
        "from harness.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        "    with contextlib.suppress(SystemExit):\n"
        f"        main({args!r})\n"
        f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False, env=os.environ
    )
    return out.stdout.split()


def main() -> int:
    """Time the commands, print medians and ratios."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=9)
    args = ap.parse_args()
    times: dict[str, list[Sample]] = {k: [] for k in COMMANDS}
    bytecode()
    for argv in COMMANDS.values():  # first pass: page cache, not timed
        _time(argv)
    for _ in range(args.repeat):
        for name, argv in COMMANDS.items():
            times[name].append(_time(argv))
    print(f"whole process, median of {args.repeat} (interleaved), min/max; ratio to python -c pass:")
    for field, what in (("wall", "wall"), ("cpu", "CPU ")):
        floor = median(times["python -c pass"], field)
        for name, ts in times.items():
            xs = [getattr(t, field) for t in ts]
            print(f"  {what} {name:<26} {stats(xs, 'ms', 1000)}  ratio {median(ts, field) / floor:5.2f}x")
    print("  target: --help and validate ≤ 5x python -c pass")
    for label, cmd in (("--help", ["--help"]), ("validate cases", ["validate", str(REPO / "cases")])):
        heavy = _heavy_imports(cmd)
        print(f"heavy modules imported by `fcharness {label}`: {', '.join(heavy) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
