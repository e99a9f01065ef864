"""Small builders for grading tests: cases, calls and model turns in one line each."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from harness.model import Case, ExpectedCall, Message, ModelTurn, Tool, ToolCall, Turn

WEATHER = Tool(
    "get_weather",
    "获取指定城市的天气信息",
    {
        "type": "object",
        "properties": {
            "location": {"type": "string"},
            "date": {"type": "string", "format": "date"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "days": {"type": "integer", "minimum": 1},
        },
        "required": ["location"],
    },
)
TIME = Tool(
    "get_time",
    "current time",
    {"type": "object", "properties": {"timezone": {"type": "string"}}, "required": ["timezone"]},
)
TRAIN = Tool(
    "train.book",
    "book a train (a dotted name, as some vendors forbid)",
    {
        "type": "object",
        "properties": {"from": {"type": "string"}, "to": {"type": "string"}},
        "required": ["from", "to"],
    },
)
DEFAULT_TOOLS = (WEATHER, TIME, TRAIN)


def expected(name: str, **arguments: Any) -> ExpectedCall:
    """An expected call."""
    return ExpectedCall(name, arguments)


def make_case(
    *expect: ExpectedCall | tuple[str, Mapping[str, Any]],
    turns: Sequence[Sequence[ExpectedCall]] | None = None,
    texts: Sequence[Any] | None = None,
    tools: Sequence[Tool] = DEFAULT_TOOLS,
    id: str = "t.case",
    **kw: Any,
) -> Case:
    """A case: single-turn from `expect`, or multi-turn from `turns` (+ `texts`)."""

    def norm(e: ExpectedCall | tuple[str, Mapping[str, Any]]) -> ExpectedCall:
        return e if isinstance(e, ExpectedCall) else ExpectedCall(e[0], e[1])

    if turns is None:
        built = (Turn(tuple(norm(e) for e in expect), expect_text=kw.pop("expect_text", None)),)
    else:
        texts = list(texts or [None] * len(turns))
        built = tuple(
            Turn(tuple(norm(e) for e in t), expect_text=x) for t, x in zip(turns, texts, strict=True)
        )
    category = kw.pop("category", "simple")
    return Case(id, category, (Message("user", "q"),), tuple(tools), built, **kw)


def call(name: str, arguments: Any = None, /, **kw: Any) -> ToolCall:
    """An actual call; `arguments` may be a dict, or a str taken as raw (invalid) JSON text."""
    if isinstance(arguments, str):
        try:
            decoded = json.loads(arguments)
        except ValueError:
            decoded = None
        return ToolCall(name, decoded if isinstance(decoded, dict) else None, arguments)
    return ToolCall(name, dict(arguments if arguments is not None else kw))


def turn(*calls: ToolCall, text: str | None = None) -> ModelTurn:
    """A model turn."""
    return ModelTurn(calls=tuple(calls), text=text)


def kinds(verdict_or_grade: Any) -> list[str]:
    """The failure kinds, in order."""
    return [f.kind for f in verdict_or_grade.failures]
