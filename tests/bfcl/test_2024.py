"""Reproduce BFCL's published 2024-08-11 counts with the `bfcl` grading profile.

The fixture holds BFCL's v1-era data, five models' decoded outputs from that run and the
number of entries BFCL's checker judged correct per category (`scores.json`). Importing
the data and grading those outputs must give exactly those numbers.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from harness.bfcl import checker as bfcl_checker
from harness.bfcl import importer as bfcl
from harness.model import Case, ModelTurn, ToolCall


def _turn(row: dict) -> ModelTurn:
    calls = []
    for c in row.get("calls", ()):
        args = c.get("arguments")
        raw = args if isinstance(args, str) else None
        if isinstance(args, str):
            try:
                args = json.loads(args)
            except json.JSONDecodeError:
                args = None
        calls.append(ToolCall(c["name"], args if isinstance(args, dict) else None, raw))
    return ModelTurn(calls=tuple(calls), text=row.get("text"))


@pytest.fixture(scope="module")
def fixture_cases(bfcl_2024_dir: Path) -> dict[str, Case]:
    imported = bfcl.import_cases(bfcl_2024_dir / "data")
    return {c.meta["bfcl_id"]: c for _, cases in imported for c in cases}


def test_import_keeps_v1_categories(fixture_cases: dict[str, Case]) -> None:
    counts = Counter(c.meta["bfcl_category"] for c in fixture_cases.values())
    assert counts == {
        "simple": 400,
        "multiple_function": 200,
        "parallel_function": 200,
        "parallel_multiple_function": 200,
        "relevance": 240,
    }


def _scores(bfcl_2024_dir: Path) -> dict:
    return json.loads((bfcl_2024_dir / "scores.json").read_text())


MODELS = (
    "gpt-4o-2024-05-13-FC",
    "claude-3-5-sonnet-20240620-FC",
    "gemini-1.5-pro-preview-0514",
    "mistral-large-2407-FC-Any",
    "gpt-4o-2024-05-13",
)


@pytest.mark.parametrize("model", MODELS)
def test_reproduces_published_counts(model: str, bfcl_2024_dir: Path, fixture_cases: dict[str, Case]) -> None:
    info = _scores(bfcl_2024_dir)[model]
    correct: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for line in (bfcl_2024_dir / "outputs" / f"{model}.jsonl").read_text().splitlines():
        row = json.loads(line)
        case = fixture_cases[row["case_id"]]
        verdict = bfcl_checker.grade(case, [_turn(row)], provider_id=model, tool_names=info["tool_names"])
        category = case.meta["bfcl_category"]
        total[category] += 1
        correct[category] += verdict.passed
    got = {c: (correct[c], total[c]) for c in info["categories"]}
    want = {c: (v["bfcl_correct"], v["total"]) for c, v in info["categories"].items()}
    assert got == want


def test_sanitized_names_matter(bfcl_2024_dir: Path, fixture_cases: dict[str, Case]) -> None:
    """Grading an underscore-naming model with exact names loses every dotted function."""
    row = json.loads((bfcl_2024_dir / "outputs" / "gpt-4o-2024-05-13-FC.jsonl").read_text().splitlines()[1])
    case = fixture_cases[row["case_id"]]
    assert bfcl_checker.grade(case, [_turn(row)], tool_names="sanitized").passed
    verdict = bfcl_checker.grade(case, [_turn(row)], tool_names="exact")
    assert not verdict.passed
    assert verdict.failures[0].kind == "hallucinated_function"


V1_LABELS = {
    "simple": "Simple Function AST",
    "multiple_function": "Multiple Functions AST",
    "parallel_function": "Parallel Functions AST",
    "parallel_multiple_function": "Parallel Multiple AST",
    "relevance": "Relevance Detection",
}


@pytest.mark.slow
def test_command_line_end_to_end(
    bfcl_2024_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`fcharness import bfcl` → case files → `fcharness grade --profile bfcl` → BFCL's counts."""
    from harness.cli import main

    out = tmp_path / "cases"
    assert main(["import", "bfcl", "--source", str(bfcl_2024_dir / "data"), "--out", str(out)]) == 0
    capsys.readouterr()
    scores = _scores(bfcl_2024_dir)
    for mode in ("sanitized", "exact"):
        models = [m for m in MODELS if scores[m]["tool_names"] == mode]
        outputs = tmp_path / f"outputs-{mode}.jsonl"
        outputs.write_text("".join((bfcl_2024_dir / "outputs" / f"{m}.jsonl").read_text() for m in models))
        argv = ["grade", "--cases", str(out), "--outputs", str(outputs), "--profile", "bfcl"]
        assert main([*argv, "--tool-names", mode, "--format", "json"]) == 1  # some entries fail
        doc = json.loads(capsys.readouterr().out)
        by_provider = {s["provider_id"]: s for s in doc["bfcl"]}
        for model in models:
            got = {c: by_provider[model]["columns"][V1_LABELS[c]]["correct"] for c in V1_LABELS}
            want = {c: v["bfcl_correct"] for c, v in scores[model]["categories"].items()}
            assert got == want, model
            assert doc["summary"][model]["passed"] == sum(want.values())
