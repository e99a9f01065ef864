"""Benchmark: `fcharness grade --profile bfcl` vs BFCL's own AST checker on the same outputs.

Whole processes first, interleaved `--repeat` times (wall and CPU time of each child, from
`os.wait4`, and its own peak RSS: `_proc.child`): BFCL's checker reading its own files
(`benchmarks/bfcl_checker_process.py`) against one `fcharness grade --profile bfcl` over the
imported cases and all 6,200 outputs (each model in its own tool-name mode, `--tool-names
MODEL=MODE`, as BFCL's checker takes each model's `underscore_to_dot`), first pass (empty cache
folder) and warm (the cache that pass left); for reference also one warm process per tool-name
mode. Target: warm ≤ 2x BFCL's checker. Verdict counts of both are printed.

Then in-process: grades every output of the five models in the BFCL 2024-08-11 fixture (5 × 1240 entries)
with fc-harness's `bfcl` profile (full verdicts: failures, tool selection, schema check)
and with the installed bfcl-eval's `ast_checker` (plus its `is_empty_output` rule for the
no-call category), in one process, alternating, `--repeat` times; prints both rates
(entries per second of CPU time of this process, median run: the machine is shared, and
wall time would count other processes' work) and the ratio. BFCL's checker reads current-format
answers, so the v1 answers are handed to it in that form (suffixes resolved the way the
2024 checker resolved them). Inputs are decoded before timing on both sides; the first
timed pass is reported on its own (fc-harness compiles each case's plan then), then the
median of the warm passes. The fixtures are found at `$FCHARNESS_SHARED/fixtures` or
`../shared/fixtures` beside the repository (or pass `--fixtures DIR`).

    python benchmarks/bfcl.py [--fixtures DIR] [--repeat 3]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from _proc import Sample, bytecode, child, combine, print_table  # noqa: E402
from bfcl_checker_process import CURRENT_NAME, bfcl_checker, current_answer  # noqa: E402

from harness.bfcl import importer as bfcl  # noqa: E402
from harness.model import ModelTurn, ToolCall  # noqa: E402


def whole_processes(fixtures: Path, repeat: int) -> None:
    """BFCL's checker vs `fcharness grade --profile bfcl` (first pass and warm), whole processes."""
    scores = json.loads((fixtures / "scores.json").read_text(encoding="utf-8"))
    bytecode()
    with tempfile.TemporaryDirectory(prefix="fcharness-bfcl-") as tmp:
        work = Path(tmp)
        env = {**os.environ, "PYTHONPATH": str(REPO), "FCHARNESS_CACHE": str(work / "cache")}
        fch = [sys.executable, "-m", "harness"]
        subprocess.run(
            [*fch, "import", "bfcl", "--source", str(fixtures / "data"), "--out", str(work / "cases")],
            env=env,
            check=True,
            capture_output=True,
        )
        grade = [*fch, "grade", "--cases", str(work / "cases"), "--profile", "bfcl", "--format", "json"]
        # one process over every model's outputs, each model graded in its own tool-name mode
        every = "".join((fixtures / "outputs" / f"{m}.jsonl").read_text() for m in scores)
        (work / "outputs.jsonl").write_text(every)
        one = [*grade, "--outputs", str(work / "outputs.jsonl")]
        one += [f"--tool-names={m}={info['tool_names']}" for m, info in scores.items()]
        # for reference: one process per mode, as before `--tool-names PROVIDER=MODE`
        modes = {}
        for mode in ("sanitized", "exact"):
            models = [m for m in scores if scores[m]["tool_names"] == mode]
            out = work / f"outputs-{mode}.jsonl"
            out.write_text("".join((fixtures / "outputs" / f"{m}.jsonl").read_text() for m in models))
            modes[mode] = [*grade, "--outputs", str(out), "--tool-names", mode]
        theirs = [sys.executable, str(REPO / "benchmarks" / "bfcl_checker_process.py"), str(fixtures)]

        def per_mode() -> Sample:  # both tool-name modes: all 6,200 outputs
            return combine([child(argv, env=env, ok=(0, 1)) for argv in modes.values()])  # 1: some fail

        kinds = ("BFCL checker", "first pass", "warm", "warm per mode")
        runs: dict[str, list[Sample]] = {k: [] for k in kinds}
        child(theirs, env=env)  # page cache and bytecode, untimed
        for _ in range(repeat):
            runs["BFCL checker"].append(child(theirs, env=env, capture=True))
            shutil.rmtree(work / "cache", ignore_errors=True)
            runs["first pass"].append(child(one, env=env, ok=(0, 1)))
            runs["warm"].append(child(one, env=env, ok=(0, 1)))
            runs["warm per mode"].append(per_mode())
        verdicts = {}
        for name, argv in {"one": one, **modes}.items():
            doc = json.loads(subprocess.run(argv, env=env, capture_output=True, text=True).stdout)
            verdicts[name] = sum(s["passed"] for s in doc["summary"].values())
        if verdicts["one"] != verdicts["sanitized"] + verdicts["exact"]:
            raise SystemExit(f"verdicts differ: one process {verdicts['one']}, per mode {verdicts}")
    print("6,200 outputs;", end=" ")
    print_table(runs, "BFCL checker")
    said = (runs["BFCL checker"][-1].out.strip().splitlines() or [""])[-1]
    print(f"  BFCL checker says: {said}; fc-harness passes: {verdicts['one']}")
    print("  target: warm ≤ 2x BFCL's checker (one `fcharness grade`, `--tool-names MODEL=MODE` per model)")


