"""Differential test: the `bfcl` profile against BFCL's own AST checker (bfcl-eval).

For every entry of the installed bfcl-eval data (the ten Python single-turn categories) both
checkers grade (a) the ground truth (the first acceptable value of each parameter) and
(b) systematic mutations of it: drop each argument, int ↔ float ↔ string, change case,
spaces or punctuation of strings, reorder a list, add an unexpected argument, rename the
function, reorder parallel calls, drop or duplicate a call, no call at all. Names are
graded both exact and sanitized (BFCL's `underscore_to_dot`). Every verdict must agree.

BFCL's checker module imports the model registry (and with it every model handler's SDK);
the test puts a two-model stand-in for `bfcl_eval.constants.model_config` in `sys.modules`
while importing it. Irrelevance entries are compared against BFCL's runner rule built on
its own `is_empty_output`.
"""

from __future__ import annotations

import json
import types
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from harness.bfcl import ast_checker as _bfcl_ast
from harness.bfcl import checker as bfcl_checker
from harness.bfcl import importer as bfcl
from harness.model import Case, ModelTurn, ToolCall
from tests.helpers.bfcl_reference import MODELS, reference_ast_checker

pytestmark = pytest.mark.bfcl

bfcl_eval = pytest.importorskip(
    "bfcl_eval", reason="bfcl-eval is not installed (pip install --no-deps bfcl-eval)"
)

Output = list[tuple[str, Any]]


@pytest.fixture(scope="module")
def bfcl_ast() -> types.ModuleType:
    """BFCL's ast_checker module, imported without the model handlers."""
    return reference_ast_checker()


def _first(acceptable: list[Any]) -> tuple[bool, Any]:
    """(present, value) for the first acceptable value; `""` first means: omit it."""
    if not acceptable or acceptable[0] == "":
        return False, None
    return True, _concrete(acceptable[0])


def _concrete(value: Any) -> Any:
    if isinstance(value, dict):  # a dict answer: key → acceptable values
        out = {}
        for k, acc in value.items():
            present, v = _first(acc) if isinstance(acc, list) else (True, acc)
            if present:
                out[k] = v
        return out
    if isinstance(value, list):
        return [_concrete(v) if isinstance(v, dict) else v for v in value]
    return value


def ground_truth(answer: list[dict[str, Any]]) -> Output:
    """The first acceptable value of each parameter of each expected call."""
    calls = []
    for item in answer:
        name, params = next(iter(item.items()))
        args = {}
        for p, acc in params.items():
            present, v = _first(acc)
            if present:
                args[p] = v
        calls.append((name, args))
    return calls


