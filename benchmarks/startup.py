"""Start-up benchmark: whole processes of `fcharness --help` and `fcharness validate` vs `python -c pass`.

    python benchmarks/startup.py [--repeat 9]

Runs, interleaved, `python -c pass` (the floor: the interpreter and site), `fcharness --help`
and `fcharness validate cases` (the shipped suite) as fresh processes `--repeat` times and
prints the median wall time of each with min/max and the ratio to the floor (target ≤ 5×).
It also prints, in-process, which heavy modules each command imported (none of vcrpy, a
vendor SDK or jsonschema should be among them).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

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


def _time(argv: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t0


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
    times: dict[str, list[float]] = {k: [] for k in COMMANDS}
    for argv in COMMANDS.values():  # first pass: bytecode caches written, not timed
        _time(argv)
    for _ in range(args.repeat):
        for name, argv in COMMANDS.items():
            times[name].append(_time(argv))
    floor = statistics.median(times["python -c pass"])
    print(f"whole process, wall time, median of {args.repeat} (interleaved), min/max:")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(
            f"  {name:<26} {med * 1000:7.1f} ms  (min {min(ts) * 1000:.1f}, max {max(ts) * 1000:.1f})"
            f"  ratio {med / floor:5.2f}x"
        )
    print("  target: --help and validate ≤ 5x python -c pass")
    for label, cmd in (("--help", ["--help"]), ("validate cases", ["validate", str(REPO / "cases")])):
        heavy = _heavy_imports(cmd)
        print(f"heavy modules imported by `fcharness {label}`: {', '.join(heavy) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
