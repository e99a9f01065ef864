"""cohere adapter (v2 chat): requests equal what the SDK sends, recorded responses, streams, errors."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

pytest.importorskip("cohere")
import httpx

from harness.errors import ProviderError
from harness.providers import get_adapter
from harness.providers.cohere import ADAPTER
from tests.helpers.providers import (
    DOTTED,
    WEATHER,
    check_records,
    make_case,
    mock_transport,
    weather_history,
    wire_records,
)

OK = {
    "id": "r1",
    "finish_reason": "TOOL_CALL",
    "message": {
        "role": "assistant",
        "tool_plan": "I will look up the weather.",
        "tool_calls": [
            {
                "id": "get_weather_9gpb",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"location":"Paris"}'},
            }
        ],
    },
    "usage": {
        "billed_units": {"input_tokens": 5, "output_tokens": 7},
        "tokens": {"input_tokens": 50, "output_tokens": 9},
    },
}


def _client(
    status: int = 200, body: Any = OK, headers: dict[str, str] | None = None
) -> tuple[Any, list[Any]]:
    transport, seen = mock_transport(httpx, status, body, headers)
    return ADAPTER.make_client(None, "k", http_client=httpx.Client(transport=transport)), seen


@pytest.mark.parametrize(
    ("choice", "wire", "tools"),
    [
        ("auto", None, ["get_weather", "weather_get_v2"]),
        ("none", "NONE", ["get_weather", "weather_get_v2"]),
        ("required", "REQUIRED", ["get_weather", "weather_get_v2"]),
        ({"name": "weather.get.v2"}, "REQUIRED", ["weather_get_v2"]),
    ],
)
def test_tool_choice_and_request_is_what_the_sdk_sends(choice: Any, wire: Any, tools: list[str]) -> None:
    case = make_case(choice, tools=(WEATHER, DOTTED), turns=2)
    hist = weather_history()
    hist = [replace(hist[0], turn=replace(hist[0].turn, raw_assistant={"tool_plan": "look it up"}))]
    request = ADAPTER.build_request(case, 1, hist, "command-r", {"temperature": 0, "top_p": 0.9, "seed": 1})
    assert request.get("tool_choice") == wire
    assert [t["function"]["name"] for t in request["tools"]] == tools
    assert request["p"] == 0.9 and request["seed"] == 1
    assistant, tool = request["messages"][2], request["messages"][3]
    assert assistant == {
        "role": "assistant",
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"location": "北京"}'},
            }
        ],
        "tool_plan": "look it up",
    }
    assert tool == {"role": "tool", "tool_call_id": "call_1", "content": '{"temp": 21, "sky": "晴"}'}
    client, seen = _client()
    wire_resp = ADAPTER.send(client, request, stream=False)
    assert json.loads(seen[0].content) == request and seen[0].url.path == "/v2/chat"
    assert wire_resp.body == OK


def test_sdk_models_accept_the_request_messages() -> None:
    from cohere import ChatMessageV2, ToolV2
    from pydantic import TypeAdapter

    request = ADAPTER.build_request(make_case("required", turns=2), 1, weather_history(), "command-r", {})
    TypeAdapter(list[ChatMessageV2]).validate_python(request["messages"])
    TypeAdapter(list[ToolV2]).validate_python(request["tools"])


def test_tool_plan_is_not_text() -> None:
    turn = ADAPTER.parse_response(OK)
    assert turn.text is None and turn.calls[0].arguments == {"location": "Paris"}
    assert turn.usage.input_tokens == 50 and turn.finish_reason == "TOOL_CALL"
    answer = {
        "message": {"role": "assistant", "content": [{"type": "text", "text": "Sunny."}]},
        "finish_reason": "COMPLETE",
    }
    assert ADAPTER.parse_response(answer).text == "Sunny."


def test_every_recorded_cohere_response_parses(wire_dir: Any) -> None:
    records = wire_records(wire_dir, "cohere")
    problems = [p for recs in records.values() for p in check_records(ADAPTER, recs)]
    assert not problems, "\n".join(problems)
    assert {name: len(r) for name, r in records.items()} == {"cohere.jsonl": 4}


STREAM = [
    {"type": "message-start", "id": "m", "delta": {"message": {"role": "assistant"}}},
    {"type": "tool-plan-delta", "delta": {"message": {"tool_plan": "I will "}}},
    {"type": "tool-plan-delta", "delta": {"message": {"tool_plan": "check."}}},
    {
        "type": "tool-call-start",
        "index": 0,
        "delta": {
            "message": {
                "tool_calls": {
                    "id": "get_weather_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": ""},
                }
            }
        },
    },
    {
        "type": "tool-call-delta",
        "index": 0,
        "delta": {"message": {"tool_calls": {"function": {"arguments": '{"loc'}}}},
    },
    {
        "type": "tool-call-delta",
        "index": 0,
        "delta": {"message": {"tool_calls": {"function": {"arguments": 'ation": "Oslo"}'}}}},
    },
    {"type": "tool-call-end", "index": 0},
    {
        "type": "message-end",
        "delta": {"finish_reason": "TOOL_CALL", "usage": {"tokens": {"input_tokens": 3, "output_tokens": 4}}},
    },
]


def test_stream_through_sdk_assembles_object_deltas() -> None:
    sse = "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in STREAM) + "data: [DONE]\n\n"
    client, seen = _client(200, sse.encode(), {"content-type": "text/event-stream"})
    request = ADAPTER.build_request(make_case(), 0, [], "command-r", {"stream": True})
    wire = ADAPTER.send(client, request, stream=True)
    assert json.loads(seen[0].content) == request and request["stream"] is True
    turn = ADAPTER.parse_stream(wire.events or [])
    assert [(c.id, c.name, c.arguments) for c in turn.calls] == [
        ("get_weather_1", "get_weather", {"location": "Oslo"})
    ]
    assert turn.text is None and turn.raw_assistant["tool_plan"] == "I will check."
    assert turn.finish_reason == "TOOL_CALL" and turn.usage.output_tokens == 4


ERRORS = [
    (400, {"id": "e1", "message": "invalid request: tool_choice must be one of REQUIRED, NONE"}),
    (401, {"id": "e2", "message": "invalid api token"}),
    (429, {"id": "e3", "message": "You are using a Trial key, which is limited to 10 API calls / minute."}),
    (500, {"id": "e4", "message": "internal server error, this has been reported to our developers"}),
]


@pytest.mark.parametrize(("status", "body"), ERRORS)
@pytest.mark.parametrize("stream", [False, True])
def test_send_maps_vendor_errors(status: int, body: dict[str, Any], stream: bool) -> None:
    client, seen = _client(status, body, {"retry-after": "4"})
    with pytest.raises(ProviderError) as info:
        ADAPTER.send(
            client, ADAPTER.build_request(make_case(), 0, [], "m", {"stream": stream}), stream=stream
        )
    err = info.value
    assert err.status == status and err.vendor_message == body["message"] and err.retry_after == 4.0
    assert len(seen) == 1


def test_get_adapter() -> None:
    assert get_adapter("cohere") is ADAPTER
