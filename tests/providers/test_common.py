"""Shared adapter helpers: arguments, SSE decoding, vendor error messages, retry-after."""

from __future__ import annotations

import email.utils
import time
from typing import Any

import pytest

from harness.errors import ProviderError
from harness.model import ToolCall
from harness.providers._common import (
    call_ids,
    decode_arguments,
    encode_arguments,
    encode_result,
    parse_retry_after,
    sse_events_from_text,
    vendor_message,
)
from harness.providers.openai_chat import ADAPTER


def test_sse_decoding_fields_comments_multiline_and_crlf() -> None:
    text = (
        ": OPENROUTER PROCESSING\r\n\r\n"
        'event: response.created\r\ndata: {"a": 1}\r\n\r\n'
        'data: {"b":\ndata: 2}\n\n'
        "id: 7\nretry: 100\ndata: not json\n\n"
        "data: [DONE]\n\n"
        'data: {"tail": true}'
    )
    assert sse_events_from_text(text.splitlines(keepends=True)) == [
        {"comment": "OPENROUTER PROCESSING"},
        {"event": "response.created", "data": {"a": 1}},
        {"event": None, "data": {"b": 2}},
        {"event": None, "data": "not json"},
        {"event": None, "data": "[DONE]"},
        {"event": None, "data": {"tail": True}},
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"error": {"message": "bad value", "type": "invalid_request_error"}}, "bad value"),  # OpenAI
        (
            {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
            "Overloaded",
        ),  # Anthropic
        (
            {"error": {"code": 400, "message": "API key not valid.", "status": "INVALID_ARGUMENT"}},
            "API key not valid.",
        ),
        (
            {"message": "The security token included in the request is invalid."},
            "The security token included in the request is invalid.",
        ),
        ({"object": "error", "message": "Unauthorized", "type": "auth"}, "Unauthorized"),  # Mistral
        (
            {"error": {"code": 429, "message": "Rate limited", "metadata": {"raw": "upstream 429"}}},
            "Rate limited: upstream 429",
        ),
        (
            {"detail": [{"loc": ["body"], "msg": "field required"}]},
            '[{"loc": ["body"], "msg": "field required"}]',
        ),
        ({"error": "plain string"}, "plain string"),
        ("<html>Bad gateway</html>", "<html>Bad gateway</html>"),
        ({}, "fallback"),
    ],
)
def test_vendor_message_shapes(body: Any, expected: str) -> None:
    assert vendor_message(body, "fallback") == expected


def test_retry_after_forms() -> None:
    assert parse_retry_after({"retry-after": "7"}) == 7.0
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert parse_retry_after({}) is None
    assert parse_retry_after({"retry-after": "soon"}) is None
    future = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= (parse_retry_after({"retry-after": future}) or 0) <= 31


def test_arguments_and_results_encoding() -> None:
    assert decode_arguments(" ") == ({}, " ")
    assert decode_arguments(3) == (None, "3")
    assert decode_arguments('"a string"') == (None, '"a string"')
    assert encode_arguments(ToolCall("f", {"a": "é"})) == '{"a": "é"}'
    assert encode_arguments(ToolCall("f", {"a": 1}, '{"a":1}')) == '{"a":1}'
    assert encode_arguments(ToolCall("f", None, "{bad")) == "{bad"
    assert encode_arguments(ToolCall("f", {}, "")) == "{}"
    assert encode_result("text") == "text" and encode_result({"ok": True}) == '{"ok": true}'
    assert encode_result(None) == "null" and encode_result(3) == "3"


def test_call_ids_deterministic_and_validated() -> None:
    calls = [ToolCall("f", {}, None, None), ToolCall("g", {}, None, "keep")]
    first = call_ids(calls, 0)
    assert first == call_ids(calls, 0) and first[1] == "keep" and first[0].startswith("call_")
    assert call_ids(calls, 1)[0] != first[0]
    strict = call_ids(calls, 0, prefix="", valid=lambda c: len(c) == 9)
    assert all(len(c) == 9 for c in strict)


def test_openrouter_midstream_error_chunk_raises() -> None:
    events = [
        {"event": None, "data": {"choices": [{"index": 0, "delta": {"content": "Hel"}}]}},
        {
            "event": None,
            "data": {
                "error": {"code": 502, "message": "Provider disconnected"},
                "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "error"}],
            },
        },
    ]
    with pytest.raises(ProviderError) as info:
        ADAPTER.parse_stream(events)
    assert info.value.status == 502 and info.value.vendor_message == "Provider disconnected"
    with pytest.raises(ProviderError, match="quota"):
        ADAPTER.parse_response({"error": {"message": "quota exceeded", "code": 429}})
