"""The `bfcl` grading profile: BFCL's AST checker verdicts on fc-harness cases.

`grade(case, turns)` reads what `harness.bfcl.importer` stored in `Case.meta` (BFCL's category, the
raw function docs and the raw possible answer) and applies BFCL's rules
(`harness.bfcl.ast_checker`): string standardisation, int accepted for float at the top level
only, `""` meaning the parameter may be omitted, exact call counts, greedy order-free
matching of parallel calls, and the no-call rule for `irrelevance` / `live_irrelevance` /
v1 `relevance` (pass iff no call is decoded), and its relevance rule for `live_relevance`
(pass iff some call is decoded, whatever function or arguments). A call whose arguments BFCL does not read as
a JSON object (text that is not JSON, `""`, or another JSON value: its decoder fails or its
`is_function_calling_format_output` rejects it) leaves the whole output without a valid
call: a pass for the no-call rule, a failure elsewhere.

`tool_names="sanitized"` compares output names with the offered names' dots replaced by
`_` (BFCL's `underscore_to_dot` models); `exact` compares them as given. Runs through the
harness's own adapters restore dotted names, so they grade with `exact`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from harness.bfcl import ast_checker as _bfcl_ast
from harness.bfcl.convert import to_json_schema
from harness.bfcl.fast import EntryCheck, compile_entry
from harness.bfcl.schema import compile_schema
from harness.errors import UserError
from harness.model import TOOL_NAMES, Case, Failure, ModelTurn, Tool, Verdict

if TYPE_CHECKING:
    from harness.grading.grader import TurnGrade

__all__ = [
    "NO_CALL_CATEGORIES",
    "grade",
    "grade_steps",
    "grade_turn",
    "is_no_call_category",
    "is_relevance_category",
]

#: BFCL categories where a correct answer makes no call (v1 called it `relevance`).
NO_CALL_CATEGORIES = ("irrelevance", "live_irrelevance", "relevance")

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


def is_relevance_category(category: str) -> bool:
    """Whether BFCL grades `category` by the relevance rule (some call; `live_relevance`)."""
    return category.endswith("_relevance") and not is_no_call_category(category)


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


@dataclass(frozen=True, slots=True)
class _Core:
    """What grading one case needs in either name mode, worked out once per case."""

    category: str
    functions: Any
    answer: Any
    no_call: bool
    """No possible answer: graded by whether a call is made (irrelevance, or `live_relevance`)."""
    fast: EntryCheck | None
    """BFCL's validity for names compared exactly (`_bfcl_fast.compile_entry`)."""
    implied: list[bool | None]
    """A pass of `fast` proves schema validity (see `_bfcl_fast.schema_implied`); None: not
    yet known whether the case's tool schemas are still the ones converted from BFCL's docs."""
    tools: dict[str, Tool]
    compiled: dict[str, Callable[[Any], bool]]
    """Each tool's schema check by tool name, compiled when first needed (shared by both modes)."""
    passes: tuple[dict[str, Verdict], dict[str, Verdict]]
    """Passing verdicts by provider id, for schema_ok False and True: immutable, built once."""
    modes: list[_Plan | None]
    """The exact and the sanitized view, each built when first needed."""


@dataclass(frozen=True, slots=True)
class _Plan:
    """One name mode's view of a case's `_Core`."""

    core: _Core
    expected: list[str]
    """The expected function names, sorted (tool selection compares multisets)."""
    expected_names: list[str]
    fast: EntryCheck | None
    names: dict[str, str]
    """Output name → the tool whose schema checks its arguments."""


#: id(case) → (case, its core).
_PLANS: dict[int, tuple[Case, _Core]] = {}


def _core(case: Case) -> _Core:
    category, functions, answer = _meta(case)
    no_call = is_no_call_category(category) or is_relevance_category(category)
    if not no_call and answer is None:
        raise UserError(
            f"case {case.id!r}: BFCL category {category!r} needs a possible answer (meta bfcl_answer)"
        )
    compiled = None if no_call else compile_entry(functions, answer, category, False)
    fast, implied = compiled if compiled is not None else (None, False)
    tools = {t.name: t for t in case.tools}
    implied_now: list[bool | None] = [None if implied else False]
    core = _Core(category, functions, answer, no_call, fast, implied_now, tools, {}, ({}, {}), [None, None])
    if len(_PLANS) > 100_000:
        _PLANS.clear()
    _PLANS[id(case)] = (case, core)  # keeps `case` alive, so its id stays unique
    return core


def _renamed(fast: EntryCheck, offered: dict[str, str]) -> EntryCheck:
    """`fast` (exact names) for outputs using the sanitised names in `offered` (→ offered name);
    any other name becomes one no offered function has."""
    get = offered.get
    return lambda calls: fast([(get(name, "\0"), args) for name, args in calls])


