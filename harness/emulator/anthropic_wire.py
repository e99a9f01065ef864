"""Anthropic Messages wire (WIRE-FORMATS.md §3).

Reply: `content[]` holds a `text` block when there is text, then one
`{type:"tool_use", id:"toolu_…", name, input:{…}}` block per call; `stop_reason` is
`tool_use` with calls, else `end_turn`. Streamed: `message_start` → per block
`content_block_start` (`tool_use` with `input:{}`) → `content_block_delta`
(`input_json_delta` pieces, the first one empty as the API sends it; `text_delta` for text) →
`content_block_stop` → `message_delta {stop_reason, usage}` → `message_stop`.

Malformed arguments (`arguments_raw`) cannot be an object: the plain reply carries the raw
text as `input` (a string, which a careful adapter must reject), the stream carries it as
`partial_json` pieces (the only place the real API could produce it).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from harness.emulator.common import (
    Prompt,
    RenderContext,
    WireReply,
    by_status,
    conversation_prompt,
    estimate_tokens,
    json_reply,
    split_pieces,
    sse,
    sse_or_json,
)
from harness.emulator.scripts import Answer

__all__ = ["extract_prompt", "render", "render_error", "stream_error"]

_ERRORS = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


def extract_prompt(body: Mapping[str, Any]) -> Prompt:
    """Return the first user text, the number of assistant turns and the offered tool names."""
    names = (
        t["name"]
        for t in body.get("tools") or []
        if isinstance(t, dict) and "name" in t and t.get("type") in (None, "custom")
    )
    return conversation_prompt(body.get("messages"), names)


def _blocks(answer: Answer, ctx: RenderContext) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if answer.text is not None:
        blocks.append({"type": "text", "text": answer.text})
    for i, call in enumerate(answer.calls):
        tool_id = "toolu_01" + ctx.ident(f"toolu{i}", 22)
        blocks.append(
            {"type": "tool_use", "id": tool_id, "name": call.name, "input": call.arguments_object()}
        )
    return blocks


def _message(answer: Answer, request: Mapping[str, Any], ctx: RenderContext) -> dict[str, Any]:
    out = estimate_tokens(answer.text) + sum(
        estimate_tokens(c.name + c.arguments_text()) for c in answer.calls
    )
    return {
        "id": "msg_01" + ctx.ident("msg", 22),
        "type": "message",
        "role": "assistant",
        "model": request.get("model", ctx.model),
        "content": _blocks(answer, ctx),
        "stop_reason": "tool_use" if answer.calls else "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": estimate_tokens([request.get("system"), request.get("messages")]),
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": out,
            "service_tier": "standard",
        },
    }


def _events(answer: Answer, request: Mapping[str, Any], ctx: RenderContext) -> Iterator[bytes]:
    full = _message(answer, request, ctx)
    start = {**full, "content": [], "stop_reason": None, "usage": {**full["usage"], "output_tokens": 1}}
    yield sse({"type": "message_start", "message": start}, event="message_start")
    for index, block in enumerate(full["content"]):
        if block["type"] == "text":
            yield sse(
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {"type": "text", "text": ""},
                },
                event="content_block_start",
            )
            yield sse({"type": "ping"}, event="ping")
            for piece in split_pieces(block["text"]) if block["text"] else []:
                delta = {"type": "text_delta", "text": piece}
                yield sse(
                    {"type": "content_block_delta", "index": index, "delta": delta},
                    event="content_block_delta",
                )
        else:
            head = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
            yield sse(
                {"type": "content_block_start", "index": index, "content_block": head},
                event="content_block_start",
            )
            call = answer.calls[index - (1 if answer.text is not None else 0)]
            text = call.arguments_text()
            for piece in ["", *split_pieces(text)] if text != "{}" else [""]:
                delta = {"type": "input_json_delta", "partial_json": piece}
                yield sse(
                    {"type": "content_block_delta", "index": index, "delta": delta},
                    event="content_block_delta",
                )
        yield sse({"type": "content_block_stop", "index": index}, event="content_block_stop")
    stop = {"stop_reason": full["stop_reason"], "stop_sequence": None}
    usage = {"output_tokens": full["usage"]["output_tokens"]}
    yield sse({"type": "message_delta", "delta": stop, "usage": usage}, event="message_delta")
    yield sse({"type": "message_stop"}, event="message_stop")


def render(answer: Answer, request: Mapping[str, Any], *, stream: bool, ctx: RenderContext) -> WireReply:
    """Return the message (or its SSE stream) carrying the scripted answer."""
    return sse_or_json(stream, lambda: _events(answer, request, ctx), lambda: _message(answer, request, ctx))


def render_error(
    status: int,
    message: str,
    *,
    kind: str = "anthropic",
    err_type: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> WireReply:
    """Return an Anthropic-shaped error body."""
    body = {"type": "error", "error": _error(status, message, err_type), "request_id": None}
    return json_reply(status, body, headers)


def stream_error(
    status: int, message: str, *, kind: str = "anthropic", err_type: str | None = None
) -> Iterator[bytes]:
    """Yield the `event: error` an Anthropic stream can send after HTTP 200."""
    yield sse({"type": "error", "error": _error(status, message, err_type)}, event="error")


def _error(status: int, message: str, err_type: str | None) -> dict[str, str]:
    default = by_status(_ERRORS, status, "api_error", "invalid_request_error")
    return {"type": err_type or default, "message": message}
