"""openai-responses adapter: requests against the SDK's types, every recorded response, errors."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import httpx2
import pytest
from openai.types.responses import Response
from openai.types.responses import response_create_params as rcp

from harness.errors import ProviderError
from harness.providers import get_adapter
from harness.providers.openai_responses import ADAPTER
from tests.helpers.providers import (
    DOTTED,
    check_records,
    make_case,
    mock_transport,
    sdk_validate_typed,
    weather_history,
    wire_records,
)


def sdk_validate(body: dict[str, Any]) -> None:
    """Validate a body against the SDK's `ResponseCreateParams` TypedDicts."""
    typed = rcp.ResponseCreateParamsStreaming if body.get("stream") else rcp.ResponseCreateParamsNonStreaming
    sdk_validate_typed(typed, body)


@pytest.mark.parametrize(
    ("choice", "wire"),
    [
        ("auto", "auto"),
        ("none", "none"),
        ("required", "required"),
        ({"name": "weather.get.v2"}, {"type": "function", "name": "weather_get_v2"}),
    ],
)
def test_flat_tools_and_tool_choice(choice: Any, wire: Any) -> None:
    case = make_case(choice, tools=(make_case().tools[0], DOTTED))
    body = ADAPTER.build_request(case, 0, [], "gpt-4.1", {"temperature": 0, "max_tokens": 100, "seed": 1})
    assert body["tool_choice"] == wire
    assert body["tools"][0] == {
        "type": "function",
        "name": "get_weather",
        "description": "Get the weather",
        "parameters": case.tools[0].parameters,
        "strict": False,
    }
    assert body["max_output_tokens"] == 100 and "seed" not in body
    assert body["input"][1] == {"role": "user", "content": "北京明天天气怎么样？"}
    sdk_validate(body)


def test_history_echoes_items_then_outputs() -> None:
    items = [
        {"type": "reasoning", "id": "rs_1", "summary": []},
        {
            "type": "function_call",
            "id": "fc_1",
            "call_id": "call_1",
            "name": "get_weather",
            "arguments": '{"location": "北京"}',
            "status": "completed",
        },
    ]
    hist = weather_history()
    hist = [replace(hist[0], turn=replace(hist[0].turn, raw_assistant=items))]
    body = ADAPTER.build_request(
        make_case(turns=2), 1, hist, "m", {"stream": True, "parallel_tool_calls": False}
    )
    assert body["input"][2:] == [
        *items,
        {"type": "function_call_output", "call_id": "call_1", "output": '{"temp": 21, "sky": "晴"}'},
    ]
    assert body["parallel_tool_calls"] is False
    sdk_validate(body)
    # without raw items, the call is rebuilt from the neutral turn
    body = ADAPTER.build_request(make_case(turns=2), 1, weather_history(result="ok"), "m", {})
    assert body["input"][2]["type"] == "function_call" and body["input"][2]["call_id"] == "call_1"
    assert body["input"][3]["output"] == "ok"
    sdk_validate(body)


def test_parse_ignores_builtin_calls_and_reasoning() -> None:
    body = {
        "id": "resp_1",
        "object": "response",
        "created_at": 1,
        "model": "gpt-4.1",
        "status": "completed",
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "output": [
            {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "think"}]},
            {
                "type": "web_search_call",
                "id": "ws_1",
                "status": "completed",
                "action": {"type": "search", "query": "q"},
            },
            {
                "type": "message",
                "id": "m1",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": "Looking.", "annotations": []}],
            },
            {
                "type": "function_call",
                "id": "fc_1",
                "call_id": "call_9",
                "name": "f",
                "arguments": '{"a": 1}',
                "status": "completed",
            },
        ],
        "usage": {
            "input_tokens": 4,
            "output_tokens": 2,
            "total_tokens": 6,
            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens_details": {"reasoning_tokens": 0},
        },
    }
    Response.model_validate(body)  # the SDK's own response model accepts this body
    turn = ADAPTER.parse_response(body)
    assert [(c.name, c.arguments, c.id) for c in turn.calls] == [("f", {"a": 1}, "call_9")]
    assert turn.text == "Looking." and turn.finish_reason == "completed" and turn.usage.output_tokens == 2


def test_stream_error_event_raises() -> None:
    events = [
        {"event": "response.created", "data": {"type": "response.created", "response": {}}},
        {"event": "error", "data": {"type": "error", "code": "server_error", "message": "boom"}},
    ]
    with pytest.raises(ProviderError, match="boom"):
        ADAPTER.parse_stream(events)
    failed = {
        "type": "response.failed",
        "response": {"status": "failed", "error": {"code": "server_error", "message": "model overloaded"}},
    }
    with pytest.raises(ProviderError, match="model overloaded"):
        ADAPTER.parse_stream([{"event": "response.failed", "data": failed}])


def test_every_recorded_responses_response_parses(wire_dir: Any) -> None:
    records = wire_records(wire_dir, "openai-responses")
    problems = [f"{name}: {p}" for name, recs in records.items() for p in check_records(ADAPTER, recs)]
    assert not problems, "\n".join(problems)
    counts = {name: len(recs) for name, recs in records.items()}
    assert counts == {
        "bedrock_mantle_responses.jsonl": 5,
        "deepseek_responses.jsonl": 3,
        "openai_responses.jsonl": 56,
    }
    # streams parse from their item events alone, without the final response.completed
    streams = [r for recs in records.values() for r in recs if r["response"]["streaming"]]
    assert len(streams) == 6
    for rec in streams:
        events = [
            e for e in rec["response"]["body"] if (e.get("data") or {}).get("type") != "response.completed"
        ]
        turn = ADAPTER.parse_stream(events)
        got = [{"name": c.name, "arguments": c.arguments} for c in turn.calls]
        assert got == rec["expected_calls"], rec["case_id"]
        assert (turn.text or "") == rec["expected_text"], rec["case_id"]


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (
            400,
            {
                "error": {
                    "message": "Item 'rs_1' of type 'reasoning' was provided "
                    "without its required following item.",
                    "type": "invalid_request_error",
                    "param": "input",
                    "code": None,
                }
            },
        ),
        (401, {"error": {"message": "Incorrect API key provided.", "type": "invalid_request_error"}}),
        (429, {"error": {"message": "You exceeded your current quota.", "code": "insufficient_quota"}}),
        (500, {"error": {"message": "The server had an error.", "type": "server_error"}}),
    ],
)
def test_send_maps_vendor_errors(status: int, body: dict[str, Any]) -> None:
    transport, seen = mock_transport(httpx2, status, body, {"retry-after-ms": "1500"})
    client = ADAPTER.make_client(None, "k", http_client=httpx2.Client(transport=transport))
    request = ADAPTER.build_request(make_case(), 0, [], "gpt-4.1", {})
    with pytest.raises(ProviderError) as info:
        ADAPTER.send(client, request, stream=False)
    assert info.value.status == status and info.value.vendor_message == body["error"]["message"]
    assert info.value.retry_after == 1.5
    assert seen[0].url.path.endswith("/responses") and json.loads(seen[0].content) == request


def test_get_adapter() -> None:
    assert get_adapter("openai-responses") is ADAPTER
