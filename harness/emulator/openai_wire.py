"""OpenAI Chat Completions wire (and legacy functions, Mistral and the compatible services).

One path serves three shapes, told apart by the engine and passed as `ctx.kind`:
- `openai-chat`: `message.tool_calls[] = {id:"call_…", type:"function", function:{name, arguments}}`,
  `content: null` next to calls; streamed as `delta.tool_calls` fragments keyed by `index`
  (first fragment has id, type, name and `arguments:""`, later ones argument pieces), a final
  chunk with `finish_reason`, a usage chunk (`choices: []`) when `stream_options.include_usage`,
  then `data: [DONE]` (WIRE-FORMATS.md §1).
- `openai-functions` (the request has `functions`): `message.function_call {name, arguments}`,
  one call per turn, `finish_reason: "function_call"`.
- `mistral`: call ids of 9 alphanumerics, no `type` field, `index` on each call, `content: ""`;
  streamed calls arrive whole, usage rides on the last chunk (§6).

OpenAI-compatible flavours, chosen by a model name containing the service's name (§8):
`groq` (a calls-only message has no `content` key; each streamed call arrives whole; stream
usage in `x_groq.usage`), `deepseek` (`reasoning_content` next to the answer, cache-hit usage
fields), `ollama` (a `reasoning` field). The reasoning text is emulated and is not answer text.
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
    function_names,
    json_reply,
    split_pieces,
    sse,
    sse_reply,
)
from harness.emulator.scripts import Answer

__all__ = ["extract_prompt", "openai_error", "openai_error_type", "render", "render_error", "stream_error"]

_OPENAI_ERRORS: dict[int, tuple[str, str | None]] = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("permission_error", None),
    404: ("invalid_request_error", "not_found"),
    429: ("requests", "rate_limit_exceeded"),
    500: ("server_error", None),
    503: ("server_error", "service_unavailable"),
}


def extract_prompt(body: Mapping[str, Any]) -> Prompt:
    """Return the first user text, the number of assistant turns and the offered tool names."""
    names = function_names(body.get("tools"))
    names += [f["name"] for f in body.get("functions") or [] if isinstance(f, dict) and "name" in f]
    return conversation_prompt(body.get("messages"), names)


def _usage(request: Mapping[str, Any], answer: Answer) -> dict[str, int]:
    prompt = estimate_tokens(request.get("messages"))
    completion = estimate_tokens(answer.text) + sum(
        estimate_tokens(c.name + c.arguments_text()) for c in answer.calls
    )
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


#: The emulated reasoning a `deepseek` / `ollama` flavour sends beside the answer.
REASONING = "(emulated reasoning) Decide whether a function call answers the request."
_REASONING_FIELD = {"deepseek": "reasoning_content", "ollama": "reasoning"}


def flavour(ctx: RenderContext) -> str | None:
    """Return the OpenAI-compatible service the model name asks to imitate, if any."""
    if ctx.kind != "openai-chat":
        return None
    model = ctx.model.lower()
    return next((name for name in ("groq", "deepseek", "ollama") if name in model), None)


def _call_id(ctx: RenderContext, i: int) -> str:
    if ctx.kind == "mistral":
        return ctx.ident(f"call{i}", 9)
    return "call_" + ctx.ident(f"call{i}", 24)


def _tool_call(ctx: RenderContext, answer: Answer, i: int) -> dict[str, Any]:
    call = answer.calls[i]
    function = {"name": call.name, "arguments": call.arguments_text()}
    if ctx.kind == "mistral":
        return {"id": _call_id(ctx, i), "function": function, "index": i}
    return {"id": _call_id(ctx, i), "type": "function", "function": function}


def _finish(ctx: RenderContext, answer: Answer) -> str:
    if not answer.calls:
        return "stop"
    return "function_call" if ctx.kind == "openai-functions" else "tool_calls"


def _base(ctx: RenderContext, request: Mapping[str, Any], obj: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": ("" if ctx.kind == "mistral" else "chatcmpl-")
        + ctx.ident("id", 32 if ctx.kind == "mistral" else 29),
        "object": obj,
        "created": ctx.created(),
        "model": request.get("model", ctx.model),
    }
    if ctx.kind != "mistral":
        out["system_fingerprint"] = "fc-harness-emulator"
    return out


def _message(ctx: RenderContext, answer: Answer) -> dict[str, Any]:
    if ctx.kind == "mistral":
        msg: dict[str, Any] = {"role": "assistant", "content": answer.text or ""}
        msg["tool_calls"] = [_tool_call(ctx, answer, i) for i in range(len(answer.calls))] or None
        return msg
    msg = {"role": "assistant", "content": answer.text, "refusal": None, "annotations": []}
    if answer.calls and ctx.kind == "openai-functions":
        first = answer.calls[0]  # the legacy API makes one call per turn
        msg["function_call"] = {"name": first.name, "arguments": first.arguments_text()}
    elif answer.calls:
        msg["tool_calls"] = [_tool_call(ctx, answer, i) for i in range(len(answer.calls))]
    service = flavour(ctx)
    if service in _REASONING_FIELD:
        msg[_REASONING_FIELD[service]] = REASONING
    if service == "groq":
        msg = {k: v for k, v in msg.items() if k not in ("refusal", "annotations")}
        if answer.calls and answer.text is None:
            del msg["content"]  # Groq leaves `content` out of a calls-only message
    return msg


def _plain(answer: Answer, request: Mapping[str, Any], ctx: RenderContext) -> WireReply:
    body = _base(ctx, request, "chat.completion")
    choice: dict[str, Any] = {
        "index": 0,
        "message": _message(ctx, answer),
        "finish_reason": _finish(ctx, answer),
    }
    if ctx.kind != "mistral":
        choice["logprobs"] = None
    body["choices"] = [choice]
    body["usage"] = _usage(request, answer)
    if flavour(ctx) == "deepseek":
        body["usage"].update(
            prompt_cache_hit_tokens=0, prompt_cache_miss_tokens=body["usage"]["prompt_tokens"]
        )
    if flavour(ctx) == "groq":
        body["x_groq"] = {"id": "req_" + ctx.ident("groq", 26)}
    return json_reply(200, body)


def _chunks(answer: Answer, request: Mapping[str, Any], ctx: RenderContext) -> Iterator[bytes]:
    base = _base(ctx, request, "chat.completion.chunk")
    mistral = ctx.kind == "mistral"

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        choice: dict[str, Any] = {"index": 0, "delta": delta, "finish_reason": finish}
        if not mistral:
            choice["logprobs"] = None
        return sse({**base, "choices": [choice], **extra})

    service = flavour(ctx)
    yield chunk({"role": "assistant", "content": ""} if mistral else {"role": "assistant", "content": None})
    if service in _REASONING_FIELD:
        for piece in split_pieces(REASONING):
            yield chunk({_REASONING_FIELD[service]: piece, "content": None})
    for piece in split_pieces(answer.text or "") if answer.text else []:
        yield chunk({"content": piece})
    calls = answer.calls[:1] if ctx.kind == "openai-functions" else answer.calls
    for i, call in enumerate(calls):
        if mistral:  # Mistral sends each call whole in one chunk
            yield chunk({"content": "", "tool_calls": [_tool_call(ctx, answer, i)]})
            continue
        if service == "groq":  # so does Groq, with the index
            yield chunk({"tool_calls": [{"index": i, **_tool_call(ctx, answer, i)}]})
            continue
        pieces = split_pieces(call.arguments_text())
        if ctx.kind == "openai-functions":
            yield chunk({"function_call": {"name": call.name, "arguments": ""}})
            for piece in pieces:
                yield chunk({"function_call": {"arguments": piece}})
            continue
        first = {
            "index": i,
            "id": _call_id(ctx, i),
            "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }
        yield chunk({"tool_calls": [first]})
        for piece in pieces:
            yield chunk({"tool_calls": [{"index": i, "function": {"arguments": piece}}]})
    usage = _usage(request, answer)
    if mistral:
        yield chunk({"content": ""}, _finish(ctx, answer), usage=usage)
    elif service == "groq":
        yield chunk({}, _finish(ctx, answer), x_groq={"id": "req_" + ctx.ident("groq", 26), "usage": usage})
    else:
        yield chunk({}, _finish(ctx, answer))
        if (request.get("stream_options") or {}).get("include_usage"):
            yield sse({**base, "choices": [], "usage": usage})
    yield sse("[DONE]")


def render(answer: Answer, request: Mapping[str, Any], *, stream: bool, ctx: RenderContext) -> WireReply:
    """Return the chat completion (or its SSE stream) carrying the scripted answer."""
    if stream:
        return sse_reply(_chunks(answer, request, ctx))
    return _plain(answer, request, ctx)


def render_error(
    status: int,
    message: str,
    *,
    kind: str = "openai-chat",
    err_type: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> WireReply:
    """Return an OpenAI-shaped (or Mistral-shaped) error body."""
    if kind != "mistral":
        return openai_error(status, message, err_type, headers, _OPENAI_ERRORS)
    default_type, code = openai_error_type(status, _OPENAI_ERRORS)
    body: dict[str, Any] = {
        "object": "error",
        "message": message,
        "type": err_type or default_type,
        "param": None,
        "code": str(status) if code is None else code,
    }
    return json_reply(status, body, headers)


def openai_error_type(status: int, table: Mapping[int, tuple[str, str | None]]) -> tuple[str, str | None]:
    """Return the OpenAI error `(type, code)` of an HTTP status from `table` (or its default)."""
    return by_status(table, status, ("server_error", None), ("invalid_request_error", None))


def openai_error(
    status: int,
    message: str,
    err_type: str | None,
    headers: Mapping[str, str] | None,
    table: Mapping[int, tuple[str, str | None]],
) -> WireReply:
    """Return the OpenAI error body `{"error": {message, type, param, code}}` (chat and Responses)."""
    default_type, code = openai_error_type(status, table)
    error = {"message": message, "type": err_type or default_type, "param": None, "code": code}
    return json_reply(status, {"error": error}, headers)


def stream_error(
    status: int, message: str, *, kind: str = "openai-chat", err_type: str | None = None
) -> Iterator[bytes]:
    """Yield the error event a chat stream ends with after HTTP 200 (`data: {"error": …}`)."""
    default_type, code = openai_error_type(status, _OPENAI_ERRORS)
    yield sse({"error": {"message": message, "type": err_type or default_type, "param": None, "code": code}})
