"""Differential test: `live_relevance` against BFCL's relevance rule (bfcl-eval).

BFCL's runner (`_evaluate_single_relevance_entry`) decodes the output and passes a
relevance entry iff the decode succeeds and BFCL's own `is_empty_output` says it holds a
call; for function-calling models the decode is `json.loads` of each call's arguments. For
every `live_relevance` entry the outputs below (raw argument texts as vendors send them,
offered and unknown names, one or several calls) are graded by that rule, built on
bfcl-eval's `is_empty_output`, and by the `bfcl` profile in both name modes, through
`fcharness grade`'s argument decoding. Every verdict must agree.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from harness.bfcl import checker as bfcl_checker
from harness.bfcl import importer as bfcl
from harness.model import ModelTurn, ToolCall

pytestmark = pytest.mark.bfcl

pytest.importorskip("bfcl_eval", reason="bfcl-eval is not installed (pip install --no-deps bfcl-eval)")

#: (label, [(name or None for the first offered function, raw arguments text)]).
OUTPUTS: list[tuple[str, list[tuple[str | None, str]]]] = [
    ("no-call", []),
    ("a-call", [(None, '{"prompt": "x"}')]),
    ("empty-object", [(None, "{}")]),
    ("two-calls", [(None, "{}"), (None, '{"a": 1}')]),
    ("unknown-function", [("no_such_function", '{"q": 1}')]),
    ("bad-json", [(None, "{oops")]),
    ("one-bad-of-two", [(None, "{}"), (None, "{oops")]),
    ("json-array", [(None, "[1, 2]")]),
    ("json-string", [(None, '"text"')]),
    ("json-null", [(None, "null")]),
    ("empty-text", [(None, "")]),
    ("nested", [(None, '{"a": {"b": [1, {"c": null}]}}')]),
]


def _bfcl_relevance(calls: list[tuple[str, str]]) -> bool:
    from bfcl_eval.utils import is_empty_output

    try:
        decoded = [{name: json.loads(raw)} for name, raw in calls]  # BFCL's FC decode_ast
        contains_call = not is_empty_output(decoded)
    except Exception:  # the decode failed: no call
        contains_call = False
    return contains_call  # "irrelevance" not in the category: success iff a call


def test_every_comparison_agrees() -> None:
    from harness.commands._outputs import decode_arguments as _decode_arguments

    cases = [c for _, cs in bfcl.import_cases(categories=["live_relevance"]) for c in cs]
    stats: Counter[str] = Counter()
    disagreements: list[str] = []
    for case in cases:
        first = case.tools[0].name
        for label, spec in OUTPUTS:
            for mode in ("exact", "sanitized"):
                calls = [(name or first, raw) for name, raw in spec]
                if mode == "sanitized":
                    calls = [(n.replace(".", "_"), raw) for n, raw in calls]
                tool_calls = []
                for name, raw in calls:
                    arguments, kept = _decode_arguments(raw)
                    tool_calls.append(ToolCall(name, arguments, kept))
                turn = ModelTurn(calls=tuple(tool_calls))
                ours = bfcl_checker.grade(case, [turn], tool_names=mode).passed
                theirs = _bfcl_relevance(calls)
                stats["comparisons"] += 1
                stats["bfcl_valid" if theirs else "bfcl_invalid"] += 1
                if ours != theirs:
                    disagreements.append(
                        f"{case.meta['bfcl_id']} [{mode}:{label}]: ours={ours} bfcl={theirs}"
                    )
    print(
        f"\nBFCL differential (live_relevance): {stats['comparisons']} comparisons over {len(cases)} entries "
        f"({stats['bfcl_valid']} valid / {stats['bfcl_invalid']} invalid per BFCL), "
        f"{len(disagreements)} disagreements"
    )
    assert len(cases) == 16  # bfcl-eval 2026.3.23
    assert stats["bfcl_valid"] and stats["bfcl_invalid"]
    assert not disagreements, "\n".join(disagreements[:30])


def test_relevance_failures_say_why() -> None:
    case = next(c for _, cs in bfcl.import_cases(categories=["live_relevance"]) for c in cs)
    none = bfcl_checker.grade(case, [ModelTurn()])
    assert not none.passed and none.failures[0].kind == "no_call"
    assert "relevance_error:decoder_failed" in none.failures[0].message
    bad = bfcl_checker.grade(case, [ModelTurn(calls=(ToolCall(case.tools[0].name, None, "{oops"),))])
    assert not bad.passed and bad.failures[0].kind == "invalid_arguments_json"
    any_call = bfcl_checker.grade(case, [ModelTurn(calls=(ToolCall("whatever", {}),))])
    assert any_call.passed
