"""Grade model turns against a case (DESIGN.md §3–4): `grade` → Verdict, `grade_turn` → TurnGrade.

Semantics (profiles `default` and `strict`; `bfcl` is delegated to `harness.bfcl.checker`):

- Several expected calls are paired with the actual calls **order-free** by an optimal
  assignment: a pair needs the same function; the most pairs first, then the fewest
  argument mismatches (Hungarian algorithm per function name). With `order: strict` the
  pairing must also keep the order of both lists (an order-preserving alignment, so one
  extra call does not shift every later pair).
- Actual calls left unpaired are explained against expected calls left unpaired, in
  order: a name the case does not offer is `hallucinated_function`, an offered one is
  `wrong_function`; a leftover actual call is `extra_call`, a leftover expected call is
  `missing_call`; under `order: strict`, a call of the right function in the wrong place
  is a `missing_call` saying so. No call at all where calls are expected is `no_call`; any call where
  `expect: []` is `unexpected_call` (one per call).
- A paired call is graded argument by argument (`missing_argument`, `unexpected_argument`
  unless `extra_arguments: allow`, `wrong_value`, `wrong_type`; paths are deepdiff paths)
  or `invalid_arguments_json` when the vendor's arguments were not a JSON object.
- Every call to an offered tool is checked against the tool's JSON Schema
  (`schema_violation`); `expect_text` is checked on the turn's text (`text_mismatch`).
- `tool_selection_ok`: every expected call paired and no other call made.
  `arguments_ok`: every expected call paired and all its argument expectations held
  (vacuously true for `expect: []`). `schema_ok`: every call's arguments are a JSON object
  valid against its tool's schema (hallucinated calls have no schema and are not counted).
- Multi-turn: turns are graded in order and the first failing turn ends the case; a turn
  the outputs lack fails as `no_call` (or `text_mismatch` when it expects no call).
- Profile `strict`: `int` and `float` are different types (`1` is not `1.0`) and
  `extra_arguments` is always `forbid`. Order stays as the case says: parallel calls
  have no meaningful order on most vendors.
- `tool_names="sanitized"`: an output name equal to an offered name with every character
  outside `[a-zA-Z0-9_-]` replaced by `_` counts as that offered name.

Matchers are compiled once per case and profile and cached; explanations are only built
for failures. Grading is pure: no I/O.
"""

from __future__ import annotations

import importlib
import sys
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness.errors import UserError
from harness.grading.matchers import Matcher, MatcherError, Mismatch, compile_arguments, compile_matcher
from harness.grading.matchers import schema_validator as _schema_validator
from harness.grading.pairing import Expected, args_text, diff_args, pair_calls, selection_failures
from harness.grading.values import path_join, short
from harness.model import TOOL_NAMES, Case, Failure, ModelTurn, Verdict, sanitize_name

__all__ = ["PROFILES", "PROFILE_MODULES", "TOOL_NAMES", "TurnGrade", "grade", "grade_turn", "profile_module"]

PROFILES: tuple[str, ...] = ("default", "strict", "bfcl")


@dataclass(frozen=True)
class TurnGrade:
    """The graded outcome of one turn."""

    failures: tuple[Failure, ...]
    matches: tuple[int | None, ...]
    """For each expected call of the turn, the index of the actual call paired with it."""
    tool_selection_ok: bool
    arguments_ok: bool
    schema_ok: bool

    @property
    def passed(self) -> bool:
        """Whether the turn has no failure."""
        return not self.failures


@dataclass(frozen=True)
class _TurnPlan:
    expect: tuple[Expected, ...]
    text: Matcher | None


@dataclass(frozen=True)
class _Plan:
    case: weakref.ref[Case]
    """The case compiled (weakly: a plan never keeps its case alive)."""
    case_id: str
    turns: tuple[_TurnPlan, ...]
    offered: frozenset[str]
    sanitized: Mapping[str, str]
    validators: Mapping[str, Any]
    order_strict: bool


# A plan lives as long as its case (a streamed run drops each case file's cases once run: their
# plans go with them, and memory stays flat however large the suite).
_PLANS: dict[tuple[int, str], _Plan] = {}
_PLAN_CACHE_MAX = 100_000