def main() -> int:
    """Run the benchmark; print rates and the ratio."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    shared = Path(os.environ.get("FCHARNESS_SHARED", REPO.parent / "shared"))
    ap.add_argument("--fixtures", type=Path, default=shared / "fixtures" / "bfcl-2024-08-11")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if not (args.fixtures / "scores.json").is_file():
        print(
            f"BFCL 2024-08-11 fixtures not found at {args.fixtures}:"
            " pass --fixtures DIR or set FCHARNESS_SHARED",
            file=sys.stderr,
        )
        return 2
    whole_processes(args.fixtures, args.repeat)
    from harness.grading.grader import grade  # what `fcharness grade --profile bfcl` calls

    ast_checker, is_empty_output, Language = bfcl_checker()

    cases = {c.meta["bfcl_id"]: c for _, cs in bfcl.import_cases(args.fixtures / "data") for c in cs}
    scores = json.loads((args.fixtures / "scores.json").read_text())
    ours: list[tuple[Any, ModelTurn, str, str]] = []
    theirs: list[tuple[Any, Any, Any, str, str]] = []
    for model, info in scores.items():
        mode = info["tool_names"]
        for line in (args.fixtures / "outputs" / f"{model}.jsonl").read_text().splitlines():
            row = json.loads(line)
            case = cases[row["case_id"]]
            calls = tuple(ToolCall(c["name"], c["arguments"]) for c in row["calls"])
            ours.append((case, ModelTurn(calls), model, mode))
            funcs = case.meta["bfcl_functions"]
            funcs = funcs if isinstance(funcs, list) else [funcs]
            answer = case.meta["bfcl_answer"]
            theirs.append(
                (
                    funcs,
                    [{c["name"]: c["arguments"]} for c in row["calls"]],
                    None if answer is None else current_answer(funcs, answer),
                    CURRENT_NAME[case.meta["bfcl_category"]],
                    f"fch-{mode}",
                )
            )

    def run_ours() -> int:
        return sum(
            grade(c, [t], provider_id=m, profile="bfcl", tool_names=mode).passed for c, t, m, mode in ours
        )

    def run_theirs() -> int:
        ok = 0
        for funcs, output, answer, category, model in theirs:
            if answer is None:
                ok += is_empty_output(output)
                continue
            # an entry BFCL's checker cannot grade (it raises) counts as incorrect
            with contextlib.suppress(Exception):
                ok += ast_checker.ast_checker(funcs, output, answer, Language.PYTHON, category, model)[
                    "valid"
                ]
        return ok

    gc.collect()
    gc.freeze()  # the loaded data is long-lived on both sides: keep it out of the collector's scans
    t0 = time.process_time()
    run_ours()  # first pass: per-case plans are compiled here, as in any grading run
    t1 = time.process_time()
    run_theirs()
    t2 = time.process_time()
    first_ours, first_theirs = t1 - t0, t2 - t1
    t_ours: list[float] = []
    t_theirs: list[float] = []
    for _ in range(args.repeat):
        t0 = time.process_time()
        passed_ours = run_ours()
        t1 = time.process_time()
        passed_theirs = run_theirs()
        t2 = time.process_time()
        t_ours.append(t1 - t0)
        t_theirs.append(t2 - t1)
    n = len(ours)
    r_ours, r_theirs = n / statistics.median(t_ours), n / statistics.median(t_theirs)
    print(f"\nin-process: entries graded per run: {n} (5 models x 1240), CPU time")
    print(
        f"first pass: fc-harness {n / first_ours:,.0f} entries/s, BFCL {n / first_theirs:,.0f} entries/s,"
        f" ratio {first_theirs / first_ours:.2f}x (>1: fc-harness faster)"
    )
    print(f"warm, median of {args.repeat}:")
    print(f"fc-harness --profile bfcl : {r_ours:10.0f} entries/s  ({passed_ours} pass)")
    print(
        f"bfcl-eval ast_checker     : {r_theirs:10.0f} entries/s  ({passed_theirs} pass, current-era rules)"
    )
    print(f"ratio (ours / BFCL's)     : {r_ours / r_theirs:10.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
