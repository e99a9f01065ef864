"""openai-chat adapter: requests against the SDK's types, every recorded response, errors."""

from __future__ import annotations

import inspect
import json
from typing import Any

import httpx2
import openai
import pytest
from openai.types.chat import completion_create_params as ccp

from harness.errors import ProviderError
from harness.model import Message, ToolCall
from harness.providers import get_adapter
from harness.providers._openai_sdk import openai_errors
from harness.providers.capabilities import UnsupportedCaseError
from harness.providers.openai_chat import ADAPTER, QUIRKS, make_adapter
from tests.helpers.providers import (
    DOTTED,
    check_records,
    make_case,
    mock_transport,
    sdk_validate_typed,
    weather_history,
    wire_records,
)

_PARAMS = {
    False: ccp.CompletionCreateParamsNonStreaming,
    True: ccp.CompletionCreateParamsStreaming,
}


def sdk_validate(body: dict[str, Any]) -> None:
    """Validate a request body against the openai SDK's own TypedDict for chat.completions.create."""
    sdk_validate_typed(_PARAMS[bool(body.get("stream"))], body)


@pytest.mark.parametrize(
    ("choice", "wire"),
    [
        ("auto", "auto"),
        ("none", "none"),
        ("required", "required"),
        ({"name": "get_weather"}, {"type": "function", "function": {"name": "get_weather"}}),
    ],
)
def test_tool_choice_each_mode(choice: Any, wire: Any) -> None:
    body = ADAPTER.build_request(make_case(choice), 0, [], "gpt-4o-mini", {})
    assert body["tool_choice"] == wire
    assert body["tools"][0] == {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Get the weather",
            "parameters": make_case().tools[0].parameters,
        },
    }
    sdk_validate(body)


def test_params_translated_and_passed_through() -> None:
    params = {"temperature": 0, "max_tokens": 256, "seed": 7, "top_p": 0.5, "parallel_tool_calls": False}
    body = ADAPTER.build_request(make_case(), 0, [], "gpt-4o", params)
    assert body["temperature"] == 0 and body["seed"] == 7 and body["top_p"] == 0.5
    assert body["max_tokens"] == 256 and "max_completion_tokens" not in body
    assert body["parallel_tool_calls"] is False
    sdk_validate(body)
    o1 = ADAPTER.build_request(
        make_case(), 0, [], "o3", {"max_tokens": 9, "max_tokens_field": "max_completion_tokens"}
    )
    assert o1["max_completion_tokens"] == 9 and "max_tokens" not in o1 and "max_tokens_field" not in o1
    extra = ADAPTER.build_request(make_case(), 0, [], "m", {"reasoning_effort": "low"})
    assert extra["reasoning_effort"] == "low"


def test_stream_asks_for_usage() -> None:
    body = ADAPTER.build_request(make_case(), 0, [], "m", {"stream": True})
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    sdk_validate(body)
    glm = make_adapter("glm").build_request(make_case(), 0, [], "glm-4", {"stream": True})
    assert "stream_options" not in glm


def test_strict_param_sets_function_strict() -> None:
    body = ADAPTER.build_request(make_case(), 0, [], "m", {"strict": True})
    assert body["tools"][0]["function"]["strict"] is True
    sdk_validate(body)


def test_dotted_names_are_sanitised_everywhere() -> None:
    case = make_case({"name": "weather.get.v2"}, tools=(DOTTED,))
    body = ADAPTER.build_request(case, 0, [], "m", {})
    assert body["tools"][0]["function"]["name"] == "weather_get_v2"
    assert body["tool_choice"]["function"]["name"] == "weather_get_v2"
    sdk_validate(body)


def test_multi_turn_history_tool_messages() -> None:
    case = make_case(turns=2)
    body = ADAPTER.build_request(case, 1, weather_history(), "m", {})
    msgs = body["messages"]
    assert [m["role"] for m in msgs] == ["system", "user", "assistant", "tool"]
    assert msgs[2]["tool_calls"] == [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"location": "北京"}'},
        }
    ]
    assert msgs[3] == {"role": "tool", "tool_call_id": "call_1", "content": '{"temp": 21, "sky": "晴"}'}
    sdk_validate(body)
    # a string result goes as it is; a missing call id gets a deterministic one on both sides
    body2 = ADAPTER.build_request(case, 1, weather_history(call_id=None, result="sunny"), "m", {})
    a, t = body2["messages"][2], body2["messages"][3]
    assert t["content"] == "sunny"
    assert a["tool_calls"][0]["id"] == t["tool_call_id"] and t["tool_call_id"].startswith("call_")
    assert body2 == ADAPTER.build_request(case, 1, weather_history(call_id=None, result="sunny"), "m", {})