def _plan(core: _Core, sanitize: bool) -> _Plan:
    functions = core.functions
    if not sanitize:
        try:
            names = [] if core.no_call else _expected_names(functions, core.answer, False)
        except (KeyError, TypeError, AttributeError, StopIteration):
            names = []
        plan = core.modes[0] = _Plan(core, sorted(names), names, core.fast, {n: n for n in core.tools})
        return plan
    exact = core.modes[0] or _plan(core, False)
    offered = _offered(functions, False)
    if not any("." in n for n in offered) and not any("." in n for n in core.tools):
        core.modes[1] = exact  # no name changes when sanitised
        return exact
    names = [n.replace(".", "_") for n in exact.expected_names]
    fast = core.fast
    if fast is not None:
        unsanitized = {n.replace(".", "_"): n for n in offered}
        if len(unsanitized) == len(offered):
            fast = _renamed(fast, unsanitized)
        else:  # two offered names sanitise alike: compiled for the sanitised names
            compiled = compile_entry(functions, core.answer, core.category, True)
            fast = None if compiled is None else compiled[0]
    lookup = {**exact.names, **{n.replace(".", "_"): n for n in core.tools}}
    plan = core.modes[1] = _Plan(core, sorted(names), names, fast, lookup)
    return plan


def _plan_of(case: Case, sanitize: bool) -> _Plan:
    """The case's plan in one name mode (worked out on first use)."""
    hit = _PLANS.get(id(case))
    core = hit[1] if hit is not None and hit[0] is case else _core(case)
    return core.modes[sanitize] or _plan(core, sanitize)


def _implied(case: Case, core: _Core) -> bool:
    """Whether a fast pass proves schema validity: only when the case's tool schemas are still
    the ones converted from BFCL's docs (worked out on the first pass)."""
    implied = core.implied[0]
    if implied is None:
        functions = core.functions
        docs = {f["name"]: f for f in (functions if isinstance(functions, list) else [functions])}
        implied = core.implied[0] = all(
            t.name in docs and t.parameters == to_json_schema(docs[t.name].get("parameters", {}))
            for t in case.tools
        )
    return implied


def _schema_ok(plan: _Plan, calls: Sequence[tuple[str, Any]]) -> bool:
    names, compiled = plan.names, plan.core.compiled
    for name, args in calls:
        tool = names.get(name)
        if tool is None or not isinstance(args, dict):
            return False
        check = compiled.get(tool)
        if check is None:  # first use: compile the tool's schema (shared by its names and modes)
            check = compiled[tool] = compile_schema(plan.core.tools[tool].parameters)
        if not check(args):
            return False
    return True


def _verdict(
    case: Case, provider_id: str, passed: bool, selection: bool, failures: list[Failure], schema: bool
) -> Verdict:
    return Verdict(
        case.id, provider_id, passed, selection, passed, schema, tuple(failures), "pass" if passed else "fail"
    )


def _pass(case: Case, plan: _Plan, provider_id: str, schema: bool) -> Verdict:
    table = plan.core.passes[schema]
    verdict = table.get(provider_id)
    if verdict is None:
        verdict = table[provider_id] = _verdict(case, provider_id, True, True, [], schema)
    return verdict


