"""The user turns of an executable-backend case (`backends:` plus `turns:`).

Each turn is what the user says and what must hold once the model has answered it:

    turns:
      - expect: [{call: get_weather, arguments: {city: Beijing}}]   # optional: calls of the turn
        expect_state: {Booking: {tickets: []}}                       # optional: backend state after it
      - messages: [{role: user, content: "Then book the train."}]    # opens turns after the first
        tools: [...]                                                 # optional: tools added from here on
        expect_state: {Booking: {tickets: {$contains: {train: G1}}}}

The calls are executed against the backends (never scripted), so `results:` does not apply.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from harness.grading.spec_checks import check_spec
from harness.model import ExpectedCall, Message, Tool, Turn

__all__ = ["build_user_turn"]

Path = tuple[str | int, ...]


def _messages(raw: Any, path: Path, add: Callable[..., None]) -> tuple[Message, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        add(path, "expected a list of {role: user, content: ...} messages")
        return ()
    out = []
    for i, m in enumerate(raw):
        if (
            not isinstance(m, Mapping)
            or m.get("role") not in ("user", "system")
            or not isinstance(m.get("content"), str)
        ):
            add((*path, i), "a turn opens with user (or system) messages: {role: user, content: text}")
            continue
        out.append(Message(m["role"], m["content"]))
    return tuple(out)


def build_user_turn(
    raw: Mapping[str, Any],
    path: Path,
    offered: Mapping[str, Tool],
    tools: list[Tool],
    add: Callable[..., None],
) -> Turn:
    """Check one user turn of an executable-backend case (its `tools:` already parsed) and build it."""
    if "results" in raw:
        add((*path, "results"), "a case with backends executes the calls: results are not scripted")
    index = path[1] if len(path) > 1 and isinstance(path[1], int) else 0
    messages = _messages(raw.get("messages"), (*path, "messages"), add)
    if index and not messages and not raw.get("tools"):
        add((*path, "messages"), f"turn {index} has no user message (and adds no tools)")
    if index == 0 and messages:
        add((*path, "messages"), "turn 0 is opened by the case's messages: put these there")
    for tool in tools:
        if tool.name in offered:
            add((*path, "tools"), f"tool {tool.name!r} is already offered before turn {index}")
    state = raw.get("expect_state")
    if state is not None:
        if not isinstance(state, Mapping) or not all(isinstance(v, Mapping) for v in state.values()):
            add((*path, "expect_state"), "expected backend name → {attribute: matcher}")
            state = None
        else:
            for p, message in check_spec(dict(state), (*path, "expect_state")):
                add(p, message)
    expect_raw = raw.get("expect")
    expect = []
    if isinstance(expect_raw, list):
        for item in expect_raw:
            if isinstance(item, Mapping) and isinstance(item.get("call"), str):
                args = item.get("arguments", {})
                expect.append(ExpectedCall(item["call"], args if isinstance(args, Mapping) else {}))
    for p, message in check_spec(raw.get("expect_text"), (*path, "expect_text")):
        add(p, message)
    return Turn(
        expect=tuple(expect),
        expect_text=raw.get("expect_text"),
        messages=messages,
        tools=tuple(tools),
        expect_state=dict(state) if state is not None else None,
        check_calls=expect_raw is not None,
    )