def test_prefix_messages_with_tool_calls() -> None:
    msgs = (
        Message(role="user", content="hi"),
        Message(role="assistant", tool_calls=(ToolCall("get_weather", {"location": "x"}, None, "c9"),)),
        Message(role="tool", content="rain", tool_call_id="c9", name="get_weather"),
    )
    body = ADAPTER.build_request(make_case(messages=msgs), 0, [], "m", {})
    assert body["messages"][1]["tool_calls"][0]["function"]["arguments"] == '{"location": "x"}'
    assert body["messages"][2] == {"role": "tool", "tool_call_id": "c9", "content": "rain"}
    sdk_validate(body)


def test_deepseek_echoes_reasoning_content() -> None:
    hist = weather_history()
    from dataclasses import replace

    hist = [replace(hist[0], turn=replace(hist[0].turn, raw_assistant={"reasoning_content": "think"}))]
    body = make_adapter("deepseek").build_request(make_case(turns=2), 1, hist, "deepseek-chat", {})
    assert body["messages"][2]["reasoning_content"] == "think"
    assert (
        "reasoning_content" not in ADAPTER.build_request(make_case(turns=2), 1, hist, "m", {})["messages"][2]
    )


def test_get_adapter_and_quirks() -> None:
    assert get_adapter("openai-chat") is ADAPTER
    for name in ("deepseek", "qwen", "glm", "moonshot", "groq", "ollama", "vllm"):
        adapter = get_adapter("openai-chat", name)
        assert adapter.quirks is QUIRKS[name] and adapter.quirks.base_url
    assert not make_adapter("glm").supports_choice(make_case("required"))
    with pytest.raises(UnsupportedCaseError, match="glm accepts tool_choice"):
        make_adapter("glm").build_request(make_case({"name": "get_weather"}), 0, [], "glm-4", {})
    assert make_adapter("vllm").supports_choice(make_case({"name": "get_weather"}))
    with pytest.raises(Exception, match="unknown quirks profile 'nope'"):
        make_adapter("nope")


# --- parsing -----------------------------------------------------------------------------


def _chat_body(message: dict[str, Any], finish: str = "tool_calls") -> dict[str, Any]:
    return {
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8},
    }


@pytest.mark.parametrize(
    ("arguments", "expected", "raw"),
    [
        ('{"a": 1}', {"a": 1}, '{"a": 1}'),
        ("", {}, ""),
        (None, {}, None),
        ({"a": 1}, {"a": 1}, None),
        ("{not json", None, "{not json"),
        ("[1, 2]", None, "[1, 2]"),
    ],
)
def test_parse_arguments_shapes(arguments: Any, expected: Any, raw: Any) -> None:
    fn: dict[str, Any] = {"name": "f"}
    if arguments is not None:
        fn["arguments"] = arguments
    turn = ADAPTER.parse_response(
        _chat_body({"role": "assistant", "tool_calls": [{"id": "c", "function": fn}]})
    )
    assert turn.calls[0].arguments == expected
    assert turn.calls[0].raw_arguments == raw
    assert turn.usage.input_tokens == 5 and turn.usage.output_tokens == 3


def test_parse_text_parts_legacy_and_stub() -> None:
    parts = {
        "role": "assistant",
        "content": [{"type": "text", "text": "a"}, {"type": "thinking", "thinking": "x"}],
    }
    assert ADAPTER.parse_response(_chat_body(parts, "stop")).text == "a"
    legacy = {"role": "assistant", "content": None, "function_call": {"name": "f", "arguments": '{"x": 1}'}}
    assert ADAPTER.parse_response(_chat_body(legacy)).calls[0].arguments == {"x": 1}
    stub = {
        "role": "assistant",
        "function_call": {"name": "", "arguments": ""},
        "tool_calls": [],
        "content": "hello",
        "reasoning_content": "hidden",
    }
    turn = ADAPTER.parse_response(_chat_body(stub, ""))
    assert turn.calls == () and turn.text == "hello"


