"""Hand-built cases and scripts shared by the emulator tests (no case loader needed)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from harness.emulator.server import EmulatorHandle, start_emulator
from harness.model import Case, ExpectedCall, Message, Tool, Turn

WEATHER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "location": {"type": "string", "description": "城市名称"},
        "date": {"type": "string", "description": "YYYY-MM-DD"},
    },
    "required": ["location", "date"],
}
WEATHER = Tool("get_weather", "获取指定城市的天气信息", WEATHER_SCHEMA)
TRAIN = Tool(
    "book_train",
    "Book a train ticket",
    {"type": "object", "properties": {"origin": {"type": "string"}, "destination": {"type": "string"}}},
)

PROMPTS = {
    "weather": "查询北京明天的天气",
    "parallel": "What is the weather in Paris and in Rome on 2025-06-22?",
    "irrelevant": "Tell me a joke about cats.",
    "chain": "If it rains in Beijing tomorrow, book me a train to Shanghai.",
    "rate-limited": "Rate limited weather please",
    "broken": "This one always breaks",
    "rejected": "This one is rejected",
    "malformed": "Weather with broken arguments",
    "slow": "Slow weather please",
    "hallucinated": "Weather via an invented function",
    "variant": "Weather that depends on the vendor",
    "fewshot": "Weather after an example",
    "dotted": "Area of a circle of radius 2?",
    "midstream": "Weather that breaks off mid-stream",
}
CIRCLE = Tool(
    "geometry.circle_area",
    "Area of a circle",
    {"type": "object", "properties": {"radius": {"type": "number"}}, "required": ["radius"]},
)


def _case(
    cid: str, *, tools: tuple[Tool, ...] = (WEATHER,), turns: int = 1, prefix: tuple[Message, ...] = ()
) -> Case:
    expect = (ExpectedCall("get_weather", {"location": "北京", "date": "2025-06-22"}),)
    return Case(
        id=cid,
        category="multi_turn" if turns > 1 else "simple",
        messages=(*prefix, Message("user", PROMPTS.get(cid.split("@")[0], cid))),
        tools=tools,
        turns=tuple(Turn(expect=expect) for _ in range(turns)),
    )


def cases() -> list[Case]:
    """Return the hand-built cases the emulator tests use."""
    fewshot_prefix = (
        Message("user", "Weather after an example"),
        Message("assistant", "Example answer."),
    )
    out = [_case(cid) for cid in PROMPTS if cid not in ("chain", "fewshot", "dotted")]
    out.append(_case("dotted", tools=(CIRCLE,)))
    out.append(_case("chain", tools=(WEATHER, TRAIN), turns=2))
    # a case whose conversation prefix already holds an assistant turn
    out.append(
        Case(
            id="fewshot",
            category="simple",
            messages=fewshot_prefix,
            tools=(WEATHER,),
            turns=(Turn(expect=()),),
        )
    )
    # two cases sharing the weather prompt, told apart by the offered tools
    shared = _case("weather-with-train", tools=(WEATHER, TRAIN))
    out.append(replace(shared, messages=(Message("user", PROMPTS["weather"]),)))
    return out


BEIJING = {"name": "get_weather", "arguments": {"location": "北京", "date": "2025-06-22"}}

SCRIPTS: dict[str, Any] = {
    "description": "emulator test scripts",
    "scripts": [
        {"case": "weather", "turns": [{"calls": [BEIJING]}]},
        {"case": "weather-with-train", "turns": [{"calls": [{"name": "book_train", "arguments": {}}]}]},
        {
            "case": "parallel",
            "turns": [
                {
                    "calls": [
                        {"name": "get_weather", "arguments": {"location": "Paris", "date": "2025-06-22"}},
                        {"name": "get_weather", "arguments": {"location": "Rome", "date": "2025-06-22"}},
                    ]
                }
            ],
        },
        {
            "case": "irrelevant",
            "turns": [{"text": "Why did the cat sit on the computer? To keep an eye on the mouse."}],
        },
        {
            "case": "chain",
            "turns": [
                {"calls": [BEIJING], "text": "Let me check the weather first."},
                {"calls": [{"name": "book_train", "arguments": {"origin": "北京", "destination": "上海"}}]},
            ],
        },
        {
            "case": "rate-limited",
            "turns": [{"calls": [BEIJING], "fault": {"status": 429, "retry_after": 1, "times": 1}}],
        },
        {"case": "broken", "turns": [{"fault": {"status": 500}}]},
        {
            "case": "rejected",
            "turns": [{"fault": {"status": 400, "message": "emulated: tools[0] is invalid"}}],
        },
        {
            "case": "malformed",
            "turns": [{"calls": [{"name": "get_weather", "arguments_raw": '{"location": "北京", "date": '}]}],
        },
        {"case": "slow", "turns": [{"calls": [BEIJING], "delay_ms": 400}]},
        {
            "case": "hallucinated",
            "turns": [{"calls": [{"name": "weather_lookup", "arguments": {"city": "北京"}}]}],
        },
        {
            "case": "variant",
            "turns": [{"calls": [BEIJING]}],
            "by_kind": {
                "anthropic": {
                    "turns": [
                        {
                            "calls": [
                                {
                                    "name": "get_weather",
                                    "arguments": {"location": "北京", "date": "2025-06-21"},
                                }
                            ]
                        }
                    ]
                }
            },
            "by_provider": {"emulator-special": {"turns": [{"text": "provider-specific answer"}]}},
            "by_model": {
                "emulator-sloppy*": {
                    "turns": [
                        {"calls": [{"name": "get_weather", "arguments": {"location": "北京", "date": "3"}}]}
                    ]
                }
            },
        },
        {"case": "fewshot", "turns": [{"text": "No call needed."}]},
        {
            "case": "midstream",
            "turns": [
                {
                    "calls": [BEIJING],
                    "fault": {"status": 500, "mid_stream": True, "message": "emulated: broke"},
                }
            ],
        },
        {
            "case": "dotted",
            "turns": [{"calls": [{"name": "geometry.circle_area", "arguments": {"radius": 2}}]}],
        },
    ],
}


_OPEN: list[Any] = []


def tracked(client: Any) -> Any:
    """Remember an SDK client so that `close_clients` closes it after the test."""
    _OPEN.append(client)
    return client


@pytest.fixture(autouse=True)
def close_clients() -> Iterator[None]:
    """Close the SDK clients a test opened (their pooled sockets would leak otherwise)."""
    yield
    while _OPEN:
        client = _OPEN.pop()
        if hasattr(client, "close"):
            client.close()
        else:  # the Mistral SDK closes only as a context manager
            client.__exit__(None, None, None)


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorHandle]:
    """A running emulator with the test scripts (module scope; faults reset per test)."""
    with start_emulator(SCRIPTS, cases()) as handle:
        yield handle


@pytest.fixture()
def emu(emulator: EmulatorHandle) -> EmulatorHandle:
    """The module's emulator with fault counters and request log reset."""
    emulator.reset()
    return emulator


def openai_tools(*tools: Tool) -> list[dict[str, Any]]:
    """Return tools in OpenAI chat form."""
    return [
        {
            "type": "function",
            "function": {"name": t.name, "description": t.description, "parameters": dict(t.parameters)},
        }
        for t in tools or (WEATHER,)
    ]
