"""Grading of executable-backend cases: user turns of steps, and the backends' end state.

`grade_steps(case, steps, states=...)` takes, per user turn, the model's responses in order
(`ModelTurn`s, one per step) and, per turn, the snapshot of the backends after it (backend
name → public attributes as plain data, made by whoever executed the calls: the runner, or
`fcharness grade`). Profiles `default` and `strict`:

- a turn whose `expect` is checked (`check_calls`) grades all calls of its steps together as
  one answer: order-free pairing, arguments, schemas, exactly as a single turn is graded; its
  `expect_text` applies to the text of the last step;
- `expect_state` (backend name → {attribute: matcher}) is matched against the snapshot; each
  attribute named must match, others are ignored; a difference is a `wrong_value` (or the
  matcher's kind) failure with a deepdiff path `root['Backend']['attribute']...`;
- the first failing turn ends the case; a turn the outputs lack fails as `no_call`.

Profile `bfcl` is delegated (`harness.bfcl.checker.grade_steps`): BFCL's multi-turn checker
executes the calls itself. Pure: no I/O, no execution here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from harness.grading import grader as _grader
from harness.grading.matcher_types import Mismatch
from harness.grading.matchers import MatcherError, compile_arguments
from harness.model import Case, Failure, ModelTurn, Verdict

__all__ = ["grade_steps", "merge_steps", "state_failures"]


def merge_steps(steps: Sequence[ModelTurn]) -> ModelTurn:
    """The steps of one user turn as one answer: all calls in order, the last step's text."""
    calls = tuple(c for s in steps for c in s.calls)
    text = steps[-1].text if steps else None
    return ModelTurn(calls=calls, text=text)


def state_failures(
    case: Case, turn: int, state: Mapping[str, Any] | None, strict: bool = False
) -> list[Failure]:
    """The differences between the backends' state after `turn` and its `expect_state`."""
    expected = case.turns[turn].expect_state
    if not expected:
        return []
    if state is None:
        return [Failure("wrong_value", "no backend state was recorded for this turn", turn=turn, path="root")]
    out: list[Failure] = []
    for name, spec in expected.items():
        path = f"root[{name!r}]"
        if name not in state:
            out.append(Failure("wrong_value", f"{path}: no backend named {name!r}", turn=turn, path=path))
            continue
        try:
            matcher = compile_arguments(spec, strict=strict, extra_arguments="allow")
        except MatcherError as exc:
            raise MatcherError(f"case {case.id!r}: turn {turn} expect_state.{name}: {exc}") from None
        value = state[name]
        if matcher.ok(value):
            continue
        found: list[Mismatch] = []
        matcher.diff(value, path, found)
        if not found:
            found.append(Mismatch("wrong_value", path, spec, value, f"{path}: does not match"))
        kinds = {"missing_argument": "wrong_value", "unexpected_argument": "wrong_value"}
        out.extend(
            Failure(
                kinds.get(m.kind, m.kind),
                f"state {m.message}",
                turn=turn,
                path=m.path,
                expected=m.expected,
                actual=m.actual,
            )
            for m in found
        )
    return out


def grade_steps(
    case: Case,
    steps: Sequence[Sequence[ModelTurn]],
    *,
    states: Sequence[Mapping[str, Any] | None] = (),
    provider_id: str = "",
    profile: str = "default",
    tool_names: str = "exact",
) -> Verdict:
    """Grade an executable-backend case: per user turn, the model's steps (and the state after it)."""
    if profile == "bfcl":
        module = _grader.profile_module(profile)
        return module.grade_steps(case, steps, provider_id=provider_id, tool_names=tool_names)  # type: ignore[no-any-return]
    failures: list[Failure] = []
    selection = arguments = schema = True
    for t, turn in enumerate(case.turns):
        if t >= len(steps):
            want = ", ".join(e.name for e in turn.expect) or "an answer"
            failures.append(
                Failure(
                    "no_call",
                    f"the outputs hold {len(steps)} turn(s), none for turn {t}; expected {want}",
                    turn=t,
                )
            )
            selection = arguments = False
            break
        if turn.check_calls:
            g = _grader.grade_turn(case, t, merge_steps(steps[t]), profile=profile, tool_names=tool_names)
            selection &= g.tool_selection_ok
            arguments &= g.arguments_ok
            schema &= g.schema_ok
            if g.failures:
                failures.extend(g.failures)
                break
        found = state_failures(case, t, states[t] if t < len(states) else None, strict=profile == "strict")
        if found:
            arguments = False
            failures.extend(found)
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
        "pass" if passed else "fail",
    )
