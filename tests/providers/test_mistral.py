"""mistral adapter: requests equal what the SDK sends, recorded responses, ids, errors."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx2
import pytest

pytest.importorskip("mistralai")

from harness.errors import ProviderError
from harness.model import Message, ToolCall
from harness.providers import get_adapter
from harness.providers.mistral import ADAPTER
from tests.helpers.providers import check_records, make_case, mock_transport, weather_history, wire_records

OK = {
    "id": "x",
    "object": "chat.completion",
    "created": 1,
    "model": "mistral-large-latest",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {
                        "id": "FI5qQGzDE",
                        "function": {"name": "get_weather", "arguments": '{"location": "x"}'},
                        "index": 0,
                    }
                ],
            },
            "finish_reason": "tool_calls",
        }
    ],
    "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
}


def _client(
    status: int = 200, body: Any = OK, headers: dict[str, str] | None = None
) -> tuple[Any, list[Any]]:
    transport, seen = mock_transport(httpx2, status, body, headers)
    return ADAPTER.make_client(None, "k", http_client=httpx2.Client(transport=transport)), seen


@pytest.mark.parametrize(
    ("choice", "wire"),
    [
        ("auto", "auto"),
        ("none", "none"),
        ("required", "any"),
        ({"name": "get_weather"}, {"type": "function", "function": {"name": "get_weather"}}),
    ],
)
def test_request_is_what_the_sdk_sends(choice: Any, wire: Any) -> None:
    params = {"temperature": 0, "seed": 3, "max_tokens": 50, "parallel_tool_calls": False}
    request = ADAPTER.build_request(make_case(choice, turns=2), 1, weather_history(), "mistral-large", params)
    assert request["tool_choice"] == wire and request["random_seed"] == 3
    client, seen = _client()
    ADAPTER.send(client, request, stream=False)
    # the SDK validated the request with its pydantic models and serialised it: same body
    assert json.loads(seen[0].content) == request
    assert seen[0].url.path == "/v1/chat/completions"


def test_call_ids_are_nine_alphanumerics_when_sent_back() -> None:
    for cid in (None, "", "call_abc_123_long", "FI5qQGzDE"):
        body = ADAPTER.build_request(make_case(turns=2), 1, weather_history(call_id=cid), "m", {})
        assistant, tool = body["messages"][2], body["messages"][3]
        sent = assistant["tool_calls"][0]["id"]
        assert re.fullmatch(r"[a-zA-Z0-9]{9}", sent) and tool["tool_call_id"] == sent
        assert tool["name"] == "get_weather"
        if cid == "FI5qQGzDE":
            assert sent == cid
    prefix = (
        Message(role="user", content="hi"),
        Message(role="assistant", tool_calls=(ToolCall("get_weather", {}, None, "call_1"),)),
        Message(role="tool", content="r", tool_call_id="call_1"),
    )
    msgs = ADAPTER.build_request(make_case(messages=prefix), 0, [], "m", {})["messages"]
    assert msgs[1]["tool_calls"][0]["id"] == msgs[2]["tool_call_id"]
    assert re.fullmatch(r"[a-zA-Z0-9]{9}", msgs[2]["tool_call_id"])


def test_content_chunks_thinking_is_not_text_and_object_arguments() -> None:
    body = json.loads(json.dumps(OK))
    message = body["choices"][0]["message"]
    message["content"] = [
        {"type": "thinking", "thinking": [{"type": "text", "text": "hmm"}]},
        {"type": "text", "text": "Here."},
    ]
    message["tool_calls"][0]["function"]["arguments"] = {"location": "Paris"}
    turn = ADAPTER.parse_response(body)
    assert turn.text == "Here."
    assert turn.calls[0].arguments == {"location": "Paris"} and turn.calls[0].id == "FI5qQGzDE"


def test_every_recorded_mistral_response_parses(wire_dir: Any) -> None:
    records = wire_records(wire_dir, "mistral")
    problems = [p for recs in records.values() for p in check_records(ADAPTER, recs)]
    assert not problems, "\n".join(problems)
    assert {name: len(r) for name, r in records.items()} == {"mistral.jsonl": 19}


def test_stream_through_sdk() -> None:
    chunks = [
        {"id": "s", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [c]}
        for c in (
            {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None},
            {
                "index": 0,
                "delta": {
                    "tool_calls": [
                        {
                            "id": "abcDEF123",
                            "function": {"name": "get_weather", "arguments": '{"location": "Oslo"}'},
                        }
                    ]
                },
                "finish_reason": "tool_calls",
            },
        )
    ]
    sse = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    client, seen = _client(200, sse.encode(), {"content-type": "text/event-stream"})
    request = ADAPTER.build_request(make_case(), 0, [], "m", {"stream": True})
    wire = ADAPTER.send(client, request, stream=True)
    assert json.loads(seen[0].content) == request
    turn = ADAPTER.parse_stream(wire.events or [])
    assert [(c.name, c.arguments, c.id) for c in turn.calls] == [
        ("get_weather", {"location": "Oslo"}, "abcDEF123")
    ]


ERRORS = [
    (
        400,
        {
            "object": "error",
            "message": "Tool call id was call_1 but must be a-z, A-Z, 0-9, with a length of 9.",
            "type": "invalid_request_message_order",
            "param": None,
            "code": "3230",
        },
    ),
    (401, {"message": "Unauthorized", "request_id": "r1"}),
    (
        429,
        {
            "object": "error",
            "message": "Requests rate limit exceeded",
            "type": "rate_limited",
            "code": "1300",
        },
    ),
    (500, {"object": "error", "message": "Internal server error", "type": "internal_server_error"}),
    (
        422,
        {
            "object": "error",
            "message": {"detail": [{"type": "missing", "loc": ["body", "model"], "msg": "Field required"}]},
            "type": "invalid_request_error",
        },
    ),
]


@pytest.mark.parametrize(("status", "body"), ERRORS)
def test_send_maps_vendor_errors(status: int, body: dict[str, Any]) -> None:
    client, _ = _client(status, body, {"retry-after": "2"})
    with pytest.raises(ProviderError) as info:
        ADAPTER.send(client, ADAPTER.build_request(make_case(), 0, [], "m", {}), stream=False)
    err = info.value
    assert err.status == status and err.body == body and err.retry_after == 2.0
    message = body["message"]
    expected = message if isinstance(message, str) else json.dumps(message)
    assert err.vendor_message == expected


def test_connection_error_is_provider_error() -> None:
    def boom(request: Any) -> Any:
        raise httpx2.ConnectError("refused", request=request)

    client = ADAPTER.make_client(None, "k", http_client=httpx2.Client(transport=httpx2.MockTransport(boom)))
    with pytest.raises(ProviderError) as info:
        ADAPTER.send(client, ADAPTER.build_request(make_case(), 0, [], "m", {}), stream=False)
    assert info.value.status is None and "refused" in info.value.vendor_message


def test_get_adapter() -> None:
    assert get_adapter("mistral") is ADAPTER
