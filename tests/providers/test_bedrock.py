"""The bedrock-converse adapter: botocore's Converse model, real traffic, event stream, errors."""

from __future__ import annotations

import binascii
import inspect
import json
import re
import struct
from pathlib import Path
from typing import Any

import boto3.exceptions
import botocore.exceptions
import botocore.session
import pytest
from botocore.validate import ParamValidator

from harness.errors import ProviderError
from harness.model import ModelTurn, ToolCall
from harness.providers import get_adapter
from harness.providers.base import HistoryStep
from harness.providers.bedrock import boto_errors, to_boto3_kwargs
from harness.run.config import ProviderProfile
from tests.helpers.vendor_http import TOOL_CHOICES, Reply, local_server, make_case, wire_rows

A = get_adapter("bedrock-converse")
MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"


@pytest.fixture(scope="module")
def converse_shape() -> Any:
    """botocore's input shape of the Converse operation (from its bundled service model)."""
    model = botocore.session.get_session().get_service_model("bedrock-runtime")
    return model.operation_model("Converse").input_shape


def _problems(shape: Any, body: dict[str, Any]) -> str:
    report = ParamValidator().validate(to_boto3_kwargs(body, MODEL), shape)
    return report.generate_report() if report.has_errors() else ""


@pytest.mark.parametrize("choice", TOOL_CHOICES, ids=str)
@pytest.mark.parametrize("parallel", [None, False])
def test_build_request_fits_the_converse_model(
    converse_shape: Any, choice: Any, parallel: bool | None
) -> None:
    params: dict[str, Any] = {"temperature": 0.0, "max_tokens": 64, "top_p": 0.9}
    if parallel is not None:
        params["parallel_tool_calls"] = parallel
    body = A.build_request(make_case(choice), 0, (), MODEL, params)
    assert _problems(converse_shape, body) == ""
    assert "modelId" not in body
    assert body["system"] == [{"text": "Be brief."}]
    assert body["inferenceConfig"] == {"maxTokens": 64, "temperature": 0.0, "topP": 0.9}
    if choice == "none":
        assert "toolConfig" not in body  # Converse has no none
        return
    tools = body["toolConfig"]["tools"]
    assert [t["toolSpec"]["name"] for t in tools] == ["get_weather", "math_add"]
    assert tools[0]["toolSpec"]["inputSchema"]["json"]["required"] == ["city"]
    expected = {"auto": None, "required": {"any": {}}}.get(str(choice), {"tool": {"name": "math_add"}})
    assert body["toolConfig"].get("toolChoice") == expected  # auto: Converse's default, left out


def test_the_validator_catches_a_wrong_body(converse_shape: Any) -> None:
    body = A.build_request(make_case(), 0, (), MODEL, {})
    body["toolConfig"]["toolChoice"] = {"required": {}}  # not a Converse toolChoice member
    assert "toolChoice" in _problems(converse_shape, body)


def test_prefix_and_history_become_tool_use_and_tool_result_blocks(converse_shape: Any) -> None:
    first = A.parse_response(
        {
            "output": {
                "message": {
                    "role": "assistant",
                    "content": [
                        {"text": "<thinking>look up</thinking>\n"},
                        {"toolUse": {"toolUseId": "tu1", "name": "get_weather", "input": {"city": "Paris"}}},
                        {"toolUse": {"toolUseId": "tu2", "name": "math_add", "input": {"a": 1, "b": 2}}},
                    ],
                }
            },
            "stopReason": "tool_use",
            "usage": {"inputTokens": 5, "outputTokens": 6},
        }
    )
    assert first.text is None  # Nova's reasoning is not answer text
    step = HistoryStep(first, ((first.calls[0], {"temp": 21}),))
    body = A.build_request(make_case("none", prefix=True, turns=2), 1, (step,), MODEL, {})
    assert _problems(converse_shape, body) == ""
    messages = body["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant", "user"]
    assert messages[2]["content"][0] == {
        "toolResult": {"toolUseId": "c1", "content": [{"text": '{"temp": 20}'}], "status": "success"}
    }
    assert messages[2]["content"][1] == {"text": "And in London?"}
    assert messages[3]["content"] == first.raw_assistant["content"]
    results = [b["toolResult"] for b in messages[4]["content"]]
    assert results[0] == {"toolUseId": "tu1", "content": [{"json": {"temp": 21}}], "status": "success"}
    assert results[1]["toolUseId"] == "tu2" and results[1]["status"] == "error"
    # tool_choice none, but the conversation holds tool blocks: Bedrock demands toolConfig.
    assert "toolChoice" not in body["toolConfig"] and body["toolConfig"]["tools"]


