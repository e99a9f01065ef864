"""Adapter for Anthropic's Messages API (`POST /v1/messages`), kind `anthropic`.

Wire facts (WIRE-FORMATS.md §3): tools are `{name, description, input_schema}` with a root
`type: "object"`; tool_choice is `{"type": "auto" | "any" | "none"}` or `{"type": "tool",
"name"}`, with `disable_parallel_tool_use` inside it; calls are `tool_use` content blocks whose
`input` is an object; tool results go back as `tool_result` blocks at the start of the next user
message. `server_tool_use` / `*_tool_result` (vendor-side tools) and `thinking` blocks are
neither calls nor answer text.

Strict tool use: `params.strict` (when set) is sent as each tool's `strict` (`ToolParam.strict:
bool` in anthropic 2.14, "guarantees schema validation on tool names and inputs" [S]). The
schema stays portability's `anthropic` translation (root `type: object`), as the SDK's own
`beta_tool(strict=True)` helper sends its schema untranslated [S]. With no OpenAI-style
nullable rewrite, optional parameters stay optional and no nulls are stripped before grading.

Sampling parameters (`temperature`, `top_p`, `top_k`) are not sent: the SDK's
`MessageCreateParams` (anthropic 2.14) has no such fields, so real users' code cannot send them.

`send` goes through the official `anthropic` SDK (`messages.with_streaming_response.create`)
and returns the body as it was on the wire: the decoded JSON, or the decoded SSE events. The
SDK's own retries are off by default (`options.max_retries`), so the runner sees every error.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from harness.errors import ProviderError
from harness.model import Case, Message, ModelTurn, Tool, ToolCall, Usage
from harness.providers._anthropic_stream import error_from_body, parse_anthropic_stream
from harness.providers._common import object_arguments
from harness.providers._convo import (
    conversation,
    encode_result,
    iter_sse,
    step_results,
    system_text,
)
from harness.providers._schema import wire_schema
from harness.providers.base import HistoryStep, WireResponse, sanitize_name

__all__ = ["ADAPTER", "AnthropicAdapter", "anthropic_errors", "wire_name"]

DEFAULT_MAX_TOKENS = 1024


def wire_name(name: str) -> str:
    """Return the tool name as Anthropic accepts it (`^[a-zA-Z0-9_-]{1,64}$`)."""
    return sanitize_name(name, 64)


def _tool(tool: Tool, strict: Any = None) -> dict[str, Any]:
    schema = wire_schema(tool, "anthropic")  # root `type: object` (harness.providers.portability)
    out: dict[str, Any] = {
        "name": wire_name(tool.name),
        "description": tool.description,
        "input_schema": schema,
    }
    if strict is not None:
        out["strict"] = bool(strict)
    return out


def _tool_choice(case: Case, params: Mapping[str, Any]) -> dict[str, Any]:
    choice = case.tool_choice
    if isinstance(choice, Mapping):
        out: dict[str, Any] = {"type": "tool", "name": wire_name(str(choice["name"]))}
    elif choice == "required":
        out = {"type": "any"}
    elif choice == "none":
        return {"type": "none"}
    else:
        out = {"type": "auto"}
    if params.get("parallel_tool_calls") is False:
        out["disable_parallel_tool_use"] = True
    return out


def _tool_use(call: ToolCall) -> dict[str, Any]:
    return {
        "type": "tool_use",
        "id": call.id,
        "name": wire_name(call.name),
        "input": call.arguments if call.arguments is not None else {},
    }


def _message(m: Message) -> dict[str, Any]:
    if m.role == "assistant":
        blocks: list[dict[str, Any]] = []
        if m.content:
            blocks.append({"type": "text", "text": m.content})
        blocks.extend(_tool_use(c) for c in m.tool_calls)
        return {"role": "assistant", "content": blocks}
    if m.role == "tool":
        block = {"type": "tool_result", "tool_use_id": m.tool_call_id, "content": m.content or ""}
        return {"role": "user", "content": [block]}
    return {"role": "user", "content": [{"type": "text", "text": m.content or ""}]}


def _history(step: HistoryStep) -> list[dict[str, Any]]:
    turn = step.turn
    if isinstance(turn.raw_assistant, list):
        content = list(turn.raw_assistant)
    else:
        content = [{"type": "text", "text": turn.text}] if turn.text else []
        content.extend(_tool_use(c) for c in turn.calls)
    out = [{"role": "assistant", "content": content}]
    results = []
    for r in step_results(step):
        block: dict[str, Any] = {
            "type": "tool_result",
            "tool_use_id": r.call_id,
            "content": encode_result(r.value),
        }
        if r.is_error:
            block["is_error"] = True
        results.append(block)
    if results:
        out.append({"role": "user", "content": results})
    return out


class AnthropicAdapter:
    """The `anthropic` kind: Messages API through the official SDK."""

    kind = "anthropic"

    def build_request(
        self,
        case: Case,
        turn_index: int,
        history: Sequence[HistoryStep],
        model: str,
        params: Mapping[str, Any],
    ) -> dict[str, Any]:
        """Return the `/v1/messages` body for turn `turn_index`."""
        messages = conversation(case, history, turn_index, _message, _history)
        body: dict[str, Any] = {
            "model": model,
            "max_tokens": int(params.get("max_tokens") or DEFAULT_MAX_TOKENS),
            "messages": messages,
        }
        system = system_text(case)
        if system:
            body["system"] = system
        if case.tools:
            body["tools"] = [_tool(t, params.get("strict")) for t in case.tools]
            body["tool_choice"] = _tool_choice(case, params)
        if params.get("stream"):
            body["stream"] = True
        return body

    def parse_response(self, body: Mapping[str, Any]) -> ModelTurn:
        """Return the neutral turn of a non-streamed Messages response."""
        if body.get("type") == "error":
            raise error_from_body(body, None)
        content = body.get("content") or []
        calls: list[ToolCall] = []
        texts: list[str] = []
        for block in content:
            kind = block.get("type")
            if kind == "text":
                texts.append(block.get("text") or "")
            elif kind == "tool_use":
                args, raw = object_arguments(block.get("input"))
                calls.append(
                    ToolCall(
                        name=block.get("name", ""),
                        arguments=args,
                        raw_arguments=raw,
                        id=block.get("id"),
                    )
                )
        usage = body.get("usage") or {}
        return ModelTurn(
            calls=tuple(calls),
            text="".join(texts) or None,
            finish_reason=body.get("stop_reason"),
            usage=Usage(usage.get("input_tokens"), usage.get("output_tokens")),
            raw_assistant=list(content),
        )

    def parse_stream(self, events: Sequence[Mapping[str, Any]]) -> ModelTurn:
        """Return the neutral turn of a streamed Messages response (SSE events)."""
        return parse_anthropic_stream(events)

    def make_client(self, profile: Any, api_key: str | None) -> Any:
        """Return an `anthropic.Anthropic` client for the profile."""
        import anthropic

        options = getattr(profile, "options", {}) or {}
        return anthropic.Anthropic(
            api_key=api_key or "fcharness-replay-no-key",
            base_url=getattr(profile, "base_url", None) or None,
            max_retries=int(options.get("max_retries", 0)),
            timeout=float(options.get("timeout", 600)),
        )

    def send(self, client: Any, request: Mapping[str, Any], *, stream: bool) -> WireResponse:
        """POST the body through the SDK; return the wire body or SSE events."""
        body = dict(request)
        if stream:
            body["stream"] = True
        else:
            body.pop("stream", None)
        start = time.perf_counter()
        with anthropic_errors(), client.messages.with_streaming_response.create(**body) as resp:
            if stream:
                events = list(iter_sse(resp.iter_lines()))
                data = None
            else:
                events = None
                data = resp.json()
            status, headers = resp.status_code, dict(resp.headers)
        latency = (time.perf_counter() - start) * 1000
        return WireResponse(status, body=data, events=events, headers=headers, latency_ms=latency)


def _retry_after(headers: Any) -> float | None:
    try:
        value = headers.get("retry-after") if headers is not None else None
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


@contextmanager
def anthropic_errors() -> Iterator[None]:
    """Turn every exception of the anthropic SDK into a ProviderError (the one boundary)."""
    import anthropic

    try:
        yield
    except anthropic.APIStatusError as e:
        err = error_from_body(e.body, e.status_code)
        if not isinstance(e.body, Mapping) or not isinstance(e.body.get("error"), Mapping):
            err = ProviderError(e.message, status=e.status_code, body=e.body)
        err.retry_after = _retry_after(getattr(e.response, "headers", None))
        raise err from e
    except anthropic.AnthropicError as e:
        status = getattr(e, "status_code", None)
        message = getattr(e, "message", None) or str(e) or type(e).__name__
        raise ProviderError(
            f"{type(e).__name__}: {message}", status=status, body=getattr(e, "body", None)
        ) from e


ADAPTER = AnthropicAdapter()
