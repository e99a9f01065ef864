"""Benchmark: cases per second of `harness.cases.loader.load_cases` on one core.

Copies the shipped suite N times into a temporary folder (ids made distinct, `_tools/`
shared) and loads it several times: with the fast structural accept-check (what
`load_cases` does) and with jsonschema validating every file (the fallback path). Rates
are per second of the process's CPU time; wall time is printed beside.

Run: `PYTHONPATH=. python benchmarks/load_cases.py [--copies N] [--repeats R]`.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import harness.cases.loader as loader

REPO = Path(__file__).resolve().parents[1]


def build_suite(root: Path, copies: int) -> int:
    """Write `copies` renamed copies of the shipped case files under `root`; return the case count."""
    shutil.copytree(REPO / "cases" / "_tools", root / "_tools")
    sources = [p for p in sorted((REPO / "cases").glob("*/*.yaml")) if p.parent.name != "_tools"]
    for k in range(copies):
        for src in sources:
            text = src.read_text(encoding="utf-8").replace("  - id: ", f"  - id: c{k}.")
            # distinct first user messages, as the emulator wants
            text = text.replace('{role: user, content: "', f'{{role: user, content: "#{k} ')
            (root / f"{src.parent.name}-{src.stem}-{k}.yaml").write_text(text, encoding="utf-8")
    return len(loader.load_cases([root]))


def measure(root: Path, repeats: int) -> tuple[float, float]:
    """Median (CPU seconds, wall seconds) of loading `root`."""
    cpu, wall = [], []
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        loader.load_cases([root])
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return statistics.median(cpu), statistics.median(wall)


def _line(label: str, n: int, cpu: float, wall: float) -> str:
    return f"load_cases, {label:<11} {n / cpu:8.0f} cases/s  ({n} cases, {cpu:.2f} s CPU, {wall:.2f} s wall)"


def main() -> None:
    """Print the loading rates."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=80, help="copies of the shipped suite (25 cases each)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        n = build_suite(root, args.copies)
        cpu, wall = measure(root, args.repeats)
        print(_line("fast check", n, cpu, wall))
        saved = (loader.file_ok, loader.case_ok, loader.tools_file_ok)
        loader.file_ok = loader.case_ok = loader.tools_file_ok = lambda doc: False
        try:
            cpu, wall = measure(root, args.repeats)
        finally:
            loader.file_ok, loader.case_ok, loader.tools_file_ok = saved
        print(_line("jsonschema", n, cpu, wall))


if __name__ == "__main__":
    main()
