"""Benchmark: loading case files, whole processes and in-process, first pass and warm cache.

Copies the shipped suite N times into a temporary folder (ids made distinct, `_tools/`
shared). Whole processes, interleaved, `--repeats` times (CPU time and peak RSS of each child
from `os.wait4`, see `_proc.py`):

- floor: a fresh `python` that `yaml.load(..., Loader=CSafeLoader)`s the same case files;
- `fcharness validate` of the folder (no cache: validate reports every problem afresh);
- `load_cases` with the case cache, first pass (empty cache folder) and warm (the cache the
  first pass left), i.e. what `fcharness run` and `fcharness grade` do before their work.

In-process, it times `load_cases` with the fast structural accept-check (its normal path), with
jsonschema validating every file (the fallback path) and with a warm cache, then the BFCL
2024-08-11 fixture imported by `fcharness import bfcl` (found like `benchmarks/bfcl.py` does)
without the cache, per case against the shipped suite. Rates are per second of the process's
CPU time; wall time is printed beside.

Run: `python benchmarks/load_cases.py [--copies N] [--repeats R]`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _proc import Sample, bytecode, child, print_table

import harness.cases.loader as loader
from harness.cases.cache import CaseCache

REPO = Path(__file__).resolve().parents[1]
FLOOR = """
import sys, yaml
from pathlib import Path
for p in sorted(Path(sys.argv[1]).rglob("*.yaml")):
    yaml.load(p.read_bytes(), Loader=yaml.CSafeLoader)
"""
LOAD = """
import sys
from pathlib import Path
from harness.cases.cache import CaseCache
from harness.cases.loader import load_cases
load_cases([Path(sys.argv[1])], CaseCache(Path(sys.argv[2])))
"""


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


def whole_processes(root: Path, repeats: int) -> None:
    """Print the floor, validate, first pass and warm, interleaved."""
    py = sys.executable
    bytecode()
    kinds: dict[str, list[Sample]] = {k: [] for k in ("floor", "validate", "first pass", "warm")}
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as cache:
            kinds["floor"].append(child([py, "-c", FLOOR, str(root)]))
            kinds["validate"].append(child([py, "-m", "harness", "validate", str(root)], cwd=REPO))
            kinds["first pass"].append(child([py, "-c", LOAD, str(root), cache], cwd=REPO))
            kinds["warm"].append(child([py, "-c", LOAD, str(root), cache], cwd=REPO))
    print_table(kinds, "floor")


def measure(
    root: Path, repeats: int, cache: Callable[[], CaseCache | None] = lambda: None
) -> tuple[float, float]:
    """Median (CPU seconds, wall seconds) of loading `root`."""
    cpu, wall = [], []
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        loader.load_cases([root], cache())
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
        n = build_suite(root / "suite", args.copies)
        print(f"{n} cases in {args.copies} copies of the shipped suite")
        whole_processes(root / "suite", args.repeats)
        print("in-process:")
        cpu, wall = measure(root / "suite", args.repeats)
        print(_line("fast check", n, cpu, wall))
        loader.load_cases([root / "suite"], CaseCache(root / "cache"))  # fills the cache
        cpu, wall = measure(root / "suite", args.repeats, lambda: CaseCache(root / "cache"))
        print(_line("warm cache", n, cpu, wall))
        saved = (loader.file_ok, loader.case_ok, loader.tools_file_ok)
        loader.file_ok = loader.case_ok = loader.tools_file_ok = lambda doc: False
        try:
            cpu, wall = measure(root / "suite", args.repeats)
        finally:
            loader.file_ok, loader.case_ok, loader.tools_file_ok = saved
        print(_line("jsonschema", n, cpu, wall))
        demo_cpu = measure(root / "suite", args.repeats)[0]
        bfcl_per_case(root, (n / demo_cpu, _yaml_bytes(root / "suite") / demo_cpu), args.repeats)


def _yaml_bytes(folder: Path) -> int:
    """Bytes of the YAML files under `folder` (case files and shared tools)."""
    return sum(p.stat().st_size for p in folder.rglob("*.y*ml"))


def bfcl_per_case(root: Path, demo: tuple[float, float], repeats: int) -> None:
    """Cases per second of the BFCL 2024-08-11 fixture imported by `fcharness import bfcl` (no
    cache), against the shipped suite's rate measured just before (issue 11: ≈ 14x slower), per
    case and per byte of YAML (`demo`: the suite's cases and bytes per CPU second)."""
    demo_rate, demo_bytes = demo
    shared = Path(os.environ.get("FCHARNESS_SHARED", REPO.parent / "shared"))
    data = shared / "fixtures" / "bfcl-2024-08-11" / "data"
    if not data.is_dir():
        print(f"BFCL fixture not found at {data} (set FCHARNESS_SHARED): imported cases not measured")
        return
    out = root / "bfcl"
    cmd = [sys.executable, "-m", "harness", "import", "bfcl", "--source", str(data), "--out", str(out)]
    subprocess.run(cmd, cwd=REPO, check=True, capture_output=True)
    n = len(loader.load_cases([out]))
    cpu, wall = measure(out, repeats)
    print(_line("BFCL import", n, cpu, wall))
    print(f"per case, imported BFCL vs shipped suite: {demo_rate / (n / cpu):.2f}x the time (target ≈ 1x)")
    size = _yaml_bytes(out)
    print(
        f"per byte of YAML ({size / n:,.0f} vs {demo_bytes / demo_rate:,.0f} bytes per case):"
        f" {demo_bytes / (size / cpu):.2f}x the time"
    )


if __name__ == "__main__":
    main()