def test_history_without_raw_content_is_rebuilt(converse_shape: Any) -> None:
    turn = ModelTurn(calls=(ToolCall("math.add", {"a": 1, "b": 2}, id="t1"),))
    body = A.build_request(make_case(turns=2), 1, (HistoryStep(turn, ((turn.calls[0], 3),)),), MODEL, {})
    assert _problems(converse_shape, body) == ""
    assert body["messages"][1]["content"] == [
        {"toolUse": {"toolUseId": "t1", "name": "math_add", "input": {"a": 1, "b": 2}}}
    ]
    assert body["messages"][2]["content"][0]["toolResult"]["content"] == [{"text": "3"}]


def _strip_nova_thinking(text: str) -> str:
    return re.sub(r"<thinking>.*?</thinking>\s*", "", text, flags=re.DOTALL)


def test_every_recorded_converse_response_parses(wire_dir: Path) -> None:
    rows = wire_rows(wire_dir, "bedrock_converse.jsonl", "bedrock-converse")
    assert len(rows) == 64
    with_thinking = 0
    for row in rows:
        resp = row["response"]
        turn = A.parse_stream(resp["body"]) if resp["streaming"] else A.parse_response(resp["body"])
        calls = [{"name": c.name, "arguments": c.arguments} for c in turn.calls]
        assert calls == row["expected_calls"], row["case_id"]
        # The fixtures keep Nova's <thinking> sections in expected_text; answer text drops them.
        assert (turn.text or "") == _strip_nova_thinking(row["expected_text"]), row["case_id"]
        with_thinking += "<thinking>" in row["expected_text"]
        assert turn.finish_reason == row["stop_reason"], row["case_id"]
    assert with_thinking >= 4


def _event(name: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"headers": {":event-type": name, ":message-type": "event"}, "payload": payload}


def test_stream_assembles_tool_input_pieces() -> None:
    events = [
        _event("messageStart", {"role": "assistant"}),
        _event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "Sure. "}}),
        _event(
            "contentBlockStart",
            {"contentBlockIndex": 1, "start": {"toolUse": {"toolUseId": "a", "name": "f"}}},
        ),
        _event("contentBlockDelta", {"contentBlockIndex": 1, "delta": {"toolUse": {"input": '{"x":'}}}),
        _event("contentBlockDelta", {"contentBlockIndex": 1, "delta": {"toolUse": {"input": " 1}"}}}),
        _event(
            "contentBlockStart",
            {"contentBlockIndex": 2, "start": {"toolUse": {"toolUseId": "b", "name": "g"}}},
        ),
        _event(
            "contentBlockStart",
            {"contentBlockIndex": 3, "start": {"toolUse": {"toolUseId": "c", "name": "h"}}},
        ),
        _event("contentBlockDelta", {"contentBlockIndex": 3, "delta": {"toolUse": {"input": "{oops"}}}),
        _event("messageStop", {"stopReason": "tool_use"}),
        _event("metadata", {"usage": {"inputTokens": 7, "outputTokens": 8}}),
    ]
    turn = A.parse_stream(events)
    assert [(c.name, c.arguments, c.id) for c in turn.calls] == [
        ("f", {"x": 1}, "a"),
        ("g", {}, "b"),
        ("h", None, "c"),
    ]
    assert turn.calls[2].raw_arguments == "{oops"
    assert turn.text == "Sure. " and turn.finish_reason == "tool_use"
    assert (turn.usage.input_tokens, turn.usage.output_tokens) == (7, 8)