def _value_mutations(v: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(v, bool):
        yield "bool->int", int(v)
        yield "bool->str", str(v).lower()
    elif isinstance(v, int):
        yield "int->float", float(v)
        yield "int->str", str(v)
        yield "int+1", v + 1
    elif isinstance(v, float):
        yield "float->int", int(v)
        yield "float->str", str(v)
    elif isinstance(v, str):
        yield "upper", v.upper()
        yield "spaces", f"  {v.replace(' ', '  ')} "
        yield "punct-std", v + ".-_"
        yield "punct-other", v + "!"
        yield "quote", v.replace('"', "'") + "'"
        yield "str->int", 1
        if v.strip().lstrip("-").replace(".", "", 1).isdigit():
            yield "numeric-str->num", float(v)
    elif isinstance(v, list):
        if len(v) > 1:
            yield "reorder", list(reversed(v))
        if v:
            yield "drop-item", v[:-1]
            for label, m in _value_mutations(v[0]):
                yield f"item0:{label}", [m, *v[1:]]
        yield "list->str", str(v)
    elif isinstance(v, dict):
        for k, inner in list(v.items())[:3]:
            for label, m in _value_mutations(inner):
                yield f"key:{label}", {**v, k: m}
            yield "dict-drop-key", {kk: vv for kk, vv in v.items() if kk != k}
        yield "dict-extra-key", {**v, "zz_extra": 1}


def mutations(gt: Output, offered: list[str]) -> Iterator[tuple[str, Output]]:
    """Systematic mutations of a ground-truth output."""
    yield "ground-truth", gt
    yield "no-call", []
    for i, (name, args) in enumerate(gt[:3]):

        def put(new_args: dict[str, Any], new_name: str = name, i: int = i) -> Output:
            return [*gt[:i], (new_name, new_args), *gt[i + 1 :]]

        for p in args:
            yield f"drop:{p}", put({k: v for k, v in args.items() if k != p})
            for label, m in _value_mutations(args[p]):
                yield f"{p}:{label}", put({**args, p: m})
        yield "extra-arg", put({**args, "zz_unexpected": "x"})
        yield "rename", put(args, name + "_v2")
        yield "case-name", put(args, name.upper())
        for other in offered:
            if other != name:
                yield "other-function", put(args, other)
                break
    if len(gt) > 1:
        yield "reverse-calls", list(reversed(gt))
        yield "rotate-calls", gt[1:] + gt[:1]
    if gt:
        yield "drop-last-call", gt[:-1]
        yield "duplicate-call", [gt[0], *gt]


def _bfcl_valid(mod: types.ModuleType, case: Case, out: Output, mode: str) -> bool:
    from bfcl_eval.constants.enums import Language

    model_output = [{n: a} for n, a in out]
    try:
        result = mod.ast_checker(
            case.meta["bfcl_functions"],
            model_output,
            case.meta["bfcl_answer"],
            Language.PYTHON,
            case.meta["bfcl_category"],
            MODELS[mode],
        )
    except Exception:  # BFCL's checker raising = the entry is not graded correct
        INTERNAL["bfcl_raised"] += 1
        return False
    return bool(result["valid"])


#: Internal cross-checks made on the way: the compiled fast path against the full checker,
#: and `schema_ok` against jsonschema itself (every passing verdict, 1 in 5 failing ones).
INTERNAL: Counter[str] = Counter()
INTERNAL_ERRORS: list[str] = []


def _schema_by_jsonschema(case: Case, out: Output, mode: str) -> bool:
    from jsonschema import Draft202012Validator

    for name, args in out:
        tool = next(
            (
                t
                for t in case.tools
                if name in (t.name, t.name.replace(".", "_") if mode == "sanitized" else "")
            ),
            None,
        )
        if tool is None or not Draft202012Validator(tool.parameters).is_valid(args):
            return False
    return True


def _as_grade_input(name: str, raw: str) -> ToolCall:
    """A call as `fcharness grade` reads `{"name": ..., "arguments": "<raw text>"}`."""
    from harness.commands._outputs import decode_arguments as _decode_arguments

    arguments, kept = _decode_arguments(raw)
    return ToolCall(name, arguments, kept)


def _ours(case: Case, out: Output, mode: str, undecodable: bool = False) -> bool:
    calls = tuple(ToolCall(n, None if undecodable else a, "{oops" if undecodable else None) for n, a in out)
    verdict = bfcl_checker.grade(case, [ModelTurn(calls=calls)], tool_names=mode)
    if undecodable or bfcl_checker.is_no_call_category(case.meta["bfcl_category"]):
        return verdict.passed
    sanitize = mode == "sanitized"
    plan = bfcl_checker._plan_of(case, sanitize)
    if plan.fast is not None:
        INTERNAL["fast_vs_full"] += 1
        core = plan.core
        full = _bfcl_ast.check_ast(core.functions, out, core.answer, core.category, sanitize=sanitize).valid
        if plan.fast(out) != full:
            INTERNAL_ERRORS.append(f"{case.id} fast path {plan.fast(out)} vs full checker {full}: {out}")
    if verdict.passed or INTERNAL["schema_seen"] % 5 == 0:
        INTERNAL["schema_vs_jsonschema"] += 1
        if verdict.schema_ok != _schema_by_jsonschema(case, out, mode):
            INTERNAL_ERRORS.append(
                f"{case.id} schema_ok {verdict.schema_ok} disagrees with jsonschema: {out}"
            )
    INTERNAL["schema_seen"] += 1
    return verdict.passed


def _sanitized(out: Output) -> Output:
    return [(n.replace(".", "_"), a) for n, a in out]


@pytest.fixture(scope="module")
def imported() -> list[Case]:
    """The Python AST and irrelevance entries (Java and JavaScript:
    tests/bfcl/test_differential_languages.py; live_relevance: test_differential_relevance.py;
    multi-turn: test_multi_turn_differential.py)."""
    from harness.bfcl.languages import language_of

    every = [c for _, cases in bfcl.import_cases() for c in cases]
    return [
        c
        for c in every
        if not c.executable  # multi-turn: tests/bfcl/test_multi_turn_differential.py
        and language_of(c.meta["bfcl_category"]) == "python"
        and not bfcl_checker.is_relevance_category(c.meta["bfcl_category"])
    ]


def test_every_comparison_agrees(bfcl_ast: types.ModuleType, imported: list[Case]) -> None:
    from bfcl_eval.utils import is_empty_output

    stats: Counter[str] = Counter()
    disagreements: list[str] = []

    def compare(case: Case, label: str, ours: bool, theirs: bool) -> None:
        stats["comparisons"] += 1
        stats["bfcl_valid" if theirs else "bfcl_invalid"] += 1
        if ours != theirs:
            disagreements.append(f"{case.meta['bfcl_id']} [{label}]: ours={ours} bfcl={theirs}")

    for case in imported:
        offered = [t.name for t in case.tools]
        if bfcl_checker.is_no_call_category(case.meta["bfcl_category"]):
            name = offered[0] if offered else "some_function"
            # Raw argument texts as a vendor sends them; BFCL's FC decoder json.loads each one.
            for label, raws in (
                ("no-call", []),
                ("a-call", ["{}"]),
                ("two-calls", ['{"x": 1}', "{}"]),
                ("bad-json", ["{oops"]),
                ("one-bad-of-two", ["{}", "{oops"]),
                ("json-not-object", ["[1, 2]"]),
                ("empty-text", [""]),
            ):
                try:
                    decoded = [{name: json.loads(r)} for r in raws]
                    contains_call = not is_empty_output(decoded)
                except ValueError:
                    contains_call = False
                turn = ModelTurn(calls=tuple(_as_grade_input(name, r) for r in raws))
                ours = bfcl_checker.grade(case, [turn]).passed
                compare(case, f"irrelevance:{label}", ours, not contains_call)
            continue
        gt = ground_truth(case.meta["bfcl_answer"])
        for label, out in mutations(gt, offered):
            compare(
                case, f"exact:{label}", _ours(case, out, "exact"), _bfcl_valid(bfcl_ast, case, out, "exact")
            )
            if any("." in n for n, _ in out):
                san = _sanitized(out)
                compare(
                    case,
                    f"sanitized:{label}",
                    _ours(case, san, "sanitized"),
                    _bfcl_valid(bfcl_ast, case, san, "sanitized"),
                )
        if any("." in n for n, _ in gt):  # dotted names under `sanitized`: BFCL expects underscores
            compare(
                case,
                "sanitized:dotted",
                _ours(case, gt, "sanitized"),
                _bfcl_valid(bfcl_ast, case, gt, "sanitized"),
            )
    print(
        f"\nBFCL differential: {stats['comparisons']} comparisons over {len(imported)} entries "
        f"({stats['bfcl_valid']} valid / {stats['bfcl_invalid']} invalid per BFCL), "
        f"{len(disagreements)} disagreements; internal checks: {INTERNAL['fast_vs_full']} fast-vs-full, "
        f"{INTERNAL['schema_vs_jsonschema']} schema_ok-vs-jsonschema, {len(INTERNAL_ERRORS)} mismatches; "
        f"BFCL's checker raised on {INTERNAL['bfcl_raised']} (counted as not correct)"
    )
    assert stats["comparisons"] > 10_000
    assert stats["bfcl_valid"] > 2_000 and stats["bfcl_invalid"] > 10_000  # both outcomes well covered
    assert not disagreements, "\n".join(disagreements[:30])
    assert not INTERNAL_ERRORS, "\n".join(INTERNAL_ERRORS[:30])


def test_ground_truth_passes_both(bfcl_ast: types.ModuleType, imported: list[Case]) -> None:
    """Each entry's own ground truth passes BFCL's checker and ours (a sanity check on the data)."""
    failing = [
        c.meta["bfcl_id"]
        for c in imported
        if not bfcl_checker.is_no_call_category(c.meta["bfcl_category"])
        and not _ours(c, ground_truth(c.meta["bfcl_answer"]), "exact")
    ]
    theirs = [
        c.meta["bfcl_id"]
        for c in imported
        if not bfcl_checker.is_no_call_category(c.meta["bfcl_category"])
        and not _bfcl_valid(bfcl_ast, c, ground_truth(c.meta["bfcl_answer"]), "exact")
    ]
    assert failing == theirs
