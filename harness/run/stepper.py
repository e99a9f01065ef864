"""One executable-backend case on one provider: user turns of steps, calls really executed.

For each user turn the conversation so far is sent; each call of the model's response is
executed on the case's backends (fresh instances for this case × provider × trial,
`harness.run.backends`) and the results go back as tool results; this repeats until the model
answers without calls, or with a call whose arguments are not a JSON object (BFCL moves on to
the next turn there too), or after `MAX_STEPS` responses with calls, which ends the whole case
(BFCL's force-termination). Then the next user turn opens with its messages (and the tools it
adds). The state of the backends is recorded after each turn for `expect_state`.

Requests are built by the adapters unchanged: earlier user turns are folded into the
conversation prefix (assistant calls with ids, tool results, answers), the current turn's
responses are the adapter's history (so vendors that echo raw assistant content get it).
Replay is deterministic: the tool results are part of the next request, so a backend that
answers differently on replay makes the request differ from the recording (`stale`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from harness.errors import ProviderError, UserError
from harness.grading.executed import grade_steps
from harness.model import Case, Message, ModelTurn, Turn
from harness.providers.base import HistoryStep, restore_names, strip_strict_nulls
from harness.run.backends import Backends
from harness.run.execute import CaseOutcome, StaleCassette, error_verdict, provider_error_message

__all__ = ["MAX_STEPS", "run_steps"]

#: BFCL's MAXIMUM_STEP_LIMIT: beyond this many responses with calls in one turn, the case stops.
MAX_STEPS = 20


def _fold(prefix: list[Message], ti: int, history: list[HistoryStep], last: ModelTurn | None) -> None:
    """Append one finished user turn to the conversation prefix (ids made explicit)."""
    for k, step in enumerate(history):
        calls = tuple(
            replace(c, id=c.id or f"call_{ti}_{k}_{i}", arguments=c.arguments or {})
            for i, c in enumerate(step.turn.calls)
        )
        prefix.append(Message("assistant", step.turn.text, tool_calls=calls))
        for call, (_, result) in zip(calls, step.results, strict=True):
            prefix.append(Message("tool", result, tool_call_id=call.id, name=call.name))
    if last is not None and last.text:
        prefix.append(Message("assistant", last.text))


def run_steps(
    case: Case,
    provider_id: str,
    adapter: Any,
    model: str,
    params: Mapping[str, Any],
    exchange: Callable[[int, dict[str, Any]], Any],
    *,
    profile: str = "default",
    **_: Any,
) -> CaseOutcome:
    """Run the user turns of an executable-backend case and grade them (never raises for vendor errors).

    Takes `run_case`'s arguments (its `grade`/`grade_turn` callables are not used: such cases are
    graded by `harness.grading.executed.grade_steps`)."""
    try:
        backends = Backends.start(case.backends, f"case {case.id!r} ({case.source or '<input>'})")
    except UserError as exc:
        return CaseOutcome(error_verdict(case.id, provider_id, "error", None, str(exc)), (), str(exc))
    strict = getattr(adapter, "sends_strict_schemas", None)
    prefix: list[Message] = list(case.messages)
    flat: list[ModelTurn] = []
    all_steps: list[list[ModelTurn]] = []
    states: list[dict[str, Any]] = []
    n = 0
    for ti, turn in enumerate(case.turns):
        if ti:
            prefix.extend(turn.messages)
        tools = case.tools_at(ti)
        history: list[HistoryStep] = []
        steps: list[ModelTurn] = []
        last: ModelTurn | None = None
        while True:
            k = len(history)
            view = replace(
                case, messages=tuple(prefix), tools=tools, turns=(Turn(()),) * (k + 1), backends=()
            )
            try:
                request = adapter.build_request(view, k, tuple(history), model, params)
            except ValueError as exc:
                if type(exc).__name__ != "UnsupportedCaseError":
                    raise
                v = error_verdict(case.id, provider_id, "unsupported", None, str(exc), ti)
                return CaseOutcome(v, tuple(flat), str(exc))
            try:
                wire = exchange(n, request)
                if wire.status >= 400:
                    body = wire.body if wire.body is not None else wire.events
                    raise ProviderError(str(body)[:300], status=wire.status, body=body)
                mt = (
                    adapter.parse_stream(wire.events) if wire.streaming else adapter.parse_response(wire.body)
                )
            except ProviderError as exc:
                msg = provider_error_message(exc.status, exc.body, exc.vendor_message)
                return CaseOutcome(
                    error_verdict(case.id, provider_id, "error", "provider_error", msg, ti), tuple(flat), msg
                )
            except StaleCassette as exc:
                v = error_verdict(case.id, provider_id, "stale", "stale_cassette", exc.message, ti)
                return CaseOutcome(v, tuple(flat), exc.message)
            n += 1
            mt = restore_names(mt, tools)
            if strict is not None and strict(params):
                mt = strip_strict_nulls(mt, tools)
            if wire.latency_ms is not None:
                mt = replace(mt, latency_ms=wire.latency_ms)
            steps.append(mt)
            flat.append(mt)
            if not mt.calls or any(c.arguments is None for c in mt.calls):
                last = mt
                break
            results = tuple((c, backends.execute(c.name, c.arguments)) for c in mt.calls)
            history.append(HistoryStep(turn=mt, results=results))
            if len(history) > MAX_STEPS:
                break
        all_steps.append(steps)
        states.append(backends.snapshot())
        if len(history) > MAX_STEPS:
            break  # force-terminated: the remaining turns are not run
        _fold(prefix, ti, history, last)
    verdict = grade_steps(case, all_steps, states=states, provider_id=provider_id, profile=profile)
    return CaseOutcome(verdict, tuple(flat))