def _compile_plan(case: Case, profile: str) -> _Plan:
    strict = profile == "strict"
    extra = "forbid" if strict else case.extra_arguments
    turns = []
    for t, turn in enumerate(case.turns):
        expect = []
        for i, e in enumerate(turn.expect):
            try:
                args = compile_arguments(e.arguments, strict=strict, extra_arguments=extra)
            except MatcherError as exc:
                raise MatcherError(f"case {case.id!r}: turn {t} expect[{i}] ({e.name}): {exc}") from None
            expect.append(Expected(e.name, args, len(e.arguments) + 1))
        text = None
        if turn.expect_text is not None:
            try:
                text = compile_matcher(turn.expect_text, strict=strict)
            except MatcherError as exc:
                raise MatcherError(f"case {case.id!r}: turn {t} expect_text: {exc}") from None
        turns.append(_TurnPlan(tuple(expect), text))
    all_tools = case.tools_at(len(case.turns) - 1) if case.turns else case.tools
    offered = frozenset(tool.name for tool in all_tools)
    sanitized: dict[str, str] = {}
    for tool in all_tools:
        sanitized.setdefault(sanitize_name(tool.name), tool.name)
    validators = {}
    for tool in all_tools:
        try:
            validators[tool.name] = _schema_validator(tool.parameters)
        except MatcherError as exc:
            raise UserError(f"case {case.id!r}: tool {tool.name!r} parameters: {exc}") from None
    return _Plan(
        weakref.ref(case), case.id, tuple(turns), offered, sanitized, validators, case.order == "strict"
    )


def _plan(case: Case, profile: str) -> _Plan:
    key = (id(case), profile)
    plan = _PLANS.get(key)
    if plan is None or plan.case() is not case:
        if len(_PLANS) >= _PLAN_CACHE_MAX:
            _PLANS.clear()
        plan = _PLANS[key] = _compile_plan(case, profile)
        weakref.finalize(case, _forget, key, plan).atexit = False
    return plan


def _forget(key: tuple[int, str], plan: _Plan) -> None:
    """Drop the plan of a case that is gone (unless the key already holds another plan)."""
    if _PLANS.get(key) is plan:
        del _PLANS[key]


def _check_options(profile: str, tool_names: str) -> None:
    if profile not in PROFILES:
        raise UserError(f"unknown grading profile {profile!r}; choose one of {', '.join(PROFILES)}")
    if tool_names not in TOOL_NAMES:
        raise UserError(f"unknown --tool-names {tool_names!r}; choose one of {', '.join(TOOL_NAMES)}")


#: Profiles whose semantics live outside this wing, by the module that implements them
#: (`grade`, and `grade_turn` where the profile has turn-level semantics). Resolved by
#: name at first use, like an entry point: grading imports no other wing, and the BFCL
#: wing, which builds on grading's `TurnGrade`, plugs in without an import circle.
PROFILE_MODULES: dict[str, str] = {"bfcl": "harness.bfcl.checker"}


def profile_module(profile: str) -> Any:
    """The module implementing an outside profile (UserError when it is not installed)."""
    return _profile_module(profile)


def _profile_module(profile: str) -> Any:
    name = PROFILE_MODULES[profile]
    loaded = sys.modules.get(name)  # the fast path once imported
    if loaded is not None:
        return loaded
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        raise UserError(
            f"the {profile!r} grading profile needs {name}, which this installation "
            "does not have; use --profile default or strict"
        ) from None


def grade_turn(
    case: Case, turn_index: int, model_turn: ModelTurn, *, profile: str = "default", tool_names: str = "exact"
) -> TurnGrade:
    """Grade what the model answered in turn `turn_index` of `case`."""
    _check_options(profile, tool_names)
    if profile in PROFILE_MODULES:
        checker = _profile_module(profile)
        if hasattr(checker, "grade_turn"):
            return checker.grade_turn(case, turn_index, model_turn, tool_names=tool_names)  # type: ignore[no-any-return]
        # BFCL's AST checker grades whole single-turn entries; between the turns of a
        # multi-turn case the default semantics decide (the verdict still comes from grade()).
        profile = "default"
    return _grade_turn(_plan(case, profile), turn_index, model_turn, tool_names == "sanitized")


def grade(
    case: Case,
    turns: Sequence[ModelTurn],
    *,
    provider_id: str = "",
    profile: str = "default",
    tool_names: str = "exact",
) -> Verdict:
    """Grade a case's model turns in order; the first failing turn ends the case."""
    _check_options(profile, tool_names)
    if profile in PROFILE_MODULES:
        return _profile_module(profile).grade(case, turns, provider_id=provider_id, tool_names=tool_names)  # type: ignore[no-any-return]
    plan = _plan(case, profile)
    sanitized = tool_names == "sanitized"
    failures: list[Failure] = []
    selection = arguments = schema = True
    for t, turn_plan in enumerate(plan.turns):
        if t >= len(turns):
            failures.append(_missing_turn(t, turn_plan, len(turns)))
            if turn_plan.expect:
                selection = arguments = False
            break
        g = _grade_turn(plan, t, turns[t], sanitized)
        selection &= g.tool_selection_ok
        arguments &= g.arguments_ok
        schema &= g.schema_ok
        if g.failures:
            failures.extend(g.failures)
            break
    passed = not failures
    return Verdict(
        case.id,
        provider_id,
        passed,
        selection,
        arguments,
        schema,
        tuple(failures),
        status="pass" if passed else "fail",
    )


