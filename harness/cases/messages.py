"""Checks on a case's conversation prefix (`messages:`) and its conversion to `Message`s.

Every call of an assistant message needs a tool message answering it before the next
non-tool message; a tool message without `tool_call_id` answers the next unanswered call;
calls without `id` get `call_m<message>_<index>`. `add(path, message, severity)` records a
problem at a path relative to the case.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from harness.errors import suggest
from harness.model import Message, Tool, ToolCall

__all__ = ["check_messages"]

Path = tuple[str | int, ...]


def check_messages(raw: Any, offered: Mapping[str, Tool], add: Any) -> list[Message]:
    """Check a conversation prefix and build its messages (tool messages paired with calls)."""
    messages: list[Message] = []
    if not isinstance(raw, list):
        return messages
    pending: list[ToolCall] = []
    answered: set[str] = set()
    pending_at: int | None = None
    saw_user = False
    for i, m in enumerate(raw):
        if not isinstance(m, Mapping) or m.get("role") not in ("system", "user", "assistant", "tool"):
            continue
        role = m["role"]
        p = ("messages", i)
        if role != "tool" and pending_at is not None:
            _unanswered(pending, answered, pending_at, add)
            pending, pending_at = [], None
        if role == "system" and any(x.role != "system" for x in messages):
            add(
                p,
                "a system message after the conversation started: several vendors take one system "
                "prompt at the start only",
                "warning",
            )
        content = m.get("content")
        if role == "assistant":
            calls = []
            for j, c in enumerate(m.get("tool_calls") or ()):
                if not isinstance(c, Mapping) or not isinstance(c.get("name"), str):
                    continue
                if c["name"] not in offered:
                    add(
                        (*p, "tool_calls", j, "name"),
                        f"the conversation calls {c['name']!r}, which the case "
                        f"does not offer{suggest(c['name'], list(offered))} (vendors reject such a history)",
                    )
                args = c.get("arguments", {})
                cid = c.get("id") if isinstance(c.get("id"), str) else f"call_m{i}_{j}"
                calls.append(
                    ToolCall(
                        name=c["name"],
                        arguments=dict(args) if isinstance(args, Mapping) else {},
                        raw_arguments=None,
                        id=cid,
                    )
                )
            if not calls and not content:
                add(p, "an assistant message needs content or tool_calls")
            messages.append(
                Message(
                    role="assistant",
                    content=content if isinstance(content, str) else None,
                    tool_calls=tuple(calls),
                )
            )
            pending, answered, pending_at = calls, set(), (i if calls else None)
            continue
        if role == "tool":
            messages.append(_tool_message(m, p, pending, answered, add))
            continue
        saw_user = saw_user or role == "user"
        messages.append(Message(role=role, content=content if isinstance(content, str) else None))
    if pending_at is not None:
        _unanswered(pending, answered, pending_at, add)
    if messages and not saw_user:
        add(("messages",), "the conversation has no user message")
    if messages and messages[-1].role not in ("user", "tool"):
        add(
            ("messages", len(raw) - 1),
            "the conversation must end with a user or tool message (the model answers next)",
        )
    return messages


def _tool_message(
    m: Mapping[str, Any], p: Path, pending: list[ToolCall], answered: set[str], add: Any
) -> Message:
    content = m.get("content")
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    if not pending:
        add(p, "a tool message must follow an assistant message with tool_calls (or another tool message)")
        return Message(role="tool", content=text, tool_call_id=m.get("tool_call_id"), name=m.get("name"))
    call_id = m.get("tool_call_id")
    by_id = {c.id: c for c in pending}
    if isinstance(call_id, str):
        call = by_id.get(call_id)
        if call is None:
            add(
                (*p, "tool_call_id"),
                f"no call with id {call_id!r} in the assistant message before; "
                f"ids there: {', '.join(str(c.id) for c in pending)}",
            )
    else:
        call = next((c for c in pending if c.id not in answered), None)
        if call is None:
            add(p, "more tool messages than calls in the assistant message before")
    name = m.get("name")
    if call is not None:
        answered.add(str(call.id))
        if isinstance(name, str) and name != call.name:
            add((*p, "name"), f"names {name!r} but answers call {call.id!r} to {call.name!r}")
        name = call.name
    return Message(role="tool", content=text, tool_call_id=call.id if call else call_id, name=name)


def _unanswered(pending: list[ToolCall], answered: set[str], at: int, add: Any) -> None:
    missing = [c for c in pending if c.id not in answered]
    if missing:
        add(
            ("messages", at, "tool_calls"),
            "call(s) without a tool message answering them: "
            f"{', '.join(f'{c.name} ({c.id})' for c in missing)} (vendors reject such a history)",
        )
