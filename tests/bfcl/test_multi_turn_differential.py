"""Differential test: the `bfcl` profile on multi-turn entries against BFCL's multi-turn checker.

For every entry of the four multi-turn categories of the installed bfcl-eval, both checkers
grade the ground-truth call sequence (one step per turn) and, for every third entry,
mutations of it: a dropped call, a wrong argument value, two turns swapped, an extra call
(a repeated one, and a later turn's calls made early: state-changing), an emptied turn, a
missing last turn (force-terminated), and the ground truth split into steps with an empty
step and an undecodable step added. Verdicts and BFCL's
error types must agree on every comparison.

BFCL's side runs its real `multi_turn_checker` (which `eval`s the call strings: the strings are
made by BFCL's own `convert_to_function_call` rule from the same calls); each comparison uses
a fresh model name, since BFCL keeps instances in module globals by model name and entry id.
"""

from __future__ import annotations

import copy
import itertools
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.bfcl.multi_turn import MULTI_TURN_CATEGORIES, entry_to_case
from harness.bfcl.multi_turn_checker import check, error_type
from harness.model import Case, ToolCall

pytestmark = pytest.mark.bfcl

bfcl_eval = pytest.importorskip(
    "bfcl_eval", reason="bfcl-eval is not installed (bash scripts/install_bfcl.sh)"
)
pytest.importorskip("mpmath", reason="BFCL's simulated APIs need mpmath (bash scripts/install_bfcl.sh)")

Steps = list[list[list[ToolCall]]]
_COUNTER = itertools.count()


def _to_strings(calls: list[ToolCall]) -> list[str]:
    """BFCL's `convert_to_function_call` (model_handler/utils.py) for FC models."""
    out = []
    for c in calls:
        value = json.loads(c.raw_arguments) if c.raw_arguments is not None else c.arguments
        out.append(f"{c.name}({','.join(f'{k}={v!r}' for k, v in value.items())})")
    return out


def _bfcl_decoded(steps: Steps) -> list[list[list[str]]]:
    """BFCL's decoding loop of `_evaluate_single_multi_turn_entry`: failed or empty steps are dropped."""
    turns = []
    for turn in steps:
        kept = []
        for step in turn:
            try:
                decoded = _to_strings(step)
            except (ValueError, AttributeError):
                continue
            if not decoded:
                continue
            kept.append(decoded)
        turns.append(kept)
    return turns


def _bfcl_verdict(steps: Steps, entry: dict[str, Any], truth: list[list[str]], category: str) -> str:
    from bfcl_eval.eval_checker.multi_turn_eval.multi_turn_checker import multi_turn_checker

    if len(steps) != len(truth):
        return "multi_turn:force_terminated"
    from bfcl_eval.eval_checker.multi_turn_eval import multi_turn_utils

    model = f"fcharness_diff_{next(_COUNTER)}"
    try:
        result = multi_turn_checker(_bfcl_decoded(steps), truth, copy.deepcopy(entry), category, model)
    finally:  # BFCL keeps every instance in its module globals: free them
        space = vars(multi_turn_utils)
        for name in [k for k in space if k.startswith(model)]:
            del space[name]
    return "" if result["valid"] else str(result["error_type"])


def _ours(case: Case, steps: Steps) -> str:
    failures = check(case, steps)
    return error_type(failures[0]) if failures else ""


def _ground_truth(case: Case) -> Steps:
    return [[[ToolCall(e.name, dict(e.arguments)) for e in t.expect]] if t.expect else [] for t in case.turns]


def _wrong(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 7
    if isinstance(value, str):
        return value + "_x"
    if isinstance(value, list):
        return [*value, "x"]
    return "x"


def _mutations(gt: Steps) -> Iterator[tuple[str, Steps]]:
    full = [t for t, turn in enumerate(gt) if turn and turn[0]]
    if not full:
        return
    t = full[0]
    dropped = copy.deepcopy(gt)
    dropped[t][0].pop(0)
    yield "dropped call", dropped
    last = full[-1]
    wrong = copy.deepcopy(gt)
    call = wrong[last][0][-1]
    if call.arguments:
        key = sorted(call.arguments)[0]
        wrong[last][0][-1] = ToolCall(call.name, {**call.arguments, key: _wrong(call.arguments[key])})
        yield "wrong argument", wrong
    if len(gt) > 1:
        swapped = copy.deepcopy(gt)
        swapped[0], swapped[1] = swapped[1], swapped[0]
        yield "swapped turns", swapped
    extra = copy.deepcopy(gt)
    extra[t][0].append(extra[full[-1]][0][-1])
    yield "extra call", extra
    if len(full) > 1:  # a later turn's state-changing call made early, in addition
        early = copy.deepcopy(gt)
        early[t][0].extend(early[full[1]][0])
        yield "extra state-changing call", early
    emptied = copy.deepcopy(gt)
    emptied[last] = []
    yield "emptied turn", emptied
    yield "force-terminated", copy.deepcopy(gt[:-1])
    split = copy.deepcopy(gt)
    bad = ToolCall(gt[t][0][0].name, None, "{not json")
    split[t] = [[], [bad, *split[t][0][:1]], *[[c] for c in split[t][0]]]
    yield "steps with empty and undecodable", split


def _entries(category: str) -> Iterator[tuple[dict[str, Any], list[list[str]]]]:
    data = Path(bfcl_eval.__file__).parent / "data"
    answers = {}
    for line in (
        (data / "possible_answer" / f"BFCL_v4_{category}.json").read_text(encoding="utf-8").splitlines()
    ):
        row = json.loads(line)
        answers[row["id"]] = row["ground_truth"]
    for line in (data / f"BFCL_v4_{category}.json").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        yield entry, answers[entry["id"]]


@pytest.mark.parametrize("category", MULTI_TURN_CATEGORIES)
def test_multi_turn_checker_agrees_with_bfcl(category: str) -> None:
    data = Path(bfcl_eval.__file__).parent / "data"
    cache: dict[str, list[dict[str, Any]]] = {}
    comparisons = 0
    disagreements: list[str] = []
    seen: Counter[str] = Counter()
    for n, (entry, truth) in enumerate(_entries(category)):
        case = entry_to_case(entry, truth, category, entry["id"], data, cache)
        gt = _ground_truth(case)
        runs = [("ground truth", gt)] + (list(_mutations(gt)) if n % 3 == 0 else [])
        for label, steps in runs:
            ours, theirs = _ours(case, steps), _bfcl_verdict(steps, entry, truth, category)
            comparisons += 1
            seen[theirs or "valid"] += 1
            if label == "ground truth" and theirs:
                disagreements.append(f"{entry['id']}: BFCL fails its own ground truth ({theirs})")
            if ours != theirs:
                disagreements.append(
                    f"{entry['id']} [{label}]: ours {ours or 'valid'!r}, BFCL {theirs or 'valid'!r}"
                )
    print(f"{category}: {comparisons} comparisons, {len(disagreements)} disagreements, {dict(seen)}")
    assert not disagreements, "\n".join(disagreements[:20])
    # the mutations reach every error type of BFCL's multi-turn checker
    assert {
        "valid",
        "multi_turn:force_terminated",
        "multi_turn:empty_turn_model_response",
        "multi_turn:instance_state_mismatch",
        "multi_turn:execution_response_mismatch",
    } <= set(seen)
