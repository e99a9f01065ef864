"""The anthropic adapter: requests checked against the SDK's types, real traffic parsed, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anthropic
import pytest

try:  # anthropic 2.x speaks httpx2; older releases httpx
    import httpx2
except ImportError:  # pragma: no cover
    import httpx as httpx2  # type: ignore[no-redef]
from anthropic.types.message_create_params import MessageCreateParamsNonStreaming

from harness.errors import ProviderError
from harness.model import ModelTurn, ToolCall
from harness.providers import get_adapter
from harness.providers.anthropic import anthropic_errors
from harness.providers.base import HistoryStep, restore_names
from harness.run.config import ProviderProfile
from tests.helpers.typed_check import check_typed
from tests.helpers.vendor_http import TOOL_CHOICES, Reply, local_server, make_case, wire_rows

A = get_adapter("anthropic")


def test_the_sdk_import_is_not_shadowed_by_the_adapter_module() -> None:
    assert anthropic.__name__ == "anthropic"
    assert hasattr(anthropic, "Anthropic")
    assert A.kind == "anthropic"


@pytest.mark.parametrize("choice", TOOL_CHOICES, ids=str)
@pytest.mark.parametrize("parallel", [None, True, False])
def test_build_request_fits_the_sdk_types(choice: Any, parallel: bool | None) -> None:
    params: dict[str, Any] = {"temperature": 0}
    if parallel is not None:
        params["parallel_tool_calls"] = parallel
    body = A.build_request(make_case(choice), 0, (), "claude-x", params)
    assert check_typed(body, MessageCreateParamsNonStreaming) == []
    assert body["system"] == "Be brief."
    assert body["max_tokens"] == 1024
    assert [t["name"] for t in body["tools"]] == ["get_weather", "math_add"]
    assert all(t["input_schema"]["type"] == "object" for t in body["tools"])
    expected_type = {"auto": "auto", "required": "any", "none": "none"}.get(str(choice), "tool")
    assert body["tool_choice"]["type"] == expected_type
    if expected_type == "tool":
        assert body["tool_choice"]["name"] == "math_add"
    disabled = body["tool_choice"].get("disable_parallel_tool_use")
    assert disabled is (True if parallel is False and choice != "none" else None)


def test_the_type_check_catches_a_wrong_body() -> None:
    body = A.build_request(make_case(), 0, (), "claude-x", {})
    body["tool_choice"] = {"type": "required"}
    body["tools"][0]["input_schem"] = {}
    problems = check_typed(body, MessageCreateParamsNonStreaming)
    assert any("tool_choice" in p for p in problems)


@pytest.mark.parametrize("strict", [True, False])
def test_strict_param_is_sent_on_every_tool_and_fits_the_sdk_types(strict: bool) -> None:
    from anthropic.types import ToolParam

    plain = A.build_request(make_case(), 0, (), "claude-x", {})
    body = A.build_request(make_case(), 0, (), "claude-x", {"strict": strict})
    assert check_typed(body, MessageCreateParamsNonStreaming) == []
    assert all(check_typed(t, ToolParam) == [] for t in body["tools"])
    assert [t["strict"] for t in body["tools"]] == [strict, strict]
    # the schema is the anthropic translation, unchanged by strict (no nullable rewrite)
    assert [t["input_schema"] for t in body["tools"]] == [t["input_schema"] for t in plain["tools"]]
    assert all("strict" not in t for t in plain["tools"])
    assert not getattr(A, "sends_strict_schemas", lambda p: False)({"strict": strict})


def test_a_strict_tool_with_a_wrong_type_is_caught_by_the_type_check() -> None:
    body = A.build_request(make_case(), 0, (), "claude-x", {"strict": True})
    body["tools"][0]["strict"] = "yes"
    assert any("strict" in p for p in check_typed(body, MessageCreateParamsNonStreaming))


def test_prefix_and_history_become_tool_use_and_tool_result_blocks() -> None:
    case = make_case(prefix=True, turns=2)
    first = A.parse_response(
        {
            "content": [
                {"type": "text", "text": "Checking."},
                {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}},
                {"type": "tool_use", "id": "toolu_2", "name": "math_add", "input": {"a": 1, "b": 2}},
            ],
            "stop_reason": "tool_use",
        }
    )
    step = HistoryStep(first, ((first.calls[0], {"temp": 21}),))
    body = A.build_request(case, 1, (step,), "claude-x", {"max_tokens": 50})
    assert check_typed(body, MessageCreateParamsNonStreaming) == []
    roles = [m["role"] for m in body["messages"]]
    assert roles == ["user", "assistant", "user", "assistant", "user"]
    prefix_result = body["messages"][2]["content"]
    assert prefix_result[0] == {"type": "tool_result", "tool_use_id": "c1", "content": '{"temp": 20}'}
    assert prefix_result[1] == {"type": "text", "text": "And in London?"}
    assert body["messages"][3]["content"] == first.raw_assistant
    results = body["messages"][4]["content"]
    assert results[0] == {"type": "tool_result", "tool_use_id": "toolu_1", "content": '{"temp": 21}'}
    assert results[1]["tool_use_id"] == "toolu_2" and results[1]["is_error"] is True
    assert body["max_tokens"] == 50


def test_an_empty_assistant_turn_is_not_sent() -> None:
    body = A.build_request(make_case(turns=2), 1, (HistoryStep(ModelTurn(raw_assistant=[])),), "m", {})
    assert [m["role"] for m in body["messages"]] == ["user"]


def test_sanitised_names_come_back_as_the_case_spells_them() -> None:
    case = make_case({"name": "math.add"})
    body = {"content": [{"type": "tool_use", "id": "t", "name": "math_add", "input": {"a": 1, "b": 2}}]}
    turn = restore_names(A.parse_response(body), case.tools)
    assert [c.name for c in turn.calls] == ["math.add"]


def test_history_without_raw_content_is_rebuilt_from_the_calls() -> None:
    turn = ModelTurn(calls=(ToolCall("get_weather", {"city": "Paris"}, id="t1"),))
    body = A.build_request(make_case(turns=2), 1, (HistoryStep(turn, ((turn.calls[0], "sunny"),)),), "m", {})
    assert body["messages"][1]["content"] == [
        {"type": "tool_use", "id": "t1", "name": "get_weather", "input": {"city": "Paris"}}
    ]
    assert body["messages"][2]["content"][0]["content"] == "sunny"


def test_every_recorded_anthropic_response_parses(wire_dir: Path) -> None:
    rows = wire_rows(wire_dir, "anthropic.jsonl", "anthropic")
    assert len(rows) == 66
    for row in rows:
        resp = row["response"]
        turn = A.parse_stream(resp["body"]) if resp["streaming"] else A.parse_response(resp["body"])
        calls = [{"name": c.name, "arguments": c.arguments} for c in turn.calls]
        assert calls == row["expected_calls"], row["case_id"]
        assert (turn.text or "") == row["expected_text"], row["case_id"]
        assert turn.finish_reason == row["stop_reason"], row["case_id"]
    assert sum(r["response"]["streaming"] for r in rows) == 4


def _sse(*events: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"event": e["type"], "data": e} for e in events]


def _start(index: int, block: dict[str, Any]) -> dict[str, Any]:
    return {"type": "content_block_start", "index": index, "content_block": block}


def _delta(index: int, **delta: Any) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": index, "delta": delta}


def _json(index: int, piece: str) -> dict[str, Any]:
    return _delta(index, type="input_json_delta", partial_json=piece)


def test_stream_assembles_partial_json_per_block() -> None:
    events = _sse(
        {"type": "message_start", "message": {"usage": {"input_tokens": 9, "output_tokens": 1}}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}},
        {
            "type": "content_block_start",
            "index": 1,
            "content_block": {"type": "tool_use", "id": "a", "name": "f"},
        },
        {
            "type": "content_block_delta",
            "index": 1,
            "delta": {"type": "input_json_delta", "partial_json": '{"x"'},
        },
        {
            "type": "content_block_start",
            "index": 2,
            "content_block": {"type": "tool_use", "id": "b", "name": "g"},
        },
        {
            "type": "content_block_delta",
            "index": 2,
            "delta": {"type": "input_json_delta", "partial_json": ""},
        },
        {
            "type": "content_block_delta",
            "index": 1,
            "delta": {"type": "input_json_delta", "partial_json": ": 1}"},
        },
        {
            "type": "content_block_start",
            "index": 3,
            "content_block": {"type": "tool_use", "id": "c", "name": "h"},
        },
        {
            "type": "content_block_delta",
            "index": 3,
            "delta": {"type": "input_json_delta", "partial_json": "{bad"},
        },
        {"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 30}},
        {"type": "message_stop"},
    )
    turn = A.parse_stream(events)
    assert [(c.name, c.arguments, c.id) for c in turn.calls] == [
        ("f", {"x": 1}, "a"),
        ("g", {}, "b"),
        ("h", None, "c"),
    ]
    assert turn.calls[2].raw_arguments == "{bad"
    assert turn.text == "Hi" and turn.finish_reason == "tool_use"
    assert (turn.usage.input_tokens, turn.usage.output_tokens) == (9, 30)


def test_error_event_after_200_raises_with_the_vendor_message() -> None:
    events = _sse(
        {"type": "message_start", "message": {"usage": {}}},
        {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
    )
    with pytest.raises(ProviderError) as info:
        A.parse_stream(events)
    assert info.value.vendor_message == "Overloaded" and info.value.status == 529


def _client(url: str) -> Any:
    return A.make_client(ProviderProfile(id="t", kind="anthropic", model="claude-x", base_url=url), "sk-test")


def test_send_returns_the_wire_body_and_events() -> None:
    message = {
        "type": "message",
        "role": "assistant",
        "content": [{"type": "tool_use", "id": "toolu_9", "name": "get_weather", "input": {"city": "Paris"}}],
        "stop_reason": "tool_use",
        "usage": {"input_tokens": 3, "output_tokens": 4},
    }
    with local_server() as server:
        server.queue(Reply.json(200, message))
        server.queue(
            Reply.sse(
                [
                    ("message_start", {"type": "message_start", "message": {"usage": {"input_tokens": 3}}}),
                    ("ping", {"type": "ping"}),
                    (
                        "content_block_start",
                        {
                            "type": "content_block_start",
                            "index": 0,
                            "content_block": {"type": "text", "text": ""},
                        },
                    ),
                    (
                        "content_block_delta",
                        {
                            "type": "content_block_delta",
                            "index": 0,
                            "delta": {"type": "text_delta", "text": "ok"},
                        },
                    ),
                    ("message_stop", {"type": "message_stop"}),
                ]
            )
        )
        client = _client(server.url)
        request = A.build_request(make_case(), 0, (), "claude-x", {})
        wire = A.send(client, request, stream=False)
        streamed = A.send(client, {**request, "stream": True}, stream=True)
    assert wire.status == 200 and wire.body == message and not wire.streaming
    assert A.parse_response(wire.body).calls[0].arguments == {"city": "Paris"}
    assert server.seen[0].path == "/v1/messages"
    assert server.seen[0].json() == request
    headers = server.seen[0].headers
    assert "sk-test" in (headers.get("x-api-key") or headers["authorization"])  # SDK 2.14: bearer
    assert server.seen[1].json()["stream"] is True
    assert streamed.events is not None and [e["event"] for e in streamed.events][:2] == [
        "message_start",
        "ping",
    ]
    assert A.parse_stream(streamed.events).text == "ok"


ERRORS = [
    (400, "invalid_request_error", "tools.0.input_schema: JSON schema is invalid"),
    (401, "authentication_error", "invalid x-api-key"),
    (403, "permission_error", "Your API key does not have permission"),
    (404, "not_found_error", "model: claude-nope"),
    (413, "request_too_large", "Request exceeds the maximum allowed number of bytes."),
    (429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"),
    (500, "api_error", "Internal server error"),
    (529, "overloaded_error", "Overloaded"),
]


@pytest.mark.parametrize(("status", "etype", "message"), ERRORS)
@pytest.mark.parametrize("stream", [False, True])
def test_error_bodies_become_provider_errors(status: int, etype: str, message: str, stream: bool) -> None:
    body = {"type": "error", "error": {"type": etype, "message": message}, "request_id": "req_1"}
    headers = {"retry-after": "7"} if status == 429 else {}
    with local_server() as server:
        server.queue(Reply.json(status, body, **headers))
        with pytest.raises(ProviderError) as info:
            A.send(_client(server.url), A.build_request(make_case(), 0, (), "claude-x", {}), stream=stream)
    err = info.value
    assert (err.status, err.vendor_message, err.body) == (status, message, body)
    assert err.retry_after == (7.0 if status == 429 else None)


def test_connection_failure_is_a_provider_error_without_status() -> None:
    with local_server() as server:
        url = server.url
    with pytest.raises(ProviderError) as info:
        A.send(_client(url), A.build_request(make_case(), 0, (), "claude-x", {}), stream=False)
    assert info.value.status is None and "APIConnectionError" in str(info.value)


def _instance(cls: type[BaseException]) -> BaseException:
    request = httpx2.Request("POST", "http://127.0.0.1/v1/messages")
    response = httpx2.Response(418, request=request, json={"type": "error", "error": {"message": "m"}})
    if issubclass(cls, anthropic.APIStatusError):
        return cls("m", response=response, body={"type": "error", "error": {"message": "m"}})
    if issubclass(cls, anthropic.APIResponseValidationError):
        return cls(response, None)
    if issubclass(cls, anthropic.APITimeoutError):
        return cls(request)
    if issubclass(cls, anthropic.APIConnectionError):
        return cls(request=request)
    if issubclass(cls, anthropic.APIError):
        return cls("m", request, body=None)
    return cls("m")


def test_every_public_sdk_exception_is_mapped() -> None:
    classes = [
        obj
        for name in anthropic.__all__
        if isinstance(obj := getattr(anthropic, name), type) and issubclass(obj, BaseException)
    ]
    assert len(classes) >= 25
    for cls in classes:
        with pytest.raises(ProviderError) as info, anthropic_errors():
            raise _instance(cls)
        assert isinstance(info.value.__cause__, cls), cls
    with pytest.raises(KeyError), anthropic_errors():  # not the SDK's: passes through
        raise KeyError("x")
    assert json.dumps  # keep the import honest
