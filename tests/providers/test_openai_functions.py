"""openai-functions (legacy `functions` / `function_call`): requests, parsing, errors."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from harness.errors import ProviderError
from harness.model import ExpectedCall, Turn
from harness.providers import get_adapter
from harness.providers.capabilities import UnsupportedCaseError
from harness.providers.openai_functions import ADAPTER
from tests.helpers.providers import DOTTED, make_case, mock_transport, weather_history
from tests.providers.test_openai_chat import sdk_validate


@pytest.mark.parametrize(
    ("choice", "wire"),
    [("auto", "auto"), ("none", "none"), ({"name": "get_weather"}, {"name": "get_weather"})],
)
def test_functions_and_function_call(choice: Any, wire: Any) -> None:
    body = ADAPTER.build_request(make_case(choice), 0, [], "gpt-3.5-turbo", {"temperature": 0})
    assert body["function_call"] == wire
    assert body["functions"] == [
        {
            "name": "get_weather",
            "description": "Get the weather",
            "parameters": make_case().tools[0].parameters,
        }
    ]
    assert "tools" not in body and "tool_choice" not in body
    sdk_validate(body)


def test_required_is_unsupported() -> None:
    with pytest.raises(UnsupportedCaseError, match="no 'required'"):
        ADAPTER.build_request(make_case("required"), 0, [], "m", {})


def test_sanitised_name_in_functions() -> None:
    body = ADAPTER.build_request(make_case({"name": "weather.get.v2"}, tools=(DOTTED,)), 0, [], "m", {})
    assert body["functions"][0]["name"] == "weather_get_v2" == body["function_call"]["name"]


def test_history_uses_function_role() -> None:
    body = ADAPTER.build_request(make_case(turns=2), 1, weather_history(), "m", {"stream": True})
    msgs = body["messages"]
    assert msgs[2] == {
        "role": "assistant",
        "content": None,
        "function_call": {"name": "get_weather", "arguments": '{"location": "北京"}'},
    }
    assert msgs[3] == {"role": "function", "name": "get_weather", "content": '{"temp": 21, "sky": "晴"}'}
    sdk_validate(body)


def test_parallel_history_is_unsupported() -> None:
    case = make_case(turns=2)
    hist = weather_history()
    two = hist[0].turn.calls * 2
    from dataclasses import replace

    hist = [replace(hist[0], turn=replace(hist[0].turn, calls=two))]
    with pytest.raises(UnsupportedCaseError):
        ADAPTER.build_request(case, 1, hist, "m", {})
    parallel = replace(case, turns=(Turn(expect=(ExpectedCall("get_weather", {}),) * 2),))
    from harness.providers.capabilities import unsupported_reason

    assert "1 call per turn" in (unsupported_reason(parallel, "openai-functions") or "")


def test_parse_function_call_plain_and_streamed() -> None:
    body = {
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": None,
                    "function_call": {"name": "get_weather", "arguments": '{"location": "Paris"}'},
                },
                "finish_reason": "function_call",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
    }
    turn = ADAPTER.parse_response(body)
    assert [(c.name, c.arguments) for c in turn.calls] == [("get_weather", {"location": "Paris"})]
    assert turn.finish_reason == "function_call"
    events = [
        {
            "event": None,
            "data": {
                "choices": [
                    {"index": 0, "delta": {"function_call": {"name": "get_weather", "arguments": ""}}}
                ]
            },
        },
        {
            "event": None,
            "data": {"choices": [{"index": 0, "delta": {"function_call": {"arguments": '{"loc'}}}]},
        },
        {
            "event": None,
            "data": {"choices": [{"index": 0, "delta": {"function_call": {"arguments": 'ation": "Rome"}'}}}]},
        },
        {"event": None, "data": {"choices": [{"index": 0, "delta": {}, "finish_reason": "function_call"}]}},
        {"event": None, "data": "[DONE]"},
    ]
    turn = ADAPTER.parse_stream(events)
    assert [(c.name, c.arguments) for c in turn.calls] == [("get_weather", {"location": "Rome"})]


def test_get_adapter_and_send_error() -> None:
    assert get_adapter("openai-functions") is ADAPTER
    body = {"error": {"message": "functions is deprecated", "type": "invalid_request_error", "code": None}}
    transport, _ = mock_transport(httpx2, 400, body)
    client = ADAPTER.make_client(None, "k", http_client=httpx2.Client(transport=transport))
    with pytest.raises(ProviderError) as info:
        ADAPTER.send(client, ADAPTER.build_request(make_case(), 0, [], "m", {}), stream=False)
    assert info.value.status == 400 and info.value.vendor_message == "functions is deprecated"
