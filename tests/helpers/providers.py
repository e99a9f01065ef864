"""Helpers for adapter tests: small cases, real wire fixtures, a mock HTTP transport."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from harness.model import Case, ExpectedCall, Message, ModelTurn, Tool, ToolCall, Turn
from harness.providers.base import HistoryStep

WEATHER = Tool(
    name="get_weather",
    description="Get the weather",
    parameters={
        "type": "object",
        "properties": {"location": {"type": "string"}, "date": {"type": "string"}},
        "required": ["location"],
    },
)
DOTTED = Tool(
    name="weather.get.v2",
    description="Dotted name",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}},
)


def make_case(
    tool_choice: Any = "auto",
    *,
    tools: tuple[Tool, ...] = (WEATHER,),
    turns: int = 1,
    messages: tuple[Message, ...] | None = None,
) -> Case:
    """Return a small weather case with `turns` turns."""
    msgs = messages or (
        Message(role="system", content="Today is 2025-06-21."),
        Message(role="user", content="北京明天天气怎么样？"),
    )
    turn = Turn(expect=(ExpectedCall("get_weather", {"location": "北京"}),), results=({"temp": 21},))
    return Case(
        id="t.case",
        category="multi_turn" if turns > 1 else "simple",
        messages=msgs,
        tools=tools,
        turns=(turn,) * turns,
        tool_choice=tool_choice,
    )


def weather_history(call_id: str | None = "call_1", result: Any = None) -> list[HistoryStep]:
    """Return one history step: a get_weather call answered with `result`."""
    call = ToolCall("get_weather", {"location": "北京"}, '{"location": "北京"}', call_id)
    turn = ModelTurn(calls=(call,), text=None, raw_assistant={"role": "assistant"})
    value = {"temp": 21, "sky": "晴"} if result is None else result
    return [HistoryStep(turn=turn, results=((call, value),))]


def wire_records(wire_dir: Path, kind: str) -> dict[str, list[dict[str, Any]]]:
    """Return the fixture lines whose adapter_kind is `kind`, grouped by file name."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for path in sorted(wire_dir.glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                if rec["adapter_kind"] == kind:
                    out[path.name].append(rec)
    return dict(out)


def neutral_calls(turn: ModelTurn) -> list[dict[str, Any]]:
    """Return the calls of `turn` in the fixtures' `expected_calls` shape."""
    return [{"name": c.name, "arguments": c.arguments} for c in turn.calls]


def check_records(adapter: Any, records: list[dict[str, Any]]) -> Iterator[str]:
    """Yield a message for each record whose parse differs from its expected calls or text."""
    for rec in records:
        resp = rec["response"]
        body = resp["body"]
        turn = adapter.parse_stream(body) if resp["streaming"] else adapter.parse_response(body)
        got = neutral_calls(turn)
        if got != rec["expected_calls"]:
            yield f"{rec['case_id']}: calls {got!r} != {rec['expected_calls']!r}"
        if (turn.text or "") != (rec["expected_text"] or ""):
            yield f"{rec['case_id']}: text {turn.text!r} != {rec['expected_text']!r}"


def mock_transport(
    httpx_module: Any, status: int, body: Any, headers: dict[str, str] | None = None
) -> tuple[Any, list[Any]]:
    """Return `(transport, seen_requests)` answering every request with `status` and `body`."""
    seen: list[Any] = []

    def handler(request: Any) -> Any:
        seen.append(request)
        if isinstance(body, (bytes, str)):
            return httpx_module.Response(status, content=body, headers=headers or {})
        return httpx_module.Response(status, json=body, headers=headers or {})

    return httpx_module.MockTransport(handler), seen


Handler = Callable[[Any], Any]


def _listify(tp: Any) -> Any:
    """Replace `Iterable[X]` by `list[X]` (pydantic validates Iterables lazily)."""
    import collections.abc
    import typing

    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is collections.abc.Iterable:
        return list[_listify(args[0])]  # type: ignore[misc]
    if origin is typing.Union:
        return typing.Union[tuple(_listify(a) for a in args)]  # noqa: UP007
    return tp


def sdk_validate_typed(typed: Any, body: dict[str, Any]) -> None:
    """Validate `body` against an SDK request TypedDict: known keys only, each field's type."""
    import typing

    import pydantic

    hints = typing.get_type_hints(typed)
    unknown = set(body) - set(hints)
    assert not unknown, f"keys the SDK does not know: {unknown}"
    required = getattr(typed, "__required_keys__", frozenset())
    missing = set(required) - set(body)
    assert not missing, f"required keys missing: {missing}"
    for key, value in body.items():
        pydantic.TypeAdapter(_listify(hints[key])).validate_python(value)
