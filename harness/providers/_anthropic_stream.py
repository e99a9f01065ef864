"""Parse a streamed Anthropic Messages response (SSE events) into a neutral turn.

Events (WIRE-FORMATS.md §3): `message_start` → per block `content_block_start` /
`content_block_delta` (`text_delta`, `input_json_delta.partial_json`, `thinking_delta`,
`signature_delta`) / `content_block_stop` → `message_delta` (stop_reason, usage) →
`message_stop`; `ping` is ignored; an `error` event (possible after HTTP 200) raises
ProviderError with the vendor's message.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from harness.errors import ProviderError
from harness.model import ModelTurn, ToolCall, Usage
from harness.providers._convo import json_object_or_none

__all__ = ["ERROR_STATUS", "error_from_body", "parse_anthropic_stream"]

_JSON_BLOCKS = ("tool_use", "server_tool_use", "mcp_tool_use")

#: Anthropic's error `type` → the HTTP status it comes with (for errors inside a stream).
ERROR_STATUS: dict[str, int] = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}


def error_from_body(body: Any, status: int | None) -> ProviderError:
    """Return the ProviderError for an Anthropic error body `{"type": "error", "error": {...}}`."""
    err = body.get("error") if isinstance(body, Mapping) else None
    if isinstance(err, Mapping):
        message = str(err.get("message") or err.get("type") or "unknown error")
        if status is None:
            status = ERROR_STATUS.get(str(err.get("type")))
    else:
        message = str(body) if body else "unknown error"
    return ProviderError(message, status=status, body=body)


def parse_anthropic_stream(events: Sequence[Mapping[str, Any]]) -> ModelTurn:
    """Return the neutral turn carried by Anthropic SSE events, in order."""
    blocks: dict[int, dict[str, Any]] = {}
    partial: dict[int, list[str]] = {}
    usage: dict[str, Any] = {}
    stop_reason = None
    for ev in events:
        data = ev.get("data")
        if not isinstance(data, Mapping):
            continue
        kind = data.get("type") or ev.get("event")
        if kind == "error":
            raise error_from_body(data, None)
        if kind == "message_start":
            usage.update((data.get("message") or {}).get("usage") or {})
        elif kind == "content_block_start":
            index = int(data.get("index", len(blocks)))
            blocks[index] = copy.deepcopy(dict(data.get("content_block") or {}))
            partial[index] = []
        elif kind == "content_block_delta":
            index = int(data.get("index", 0))
            block = blocks.setdefault(index, {"type": "text", "text": ""})
            delta = data.get("delta") or {}
            dtype = delta.get("type")
            if dtype == "text_delta":
                block["text"] = block.get("text", "") + (delta.get("text") or "")
            elif dtype == "input_json_delta":
                partial.setdefault(index, []).append(delta.get("partial_json") or "")
            elif dtype == "thinking_delta":
                block["thinking"] = block.get("thinking", "") + (delta.get("thinking") or "")
            elif dtype == "signature_delta":
                block["signature"] = block.get("signature", "") + (delta.get("signature") or "")
            elif dtype == "citations_delta":
                block.setdefault("citations", []).append(delta.get("citation"))
        elif kind == "message_delta":
            stop_reason = (data.get("delta") or {}).get("stop_reason") or stop_reason
            usage.update({k: v for k, v in (data.get("usage") or {}).items() if v is not None})

    calls: list[ToolCall] = []
    texts: list[str] = []
    content: list[dict[str, Any]] = []
    for index in sorted(blocks):
        block = blocks[index]
        raw = "".join(partial.get(index, []))
        args: dict[str, Any] | None
        if block.get("type") in _JSON_BLOCKS:
            if raw.strip():
                args = json_object_or_none(raw)
            else:
                start = block.get("input")
                args = dict(start) if isinstance(start, Mapping) else {}
            block["input"] = args if args is not None else {}
        else:
            args = None
        if block.get("type") == "tool_use":
            calls.append(
                ToolCall(
                    name=block.get("name", ""),
                    arguments=args,
                    raw_arguments=raw if raw.strip() else None,
                    id=block.get("id"),
                )
            )
        elif block.get("type") == "text":
            texts.append(block.get("text") or "")
        content.append(block)
    return ModelTurn(
        calls=tuple(calls),
        text="".join(texts) or None,
        finish_reason=stop_reason,
        usage=Usage(usage.get("input_tokens"), usage.get("output_tokens")),
        raw_assistant=content,
    )
