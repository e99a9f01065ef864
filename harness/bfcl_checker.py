"""The `bfcl` grading profile: BFCL's AST checker verdicts on fc-harness cases.

`grade(case, turns)` reads what `harness.bfcl` stored in `Case.meta` (BFCL's category, the
raw function docs and the raw possible answer) and applies BFCL's rules
(`harness._bfcl_ast`): string standardisation, int accepted for float at the top level
only, `""` meaning the parameter may be omitted, exact call counts, greedy order-free
matching of parallel calls, and the no-call rule for `irrelevance` / `live_irrelevance` /
v1 `relevance` (pass iff no call is decoded). A call whose arguments are not a JSON object
counts as an output BFCL cannot decode.

`tool_names="sanitized"` compares output names with the offered names' dots replaced by
`_` (BFCL's `underscore_to_dot` models); `exact` compares them as given. Runs through the
harness's own adapters restore dotted names, so they grade with `exact`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from harness import _bfcl_ast
from harness.errors import UserError
from harness.model import Case, Failure, ModelTurn, Verdict

__all__ = ["NO_CALL_CATEGORIES", "grade", "is_no_call_category"]

#: BFCL categories where a correct answer makes no call (v1 called it `relevance`).
NO_CALL_CATEGORIES = ("irrelevance", "live_irrelevance", "relevance")
TOOL_NAME_MODES = ("exact", "sanitized")

_KINDS = {
    "wrong_func_name": "wrong_function",
    "missing_required": "missing_argument",
    "missing_optional": "missing_argument",
    "unexpected_param": "unexpected_argument",
    "cannot_find_description": "wrong_function",
}


def is_no_call_category(category: str) -> bool:
    """Whether BFCL grades `category` by the no-call rule."""
    return category in NO_CALL_CATEGORIES or category.endswith("irrelevance")


def _kind(error_type: str) -> str:
    head, _, tail = error_type.partition(":")
    if head.startswith("type_error"):
        return "wrong_type"
    if head.startswith("value_error"):
        return "wrong_value"
    return _KINDS.get(tail, "wrong_value")


def _message(check: _bfcl_ast.Check) -> str:
    parts: list[str] = []
    for err in check.errors:
        if isinstance(err, str):
            parts.append(err)
        elif isinstance(err, Mapping):
            for where, detail in err.items():
                parts.append(f"{where}: {' '.join(map(str, detail.get('sub_error', ())))}")
    return f"BFCL {check.error_type}: " + " | ".join(parts)


def _meta(case: Case) -> tuple[str, Any, Any]:
    meta = case.meta
    if "bfcl_category" not in meta or "bfcl_functions" not in meta:
        raise UserError(
            f"case {case.id!r} ({case.source or '<input>'}) has no BFCL data in its meta: "
            "profile 'bfcl' grades only cases made by `fcharness import bfcl`"
        )
    return meta["bfcl_category"], meta["bfcl_functions"], meta.get("bfcl_answer")


def _offered(functions: Any, sanitize: bool) -> list[str]:
    funcs = functions if isinstance(functions, list) else [functions]
    names = [f["name"] for f in funcs]
    return [n.replace(".", "_") for n in names] if sanitize else names


def _expected_names(functions: Any, answer: Any, sanitize: bool) -> list[str]:
    era = _bfcl_ast.era_of(answer)
    keys = list(answer) if era == "v1" else [next(iter(a)) for a in answer]
    funcs = functions if isinstance(functions, list) else [functions]
    names = []
    for key in keys:
        fn = _bfcl_ast.find_description(funcs, key, era)
        name = fn["name"] if fn is not None else key
        names.append(name.replace(".", "_") if sanitize else name)
    return names


def _schema_ok(case: Case, calls: Sequence[tuple[str, Any]], sanitize: bool) -> bool:
    from harness import _bfcl_schema

    return _bfcl_schema.calls_valid(case, calls, sanitize)


def grade(
    case: Case,
    turns: Sequence[ModelTurn],
    *,
    provider_id: str = "",
    tool_names: str = "exact",
) -> Verdict:
    """Grade `turns` (one turn) on a BFCL-imported `case` exactly as BFCL's AST checker does."""
    if tool_names not in TOOL_NAME_MODES:
        raise UserError(f"--tool-names must be one of {', '.join(TOOL_NAME_MODES)}, not {tool_names!r}")
    sanitize = tool_names == "sanitized"
    category, functions, answer = _meta(case)
    turn = turns[0] if turns else ModelTurn()
    calls = [(c.name, c.arguments) for c in turn.calls]
    undecodable = [i for i, c in enumerate(turn.calls) if c.arguments is None]

    def verdict(
        passed: bool, selection: bool, failures: list[Failure], schema: bool | None = None
    ) -> Verdict:
        if schema is None:
            schema = not undecodable and _schema_ok(case, calls, sanitize)
        return Verdict(
            case.id,
            provider_id,
            passed,
            selection,
            passed,
            schema,
            tuple(failures),
            "pass" if passed else "fail",
        )

    if is_no_call_category(category):
        if not calls or undecodable:
            return verdict(True, True, [], schema=not undecodable)
        msg = (
            "BFCL irrelevance_error:decoder_success: Valid syntax. Successfully decode AST when it "
            f"should not ({len(calls)} call(s) where none is expected)."
        )
        return verdict(False, False, [Failure("unexpected_call", msg, call=0, actual=calls[0][0])])
    if answer is None:
        raise UserError(
            f"case {case.id!r}: BFCL category {category!r} needs a possible answer (meta bfcl_answer)"
        )
    if undecodable:
        i = undecodable[0]
        raw = turn.calls[i].raw_arguments
        msg = f"BFCL ast_decoder:decoder_failed: arguments of call {i} are not a JSON object: {raw!r}"
        return verdict(
            False, False, [Failure("invalid_arguments_json", msg, call=i, actual=raw)], schema=False
        )
    expected_names = _expected_names(functions, answer, sanitize)
    selection = Counter(n for n, _ in calls) == Counter(expected_names)
    try:
        check = _bfcl_ast.check_ast(functions, calls, answer, category, sanitize=sanitize)
    except (KeyError, TypeError, AttributeError, ValueError, IndexError) as exc:
        msg = f"BFCL's checker cannot grade this output (it would raise {type(exc).__name__}: {exc})"
        return verdict(False, selection, [Failure("wrong_type", msg, call=0)])
    if check.valid:
        return verdict(True, True, [])
    return verdict(False, selection, [_failure(check, calls, expected_names, functions, sanitize)])


def _failure(
    check: _bfcl_ast.Check,
    calls: Sequence[tuple[str, Any]],
    expected_names: list[str],
    functions: Any,
    sanitize: bool,
) -> Failure:
    message = _message(check)
    if check.error_type.endswith("wrong_count"):
        kind = (
            "no_call" if not calls else ("missing_call" if len(calls) < len(expected_names) else "extra_call")
        )
        return Failure(kind, message, expected=len(expected_names), actual=len(calls))
    kind = _kind(check.sub_error_type or check.error_type)
    if (
        kind == "wrong_function"
        and check.call is not None
        and check.call < len(calls)
        and calls[check.call][0] not in _offered(functions, sanitize)
    ):
        kind = "hallucinated_function"
    path = f"root[{check.param!r}]" if check.param is not None else None
    expected = check.expected if check.param is not None or kind == "wrong_function" else None
    return Failure(kind, message, call=check.call, path=path, expected=expected, actual=check.actual)