def test_exception_event_raises_with_the_vendor_message() -> None:
    events = [
        _event("messageStart", {"role": "assistant"}),
        {
            "headers": {":message-type": "exception", ":exception-type": "throttlingException"},
            "payload": {"message": "Too many requests, please wait before trying again."},
        },
    ]
    with pytest.raises(ProviderError) as info:
        A.parse_stream(events)
    assert info.value.vendor_message == "Too many requests, please wait before trying again."


def _frame(headers: dict[str, str], payload: dict[str, Any]) -> bytes:
    """Encode one `application/vnd.amazon.eventstream` frame (string headers only)."""
    raw_headers = b"".join(
        bytes([len(k)]) + k.encode() + b"\x07" + struct.pack(">H", len(v)) + v.encode()
        for k, v in headers.items()
    )
    body = json.dumps(payload).encode()
    total = 12 + len(raw_headers) + len(body) + 4
    prelude = struct.pack(">II", total, len(raw_headers))
    prelude += struct.pack(">I", binascii.crc32(prelude) & 0xFFFFFFFF)
    message = prelude + raw_headers + body
    return message + struct.pack(">I", binascii.crc32(message) & 0xFFFFFFFF)


def _client(url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fake-secret")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    profile = ProviderProfile(id="t", kind="bedrock-converse", model=MODEL, base_url=url)
    return A.make_client(profile, None)


def test_send_returns_the_wire_body(monkeypatch: pytest.MonkeyPatch) -> None:
    answer = {
        "output": {
            "message": {
                "role": "assistant",
                "content": [
                    {"toolUse": {"toolUseId": "x", "name": "get_weather", "input": {"city": "Paris"}}}
                ],
            }
        },
        "stopReason": "tool_use",
        "usage": {"inputTokens": 1, "outputTokens": 2, "totalTokens": 3},
        "metrics": {"latencyMs": 5},
    }
    with local_server() as server:
        server.queue(Reply.json(200, answer))
        client = _client(server.url, monkeypatch)
        request = A.build_request(make_case(), 0, (), MODEL, {"max_tokens": 10})
        wire = A.send(client, request, stream=False)
    assert wire.status == 200 and wire.body == answer
    seen = server.seen[0]
    assert seen.path == "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse"
    assert seen.json() == request  # boto3 serialises the kwargs back into the wire body
    assert seen.headers["authorization"].startswith("AWS4-HMAC-SHA256")
    assert A.parse_response(wire.body).calls[0].arguments == {"city": "Paris"}


def test_send_stream_decodes_the_binary_event_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    def ev(name: str, payload: dict[str, Any]) -> bytes:
        headers = {":event-type": name, ":content-type": "application/json", ":message-type": "event"}
        return _frame(headers, {**payload, "p": "abc"})

    stream = b"".join(
        [
            ev("messageStart", {"role": "assistant"}),
            ev(
                "contentBlockStart",
                {"contentBlockIndex": 0, "start": {"toolUse": {"toolUseId": "s1", "name": "get_weather"}}},
            ),
            ev(
                "contentBlockDelta", {"contentBlockIndex": 0, "delta": {"toolUse": {"input": '{"city":"Par'}}}
            ),
            ev("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"toolUse": {"input": 'is"}'}}}),
            ev("contentBlockStop", {"contentBlockIndex": 0}),
            ev("messageStop", {"stopReason": "tool_use"}),
            ev(
                "metadata",
                {
                    "usage": {"inputTokens": 4, "outputTokens": 5, "totalTokens": 9},
                    "metrics": {"latencyMs": 1},
                },
            ),
        ]
    )
    with local_server() as server:
        server.queue(Reply(200, stream, {"content-type": "application/vnd.amazon.eventstream"}))
        wire = A.send(
            _client(server.url, monkeypatch), A.build_request(make_case(), 0, (), MODEL, {}), stream=True
        )
    assert server.seen[0].path.endswith("/converse-stream")
    assert wire.events is not None and len(wire.events) == 7
    assert wire.events[1]["headers"][":event-type"] == "contentBlockStart"
    assert wire.events[1]["payload"]["p"] == "abc"
    turn = A.parse_stream(wire.events)
    assert [(c.name, c.arguments) for c in turn.calls] == [("get_weather", {"city": "Paris"})]
    assert turn.usage.output_tokens == 5


ERRORS = [
    (400, "ValidationException", "The provided model identifier is invalid."),
    (403, "AccessDeniedException", "You don't have access to the model with the specified model ID."),
    (403, "UnrecognizedClientException", "The security token included in the request is invalid."),
    (404, "ResourceNotFoundException", "Model not found."),
    (408, "ModelTimeoutException", "Model has timed out in processing the request."),
    (424, "ModelErrorException", "The model returned an error."),
    (429, "ThrottlingException", "Too many requests, please wait before trying again."),
    (500, "InternalServerException", "Internal server error"),
    (503, "ServiceUnavailableException", "Bedrock is unable to process your request."),
]


@pytest.mark.parametrize(("status", "etype", "message"), ERRORS)
@pytest.mark.parametrize("stream", [False, True])
def test_error_bodies_become_provider_errors(
    status: int, etype: str, message: str, stream: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    with local_server() as server:
        server.queue(
            Reply.json(status, {"message": message}, **{"x-amzn-ErrorType": f"{etype}:http://internal"})
        )
        with pytest.raises(ProviderError) as info:
            A.send(
                _client(server.url, monkeypatch),
                A.build_request(make_case(), 0, (), MODEL, {}),
                stream=stream,
            )
    err = info.value
    assert (err.status, err.vendor_message, err.body) == (status, message, {"message": message})
    assert isinstance(err.__cause__, botocore.exceptions.ClientError)


def _sdk_exception_classes() -> list[type[BaseException]]:
    out = []
    for module in (botocore.exceptions, boto3.exceptions):
        for obj in vars(module).values():
            if (
                inspect.isclass(obj)
                and issubclass(obj, Exception)
                and not issubclass(obj, Warning)
                and obj.__module__ == module.__name__
            ):
                out.append(obj)
    return out


def test_every_public_sdk_exception_is_mapped(monkeypatch: pytest.MonkeyPatch) -> None:
    client = _client("http://127.0.0.1:9", monkeypatch)
    modeled = [
        getattr(client.sdk.exceptions, n) for n in dir(client.sdk.exceptions) if n.endswith("Exception")
    ]
    classes = _sdk_exception_classes() + modeled
    assert len(classes) > 100 and len(modeled) >= 8
    for cls in classes:
        with pytest.raises(ProviderError) as info, boto_errors():
            raise cls.__new__(cls)
        assert isinstance(info.value.__cause__, cls), cls
    with pytest.raises(KeyError), boto_errors():
        raise KeyError("not the SDK's")


def test_an_exception_frame_mid_stream_becomes_a_provider_error(monkeypatch: pytest.MonkeyPatch) -> None:
    start = {":event-type": "messageStart", ":content-type": "application/json", ":message-type": "event"}
    boom = {
        ":exception-type": "throttlingException",
        ":content-type": "application/json",
        ":message-type": "exception",
    }
    stream = _frame(start, {"role": "assistant"}) + _frame(boom, {"message": "Too many tokens, please wait."})
    with local_server() as server:
        server.queue(Reply(200, stream, {"content-type": "application/vnd.amazon.eventstream"}))
        wire = A.send(
            _client(server.url, monkeypatch), A.build_request(make_case(), 0, (), MODEL, {}), stream=True
        )
    assert wire.events is not None and wire.events[1]["headers"][":message-type"] == "exception"
    with pytest.raises(ProviderError) as info:
        A.parse_stream(wire.events)
    assert info.value.vendor_message == "Too many tokens, please wait." and info.value.status == 429
