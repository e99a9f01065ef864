"""Memory benchmark: does the peak RSS of each command stay flat as the suite grows?

    python benchmarks/memory.py [--cases 1000] [--cases 10000] [--repeat 3] [--sdk] [--harness DIR]

For each size N (default 1,000 and 10,000), builds the corpus `benchmarks/replay.py` builds
(N cases cloned from the shipped suite, one distinct cassette each, one provider), replays it
once to fill the cache and write a run, writes a baseline from that run, and then, interleaved,
`--repeat` times, times these whole processes:

- `run`: the default fast replay (warm cache), the reference;
- `run --progress`: the same with a progress bar (a first pass over the case files counts the jobs);
- `run --replay-via-sdk` (with `--sdk`; needs the provider's SDK, slower): replay through the SDK
  and vcrpy;
- `gate`: the run's results.jsonl against the baseline;
- `compare`: the run against itself (every call compared); `compare --all` also prints a line per
  case (the output itself grows with the suite).

Each is timed by `_proc.child`: wall, CPU, and peak RSS as the child's own `VmHWM` (`_peak.py`).
Printed: per size, medians with min/max; then, per command, the peak RSS at the largest size
÷ the smallest (target ≤ 1.5 for 10,000 vs 1,000: memory flat in the number of cases).

`--harness DIR` measures another checkout's `harness` package (e.g. a worktree of an older
commit) with the same corpora, for a before/after figure.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from _proc import Sample, bytecode, child, median, print_table  # noqa: E402
from replay import build  # noqa: E402


def measure(n_cases: int, provider: str, repeat: int, sdk: bool, code: Path) -> dict[str, list[Sample]]:
    """Build a corpus of `n_cases`, then time each command `repeat` times, interleaved."""
    with tempfile.TemporaryDirectory(prefix="fcharness-mem-") as tmp:
        work = Path(tmp)
        n = build(work, n_cases, provider)
        env = {**os.environ, "FCHARNESS_CACHE": str(work / "cache"), "PYTHONPATH": str(code)}
        base = [sys.executable, "-m", "harness", "--config", str(work / "fcharness.toml")]
        reports = work / "reports"
        run = [*base, "run", "-p", provider, "--reports", str(reports)]
        results = reports / "ref" / "results.jsonl"
        baseline = work / "baseline.json"
        # in the corpus folder: `python -m` puts the working folder first on sys.path
        child([*run, "--no-progress", "--run-id", "ref"], cwd=work, env=env, ok=(0, 1))  # fills the cache
        update = [*base, "gate", "--results", str(results), "--baseline", str(baseline), "--update-baseline"]
        child(update, cwd=work, env=env)
        commands = {"run": [*run, "--no-progress", "--run-id", "plain"]}
        if '"--progress"' in (code / "harness" / "commands" / "_matrix_args.py").read_text(encoding="utf-8"):
            commands["run --progress"] = [*run, "--progress", "--run-id", "progress"]  # (older: no flag)
        if sdk:
            commands["run --replay-via-sdk"] = [*run, "--no-progress", "--replay-via-sdk", "--run-id", "sdk"]
        commands["gate"] = [*base, "gate", "--results", str(results), "--baseline", str(baseline)]
        commands["compare"] = [*base, "compare", str(results), str(results)]
        commands["compare --all"] = [
            *base,
            "compare",
            str(results),
            str(results),
            "--all",
        ]  # prints every case
        samples: dict[str, list[Sample]] = {name: [] for name in commands}
        for _ in range(repeat):
            for name, argv in commands.items():
                if name.startswith("run"):
                    shutil.rmtree(reports / argv[-1], ignore_errors=True)
                    shutil.rmtree(reports / "latest", ignore_errors=True)
                samples[name].append(child(argv, cwd=work, env=env, ok=(0, 1)))
        rows = results.read_text(encoding="utf-8").count("\n")
    print(f"\n{n} cases x 1 provider ({provider}), {rows} result rows:")
    print_table(samples, "run")
    return samples


def main(argv: list[str] | None = None) -> int:
    """Time the commands at each size and print the peak-RSS ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cases", type=int, action="append", help="corpus size (repeatable; default 1000, 10000)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="interleaved repeats (medians are printed)")
    parser.add_argument("-p", "--provider", default="emulator-openai-chat")
    parser.add_argument("--sdk", action="store_true", help="also time --replay-via-sdk (needs the SDK)")
    parser.add_argument("--harness", type=Path, default=REPO, help="the checkout whose harness/ is measured")
    args = parser.parse_args(argv)
    code = args.harness.resolve()
    if not (code / "harness" / "__init__.py").is_file():
        print(f"{code}: no harness package there (--harness DIR: a checkout of fc-harness)", file=sys.stderr)
        return 2
    bytecode(code)
    sizes = sorted(set(args.cases or [1000, 10000]))
    print(f"measuring {code}")
    probe = [sys.executable, "-c", "import harness; print(harness.__file__)"]
    with tempfile.TemporaryDirectory() as tmp:  # the package the children import
        print(
            "imports",
            child(probe, cwd=tmp, env={**os.environ, "PYTHONPATH": str(code)}, capture=True).out.strip(),
        )
    by_size = {n: measure(n, args.provider, max(1, args.repeat), args.sdk, code) for n in sizes}
    if len(sizes) > 1:
        lo, hi = sizes[0], sizes[-1]
        print(f"\npeak RSS, {hi} cases ÷ {lo} cases (median of each; target ≤ 1.5):")
        for name in by_size[lo]:
            a, b = median(by_size[lo][name], "rss_mib"), median(by_size[hi][name], "rss_mib")
            lows = [s.rss_mib for s in by_size[lo][name]]
            highs = [s.rss_mib for s in by_size[hi][name]]
            spread = f"min/max {min(highs) / max(lows):.2f}–{max(highs) / min(lows):.2f}"
            print(f"  {name:<22} {b:6.1f} MiB / {a:6.1f} MiB = {b / a:.2f}x  ({spread})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
