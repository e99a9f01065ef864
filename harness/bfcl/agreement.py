"""Where the default profile and the `bfcl` profile disagree on an imported BFCL case, and why.

`fcharness import bfcl` translates BFCL's possible answers into matchers as faithfully as
the default semantics allow; the differences that remain are deliberate (DESIGN.md §3–4
versus BFCL's AST checker) and each has a reason here (`REASONS`). `explain` names the
reason of one disagreement, `OTHER` when none fits (a translation gap worth a look);
docs/bfcl.md lists the counts measured on BFCL's 2024-08-11 outputs
(`scripts/bfcl_agreement.py` prints them).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from harness.bfcl import ast_checker as _bfcl_ast
from harness.bfcl.values import standardize_string
from harness.grading.grader import grade
from harness.model import Case, Failure, ModelTurn, Verdict

__all__ = ["OTHER", "REASONS", "compare", "explain"]

OTHER = "other"
#: Reason key → what the default profile does differently from BFCL's checker.
REASONS: dict[str, str] = {
    "schema": "default checks every call against its tool's JSON Schema; BFCL never does "
    "(a possible answer, or the model's value, lies outside the schema BFCL published)",
    "strings": "BFCL compares strings standardised (spaces and ,./-_*^ removed, lower-cased); "
    "the default profile compares them exactly",
    "int_in_float_list": "BFCL accepts an int for a float only at the top level; the default "
    "profile compares JSON numbers by value everywhere (1 == 1.0)",
    "number_types": "BFCL rejects a float for an integer parameter (and an int for a float "
    "inside dicts); the default profile compares JSON numbers by value",
    "unpassable": "the published answer names a call or parameter the offered functions lack, "
    "so BFCL fails every output; the default expectation leaves it out (an import warning)",
    "greedy_pairing": "BFCL pairs parallel calls greedily (first fit); the default profile finds "
    "an optimal one-to-one assignment",
    OTHER: "not explained by the reasons above",
}


def _alternatives(matcher: Any) -> Iterable[Any]:
    """The literal values a (simple) matcher accepts: through $one_of, $optional, $normalized."""
    if isinstance(matcher, Mapping) and len(matcher) == 1:
        ((op, arg),) = matcher.items()
        if op == "$one_of" and isinstance(arg, list):
            for a in arg:
                yield from _alternatives(a)
            return
        if op in ("$optional", "$normalized"):
            yield from _alternatives(arg)
            return
        if op == "$schema" and isinstance(arg, Mapping) and "const" in arg:
            yield arg["const"]
            return
    yield matcher


def _std(value: Any) -> Any:
    if isinstance(value, str):
        return standardize_string(value)
    if isinstance(value, list):
        return [_std(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _std(v) for k, v in value.items()}
    return value


def _only_strings(failures: Iterable[Failure]) -> bool:
    """Whether every failure is a value that BFCL's standardisation would accept."""
    for f in failures:
        if f.kind != "wrong_value" or not any(_std(f.actual) == _std(a) for a in _alternatives(f.expected)):
            return False
    return True


def _unpassable(case: Case) -> bool:
    """Whether the published answer holds a call or a required parameter no output can give."""
    answer = case.meta.get("bfcl_answer")
    if answer is None:
        return False
    era = _bfcl_ast.era_of(answer)
    items = list(answer.items()) if era == "v1" else [next(iter(a.items())) for a in answer]
    funcs = case.meta["bfcl_functions"]
    funcs = funcs if isinstance(funcs, list) else [funcs]
    for key, params in items:
        if not isinstance(params, Mapping):
            return True
        fn = _bfcl_ast.find_description(funcs, key, era)
        props = fn.get("parameters", {}).get("properties", {}) if isinstance(fn, Mapping) else {}
        if fn is not None and any(p not in props and "" not in acc for p, acc in params.items()):
            return True
    return False


def explain(default: Verdict, bfcl: Verdict, case: Case) -> str | None:
    """The reason key of a disagreement between the two profiles' verdicts (None: they agree)."""
    if default.passed == bfcl.passed:
        return None
    if bfcl.passed:
        if any(f.kind == "schema_violation" for f in default.failures):
            return "schema"
        return "strings" if _only_strings(default.failures) else OTHER
    if _unpassable(case):
        return "unpassable"
    message = " ".join(f.message for f in bfcl.failures)
    if "Nested type checking failed" in message:
        return "int_in_float_list"
    if "Incorrect type for parameter" in message or "number instead of" in message:
        return "number_types"
    if "cannot_find_match" in message:
        return "greedy_pairing"
    return OTHER


def compare(
    cases: Mapping[str, Case], outputs: Iterable[tuple[str, ModelTurn]], *, tool_names: str = "exact"
) -> tuple[Counter[str], dict[str, list[str]]]:
    """Grade (case id, turn) pairs with both profiles: counts and the case ids per reason.

    The counter also holds `default_passed`, `bfcl_passed` and `graded`.
    """
    counts: Counter[str] = Counter()
    ids: dict[str, list[str]] = {}
    for case_id, turn in outputs:
        case = cases[case_id]
        d = grade(case, [turn], tool_names=tool_names)
        b = grade(case, [turn], profile="bfcl", tool_names=tool_names)
        counts["graded"] += 1
        counts["default_passed"] += d.passed
        counts["bfcl_passed"] += b.passed
        reason = explain(d, b, case)
        if reason is not None:
            counts[reason] += 1
            ids.setdefault(reason, []).append(case.id)
    return counts, ids