def grade(
    case: Case,
    turns: Sequence[ModelTurn],
    *,
    provider_id: str = "",
    tool_names: str = "exact",
) -> Verdict:
    """Grade `turns` (one turn) on a BFCL-imported `case` exactly as BFCL's AST checker does.

    A multi-turn entry is graded by BFCL's multi-turn checker, each of `turns` being one user
    turn of a single step (`grade_steps` takes several steps per turn).
    """
    if str(case.meta.get("bfcl_category", "")).startswith("multi_turn"):
        return grade_steps(case, [[t] for t in turns], provider_id=provider_id, tool_names=tool_names)
    sanitize = tool_names == "sanitized"
    if not sanitize and tool_names != "exact":
        raise UserError(f"--tool-names must be one of {', '.join(TOOL_NAMES)}, not {tool_names!r}")
    plan = _plan_of(case, sanitize)
    core = plan.core
    turn = turns[0] if turns else ModelTurn()
    calls = [(c.name, c.arguments) for c in turn.calls]
    # Calls whose arguments BFCL does not read as a JSON object (not JSON, `""`, or another
    # JSON value): its decoder fails or its format check rejects the whole output.
    unusable = [i for i, c in enumerate(turn.calls) if c.arguments is None or c.raw_arguments == ""]
    if core.no_call and is_relevance_category(core.category):
        return _relevance(case, plan, provider_id, calls, unusable, turn)
    if core.no_call:
        if not calls or unusable:
            return _pass(case, plan, provider_id, not unusable)
        msg = (
            "BFCL irrelevance_error:decoder_success: Valid syntax. Successfully decode AST when it "
            f"should not ({len(calls)} call(s) where none is expected)."
        )
        failure = Failure("unexpected_call", msg, call=0, actual=calls[0][0])
        return _verdict(case, provider_id, False, False, [failure], _schema_ok(plan, calls))
    if unusable:
        i = unusable[0]
        raw = turn.calls[i].raw_arguments
        msg = f"BFCL ast_decoder:decoder_failed: arguments of call {i} are not a JSON object: {raw!r}"
        failure = Failure("invalid_arguments_json", msg, call=i, actual=raw)
        return _verdict(case, provider_id, False, False, [failure], False)
    if plan.fast is not None:
        try:
            if plan.fast(calls):
                return _pass(case, plan, provider_id, _implied(case, core) or _schema_ok(plan, calls))
        except (KeyError, TypeError, AttributeError, ValueError, IndexError):
            pass  # the full checker below decides (and explains)
    schema = _schema_ok(plan, calls)
    selection = sorted(n for n, _ in calls) == plan.expected
    try:
        check = _bfcl_ast.check_ast(core.functions, calls, core.answer, core.category, sanitize=sanitize)
    except (KeyError, TypeError, AttributeError, ValueError, IndexError) as exc:
        msg = f"BFCL's checker cannot grade this output (it would raise {type(exc).__name__}: {exc})"
        return _verdict(case, provider_id, False, selection, [Failure("wrong_type", msg, call=0)], schema)
    if check.valid:
        return _pass(case, plan, provider_id, schema)
    failure = _failure(check, calls, plan.expected_names, core.functions, sanitize)
    return _verdict(case, provider_id, False, selection, [failure], schema)


def _relevance(
    case: Case,
    plan: _Plan,
    provider_id: str,
    calls: list[tuple[str, Any]],
    unusable: list[int],
    turn: ModelTurn,
) -> Verdict:
    """BFCL's relevance rule: some call is decoded (every call's arguments a JSON object)."""
    if calls and not unusable:
        return _pass(case, plan, provider_id, _schema_ok(plan, calls))
    head = "BFCL relevance_error:decoder_failed: Invalid syntax. Failed to decode AST when it should have."
    if not calls:
        failure = Failure(
            "no_call", f"{head} (no call where one is expected)", expected=">= 1 call", actual=0
        )
    else:
        raw = turn.calls[unusable[0]].raw_arguments
        msg = f"{head} (arguments of call {unusable[0]} are not a JSON object: {raw!r})"
        failure = Failure("invalid_arguments_json", msg, call=unusable[0], actual=raw)
    return _verdict(case, provider_id, False, False, [failure], not unusable and _schema_ok(plan, calls))


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


def grade_turn(case: Case, turn_index: int, model_turn: ModelTurn, *, tool_names: str = "exact") -> TurnGrade:
    """BFCL's single turn as a `TurnGrade` (matches: the first actual call per expected name)."""
    from harness.grading.grader import TurnGrade

    if turn_index != 0:
        raise UserError(f"case {case.id!r}: BFCL cases have one turn; no turn {turn_index}")
    verdict = grade(case, [model_turn], tool_names=tool_names)
    sanitize = tool_names == "sanitized"
    names = [c.name for c in model_turn.calls]
    matches: list[int | None] = []
    for expected in case.turns[0].expect:
        want = expected.name.replace(".", "_") if sanitize else expected.name
        index = next((i for i, n in enumerate(names) if n == want and i not in matches), None)
        matches.append(index)
    return TurnGrade(
        verdict.failures, tuple(matches), verdict.tool_selection_ok, verdict.arguments_ok, verdict.schema_ok
    )


def grade_steps(
    case: Case, steps: Sequence[Sequence[ModelTurn]], *, provider_id: str = "", tool_names: str = "exact"
) -> Verdict:
    """A BFCL multi-turn entry: per user turn, the model's steps, graded by BFCL's multi-turn checker."""
    from harness.bfcl import multi_turn_checker

    if not str(case.meta.get("bfcl_category", "")).startswith("multi_turn"):
        raise UserError(f"case {case.id!r}: profile 'bfcl' grades steps only for BFCL's multi-turn entries")
    calls = [[list(step.calls) for step in turn] for turn in steps]
    return multi_turn_checker.grade_steps(case, calls, provider_id=provider_id, tool_names=tool_names)
