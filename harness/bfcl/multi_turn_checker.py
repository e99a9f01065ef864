"""The `bfcl` profile on multi-turn entries: BFCL's multi-turn checker, without `eval`.

Input: per user turn, the model's steps (one list of calls per response). As BFCL's
`_evaluate_single_multi_turn_entry` and `multi_turn_checker` do:

1. a different number of turns than the ground truth is `multi_turn:force_terminated`;
2. a step is decoded as BFCL's FC handlers decode it: a call whose arguments are not a JSON
   object drops the whole step, and an empty step is dropped;
3. per turn, the model's steps are executed on one set of backend instances that lives across
   turns, the turn's ground truth on another; then, when the ground truth of the turn is not
   empty: no step at all is `multi_turn:empty_turn_model_response`; every public attribute of
   every ground-truth instance must equal (`==`, on the live objects) the model's
   (`multi_turn:instance_state_mismatch`); every ground-truth execution result must be found
   (as a multiset) among all the model's execution results so far, all turns included
   (`multi_turn:execution_response_mismatch`). The first failure ends the entry.

Execution is `harness.run.backends` (method by name, never `eval`); the one BFCL quirk that
changes what a call does is reproduced here: BFCL prefixes every `name(` inside the call's
text, string values included, with the instance's variable name when `name` is a method of an
involved class, so such a string is stored differently for the model and the ground truth.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from harness.bfcl.multi_turn import parse_call
from harness.bfcl.schema import compile_schema
from harness.errors import UserError
from harness.model import Case, Failure, ToolCall, Verdict
from harness.run.backends import Backends, plain

__all__ = ["Steps", "check", "decode_steps", "grade_steps"]

Steps = Sequence[Sequence[Sequence[ToolCall]]]
"""Per user turn, per model response (step), the calls."""
_NAME = re.compile(r"\b([a-zA-Z_]\w*)\s*(?=\()")
_IDENT = re.compile(r"[A-Za-z_]\w*")


def decode_steps(turns: Steps) -> list[list[list[ToolCall]]]:
    """BFCL's decoding: drop a step with an undecodable call, and empty steps."""
    out = []
    for steps in turns:
        kept = []
        for step in steps:
            if not step or any(c.arguments is None or c.raw_arguments == "" for c in step):
                continue
            kept.append(list(step))
        out.append(kept)
    return out


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, Mapping):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return True


def _rewrite(value: Any, names: frozenset[str], marker: str) -> Any:
    """BFCL's `_process_method_calls` applied to the string literals of a value."""
    if isinstance(value, str):
        text = repr(value)
        new = _NAME.sub(lambda m: f"{marker}.{m.group(1)}" if m.group(1) in names else m.group(1), text)
        return value if new == text else ast.literal_eval(new)
    if isinstance(value, dict):
        return {_rewrite(k, names, marker): _rewrite(v, names, marker) for k, v in value.items()}
    if isinstance(value, list):
        return [_rewrite(v, names, marker) for v in value]
    return value


def _run(backends: Backends, name: str, args: Sequence[Any], kwargs: Mapping[str, Any], marker: str) -> str:
    """One call as BFCL's executor runs it (code-like names and values are execution errors)."""
    if not _IDENT.fullmatch(name) or not all(_IDENT.fullmatch(k) for k in kwargs):
        return "Error during execution: invalid syntax"
    if not _finite(kwargs) or not _finite(list(args)):
        return "Error during execution: name 'inf' is not defined"
    names = frozenset(backends.methods)
    kwargs = {k: _rewrite(v, names, marker) for k, v in kwargs.items()}
    args = [_rewrite(v, names, marker) for v in args]
    return backends.execute(name, kwargs, args)


def _state_failure(model: Backends, truth: Backends, turn: int) -> list[Failure]:
    for cls, gt in truth.instances.items():
        mine = model.instances[cls]
        out = []
        for attr in vars(gt):
            if attr.startswith("_"):
                continue
            got, want = getattr(mine, attr), getattr(gt, attr)
            if got != want:
                path = f"root[{cls!r}][{attr!r}]"
                out.append(
                    Failure(
                        "wrong_value",
                        "BFCL multi_turn:instance_state_mismatch: Model instance for "
                        f"{cls} does not match the "
                        f"state with ground truth instance ({path} differs)",
                        turn=turn,
                        path=path,
                        expected=plain(want),
                        actual=plain(got),
                    )
                )
        if out:
            return out
    return []


