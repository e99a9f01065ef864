"""AWS Bedrock Converse wire, plain and `converse-stream` (WIRE-FORMATS.md §5).

Reply: `output.message.content[]` with a `{text}` block when there is text, then one
`{toolUse:{toolUseId:"tooluse_…", name, input:{…}}}` block per call; `stopReason` is
`tool_use` with calls, else `end_turn`. Streamed: binary event stream frames (see
`eventstream.py`) `messageStart` → text `contentBlockDelta`s → per call `contentBlockStart
{start:{toolUse}}` → `contentBlockDelta {delta:{toolUse:{input:"<json piece>"}}}`… →
`contentBlockStop` → `messageStop {stopReason}` → `metadata {usage, metrics}`; payloads carry
the `"p"` padding field real Bedrock adds (here of deterministic length).

Errors: `{"message": …}` with the type in the `x-amzn-ErrorType` header (§9). Malformed
arguments travel as a string `input` (plain) or as string pieces (stream).
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
    joined_text,
    json_reply,
    split_pieces,
)
from harness.emulator.eventstream import encode_event, encode_exception
from harness.emulator.scripts import Answer

__all__ = ["extract_prompt", "render", "render_error", "stream_error"]

_ERRORS = {
    400: "ValidationException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    408: "ModelTimeoutException",
    424: "ModelErrorException",
    429: "ThrottlingException",
    500: "InternalServerException",
    503: "ServiceUnavailableException",
}
_PAD = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0"


def extract_prompt(body: Mapping[str, Any]) -> Prompt:
    """Return the first user text, the number of assistant turns and the offered tool names."""
    tools = ((body.get("toolConfig") or {}).get("tools")) or []
    names = (
        t["toolSpec"]["name"] for t in tools if isinstance(t, dict) and "name" in (t.get("toolSpec") or {})
    )
    return conversation_prompt(body.get("messages"), names, text_of=_blocks_text)


def _blocks_text(content: Any) -> str | None:
    # `list()` keeps the old reading exactly: a non-iterable content (a number) is a TypeError.
    return joined_text(list(content or []))


def _usage(answer: Answer, request: Mapping[str, Any]) -> dict[str, int]:
    inp = estimate_tokens([request.get("system"), request.get("messages")])
    out = estimate_tokens(answer.text) + sum(
        estimate_tokens(c.name + c.arguments_text()) for c in answer.calls
    )
    return {"inputTokens": inp, "outputTokens": out, "totalTokens": inp + out}


def _tool_id(ctx: RenderContext, i: int) -> str:
    return "tooluse_" + ctx.ident(f"tooluse{i}", 22)


def _plain(answer: Answer, request: Mapping[str, Any], ctx: RenderContext) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if answer.text is not None:
        content.append({"text": answer.text})
    for i, call in enumerate(answer.calls):
        content.append(
            {"toolUse": {"toolUseId": _tool_id(ctx, i), "name": call.name, "input": call.arguments_object()}}
        )
    return {
        "output": {"message": {"role": "assistant", "content": content}},
        "stopReason": "tool_use" if answer.calls else "end_turn",
        "usage": _usage(answer, request),
        "metrics": {"latencyMs": 100 + len(ctx.case_id)},
    }


def _frames(answer: Answer, request: Mapping[str, Any], ctx: RenderContext) -> Iterator[bytes]:
    count = 0

    def event(kind: str, payload: dict[str, Any]) -> bytes:
        nonlocal count
        count += 1
        return encode_event(kind, {**payload, "p": _PAD[: 1 + (count * 7) % len(_PAD)]})

    yield event("messageStart", {"role": "assistant"})
    index = 0
    if answer.text is not None:
        for piece in split_pieces(answer.text) if answer.text else [""]:
            yield event("contentBlockDelta", {"contentBlockIndex": index, "delta": {"text": piece}})
        yield event("contentBlockStop", {"contentBlockIndex": index})
        index += 1
    for i, call in enumerate(answer.calls):
        start = {"toolUse": {"toolUseId": _tool_id(ctx, i), "name": call.name}}
        yield event("contentBlockStart", {"contentBlockIndex": index, "start": start})
        for piece in split_pieces(call.arguments_text()):
            yield event(
                "contentBlockDelta", {"contentBlockIndex": index, "delta": {"toolUse": {"input": piece}}}
            )
        yield event("contentBlockStop", {"contentBlockIndex": index})
        index += 1
    yield event("messageStop", {"stopReason": "tool_use" if answer.calls else "end_turn"})
    yield event(
        "metadata", {"usage": _usage(answer, request), "metrics": {"latencyMs": 100 + len(ctx.case_id)}}
    )


def render(answer: Answer, request: Mapping[str, Any], *, stream: bool, ctx: RenderContext) -> WireReply:
    """Return the Converse response (or its binary event stream) carrying the scripted answer."""
    request_id = {"x-amzn-requestid": ctx.ident("rid", 36, "0123456789abcdef")}
    if stream:
        headers = {"content-type": "application/vnd.amazon.eventstream", **request_id}
        return 200, headers, _frames(answer, request, ctx)
    return json_reply(200, _plain(answer, request, ctx), request_id)


def render_error(
    status: int,
    message: str,
    *,
    kind: str = "bedrock-converse",
    err_type: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> WireReply:
    """Return a Bedrock error: `{"message"}` plus the `x-amzn-ErrorType` header."""
    name = _error_name(status, err_type)
    out = {
        "x-amzn-errortype": f"{name}:http://internal.amazon.com/coral/com.amazon.bedrock/",
        **(headers or {}),
    }
    return json_reply(status, {"message": message}, out)


def stream_error(
    status: int, message: str, *, kind: str = "bedrock-converse", err_type: str | None = None
) -> Iterator[bytes]:
    """Yield the exception frame (e.g. `throttlingException`) a Converse stream can end with."""
    name = _error_name(status, err_type)
    yield encode_exception(name[:1].lower() + name[1:], message)


def _error_name(status: int, err_type: str | None) -> str:
    return err_type or by_status(_ERRORS, status, "InternalServerException", "ValidationException")