def _missing_turn(t: int, plan: _TurnPlan, given: int) -> Failure:
    gone = f"the outputs hold {given} turn(s), none for turn {t}"
    if plan.expect:
        names = ", ".join(e.name for e in plan.expect)
        return Failure("no_call", f"{gone}; expected calls: {names}", turn=t, expected=names)
    return Failure("text_mismatch", f"{gone}; expected a text answer", turn=t)


def _grade_turn(plan: _Plan, t: int, model_turn: ModelTurn, sanitized: bool) -> TurnGrade:
    if not 0 <= t < len(plan.turns):
        raise UserError(f"case {plan.case_id!r} has {len(plan.turns)} turn(s); no turn {t}")
    tp = plan.turns[t]
    calls = model_turn.calls
    expect = tp.expect
    names: list[str | None] = []
    for c in calls:
        if c.name in plan.offered:
            names.append(c.name)
        elif sanitized and c.name in plan.sanitized:
            names.append(plan.sanitized[c.name])
        else:
            names.append(None)
    args = [c.arguments if isinstance(c.arguments, dict) else None for c in calls]

    diffs: dict[tuple[int, int], list[Mismatch]] = {}
    matches: list[int | None] = [None] * len(expect)
    if expect and calls:
        matches = pair_calls(plan.order_strict, expect, names, args, diffs)

    failures: list[Failure] = []
    if not expect:
        for j, c in enumerate(calls):
            failures.append(
                Failure(
                    "unexpected_call",
                    f"no call was expected, got {c.name}({args_text(c)})",
                    turn=t,
                    call=j,
                    actual=c.name,
                )
            )
    elif not calls:
        want = ", ".join(e.name for e in expect)
        failures.append(Failure("no_call", f"expected {want}, the model made no call", turn=t, expected=want))
    else:
        failures.extend(selection_failures(t, expect, calls, names, matches))

    arguments_ok = all(m is not None for m in matches)
    for i, paired in enumerate(matches):
        if paired is None:
            continue
        j = paired
        e = expect[i]
        if args[j] is None:
            arguments_ok = False
            continue  # reported below with the per-call checks
        found = diffs.get((i, j))
        if found is None:
            found = diff_args(e.args, args[j])
        if found:
            arguments_ok = False
            failures.extend(
                Failure(
                    m.kind,
                    f"{e.name} (call #{j}): {m.message}",
                    turn=t,
                    call=i,
                    path=m.path,
                    expected=m.expected,
                    actual=m.actual,
                )
                for m in found
            )

    expected_of = {j: i for i, j in enumerate(matches) if j is not None}
    schema_ok = True
    for j, c in enumerate(calls):
        idx = expected_of.get(j, j)
        if args[j] is None:
            schema_ok = False
            raw = c.raw_arguments if c.raw_arguments is not None else c.arguments
            msg = f"{c.name} (call #{j}): arguments are not a JSON object: {short(raw)}"
            failures.append(Failure("invalid_arguments_json", msg, turn=t, call=idx, actual=raw))
            continue
        name = names[j]
        if name is None:
            continue
        validator = plan.validators[name]
        if not validator.is_valid(args[j]):
            schema_ok = False
            for err in validator.iter_errors(args[j]):
                path = "root"
                for part in err.absolute_path:
                    path = path_join(path, part)
                failures.append(
                    Failure(
                        "schema_violation",
                        f"{name} (call #{j}): {path}: {err.message}",
                        turn=t,
                        call=idx,
                        path=path,
                        expected=err.schema if isinstance(err.schema, dict) else None,
                        actual=err.instance,
                    )
                )

    if tp.text is not None and not tp.text.ok(model_turn.text):
        out: list[Mismatch] = []
        tp.text.diff(model_turn.text, "root", out)
        detail = out[0].message if out else f"expected {short(tp.text.spec)}, got {short(model_turn.text)}"
        failures.append(
            Failure(
                "text_mismatch",
                f"text {detail}",
                turn=t,
                path="root",
                expected=tp.text.spec,
                actual=model_turn.text,
            )
        )

    selection_ok = all(m is not None for m in matches) and len(expected_of) == len(calls)
    return TurnGrade(tuple(failures), tuple(matches), selection_ok, arguments_ok, schema_ok)
