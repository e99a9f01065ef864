"""Replay benchmark: whole `fcharness run` processes against the floor of parsing the cassettes.

    python benchmarks/replay.py [--cases 1000] [--cases 10000] [-p ID] [--repeat 3] [--keep DIR]

Builds, in a temporary folder, N cases cloned from the shipped suite (ids suffixed `.rNNN`)
with one cassette each, copied from the shipped ones for the provider (default
`emulator-openai-chat`) and made distinct by a trailing comment, so no two cassettes share
bytes (a content-keyed cache gets no free hits). Then, interleaved, `--repeat` times:

- floor: a fresh `python` that `yaml.load(..., Loader=CSafeLoader)`s the same N cassette files;
- first pass: `fcharness run` with an empty cache folder (`FCHARNESS_CACHE`);
- warm: `fcharness run` again with the cache that first pass left.

Before timing, fc-harness's modules are byte-compiled (as an installed package is: with
PYTHONDONTWRITEBYTECODE set, every run would otherwise compile them again) and the floor runs
once untimed (page cache). `--keep DIR` builds the corpus in DIR and leaves it there (with the
cache and the last run's reports) for profiling:
`FCHARNESS_CACHE=DIR/cache python -m cProfile -m harness --config DIR/fcharness.toml run ...`.

Each is a whole process (interpreter start-up and imports included), timed by `_proc.child`:
wall time, CPU time (user + system, of that child only, from `os.wait4`) and peak RSS (the
child's own `VmHWM`, see `_peak.py`). Printed: medians with
min/max, and the ratios run ÷ floor (target ≤ 1.2 for the warm run, at 1,000 and 10,000
cases). With two `--cases` values it also prints the peak-RSS ratio of the largest to the
smallest (target ≤ 1.5 for 10,000 vs 1,000). In-process, it times loading the cassettes
(first pass and warm cache) and grading the rows again.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from _proc import Sample, bytecode, child, median, print_table  # noqa: E402

from harness.cassettes.layout import cassette_path  # noqa: E402
from harness.run.config import load_config  # noqa: E402

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

FLOOR = (
    "import sys, yaml\n"
    "for p in open(sys.argv[1], encoding='utf-8').read().split('\\n'):\n"
    "    yaml.load(open(p, encoding='utf-8').read(), Loader=yaml.CSafeLoader)\n"
)


def build(work: Path, n_cases: int, provider: str) -> int:
    """Write N cloned cases, one distinct cassette each and an fcharness.toml under `work`."""
    config = load_config(REPO / "fcharness.toml")
    cases_root = config.resolve(config.cases[0])
    files = [p for p in sorted(cases_root.rglob("*.yaml")) if not any(s.startswith("_") for s in p.parts)]
    shutil.copytree(cases_root / "_tools", work / "cases" / "_tools")
    shipped = config.resolve(config.cassettes)
    written, replica = 0, 0
    while written < n_cases:
        for f in files:
            data = yaml.load(f.read_text(encoding="utf-8"), Loader=_Loader)
            clones = []
            for case in data.get("cases", []):
                if written >= n_cases:
                    break
                src = cassette_path(shipped, provider, case["id"])
                if not src.exists():
                    continue
                new_id = f"{case['id']}.r{replica:03d}"
                dst = cassette_path(work / "cassettes", provider, new_id)
                dst.parent.mkdir(parents=True, exist_ok=True)
                dst.write_bytes(src.read_bytes() + f"# clone {new_id}\n".encode())
                clones.append({**case, "id": new_id})
                written += 1
            if clones:
                out = work / "cases" / f"r{replica:03d}" / f.relative_to(cases_root)
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_text(
                    yaml.safe_dump({**data, "cases": clones}, allow_unicode=True, sort_keys=False),
                    encoding="utf-8",
                )
            if written >= n_cases:
                break
        replica += 1
    shutil.copyfile(REPO / "fcharness.toml", work / "fcharness.toml")
    return written


def measure(n_cases: int, provider: str, repeat: int, keep: Path | None = None) -> dict[str, list[Sample]]:
    """Build a corpus of `n_cases` and time floor, first-pass and warm runs, interleaved."""
    with tempfile.TemporaryDirectory(prefix="fcharness-bench-") as tmp:
        work = Path(tmp) if keep is None else keep / f"{n_cases}"
        if keep is not None:
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
        n = build(work, n_cases, provider)
        cassettes = sorted((work / "cassettes").rglob("*.yaml"))
        listing = work / "cassettes.txt"
        listing.write_text("\n".join(str(p) for p in cassettes), encoding="utf-8")
        cache = work / "cache"
        env = {**os.environ, "FCHARNESS_CACHE": str(cache), "PYTHONPATH": str(REPO)}
        run = [sys.executable, "-m", "harness", "--config", str(work / "fcharness.toml"), "run"]
        run += ["-p", provider, "--no-progress", "--reports", str(work / "reports"), "--run-id", "bench"]
        floor = [sys.executable, "-c", FLOOR, str(listing)]
        runs: dict[str, list[Sample]] = {"floor": [], "first pass": [], "warm": []}
        bytecode()
        child(floor, env=env)  # page cache and bytecode, untimed
        for _ in range(repeat):
            runs["floor"].append(child(floor, env=env))
            shutil.rmtree(cache, ignore_errors=True)
            shutil.rmtree(work / "reports", ignore_errors=True)
            runs["first pass"].append(child(run, env=env, ok=(0, 1)))  # 1: some verdicts fail
            shutil.rmtree(work / "reports", ignore_errors=True)
            runs["warm"].append(child(run, env=env, ok=(0, 1)))
        rows = (work / "reports" / "bench" / "results.jsonl").read_text(encoding="utf-8").count("\n")
        in_process = _in_process(cassettes, cache)
    print(f"\n{n} cases x 1 provider ({provider}): {len(cassettes)} cassettes, {rows} result rows;", end=" ")
    print(f"exit codes {sorted({r.code for rs in runs.values() for r in rs})}")
    print_table(runs, "floor")
    print(
        "  ratio per repeat (warm wall / floor wall): "
        + ", ".join(f"{w.wall / f.wall:.2f}" for w, f in zip(runs["warm"], runs["floor"], strict=True))
    )
    print(f"  target: warm run ≤ 1.2x the floor; in-process: {in_process}")
    return runs


def _in_process(cassettes: list[Path], cache: Path) -> str:
    from harness.cassettes.replay import InteractionCache, load_interactions

    t0 = time.process_time()
    for p in cassettes:
        load_interactions(p)
    parse = time.process_time() - t0
    warm = InteractionCache(cache)
    t0 = time.process_time()
    for p in cassettes:
        load_interactions(p, warm)
    cached = time.process_time() - t0
    t0 = time.process_time()
    for p in cassettes:
        yaml.load(p.read_text(encoding="utf-8"), Loader=_Loader)
    bare = time.process_time() - t0
    n = len(cassettes)
    return (
        f"cassettes/s CPU: parse (first pass) {n / parse:,.0f}, warm cache {n / cached:,.0f}, "
        f"bare CSafeLoader {n / bare:,.0f}"
    )


def main(argv: list[str] | None = None) -> int:
    """Build the corpora, time the replays, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, action="append", help="corpus size (repeatable; default 1000)")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved repeats (medians are printed)")
    parser.add_argument("-p", "--provider", default="emulator-openai-chat")
    parser.add_argument("--keep", type=Path, help="build the corpora in DIR/<cases> and keep them")
    args = parser.parse_args(argv)
    if not (REPO / "cassettes" / args.provider).is_dir():
        print(f"no shipped cassettes for {args.provider}: run scripts/record_demo.py first", file=sys.stderr)
        return 2
    sizes = sorted(set(args.cases or [1000]))
    peaks = {n: measure(n, args.provider, max(1, args.repeat), args.keep) for n in sizes}
    if len(sizes) > 1:
        lo, hi = sizes[0], sizes[-1]
        for name in ("first pass", "warm"):
            a = median(peaks[lo][name], "rss_mib")
            b = median(peaks[hi][name], "rss_mib")
            print(
                f"peak RSS {name}: {hi} cases {b:.0f} MiB / {lo} cases {a:.0f} MiB = {b / a:.2f}x"
                " (target ≤ 1.5)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
