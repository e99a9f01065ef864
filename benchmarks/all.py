"""Run every benchmark, one after the other, with its defaults (a few minutes each).

    python benchmarks/all.py [--quick]

`--quick` passes `--repeat 1` where a benchmark takes it. Each benchmark prints medians and
ratios (see its docstring); a failing one is reported and the others still run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: (file, takes --repeat)
BENCHMARKS = (
    ("startup.py", True),
    ("replay.py", True),
    ("memory.py", True),
    ("bfcl.py", True),
    ("record.py", True),
    ("grade.py", False),
    ("load_cases.py", False),
)


def main() -> int:
    """Run the benchmarks; exit 1 when one of them failed."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one repeat where a benchmark allows it")
    args = ap.parse_args()
    failed = []
    for name, repeats in BENCHMARKS:
        argv = [sys.executable, str(HERE / name)]
        if args.quick and repeats:
            argv += ["--repeat", "1"]
        print(f"\n=== benchmarks/{name}", flush=True)
        started = time.perf_counter()
        code = subprocess.run(argv, check=False).returncode
        print(f"=== benchmarks/{name}: exit {code} in {time.perf_counter() - started:.0f} s", flush=True)
        if code:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
