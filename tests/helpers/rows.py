"""Crafted result rows for report tests: several providers, Chinese prompts, every kind of outcome.

The provider ids say what they are: `crafted-*` rows are hand-written for tests and
`emulator-*` rows stand for emulator traffic; none is a real vendor's answer.
"""

from __future__ import annotations

import copy
from typing import Any

from harness.model import Failure, ModelTurn, ToolCall, Usage, Verdict
from harness.run.results import ResultRow

RUN_ID = "20261127-000000-test"

WEATHER = {
    "name": "get_weather",
    "description": "查询某城市某天的天气",
    "parameters": {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "date": {"type": "string", "format": "date"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
        "required": ["city", "date"],
    },
}
TRAIN = {
    "name": "book_train",
    "description": "Book a train ticket",
    "parameters": {
        "type": "object",
        "properties": {"from": {"type": "string"}, "to": {"type": "string"}, "date": {"type": "string"}},
        "required": ["from", "to", "date"],
    },
}
STOCK = {
    "name": "get_stock_price",
    "description": "Latest price of a ticker",
    "parameters": {"type": "object", "properties": {"ticker": {"type": "string"}}, "required": ["ticker"]},
}

#: case id → (category, tags, source, prompt, tools, turns: list of expected calls lists)
CASES: dict[str, tuple[str, tuple[str, ...], str, str, list[dict[str, Any]], list[list[dict[str, Any]]]]] = {
    "weather.beijing.tomorrow": (
        "simple",
        ("zh", "weather"),
        "cases/travel/weather.yaml",
        "明天北京天气怎么样？今天是 2026-11-27。",
        [WEATHER],
        [[{"call": "get_weather", "arguments": {"city": "北京", "date": "2026-11-28"}}]],
    ),
    "weather.shanghai.fahrenheit": (
        "simple",
        ("zh", "weather"),
        "cases/travel/weather.yaml",
        "上海今天多少华氏度？今天是 2026-11-27。",
        [WEATHER],
        [
            [
                {
                    "call": "get_weather",
                    "arguments": {"city": "上海", "date": "2026-11-27", "unit": "fahrenheit"},
                }
            ]
        ],
    ),
    "irrelevance.joke": (
        "irrelevance",
        ("zh",),
        "cases/irrelevance.yaml",
        "给我讲个笑话吧。",
        [WEATHER],
        [[]],
    ),
    "parallel.two_cities": (
        "parallel",
        ("weather",),
        "cases/travel/weather.yaml",
        "What's the weather in Paris and in Tokyo on 2026-12-01?",
        [WEATHER],
        [
            [
                {"call": "get_weather", "arguments": {"city": "Paris", "date": "2026-12-01"}},
                {"call": "get_weather", "arguments": {"city": "Tokyo", "date": "2026-12-01"}},
            ]
        ],
    ),
    "multiple.stock": (
        "multiple",
        ("finance",),
        "cases/finance.yaml",
        "How much is NVDA right now?",
        [WEATHER, STOCK],
        [[{"call": "get_stock_price", "arguments": {"ticker": "NVDA"}}]],
    ),
    "multi_turn.weather_train": (
        "multi_turn",
        ("zh", "travel"),
        "cases/travel/chain.yaml",
        "如果明天上海下雨，就帮我订一张明天从上海到北京的火车票。今天是 2026-11-27。",
        [WEATHER, TRAIN],
        [
            [{"call": "get_weather", "arguments": {"city": "上海", "date": "2026-11-28"}}],
            [{"call": "book_train", "arguments": {"from": "上海", "to": "北京", "date": "2026-11-28"}}],
        ],
    ),
}

PROVIDERS = {
    "crafted-openai-chat": ("openai-chat", "gpt-4o-mini"),
    "crafted-anthropic": ("anthropic", "claude-3-5-haiku"),
    "emulator-gemini": ("gemini", "emulator"),
}

#: provider → case → outcome per trial
OUTCOMES: dict[str, dict[str, list[str]]] = {
    "crafted-openai-chat": {
        "weather.beijing.tomorrow": ["wrong_value"],
        "weather.shanghai.fahrenheit": ["pass"],
        "irrelevance.joke": ["unexpected_call"],
        "parallel.two_cities": ["pass"],
        "multiple.stock": ["pass"],
        "multi_turn.weather_train": ["pass"],
    },
    "crafted-anthropic": {
        "weather.beijing.tomorrow": ["pass"],
        "weather.shanghai.fahrenheit": ["missing_argument"],
        "irrelevance.joke": ["pass"],
        "parallel.two_cities": ["missing_call"],
        "multiple.stock": ["error"],
        "multi_turn.weather_train": ["stale"],
    },
    "emulator-gemini": {
        "weather.beijing.tomorrow": ["pass", "pass", "pass"],
        "weather.shanghai.fahrenheit": ["pass", "wrong_value", "pass"],
        "irrelevance.joke": ["pass", "pass", "pass"],
        "parallel.two_cities": ["unsupported", "unsupported", "unsupported"],
        "multiple.stock": ["hallucinated_function", "hallucinated_function", "hallucinated_function"],
        "multi_turn.weather_train": ["invalid_arguments_json", "pass", "pass"],
    },
}


def case_dict(case_id: str) -> dict[str, Any]:
    """Return the `case_summary`-shaped dict of a crafted case."""
    _, _, _, prompt, tools, turns = CASES[case_id]
    return {
        "messages": [{"role": "user", "content": prompt}],
        "tools": tools,
        "turns": [{"expect": e, "expect_text": None} for e in turns],
        "tool_choice": "auto",
    }


def _calls(expected: list[dict[str, Any]]) -> tuple[ToolCall, ...]:
    return tuple(
        ToolCall(e["call"], copy.deepcopy(e["arguments"]), None, f"call_{i}") for i, e in enumerate(expected)
    )


def make_row(
    case_id: str,
    provider_id: str,
    outcome: str = "pass",
    *,
    trial: int = 1,
    latency_ms: float | None = 800.0,
    usage: Usage | None = None,
    category: str | None = None,
    model: str | None = None,
) -> ResultRow:
    """Build one realistic row for a crafted case and an outcome (`pass` or a failure kind)."""
    cat, tags, source, _, _, turns = CASES[case_id]
    kind, default_model = PROVIDERS.get(provider_id, ("openai-chat", "gpt-4o-mini"))
    expected = turns[0]
    calls = _calls(expected)
    text: str | None = None
    failures: tuple[Failure, ...] = ()
    sel = args = schema = True
    status = "pass"
    error: str | None = None
    model_turns: tuple[ModelTurn, ...]
    if outcome == "wrong_value":
        c0 = calls[0]
        args_ = dict(c0.arguments or {})
        key = "date" if "date" in args_ else next(iter(args_))
        good = args_[key]
        args_[key] = ("2026-11-27" if good != "2026-11-27" else "2026-11-26") if key == "date" else f"{good}x"
        calls = (ToolCall(c0.name, args_, None, c0.id), *calls[1:])
        failures = (
            Failure(
                "wrong_value",
                f"root['{key}']: expected {good!r}, got {args_[key]!r}",
                call=0,
                path=f"root['{key}']",
                expected=good,
                actual=args_[key],
            ),
        )
        args = False
    elif outcome == "missing_argument":
        c0 = calls[0]
        args_ = {k: v for k, v in (c0.arguments or {}).items() if k != "unit"}
        calls = (ToolCall(c0.name, args_, None, c0.id),)
        failures = (
            Failure(
                "missing_argument",
                "root['unit']: expected 'fahrenheit', missing",
                call=0,
                path="root['unit']",
            ),
        )
        args = False
    elif outcome == "unexpected_call":
        calls = (ToolCall("get_weather", {"city": "北京", "date": "2026-11-27"}, None, "call_0"),)
        failures = (Failure("unexpected_call", "expected no call, got get_weather", call=0),)
        sel = args = False
    elif outcome == "missing_call":
        calls = calls[:1]
        failures = (Failure("missing_call", "expected call 1 get_weather(Tokyo) was not made", call=1),)
        sel = args = False
    elif outcome == "hallucinated_function":
        calls = (ToolCall("get_stock_quote", {"symbol": "NVDA"}, None, "call_0"),)
        failures = (
            Failure(
                "hallucinated_function",
                "called get_stock_quote, which is not offered (offered: get_weather, get_stock_price)",
                call=0,
            ),
        )
        sel = args = schema = False
    elif outcome == "invalid_arguments_json":
        calls = (ToolCall("get_weather", None, '{"city": "上海", "date": ', "call_0"),)
        failures = (
            Failure("invalid_arguments_json", "arguments are not a JSON object: '{\"city\": ...'", call=0),
        )
        args = schema = False
    elif outcome == "error":
        status, calls, sel, args, schema = "error", (), False, False, False
        error = "status_code: 429, model_name: claude-3-5-haiku, message: rate limited"
        failures = (Failure("provider_error", error),)
    elif outcome == "stale":
        status, calls, sel, args, schema = "stale", (), False, False, False
        error = "cassette no longer matches the case; re-record with: fcharness record -p x -k y"
        failures = (Failure("stale_cassette", "root['messages'][0]['content']: changed"),)
    elif outcome == "unsupported":
        status, calls, sel, args, schema = "unsupported", (), False, False, False
        error = "gemini cannot force parallel calls"
    elif outcome != "pass":
        raise ValueError(outcome)
    if outcome == "pass" and not expected:
        text = "好的：为什么程序员分不清万圣节和圣诞节？因为 Oct 31 == Dec 25。"
    if status in ("pass", "fail") and failures:
        status = "fail"
    u = usage if usage is not None else Usage(120, 30)
    if status in ("unsupported", "stale", "error"):
        model_turns = ()
        u = usage if usage is not None else Usage()
        latency_ms = None if status != "error" else latency_ms
    else:
        n_turns = len(turns) if status == "pass" else 1
        model_turns = tuple(
            ModelTurn(
                calls=calls if i == 0 else _calls(turns[i]),
                text=text,
                finish_reason="tool_calls" if calls else "stop",
                usage=u,
                latency_ms=latency_ms,
            )
            for i in range(n_turns)
        )
    verdict = Verdict(case_id, provider_id, status == "pass", sel, args, schema, failures, status)  # type: ignore[arg-type]
    return ResultRow(
        run_id=RUN_ID,
        case_id=case_id,
        provider_id=provider_id,
        kind=kind,
        model=model or default_model,
        category=category or cat,
        verdict=verdict,
        tags=tags,
        source=source,
        trial=trial,
        turns=model_turns,
        latency_ms=latency_ms,
        usage=u,
        error=error,
        cassette=f"cassettes/{provider_id}/{case_id}.yaml",
        case=case_dict(case_id),
    )


def demo_rows() -> list[ResultRow]:
    """Every crafted case × provider × trial (the emulator provider has 3 trials)."""
    rows: list[ResultRow] = []
    for pid, cases in OUTCOMES.items():
        for cid, outcomes in cases.items():
            for i, outcome in enumerate(outcomes):
                trial = i + 1  # trials are numbered from 1, as the runner does
                rows.append(make_row(cid, pid, outcome, trial=trial, latency_ms=500.0 + 100 * i))
    return rows
