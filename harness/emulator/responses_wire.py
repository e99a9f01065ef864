"""OpenAI Responses wire (WIRE-FORMATS.md §2).

Reply: `output[]` holds a `message` item (`output_text` content) when there is text, then one
`function_call` item per call `{id:"fc_…", call_id:"call_…", name, arguments:"<json text>"}`;
`status: "completed"`, no finish reason. Streamed: typed SSE (`event:` equals `data.type`),
`response.created` → `response.in_progress` → per item `response.output_item.added` →
(`response.function_call_arguments.delta` … `.done` | content part and `output_text` deltas)
→ `response.output_item.done` → `response.completed` with the full response. Deltas are keyed
by `item_id` (the `fc_…` id), each event carries a `sequence_number`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

from harness.emulator.common import (
    Prompt,
    RenderContext,
    WireReply,
    estimate_tokens,
    split_pieces,
    sse,
    sse_or_json,
    text_of_parts,
)
from harness.emulator.openai_wire import openai_error
from harness.emulator.scripts import Answer

__all__ = ["extract_prompt", "render", "render_error", "stream_error"]

_ERRORS: dict[int, tuple[str, str | None]] = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    404: ("invalid_request_error", "not_found"),
    429: ("requests", "rate_limit_exceeded"),
    500: ("server_error", None),
}
_ASSISTANT_ITEMS = {"function_call", "reasoning", "custom_tool_call"}


def _is_assistant_item(item: Any) -> bool:
    return isinstance(item, dict) and (
        item.get("type") in _ASSISTANT_ITEMS or item.get("role") == "assistant"
    )


def extract_prompt(body: Mapping[str, Any]) -> Prompt:
    """Return the first user text, the number of assistant turns and the offered tool names."""
    items = body.get("input")
    names = tuple(
        t["name"]
        for t in body.get("tools") or []
        if isinstance(t, dict) and t.get("type") == "function" and "name" in t
    )
    if isinstance(items, str):
        return Prompt(items, 0, names)
    items = items if isinstance(items, list) else []
    user_text = next(
        (
            text_of_parts(i.get("content"), ("input_text", "text"))
            for i in items
            if isinstance(i, dict) and i.get("role") == "user"
        ),
        None,
    )
    turns, inside = 0, False
    for item in items:  # a run of consecutive assistant items (text, calls, reasoning) is one turn
        if _is_assistant_item(item):
            turns += 0 if inside else 1
            inside = True
        else:
            inside = False
    return Prompt(user_text, turns, names)


def _items(answer: Answer, ctx: RenderContext) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if answer.text is not None:
        items.append(
            {
                "id": "msg_" + ctx.ident("msg", 48, "0123456789abcdef"),
                "type": "message",
                "status": "completed",
                "role": "assistant",
                "content": [{"type": "output_text", "text": answer.text, "annotations": [], "logprobs": []}],
            }
        )
    for i, call in enumerate(answer.calls):
        items.append(
            {
                "id": "fc_" + ctx.ident(f"fc{i}", 48, "0123456789abcdef"),
                "type": "function_call",
                "status": "completed",
                "arguments": call.arguments_text(),
                "call_id": "call_" + ctx.ident(f"call{i}", 24),
                "name": call.name,
            }
        )
    return items


def _response(answer: Answer, request: Mapping[str, Any], ctx: RenderContext) -> dict[str, Any]:
    inp = estimate_tokens(request.get("input"))
    out = estimate_tokens(answer.text) + sum(
        estimate_tokens(c.name + c.arguments_text()) for c in answer.calls
    )
    return {
        "id": "resp_" + ctx.ident("resp", 48, "0123456789abcdef"),
        "object": "response",
        "created_at": ctx.created(),
        "status": "completed",
        "background": False,
        "error": None,
        "incomplete_details": None,
        "instructions": request.get("instructions"),
        "max_output_tokens": request.get("max_output_tokens"),
        "model": request.get("model", ctx.model),
        "output": _items(answer, ctx),
        "parallel_tool_calls": request.get("parallel_tool_calls", True),
        "previous_response_id": request.get("previous_response_id"),
        "reasoning": {"effort": None, "summary": None},
        "store": request.get("store", True),
        "temperature": request.get("temperature", 1.0),
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": request.get("tool_choice", "auto"),
        "tools": list(request.get("tools") or []),
        "top_p": request.get("top_p", 1.0),
        "truncation": "disabled",
        "usage": {
            "input_tokens": inp,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": out,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": inp + out,
        },
        "user": None,
        "metadata": {},
    }


def _events(answer: Answer, request: Mapping[str, Any], ctx: RenderContext) -> Iterator[bytes]:
    full = _response(answer, request, ctx)
    seq = 0

    def event(kind: str, **data: Any) -> bytes:
        nonlocal seq
        payload = {"type": kind, "sequence_number": seq, **data}
        seq += 1
        return sse(payload, event=kind)

    pending = copy.deepcopy(full)
    pending.update(status="in_progress", output=[], usage=None)
    yield event("response.created", response=pending)
    yield event("response.in_progress", response=pending)
    for index, item in enumerate(full["output"]):
        if item["type"] == "message":
            text = item["content"][0]["text"]
            yield event(
                "response.output_item.added",
                output_index=index,
                item={**item, "status": "in_progress", "content": []},
            )
            empty = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
            ids = {"item_id": item["id"], "output_index": index, "content_index": 0}
            yield event("response.content_part.added", **ids, part=empty)
            for piece in split_pieces(text) if text else []:
                yield event("response.output_text.delta", **ids, delta=piece, logprobs=[])
            yield event("response.output_text.done", **ids, text=text, logprobs=[])
            yield event("response.content_part.done", **ids, part=item["content"][0])
        else:
            started = {**item, "status": "in_progress", "arguments": ""}
            yield event("response.output_item.added", output_index=index, item=started)
            for piece in split_pieces(item["arguments"]):
                yield event(
                    "response.function_call_arguments.delta",
                    item_id=item["id"],
                    output_index=index,
                    delta=piece,
                )
            yield event(
                "response.function_call_arguments.done",
                item_id=item["id"],
                output_index=index,
                name=item["name"],
                arguments=item["arguments"],
            )
        yield event("response.output_item.done", output_index=index, item=item)
    yield event("response.completed", response=full)


def render(answer: Answer, request: Mapping[str, Any], *, stream: bool, ctx: RenderContext) -> WireReply:
    """Return the response (or its typed SSE stream) carrying the scripted answer."""
    return sse_or_json(stream, lambda: _events(answer, request, ctx), lambda: _response(answer, request, ctx))


def render_error(
    status: int,
    message: str,
    *,
    kind: str = "openai-responses",
    err_type: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> WireReply:
    """Return an OpenAI-shaped error body."""
    return openai_error(status, message, err_type, headers, _ERRORS)


def stream_error(
    status: int, message: str, *, kind: str = "openai-responses", err_type: str | None = None
) -> Iterator[bytes]:
    """Yield the `error` event a Responses stream ends with after HTTP 200."""
    _, code = _ERRORS.get(status, (None, None))
    data = {"type": "error", "code": err_type or code or str(status), "message": message, "param": None}
    yield sse({**data, "sequence_number": 2}, event="error")
