"""Cohere v2 chat wire (WIRE-FORMATS.md §7).

Reply: `message.tool_calls[] = {id:"<name>_<hex>", type:"function", function:{name, arguments:"<json text>"}}`
with a prose `tool_plan` (not answer text), text in `message.content[{type:"text", text}]`,
`finish_reason` `TOOL_CALL` or `COMPLETE`. Streamed (request `stream: true`): SSE events
`message-start` → `tool-plan-delta`… → per call `tool-call-start` / `tool-call-delta`… /
`tool-call-end` (in deltas `message.tool_calls` is an object, not a list) → `content-start` /
`content-delta`… / `content-end` → `message-end {finish_reason, usage}`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from harness.emulator.common import (
    HEX,
    Prompt,
    RenderContext,
    WireReply,
    conversation_prompt,
    estimate_tokens,
    function_names,
    json_reply,
    split_pieces,
    sse,
    sse_or_json,
)
from harness.emulator.scripts import Answer

__all__ = ["extract_prompt", "render", "render_error", "stream_error"]


def extract_prompt(body: Mapping[str, Any]) -> Prompt:
    """Return the first user text, the number of assistant turns and the offered tool names."""
    return conversation_prompt(body.get("messages"), function_names(body.get("tools")))


def _uuid(ctx: RenderContext, label: str) -> str:
    h = ctx.ident(label, 32, HEX)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _usage(answer: Answer, request: Mapping[str, Any]) -> dict[str, Any]:
    inp = estimate_tokens(request.get("messages"))
    out = estimate_tokens(answer.text) + sum(
        estimate_tokens(c.name + c.arguments_text()) for c in answer.calls
    )
    return {
        "billed_units": {"input_tokens": inp, "output_tokens": out},
        "tokens": {"input_tokens": inp + 200, "output_tokens": out},
        "cached_tokens": 0,
    }


def _tool_plan(answer: Answer) -> str:
    names = ", ".join(dict.fromkeys(c.name for c in answer.calls))
    return f"I will call {names} to answer this."


def _calls(answer: Answer, ctx: RenderContext) -> list[dict[str, Any]]:
    return [
        {
            "id": f"{c.name}_{ctx.ident(f'call{i}', 12, HEX)}",
            "type": "function",
            "function": {"name": c.name, "arguments": c.arguments_text()},
        }
        for i, c in enumerate(answer.calls)
    ]


def _finish(answer: Answer) -> str:
    return "TOOL_CALL" if answer.calls else "COMPLETE"


def _plain(answer: Answer, request: Mapping[str, Any], ctx: RenderContext) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant"}
    if answer.calls:
        message["tool_plan"] = _tool_plan(answer)
        message["tool_calls"] = _calls(answer, ctx)
    if answer.text is not None:
        message["content"] = [{"type": "text", "text": answer.text}]
    return {
        "id": _uuid(ctx, "id"),
        "message": message,
        "finish_reason": _finish(answer),
        "usage": _usage(answer, request),
    }


def _events(answer: Answer, request: Mapping[str, Any], ctx: RenderContext) -> Iterator[bytes]:
    def event(kind: str, **data: Any) -> bytes:
        return sse({"type": kind, **data}, event=kind)

    start = {"role": "assistant", "content": [], "tool_plan": "", "tool_calls": [], "citations": []}
    yield event("message-start", id=_uuid(ctx, "id"), delta={"message": start})
    if answer.calls:
        for piece in split_pieces(_tool_plan(answer)):
            yield event("tool-plan-delta", delta={"message": {"tool_plan": piece}})
        for i, call in enumerate(_calls(answer, ctx)):
            head = {**call, "function": {"name": call["function"]["name"], "arguments": ""}}
            yield event("tool-call-start", index=i, delta={"message": {"tool_calls": head}})
            for piece in split_pieces(call["function"]["arguments"]):
                pieces = {"function": {"arguments": piece}}
                yield event("tool-call-delta", index=i, delta={"message": {"tool_calls": pieces}})
            yield event("tool-call-end", index=i)
    if answer.text is not None:
        yield event("content-start", index=0, delta={"message": {"content": {"type": "text", "text": ""}}})
        for piece in split_pieces(answer.text) if answer.text else []:
            yield event("content-delta", index=0, delta={"message": {"content": {"text": piece}}})
        yield event("content-end", index=0)
    yield event("message-end", delta={"finish_reason": _finish(answer), "usage": _usage(answer, request)})


def render(answer: Answer, request: Mapping[str, Any], *, stream: bool, ctx: RenderContext) -> WireReply:
    """Return the v2 chat response (or its SSE stream) carrying the scripted answer."""
    return sse_or_json(stream, lambda: _events(answer, request, ctx), lambda: _plain(answer, request, ctx))


def render_error(
    status: int,
    message: str,
    *,
    kind: str = "cohere",
    err_type: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> WireReply:
    """Return a Cohere-shaped error body `{"id", "message"}`."""
    body: dict[str, Any] = {"id": "fc-harness-emulator", "message": message}
    if err_type:
        body["type"] = err_type
    return json_reply(status, body, headers)


def stream_error(
    status: int, message: str, *, kind: str = "cohere", err_type: str | None = None
) -> Iterator[bytes]:
    """Yield the `message-end` event carrying an error that ends a failed Cohere stream."""
    delta = {"error": message, "finish_reason": "ERROR"}
    yield sse({"type": "message-end", "delta": delta}, event="message-end")