def _missing(ground: list[str], model: list[str]) -> list[str]:
    pool = list(model)
    missing = []
    for item in ground:
        try:
            pool.remove(item)
        except ValueError:
            missing.append(item)
    return missing


def check(case: Case, turns: Steps) -> list[Failure]:
    """BFCL's multi-turn verdict on `turns` as failures (empty: valid)."""
    truth_raw = case.meta.get("bfcl_ground_truth")
    if not isinstance(truth_raw, list):
        raise UserError(
            f"case {case.id!r}: no BFCL ground truth (meta bfcl_ground_truth) for a multi-turn entry"
        )
    if len(turns) != len(truth_raw):
        msg = (
            "BFCL multi_turn:force_terminated: Model was force-terminated during inference phase. "
            "The length of "
            f"the model result turns ({len(turns)}) does not match the length of the ground truth turns "
            f"({len(truth_raw)})."
        )
        return [
            Failure(
                "missing_call",
                msg,
                turn=min(len(turns), len(truth_raw) - 1),
                expected=len(truth_raw),
                actual=len(turns),
            )
        ]
    try:
        truth = [[parse_call(c) for c in t] for t in truth_raw]
    except (ValueError, TypeError, AttributeError) as exc:
        raise UserError(f"case {case.id!r}: meta bfcl_ground_truth: {exc}") from None
    decoded = decode_steps(turns)
    where = f"case {case.id!r}"
    model, gt = Backends.start(case.backends, where), Backends.start(case.backends, where)
    all_results: list[str] = []
    for t, (steps, gt_calls) in enumerate(zip(decoded, truth, strict=True)):
        for step in steps:
            all_results.extend(_run(model, c.name, (), c.arguments or {}, "model") for c in step)
        gt_results = [_run(gt, name, args, kwargs, "ground_truth") for name, args, kwargs in gt_calls]
        if not gt_calls:
            continue
        if not steps:
            msg = f"BFCL multi_turn:empty_turn_model_response: Model response list is empty for turn {t}"
            return [Failure("no_call", msg, turn=t, expected=[c[0] for c in gt_calls])]
        state = _state_failure(model, gt, t)
        if state:
            return state
        missing = _missing(gt_results, all_results)
        if missing:
            msg = (
                "BFCL multi_turn:execution_response_mismatch: Model response execution results so far "
                "does not "
                f"contain all the ground truth response execution results for turn {t}. Missing: {missing!r}"[
                    :2000
                ]
            )
            return [Failure("missing_call", msg, turn=t, expected=missing)]
    return []


def error_type(failure: Failure) -> str:
    """BFCL's error type named in a failure's message (`multi_turn:...`)."""
    m = re.match(r"BFCL (multi_turn:[a-z_]+(?::[a-z_]+)*)", failure.message)
    return m.group(1) if m else ""


def grade_steps(case: Case, turns: Steps, *, provider_id: str = "", tool_names: str = "exact") -> Verdict:
    """Grade a BFCL multi-turn entry (per turn, per step, the calls) as BFCL's checker does."""
    if tool_names == "sanitized":
        turns = [[[_desanitize(c, case) for c in step] for step in steps] for steps in turns]
    failures = check(case, turns)
    schemas: dict[str, Any] = {}
    schema_ok = True
    for t, steps in enumerate(turns):
        if t < len(case.turns):
            for tool in case.tools_at(t):
                schemas.setdefault(tool.name, tool.parameters)
        for step in steps:
            for c in step:
                spec = schemas.get(c.name)
                if spec is None or c.arguments is None or not compile_schema(spec)(c.arguments):
                    schema_ok = False
    passed = not failures
    return Verdict(
        case.id, provider_id, passed, passed, passed, schema_ok, tuple(failures), "pass" if passed else "fail"
    )


def _desanitize(call: ToolCall, case: Case) -> ToolCall:
    if case.tool(call.name) is not None:
        return call
    for t in range(len(case.turns)):
        for tool in case.tools_at(t):
            if tool.name.replace(".", "_") == call.name:
                return ToolCall(tool.name, call.arguments, call.raw_arguments, call.id)
    return call