def test_parse_response_with_sdk_model_roundtrip() -> None:
    from openai.types.chat import ChatCompletion

    body = _chat_body(
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c", "type": "function", "function": {"name": "f", "arguments": '{"q": 1}'}}
            ],
        }
    )
    body.update({"id": "x", "object": "chat.completion", "created": 1, "model": "m"})
    ChatCompletion.model_validate(body)  # the shape we parse is the SDK's own
    assert ADAPTER.parse_response(body).calls[0].arguments == {"q": 1}


def _chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {"event": None, "data": {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}}


def test_parse_stream_assembles_parallel_deltas_by_index() -> None:
    events = [
        _chunk(
            {
                "role": "assistant",
                "tool_calls": [{"index": 0, "id": "a", "function": {"name": "f", "arguments": ""}}],
            }
        ),
        _chunk({"tool_calls": [{"index": 1, "id": "b", "function": {"name": "g", "arguments": '{"y"'}}]}),
        _chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"x": '}}]}),
        _chunk({"tool_calls": [{"index": 0, "function": {"arguments": "1}"}}]}),
        _chunk({"tool_calls": [{"index": 1, "function": {"arguments": ": 2}"}}]}),
        _chunk({}, "tool_calls"),
        {"event": None, "data": {"choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 4}}},
        {"event": None, "data": "[DONE]"},
    ]
    turn = ADAPTER.parse_stream(events)
    assert [(c.id, c.name, c.arguments) for c in turn.calls] == [("a", "f", {"x": 1}), ("b", "g", {"y": 2})]
    assert turn.finish_reason == "tool_calls" and turn.usage.input_tokens == 9


def test_parse_stream_groq_error_event_after_200() -> None:
    events = [
        _chunk({"role": "assistant", "content": ""}),
        {
            "event": "error",
            "data": {
                "error": {
                    "message": "Tool choice is required, but model did not call a tool",
                    "type": "invalid_request_error",
                    "code": "tool_use_failed",
                },
                "status_code": 400,
            },
        },
    ]
    with pytest.raises(ProviderError) as info:
        ADAPTER.parse_stream(events)
    assert info.value.status == 400
    assert info.value.vendor_message == "Tool choice is required, but model did not call a tool"


def test_every_recorded_openai_chat_response_parses(wire_dir: Any) -> None:
    records = wire_records(wire_dir, "openai-chat")
    counts = {name: len(recs) for name, recs in records.items()}
    problems = [f"{name}: {p}" for name, recs in records.items() for p in check_records(ADAPTER, recs)]
    assert not problems, "\n".join(problems)
    assert counts["openai_chat.jsonl"] == 34 and counts["groq.jsonl"] == 20
    assert sum(counts.values()) >= 72, counts
    print("parsed per file:", counts)


# --- errors through the SDK ---------------------------------------------------------------

ERRORS = [
    (
        400,
        {
            "error": {
                "message": "Invalid value: 'bogus'.",
                "type": "invalid_request_error",
                "code": "invalid_value",
            }
        },
    ),
    (
        401,
        {
            "error": {
                "message": "Incorrect API key provided: sk-xx.",
                "type": "invalid_request_error",
                "code": "invalid_api_key",
            }
        },
    ),
    (
        429,
        {
            "error": {
                "message": "Rate limit reached for gpt-4o-mini",
                "type": "requests",
                "code": "rate_limit_exceeded",
            }
        },
    ),
    (
        500,
        {
            "error": {
                "message": "The server had an error while processing your request.",
                "type": "server_error",
            }
        },
    ),
    (
        404,
        {
            "error": {
                "message": "The model `nope` does not exist",
                "type": "invalid_request_error",
                "code": "model_not_found",
            }
        },
    ),
    (
        429,
        {
            "error": {
                "code": 429,
                "message": "Provider returned error",
                "metadata": {"raw": "upstream busy", "provider_name": "X"},
            },
            "user_id": "u",
        },
    ),
]


@pytest.mark.parametrize(("status", "body"), ERRORS)
def test_send_maps_vendor_errors(status: int, body: dict[str, Any]) -> None:
    transport, seen = mock_transport(httpx2, status, body, {"retry-after": "3"})
    client = ADAPTER.make_client(None, "sk-test", http_client=httpx2.Client(transport=transport))
    request = ADAPTER.build_request(make_case(), 0, [], "gpt-4o-mini", {"temperature": 0})
    with pytest.raises(ProviderError) as info:
        ADAPTER.send(client, request, stream=False)
    err = info.value
    assert err.status == status and err.body == body and err.retry_after == 3.0
    expected = body["error"]["message"]
    assert err.vendor_message.startswith(expected)
    if "metadata" in body["error"]:
        assert "upstream busy" in err.vendor_message
    assert len(seen) == 1  # SDK retries are off: the runner retries
    assert json.loads(seen[0].content) == request


def test_send_returns_wire_body_and_sse_events() -> None:
    ok = _chat_body({"role": "assistant", "content": "hi"}, "stop")
    transport, seen = mock_transport(httpx2, 200, ok)
    client = ADAPTER.make_client(None, None, http_client=httpx2.Client(transport=transport))
    wire = ADAPTER.send(client, {"model": "m", "messages": [], "odd_vendor_field": 1}, stream=False)
    assert wire.body == ok and wire.status == 200 and not wire.streaming
    assert json.loads(seen[0].content)["odd_vendor_field"] == 1  # unknown keys go via extra_body
    sse = 'data: {"choices":[{"index":0,"delta":{"content":"hé"}}]}\n\n: keep-alive\n\ndata: [DONE]\n\n'
    transport, _ = mock_transport(httpx2, 200, sse.encode(), {"content-type": "text/event-stream"})
    client = ADAPTER.make_client(None, None, http_client=httpx2.Client(transport=transport))
    wire = ADAPTER.send(client, {"model": "m", "messages": [], "stream": True}, stream=True)
    assert wire.events is not None and wire.events[1] == {"comment": "keep-alive"}
    assert ADAPTER.parse_stream(wire.events).text == "hé"


def _build_exception(cls: type[BaseException]) -> BaseException:
    request = httpx2.Request("POST", "https://api.openai.com/v1/chat/completions")
    response = httpx2.Response(418, json={"error": {"message": "teapot"}}, request=request)
    if issubclass(cls, openai.OAuthError):
        return cls(response=response, body={"error": "x"})
    if issubclass(cls, openai.APIStatusError):
        return cls("teapot", response=response, body={"message": "teapot"})
    if issubclass(cls, openai.APIResponseValidationError):
        return cls(response, {"x": 1})
    if issubclass(cls, openai.APITimeoutError):
        return cls(request)
    if issubclass(cls, openai.APIConnectionError):
        return cls(request=request)
    if issubclass(cls, openai.APIError):
        return cls("generic", request, body=None)
    if cls in (openai.LengthFinishReasonError,):
        return cls(completion=openai.types.chat.ChatCompletion.model_construct(usage=None))
    if cls.__name__ == "WebSocketConnectionClosedError":
        return cls("closed", unsent_messages=[])
    if issubclass(cls, openai.OpenAIError):
        try:
            return cls("plain message")
        except TypeError:
            params = inspect.signature(cls).parameters
            kwargs = {n: None for n, p in params.items() if p.default is p.empty and p.kind == p.KEYWORD_ONLY}
            args = [
                "x" for p in params.values() if p.default is p.empty and p.kind == p.POSITIONAL_OR_KEYWORD
            ]
            return cls(*args, **kwargs)
    raise AssertionError(f"no constructor known for {cls}")


def test_every_public_openai_exception_is_mapped() -> None:
    public = [
        v
        for n, v in list(vars(openai).items())
        if not n.startswith("_") and inspect.isclass(v) and issubclass(v, openai.OpenAIError)
    ]
    assert openai.APITimeoutError in public and openai.RateLimitError in public
    for cls in public:
        with pytest.raises(ProviderError) as info, openai_errors():
            raise _build_exception(cls)
        if issubclass(cls, openai.APIStatusError) and cls is not openai.OAuthError:
            assert info.value.status == 418 and info.value.vendor_message == "teapot"
        if issubclass(cls, openai.APIConnectionError):
            assert info.value.status is None and info.value.retryable


def test_parse_stream_without_index_keys_calls_by_id() -> None:
    events = [
        _chunk({"tool_calls": [{"id": "a", "function": {"name": "f", "arguments": '{"x": '}}]}),
        _chunk({"tool_calls": [{"function": {"arguments": "1}"}}]}),
        _chunk({"tool_calls": [{"id": "b", "function": {"name": "g", "arguments": "{}"}}]}),
        _chunk({"tool_calls": [{"id": "b", "function": {"name": "g"}}]}),  # a repeated name is not appended
    ]
    turn = ADAPTER.parse_stream(events)
    assert [(c.id, c.name, c.arguments) for c in turn.calls] == [("a", "f", {"x": 1}), ("b", "g", {})]
