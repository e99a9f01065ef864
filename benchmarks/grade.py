"""Benchmark: grading, in-process (verdicts per second of `grader.grade`) and `fcharness grade`.

Builds 10,000 graded outputs in a realistic mix — 2,000 distinct cases (simple, multiple,
parallel with three calls, irrelevance, matchers and nested objects) × 5 outputs each
(passes, wrong values, wrong types, reordered parallel calls, a missing parallel call,
unwanted calls, invalid JSON).

In-process, it grades them several times and prints the median rate with compiled matchers
cached ("warm", the runner's situation: each case is graded for several providers) and the
rate of a first pass that compiles every case ("cold"). Rates are per second of the
process's CPU time (a shared machine skews the wall clock, which is printed beside).

Whole processes (interleaved, `--repeats` times; see `_proc.py`): the same cases written as a
case file and the outputs as a JSONL file, then `fcharness grade --format json` with an empty
case cache (first pass) and with the cache it left (warm), against the floor of a fresh
`python` that merely reads both files (`yaml.load` with CSafeLoader, `json.loads` per line).

Run: `python benchmarks/grade.py [--repeats N] [--cases N]`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from _proc import Sample, bytecode, child, print_table  # noqa: E402

from harness.grading import grader as grading  # noqa: E402
from harness.model import Case, ExpectedCall, Message, ModelTurn, Tool, ToolCall, Turn  # noqa: E402

FLOOR = """
import json, sys, yaml
with open(sys.argv[1], "rb") as f:
    yaml.load(f, Loader=yaml.CSafeLoader)
with open(sys.argv[2], "rb") as f:
    for line in f:
        json.loads(line)
