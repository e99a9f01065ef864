"""One case on one provider, turn by turn: build → exchange → parse → grade (DESIGN.md §1).

The exchange (record through the SDK, replay through vcrpy, or the fast replay that hands
the recorded body straight to the parser) is passed in, so this module does no I/O. A turn
whose calls match is answered with the case's scripted results and the next turn follows;
the first failing turn ends the case.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from harness.errors import ProviderError
from harness.model import Case, Failure, ModelTurn, ToolCall, Usage, Verdict
from harness.providers.base import HistoryStep, WireResponse, restore_names, strip_strict_nulls

__all__ = [
    "CaseOutcome",
    "StaleCassette",
    "error_from_wire",
    "error_verdict",
    "provider_error_message",
    "run_case",
]

#: (turn_index, request body) → the wire response; raises ProviderError or StaleCassette.
Exchange = Callable[[int, dict[str, Any]], WireResponse]


class StaleCassette(Exception):
    """The cassette has no recording for this request (changed or missing)."""

    def __init__(self, message: str, turn: int = 0, missing: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.turn = turn
        self.missing = missing


@dataclass(frozen=True)
class CaseOutcome:
    """What running one case produced."""

    verdict: Verdict
    turns: tuple[ModelTurn, ...] = ()
    error: str | None = None


def error_verdict(
    case_id: str, provider_id: str, status: str, kind: str | None, message: str, turn: int = 0
) -> Verdict:
    """Return an ungraded verdict (`error`, `stale` or `unsupported`)."""
    failures = (Failure(kind=kind, message=message, turn=turn),) if kind else ()
    return Verdict(
        case_id=case_id,
        provider_id=provider_id,
        passed=False,
        tool_selection_ok=False,
        arguments_ok=False,
        schema_ok=False,
        failures=failures,
        status=status,  # type: ignore[arg-type]
    )


def _short(body: Any, limit: int = 300) -> str:
    if body is None:
        return ""
    if isinstance(body, Mapping):
        err = body.get("error", body)
        if isinstance(err, Mapping) and isinstance(err.get("message"), str):
            return str(err["message"])[:limit]
        if isinstance(body.get("message"), str):
            return str(body["message"])[:limit]
    text = body if isinstance(body, str) else str(body)
    return text[:limit]


def provider_error_message(status: int | None, body: Any, fallback: str = "") -> str:
    """One wording for a vendor error, whichever path (SDK or fast replay) saw it."""
    detail = _short(body) or fallback
    head = f"HTTP {status}" if status is not None else "no response"
    return f"provider error: {head}: {detail}" if detail else f"provider error: {head}"


def error_from_wire(wire: WireResponse) -> ProviderError:
    """The ProviderError for an HTTP error answer (status >= 400) returned as a wire response."""
    body = wire.body if wire.body is not None else wire.events
    return ProviderError(_short(body), status=wire.status, body=body)


def _sum_usage(turns: tuple[ModelTurn, ...]) -> Usage:
    ins = [t.usage.input_tokens for t in turns if t.usage.input_tokens is not None]
    outs = [t.usage.output_tokens for t in turns if t.usage.output_tokens is not None]
    return Usage(sum(ins) if ins else None, sum(outs) if outs else None)


def totals(turns: tuple[ModelTurn, ...]) -> tuple[float | None, Usage]:
    """Latency and usage summed over turns (None where nothing was reported)."""
    lat = [t.latency_ms for t in turns if t.latency_ms is not None]
    return (round(sum(lat), 3) if lat else None), _sum_usage(turns)


def _results_for(
    case: Case, turn_index: int, turn: ModelTurn, matches: Any
) -> tuple[tuple[ToolCall, Any], ...]:
    scripted = case.turns[turn_index].results
    by_call: dict[int, Any] = {}
    for ei, ai in enumerate(matches or ()):
        if ai is not None:
            by_call[ai] = scripted[ei] if ei < len(scripted) else None
    return tuple((c, by_call.get(i)) for i, c in enumerate(turn.calls))


def run_case(
    case: Case,
    provider_id: str,
    adapter: Any,
    model: str,
    params: Mapping[str, Any],
    exchange: Exchange,
    *,
    grade: Callable[..., Verdict],
    grade_turn: Callable[..., Any],
    profile: str = "default",
) -> CaseOutcome:
    """Run every turn of `case` through `exchange` and grade it (never raises for vendor errors)."""
    history: list[HistoryStep] = []
    turns: list[ModelTurn] = []
    last = len(case.turns) - 1
    strict = getattr(adapter, "sends_strict_schemas", None)
    for ti in range(len(case.turns)):
        try:
            request = adapter.build_request(case, ti, tuple(history), model, params)
        except ValueError as exc:
            if type(exc).__name__ != "UnsupportedCaseError":
                raise
            v = error_verdict(case.id, provider_id, "unsupported", None, str(exc), ti)
            return CaseOutcome(v, tuple(turns), str(exc))
        try:
            wire = exchange(ti, request)
            if wire.status >= 400:
                raise error_from_wire(wire)
            # an error sent after HTTP 200 (in a stream) makes the parser raise ProviderError
            mt = adapter.parse_stream(wire.events) if wire.streaming else adapter.parse_response(wire.body)
        except ProviderError as exc:
            msg = provider_error_message(exc.status, exc.body, exc.vendor_message)
            v = error_verdict(case.id, provider_id, "error", "provider_error", msg, ti)
            return CaseOutcome(v, tuple(turns), msg)
        except StaleCassette as exc:
            v = error_verdict(case.id, provider_id, "stale", "stale_cassette", exc.message, exc.turn)
            return CaseOutcome(v, tuple(turns), exc.message)
        mt = restore_names(mt, case.tools)
        if strict is not None and strict(params):
            mt = strip_strict_nulls(mt, case.tools)
        if wire.latency_ms is not None:
            mt = replace(mt, latency_ms=wire.latency_ms)
        turns.append(mt)
        if ti == last:
            break
        tg = grade_turn(case, ti, mt, profile=profile)
        if tg.failures:
            break
        history.append(HistoryStep(turn=mt, results=_results_for(case, ti, mt, tg.matches)))
    verdict = grade(case, tuple(turns), provider_id=provider_id, profile=profile)
    return CaseOutcome(verdict, tuple(turns))
