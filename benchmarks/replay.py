"""Replay benchmark: `fcharness run` over 1,000 cases × 2 providers, in-process.

    python benchmarks/replay.py [--cases 1000] [-p ID]... [--sdk]

Builds, in a temporary folder, N cases cloned from the shipped suite (ids suffixed `.rNNN`,
so every case has its own cassette) and their cassettes copied from the shipped ones
(`cassettes/<provider>/`), then times a whole `fcharness run` (load cases, fast replay, grade,
results.jsonl, reports) and prints verdicts/s and peak memory, next to the grading-only rate
and the cassette-loading rate (vcrpy persister + fcharness serializer, and bare YAML) of the
same files. Target: ≥ 1,000 verdicts/s on one core. Rates other than the wall-clock one use
CPU time (`time.process_time`), so a machine shared with other work still measures one core.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from harness.cases.loader import load_cases  # noqa: E402
from harness.cassettes.layout import cassette_path  # noqa: E402
from harness.cassettes.store import load_interactions  # noqa: E402
from harness.cli import main as fcharness  # noqa: E402
from harness.grading.grader import grade  # noqa: E402
from harness.run.config import load_config  # noqa: E402
from harness.run.results import read_results  # noqa: E402

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

DEFAULT_PROVIDERS = ("emulator-openai-chat", "emulator-openai-chat-stream")


def build(work: Path, n_cases: int, providers: list[str]) -> int:
    """Write N cloned cases, their cassettes and an fcharness.toml under `work`; return N."""
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
                new_id = f"{case['id']}.r{replica:03d}"
                for pid in providers:
                    src = cassette_path(shipped, pid, case["id"])
                    if src.exists():
                        dst = cassette_path(work / "cassettes", pid, new_id)
                        dst.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copyfile(src, dst)
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
    text = (REPO / "fcharness.toml").read_text(encoding="utf-8")
    (work / "fcharness.toml").write_text(text, encoding="utf-8")
    return written


def _run(work: Path, providers: list[str], *extra: str) -> tuple[float, float, int]:
    argv = [
        "--config",
        str(work / "fcharness.toml"),
        "run",
        "--no-progress",
        "--reports",
        str(work / "reports"),
    ]
    for pid in providers:
        argv += ["-p", pid]
    argv += extra
    started, cpu = time.perf_counter(), time.process_time()
    with contextlib.redirect_stdout(io.StringIO()):
        code = fcharness(argv)
    return time.perf_counter() - started, time.process_time() - cpu, code


def main(argv: list[str] | None = None) -> int:
    """Build the corpus, time the replay, print the figures."""
    parser = argparse.ArgumentParser(description="fcharness replay benchmark")
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs (medians are printed)")
    parser.add_argument("-p", "--provider", action="append", default=None)
    parser.add_argument("--sdk", action="store_true", help="also time --replay-via-sdk (SDK + vcrpy)")
    args = parser.parse_args(argv)
    providers = args.provider or list(DEFAULT_PROVIDERS)
    shipped = REPO / "cassettes"
    missing = [p for p in providers if not (shipped / p).is_dir()]
    if missing:
        print(
            f"no shipped cassettes for {', '.join(missing)}: run scripts/record_demo.py first",
            file=sys.stderr,
        )
        return 2
    with tempfile.TemporaryDirectory(prefix="fcharness-bench-") as tmp:
        work = Path(tmp)
        n = build(work, args.cases, providers)
        cassettes = sorted((work / "cassettes").rglob("*.yaml"))
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        timings = [_run(work, providers) for _ in range(max(1, args.repeat))]
        elapsed = statistics.median(t[0] for t in timings)
        cpu = statistics.median(t[1] for t in timings)
        code = timings[-1][2]
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        rows = read_results(work / "reports" / "latest" / "results.jsonl")
        statuses: dict[str, int] = {}
        for r in rows:
            statuses[r.status] = statuses.get(r.status, 0) + 1

        # grading only: the same rows' model turns graded again
        t0 = time.process_time()
        cases = {c.id: c for c in load_cases([work / "cases"])}
        case_loading = time.process_time() - t0
        graded = [(cases[r.case_id], r.turns) for r in rows if r.status in ("pass", "fail")]
        t0 = time.process_time()
        for case, turns in graded:
            grade(case, turns)
        grading = time.process_time() - t0

        # loading only: the same cassette files, through vcrpy's persister + our serializer, and bare YAML
        t0 = time.process_time()
        for p in cassettes:
            load_interactions(p)
        loading = time.process_time() - t0
        t0 = time.process_time()
        for p in cassettes:
            yaml.load(p.read_text(encoding="utf-8"), Loader=_Loader)
        bare = time.process_time() - t0

        sdk_rate = None
        if args.sdk:
            sdk_elapsed, sdk_cpu, _ = _run(work, providers, "--replay-via-sdk")
            sdk_rate = (len(rows) / sdk_elapsed, len(rows) / sdk_cpu)

        # peak Python allocation of a second run (tracemalloc slows it; not timed)
        tracemalloc.start()
        _run(work, providers)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

    print(
        f"corpus: {n} cases × {len(providers)} providers ({', '.join(providers)}); {len(cassettes)} cassettes"
    )
    print(f"statuses: {statuses}; exit code {code}")
    print(
        f"fcharness run (replay, whole command, median of {len(timings)}):"
        f" {len(rows)} verdicts in {elapsed:.2f} s"
        f" = {len(rows) / elapsed:,.0f} verdicts/s"
        f" (CPU {cpu:.2f} s = {len(rows) / cpu:,.0f} verdicts/s per core)"
    )
    if sdk_rate:
        print(
            f"--replay-via-sdk (SDK + vcrpy):        {sdk_rate[0]:,.0f} verdicts/s (CPU {sdk_rate[1]:,.0f}/s)"
        )
    print(f"grading only:                          {len(graded) / grading:,.0f} verdicts/s")
    print(
        f"case loading (harness.cases.loader):         {n / case_loading:,.0f} cases/s ({case_loading:.2f} s)"
    )
    print(f"cassette loading (vcrpy persister):    {len(cassettes) / loading:,.0f} cassettes/s")
    print(f"cassette loading (bare YAML, libyaml): {len(cassettes) / bare:,.0f} files/s")
    print(
        f"peak memory: max RSS {rss_after / 1024:.0f} MiB (before the run {rss_before / 1024:.0f} MiB); "
        f"tracemalloc peak of a run {peak / 2**20:.1f} MiB"
    )
    target = len(rows) / cpu >= 1000
    print(f"target ≥ 1,000 verdicts/s on one core (CPU time): {'met' if target else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
