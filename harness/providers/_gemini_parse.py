"""Parse Gemini `generateContent` responses (plain and SSE-streamed) into neutral turns.

Calls are `candidates[0].content.parts[].functionCall` (args an object; missing means `{}`).
`thought: true` parts are reasoning, not text; `executableCode`, `codeExecutionResult`,
`toolCall` and `toolResponse` are server-side tools, not calls. Keys are accepted in camelCase
(the REST API) and snake_case (what google-genai sometimes sends and some proxies return).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from harness.errors import ProviderError
from harness.model import ModelTurn, ToolCall, Usage
from harness.providers._common import object_arguments

__all__ = ["get", "parse_generate", "parse_generate_stream"]

_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")


def get(d: Any, camel: str, default: Any = None) -> Any:
    """Return `d[camel]`, or `d[snake_case(camel)]`, or `default`."""
    if not isinstance(d, Mapping):
        return default
    if camel in d:
        return d[camel]
    return d.get(_SNAKE.sub("_", camel).lower(), default)


def _error(body: Mapping[str, Any]) -> ProviderError:
    err = body.get("error") or {}
    message = str(err.get("message") or err.get("status") or "unknown error")
    code = err.get("code")
    return ProviderError(message, status=code if isinstance(code, int) else None, body=dict(body))


def _candidate_parts(body: Mapping[str, Any]) -> tuple[list[dict[str, Any]], Any]:
    candidates = get(body, "candidates") or []
    if not candidates:
        return [], None
    first = candidates[0]
    content = get(first, "content") or {}
    return [dict(p) for p in get(content, "parts") or []], get(first, "finishReason")


def _usage(body: Mapping[str, Any]) -> Usage | None:
    meta = get(body, "usageMetadata")
    if not isinstance(meta, Mapping):
        return None
    return Usage(get(meta, "promptTokenCount"), get(meta, "candidatesTokenCount"))


def _turn(parts: list[dict[str, Any]], finish: Any, usage: Usage | None) -> ModelTurn:
    calls: list[ToolCall] = []
    texts: list[str] = []
    for part in parts:
        call = get(part, "functionCall")
        if isinstance(call, Mapping):
            args, raw = object_arguments(call.get("args"))
            calls.append(
                ToolCall(
                    name=str(call.get("name", "")),
                    arguments=args,
                    raw_arguments=raw,
                    id=call.get("id") or None,
                )
            )
        elif isinstance(part.get("text"), str) and not part.get("thought"):
            texts.append(part["text"])
    return ModelTurn(
        calls=tuple(calls),
        text="".join(texts) or None,
        finish_reason=finish,
        usage=usage or Usage(),
        raw_assistant={"role": "model", "parts": parts},
    )


def parse_generate(body: Mapping[str, Any]) -> ModelTurn:
    """Return the neutral turn of a `GenerateContentResponse` body."""
    if "error" in body and "candidates" not in body:
        raise _error(body)
    parts, finish = _candidate_parts(body)
    return _turn(parts, finish, _usage(body))


def _merge_text(parts: list[dict[str, Any]], part: dict[str, Any]) -> None:
    """Append `part`, joining a plain text part onto the previous text part of the same kind."""
    if parts and set(part) <= {"text", "thought"} and isinstance(part.get("text"), str):
        last = parts[-1]
        same_kind = bool(last.get("thought")) == bool(part.get("thought"))
        if isinstance(last.get("text"), str) and same_kind:
            parts[-1] = {**last, "text": last["text"] + part["text"]}
            return
    parts.append(part)


def parse_generate_stream(events: Sequence[Mapping[str, Any]]) -> ModelTurn:
    """Return the neutral turn of `streamGenerateContent?alt=sse` events (each a full response)."""
    parts: list[dict[str, Any]] = []
    finish = None
    usage = None
    for event in events:
        data = event.get("data")
        if not isinstance(data, Mapping):
            continue
        if "error" in data and "candidates" not in data:
            raise _error(data)
        chunk_parts, chunk_finish = _candidate_parts(data)
        for part in chunk_parts:
            _merge_text(parts, part)
        finish = chunk_finish or finish
        usage = _usage(data) or usage
    return _turn(parts, finish, usage)
