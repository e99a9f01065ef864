"""Gemini generateContent wire, API-key and Vertex forms (WIRE-FORMATS.md §4).

Reply: `candidates[0].content.parts[]` with a `text` part when there is text, then one
`{functionCall:{name, args:{…}}}` part per call (no `id`, as the API usually sends);
`finishReason: "STOP"` even with calls. Streamed (`:streamGenerateContent?alt=sse`): `data:`
chunks separated by CRLF, each a full GenerateContentResponse; text is split across chunks,
each call arrives whole in its own chunk, the last chunk carries `finishReason` and usage.

Malformed arguments (`arguments_raw`): Gemini never returns unparsable `args`; it ends the
candidate with `finishReason: "MALFORMED_FUNCTION_CALL"`, no calls and a `finishMessage`
quoting the attempt, which is what the emulator sends.
"""

from __future__ import annotations

import json
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
from harness.emulator.scripts import Answer

__all__ = ["extract_prompt", "render", "render_error", "stream_error"]

_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def extract_prompt(body: Mapping[str, Any]) -> Prompt:
    """Return the first user text, the number of model turns and the offered function names."""
    tools = body.get("tools") or []
    tools = [tools] if isinstance(tools, dict) else tools
    names: list[str] = []
    for tool in tools:
        if isinstance(tool, dict):
            decls = tool.get("functionDeclarations") or tool.get("function_declarations") or []
            names += [d["name"] for d in decls if isinstance(d, dict) and "name" in d]
    return conversation_prompt(
        body.get("contents"),
        names,
        text_of=joined_text,
        content_key="parts",
        assistant_role="model",
        default_role="user",
    )


def _usage(answer: Answer, request: Mapping[str, Any]) -> dict[str, Any]:
    prompt = estimate_tokens([request.get("systemInstruction"), request.get("contents")])
    out = estimate_tokens(answer.text) + sum(
        estimate_tokens(c.name + c.arguments_text()) for c in answer.calls
    )
    return {
        "promptTokenCount": prompt,
        "candidatesTokenCount": out,
        "totalTokenCount": prompt + out,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt}],
    }


def _malformed(answer: Answer) -> str | None:
    bad = [c for c in answer.calls if c.arguments_raw is not None]
    if not bad:
        return None
    return "Malformed function call: " + "; ".join(f"{c.name}({c.arguments_raw})" for c in bad)


def _envelope(candidate: dict[str, Any], ctx: RenderContext, usage: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {"candidates": [candidate]}
    if usage is not None:
        out["usageMetadata"] = usage
    out["modelVersion"] = ctx.model
    out["responseId"] = ctx.ident("resp", 22)
    return out


def _parts(answer: Answer) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    if answer.text is not None:
        parts.append({"text": answer.text})
    parts += [{"functionCall": {"name": c.name, "args": c.arguments_object()}} for c in answer.calls]
    return parts


def _plain(answer: Answer, request: Mapping[str, Any], ctx: RenderContext) -> dict[str, Any]:
    malformed = _malformed(answer)
    if malformed:
        candidate: dict[str, Any] = {
            "finishReason": "MALFORMED_FUNCTION_CALL",
            "finishMessage": malformed,
            "index": 0,
        }
    else:
        candidate = {
            "content": {"parts": _parts(answer), "role": "model"},
            "finishReason": "STOP",
            "index": 0,
        }
    return _envelope(candidate, ctx, _usage(answer, request))


def _chunks(answer: Answer, request: Mapping[str, Any], ctx: RenderContext) -> Iterator[bytes]:
    usage = _usage(answer, request)
    malformed = _malformed(answer)
    pieces: list[list[dict[str, Any]]] = []
    if answer.text:
        pieces += [[{"text": p}] for p in split_pieces(answer.text)]
    if not malformed:
        pieces += [[part] for part in _parts(answer) if "functionCall" in part]
    if not pieces and not malformed:
        pieces = [[{"text": answer.text or ""}]]
    for i, parts in enumerate(pieces):
        candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
        last = i == len(pieces) - 1 and not malformed
        if last:
            candidate["finishReason"] = "STOP"
        yield _frame(_envelope(candidate, ctx, usage if last else None))
    if malformed:
        candidate = {"finishReason": "MALFORMED_FUNCTION_CALL", "finishMessage": malformed, "index": 0}
        yield _frame(_envelope(candidate, ctx, usage))


def _frame(obj: Any) -> bytes:
    # Gemini separates its SSE events with CRLF, on both backends.
    return b"data: " + json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode() + b"\r\n\r\n"


def render(answer: Answer, request: Mapping[str, Any], *, stream: bool, ctx: RenderContext) -> WireReply:
    """Return the GenerateContentResponse (or its SSE stream) carrying the scripted answer."""
    if stream:
        return 200, {"content-type": "text/event-stream"}, _chunks(answer, request, ctx)
    return json_reply(200, _plain(answer, request, ctx))


def render_error(
    status: int,
    message: str,
    *,
    kind: str = "gemini",
    err_type: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> WireReply:
    """Return a Google-shaped error body `{"error": {code, message, status}}`."""
    return json_reply(status, _error(status, message, err_type), headers)


def stream_error(
    status: int, message: str, *, kind: str = "gemini", err_type: str | None = None
) -> Iterator[bytes]:
    """Yield the `{"error": …}` chunk a Gemini stream can end with after HTTP 200."""
    yield _frame(_error(status, message, err_type))


def _error(status: int, message: str, err_type: str | None) -> dict[str, Any]:
    name = err_type or by_status(_STATUS, status, "INTERNAL", "FAILED_PRECONDITION")
    return {"error": {"code": status, "message": message, "status": name}}