"""

WEATHER = Tool(
    "get_weather",
    "天气",
    {
        "type": "object",
        "properties": {
            "location": {"type": "string"},
            "date": {"type": "string", "format": "date"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
        "required": ["location", "date"],
    },
)
TRAIN = Tool(
    "book_train",
    "火车票",
    {
        "type": "object",
        "properties": {
            "from": {"type": "string"},
            "to": {"type": "string"},
            "date": {"type": "string"},
            "passengers": {"type": "integer", "minimum": 1},
            "seat": {
                "type": "object",
                "properties": {"class": {"type": "string"}, "window": {"type": "boolean"}},
            },
        },
        "required": ["from", "to", "date"],
    },
)
STOCK = Tool(
    "get_stock_price",
    "股价",
    {
        "type": "object",
        "properties": {"symbol": {"type": "string"}, "price": {"type": "number"}},
        "required": ["symbol"],
    },
)
TOOLS = (WEATHER, TRAIN, STOCK)
CITIES = ["北京", "上海", "广州", "深圳", "San Francisco", "Tokyo", "Paris", "杭州"]


def _case(k: int, rng: random.Random) -> tuple[Case, list[list[ModelTurn]]]:
    kind = k % 5
    city = CITIES[k % len(CITIES)]
    date = f"2025-06-{10 + k % 18:02d}"
    msgs = (Message("user", f"question {k}"),)
    if kind == 0:  # simple with $one_of
        exp = (ExpectedCall("get_weather", {"location": {"$one_of": [city, city + "市"]}, "date": date}),)
        good = (ToolCall("get_weather", {"location": city, "date": date}),)
        outs = [
            good,
            good,
            (ToolCall("get_weather", {"location": city, "date": "2025-01-01"}),),
            (ToolCall("get_weather", {"location": city, "date": date, "unit": "celsius"}),),
            good,
        ]
        cat = "simple"
    elif kind == 1:  # multiple tools offered, nested object and $date
        args = {
            "from": city,
            "to": "上海",
            "date": {"$date": date},
            "passengers": 2,
            "seat": {"class": "second", "window": True},
        }
        exp = (ExpectedCall("book_train", args),)
        good_args = {
            "from": city,
            "to": "上海",
            "date": date.replace("-", "/"),
            "passengers": 2,
            "seat": {"class": "second", "window": True},
        }
        good = (ToolCall("book_train", good_args),)
        outs = [
            good,
            good,
            (ToolCall("book_train", {**good_args, "passengers": "2"}),),
            (ToolCall("get_weather", {"location": city, "date": date}),),
            good,
        ]
        cat = "multiple"
    elif kind == 2:  # parallel: three calls, order-free
        cities = [CITIES[(k + i) % len(CITIES)] for i in range(3)]
        exp = tuple(ExpectedCall("get_weather", {"location": c, "date": date}) for c in cities)
        good = [ToolCall("get_weather", {"location": c, "date": date}) for c in cities]
        shuffled = good[:]
        rng.shuffle(shuffled)
        wrong = shuffled[:]
        wrong[1] = ToolCall("get_weather", {"location": wrong[1].arguments["location"], "date": "2025-12-31"})
        outs = [tuple(good), tuple(shuffled), tuple(wrong), tuple(good[:2]), tuple(shuffled)]
        cat = "parallel"
    elif kind == 3:  # irrelevance
        exp = ()
        outs = [(), (), (ToolCall("get_weather", {"location": city, "date": date}),), (), ()]
        cat = "irrelevance"
    else:  # parallel_multiple with approx and normalized
        exp = (
            ExpectedCall(
                "get_stock_price",
                {"symbol": {"$normalized": "BABA"}, "price": {"$approx": 80.5, "$tol": 0.1}},
            ),
            ExpectedCall("get_weather", {"location": city, "date": date, "unit": {"$optional": "celsius"}}),
        )
        a = ToolCall("get_stock_price", {"symbol": "baba", "price": 80.52})
        b = ToolCall("get_weather", {"location": city, "date": date})
        outs = [
            (a, b),
            (b, a),
            (a, ToolCall("get_weather", None, '{"location": ')),
            (ToolCall("get_stock_price", {"symbol": "BIDU", "price": 80.5}), b),
            (b, a),
        ]
        cat = "parallel_multiple"
    case = Case(f"bench.{k}", cat, msgs, TOOLS, (Turn(exp),))
    return case, [[ModelTurn(calls=o, text="ok")] for o in outs]


def build(n_cases: int = 2000, seed: int = 7) -> list[tuple[Case, list[ModelTurn]]]:
    """Return (case, model turns) pairs: n_cases × 5 outputs."""
    rng = random.Random(seed)
    pairs = []
    for k in range(n_cases):
        case, outs = _case(k, rng)
        pairs.extend((case, o) for o in outs)
    rng.shuffle(pairs)
    return pairs


def run_once(pairs: list[tuple[Case, list[ModelTurn]]]) -> tuple[float, float, int]:
    """Grade every pair once; return (CPU seconds, wall seconds, passed)."""
    grade = grading.grade
    cpu, wall = time.process_time(), time.perf_counter()
    passed = 0
    for case, turns in pairs:
        passed += grade(case, turns, provider_id="bench").passed
    return time.process_time() - cpu, time.perf_counter() - wall, passed


def _call(c: ToolCall) -> dict[str, Any]:
    return {"name": c.name, "arguments": c.arguments if c.arguments is not None else c.raw_arguments}


def write_files(pairs: list[tuple[Case, list[ModelTurn]]], folder: Path) -> tuple[Path, Path]:
    """Write the cases as one case file and the outputs as JSONL; return both paths."""
    cases: dict[str, Case] = {c.id: c for c, _ in pairs}
    doc = {
        "tools": [{"name": t.name, "description": t.description, "parameters": t.parameters} for t in TOOLS],
        "cases": [
            {
                "id": c.id,
                "category": c.category,
                "messages": [{"role": m.role, "content": m.content} for m in c.messages],
                "expect": [{"call": e.name, "arguments": e.arguments} for e in c.turns[0].expect],
            }
            for c in sorted(cases.values(), key=lambda c: int(c.id.rsplit(".", 1)[1]))
        ],
    }
    case_file = folder / "cases" / "bench.yaml"
    case_file.parent.mkdir(parents=True)
    case_file.write_text(
        yaml.dump(doc, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False), "utf-8"
    )
    outputs = folder / "outputs.jsonl"
    seen: dict[str, int] = {}
    with open(outputs, "w", encoding="utf-8") as f:
        for case, turns in pairs:  # the k-th output of a case is "provider" p<k>
            k = seen[case.id] = seen.get(case.id, -1) + 1
            line = {"case_id": case.id, "provider_id": f"p{k}", "calls": [_call(c) for c in turns[0].calls]}
            f.write(json.dumps({**line, "text": turns[0].text}, ensure_ascii=False) + "\n")
    return case_file, outputs


def whole_processes(pairs: list[tuple[Case, list[ModelTurn]]], repeats: int, passed: int) -> None:
    """Print the floor and `fcharness grade` (first pass, warm), interleaved; check its verdicts."""
    py = sys.executable
    bytecode()
    with tempfile.TemporaryDirectory() as tmp:
        case_file, outputs = write_files(pairs, Path(tmp))
        grade = [
            py,
            "-m",
            "harness",
            "grade",
            "--cases",
            str(case_file),
            "--outputs",
            str(outputs),
            "--format",
            "json",
        ]
        env = {**os.environ, "FCHARNESS_CACHE": "off"}
        out = subprocess.run(grade, cwd=tmp, env=env, capture_output=True, text=True, check=False)
        theirs = sum(p["passed"] for p in json.loads(out.stdout)["summary"].values())
        print(f"`fcharness grade` passes {theirs} of {len(pairs)} (in-process: {passed})")
        if theirs != passed:
            sys.exit("the whole-process verdicts differ from the in-process ones")
        kinds: dict[str, list[Sample]] = {k: [] for k in ("floor", "first pass", "warm")}
        for k in range(repeats):
            env = {**os.environ, "FCHARNESS_CACHE": str(Path(tmp) / f"cache{k}")}
            kinds["floor"].append(child([py, "-c", FLOOR, str(case_file), str(outputs)]))
            kinds["first pass"].append(child(grade, cwd=tmp, env=env, ok=(0, 1)))
            kinds["warm"].append(child(grade, cwd=tmp, env=env, ok=(0, 1)))
        print_table(kinds, "floor")


def main() -> None:
    """Print verdicts/s (median of repeats) for 10,000 graded outputs, then whole processes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--cases", type=int, default=2000, help="distinct cases (× 5 outputs)")
    args = parser.parse_args()
    pairs = build(args.cases)
    grading._PLANS.clear()
    cold_cpu, cold_wall, passed = run_once(pairs)
    runs = [run_once(pairs) for _ in range(args.repeats)]
    n = len(pairs)
    cpu = statistics.median(r[0] for r in runs)
    wall = statistics.median(r[1] for r in runs)
    print(f"graded {n} outputs ({passed} pass, {n - passed} fail; {args.cases} distinct cases), one thread")
    print(
        f"warm, median of {args.repeats}: {n / cpu:,.0f} verdicts/s of CPU time "
        f"({n / wall:,.0f}/s wall clock; best {n / min(r[0] for r in runs):,.0f}/s CPU)"
    )
    print(
        f"cold (each case compiled on first use): {n / cold_cpu:,.0f} verdicts/s of CPU time "
        f"({n / cold_wall:,.0f}/s wall clock)"
    )
    whole_processes(pairs, min(args.repeats, 3), passed)


if __name__ == "__main__":
    main()
