"""The hand-written example outputs cover every shipped case in `fcharness grade` form."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.cases.loader import load_cases
from harness.model import ModelTurn, ToolCall

REPO = Path(__file__).resolve().parents[1]
OUTPUTS = REPO / "examples" / "outputs.jsonl"
PROVIDERS = ("example-good", "example-flawed")


def rows() -> list[dict[str, Any]]:
    """The decoded lines of examples/outputs.jsonl."""
    return [json.loads(line) for line in OUTPUTS.read_text(encoding="utf-8").splitlines() if line.strip()]


def model_turns(row: dict[str, Any]) -> list[ModelTurn]:
    """Turn a line into ModelTurns the way `fcharness grade` reads it (DESIGN.md §7)."""
    turns = row["turns"] if "turns" in row else [{"calls": row["calls"], "text": row.get("text")}]
    out = []
    for t in turns:
        calls = []
        for c in t["calls"]:
            args = c["arguments"]
            if isinstance(args, str):
                try:
                    decoded = json.loads(args)
                except json.JSONDecodeError:
                    decoded = None
                calls.append(ToolCall(c["name"], decoded if isinstance(decoded, dict) else None, args))
            else:
                calls.append(ToolCall(c["name"], args))
        out.append(ModelTurn(calls=tuple(calls), text=t.get("text")))
    return out


def test_every_case_has_one_line_per_example_provider() -> None:
    cases = {c.id: c for c in load_cases([REPO / "cases"])}
    seen: dict[str, set[str]] = {p: set() for p in PROVIDERS}
    for row in rows():
        assert row["provider_id"] in PROVIDERS
        assert row["case_id"] in cases, row["case_id"]
        seen[row["provider_id"]].add(row["case_id"])
        case = cases[row["case_id"]]
        if case.is_multi_turn:
            assert "turns" in row and "calls" not in row
            assert 1 <= len(row["turns"]) <= len(case.turns)
        else:
            assert "calls" in row and "turns" not in row
        for turn in row.get("turns", [row]):
            for call in turn["calls"]:
                assert set(call) == {"name", "arguments"}
                assert isinstance(call["arguments"], (dict, str))
    assert seen["example-good"] == set(cases) == seen["example-flawed"]


def test_good_examples_answer_the_full_multi_turn_chains() -> None:
    cases = {c.id: c for c in load_cases([REPO / "cases"])}
    for row in rows():
        case = cases[row["case_id"]]
        if row["provider_id"] == "example-good" and case.is_multi_turn:
            assert len(row["turns"]) == len(case.turns)


def test_examples_grade_as_intended() -> None:
    grading = pytest.importorskip(
        "harness.grading.grader", reason="grading lands with the core-grading branch"
    )
    cases = {c.id: c for c in load_cases([REPO / "cases"])}
    failing: dict[str, set[str]] = {p: set() for p in PROVIDERS}
    kinds: set[str] = set()
    for row in rows():
        verdict = grading.grade(cases[row["case_id"]], model_turns(row), provider_id=row["provider_id"])
        if not verdict.passed:
            failing[row["provider_id"]].add(row["case_id"])
            kinds.update(f.kind for f in verdict.failures)
    assert failing["example-good"] == set()
    assert len(failing["example-flawed"]) == 16
    # every failure kind a model (not a vendor or a cassette) can cause is shown
    assert kinds == {
        "no_call",
        "unexpected_call",
        "wrong_function",
        "hallucinated_function",
        "missing_call",
        "extra_call",
        "invalid_arguments_json",
        "schema_violation",
        "missing_argument",
        "unexpected_argument",
        "wrong_value",
        "wrong_type",
        "text_mismatch",
    }
