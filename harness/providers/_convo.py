"""Vendor-neutral helpers the anthropic, gemini and bedrock adapters share.

A case's conversation prefix may leave call ids out; `prefix_messages` fills them in so every
tool result can be paired with its call. `step_results` lists, for one earlier turn, every call
the model made with the result to send back (a placeholder error for a call the case scripted no
result for, since these vendors reject a call left unanswered).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from harness._io import loads_json
from harness.model import Case, Message
from harness.providers._common import encode_result, sse_events_from_text
from harness.providers.base import HistoryStep

__all__ = [
    "NO_RESULT",
    "StepResult",
    "conversation",
    "encode_result",
    "iter_sse",
    "json_object_or_none",
    "merge_roles",
    "prefix_messages",
    "step_results",
    "system_text",
]

#: Sent as an error result for a call the case scripted no result for.
NO_RESULT = "fc-harness: no result is scripted for this call"


@dataclass(frozen=True)
class StepResult:
    """One call of an earlier turn and the result sent back for it."""

    call_id: str | None
    name: str
    value: Any
    is_error: bool = False


def system_text(case: Case) -> str | None:
    """Return the case's system messages joined by blank lines, or None."""
    parts = [m.content for m in case.messages if m.role == "system" and m.content]
    return "\n\n".join(parts) if parts else None


def prefix_messages(case: Case) -> list[Message]:
    """Return the non-system prefix messages with call ids and tool names filled in."""
    out: list[Message] = []
    pending: list[tuple[str, str]] = []  # (id, name) of calls not yet answered
    names: dict[str, str] = {}
    for i, m in enumerate(case.messages):
        if m.role == "system":
            continue
        if m.role == "assistant" and m.tool_calls:
            calls = []
            for j, c in enumerate(m.tool_calls):
                new_id = c.id or f"call_{i}_{j}"
                calls.append(replace(c, id=new_id))
                pending.append((new_id, c.name))
                names[new_id] = c.name
            out.append(replace(m, tool_calls=tuple(calls)))
        elif m.role == "tool":
            cid: str | None = m.tool_call_id
            if cid is None and pending:
                cid = pending[0][0]
            pending = [p for p in pending if p[0] != cid]
            name = m.name or names.get(cid or "", "")
            out.append(replace(m, tool_call_id=cid, name=name))
        else:
            out.append(m)
    return out


def step_results(step: HistoryStep) -> list[StepResult]:
    """Return a result for every call of `step.turn`, in call order."""
    scripted = list(step.results)
    out: list[StepResult] = []
    for call in step.turn.calls:
        for k, (c, value) in enumerate(scripted):
            if c is call or c == call:
                out.append(StepResult(call.id, call.name, value))
                del scripted[k]
                break
        else:
            out.append(StepResult(call.id, call.name, NO_RESULT, is_error=True))
    # Results for calls that are not in the turn (should not happen) are still sent.
    out.extend(StepResult(c.id, c.name, v) for c, v in scripted)
    return out


def json_object_or_none(text: str) -> dict[str, Any] | None:
    """Decode `text` as a JSON object (empty text means `{}`); None if it is not one."""
    if not text.strip():
        return {}
    try:
        value = loads_json(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def merge_roles(messages: Sequence[dict[str, Any]], key: str = "content") -> list[dict[str, Any]]:
    """Merge consecutive messages of the same role by concatenating their `key` lists."""
    out: list[dict[str, Any]] = []
    for m in messages:
        if out and out[-1]["role"] == m["role"]:
            out[-1] = {**out[-1], key: [*out[-1][key], *m[key]]}
        else:
            out.append(dict(m))
    return out


def conversation(
    case: Case,
    history: Sequence[HistoryStep],
    turn_index: int,
    message: Callable[[Message], dict[str, Any]],
    step: Callable[[HistoryStep], list[dict[str, Any]]],
    key: str = "content",
) -> list[dict[str, Any]]:
    """Return the prefix and the turns before `turn_index` in a vendor's shape, merged by role.

    Messages whose `key` list is empty are dropped before consecutive same-role ones merge.
    """
    out = [message(m) for m in prefix_messages(case)]
    for earlier in history[:turn_index]:
        out.extend(step(earlier))
    return merge_roles([m for m in out if m[key]], key)


def iter_sse(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """Decode server-sent event lines into `{"event": name | None, "data": <decoded JSON>}` (no comments)."""
    return (event for event in sse_events_from_text(lines) if "comment" not in event)
