"""Parse Bedrock Converse responses (plain JSON and the decoded event stream) into neutral turns.

A call is a `toolUse` content block whose `type` is absent or `tool_use`; `type:
"server_tool_use"` blocks and their `toolResult` (Nova's built-in tools) are not client calls.
Answer text is the text blocks joined, with Nova's `<thinking>…</thinking>` reasoning removed;
`reasoningContent` blocks are reasoning, never text.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from typing import Any

from harness.errors import ProviderError
from harness.model import ModelTurn, ToolCall, Usage
from harness.providers._common import object_arguments
from harness.providers._convo import json_object_or_none

__all__ = ["ERROR_STATUS", "parse_converse", "parse_converse_stream", "strip_thinking"]

_THINKING = re.compile(r"<thinking>.*?</thinking>\s*", re.DOTALL)

#: Bedrock error type (the `x-amzn-ErrorType` header / exception event name) → HTTP status.
ERROR_STATUS: dict[str, int] = {
    "ValidationException": 400,
    "AccessDeniedException": 403,
    "ResourceNotFoundException": 404,
    "ModelTimeoutException": 408,
    "ModelErrorException": 424,
    "ThrottlingException": 429,
    "ModelNotReadyException": 429,
    "ServiceQuotaExceededException": 429,
    "InternalServerException": 500,
    "ModelStreamErrorException": 424,
    "ServiceUnavailableException": 503,
}


def strip_thinking(text: str) -> str:
    """Return `text` without Nova's `<thinking>…</thinking>` sections."""
    return _THINKING.sub("", text)


def _usage(usage: Any) -> Usage:
    usage = usage if isinstance(usage, Mapping) else {}
    return Usage(usage.get("inputTokens"), usage.get("outputTokens"))


def _turn(content: list[dict[str, Any]], stop: Any, usage: Any, raws: Mapping[int, str]) -> ModelTurn:
    calls: list[ToolCall] = []
    texts: list[str] = []
    for i, block in enumerate(content):
        if "text" in block and isinstance(block["text"], str):
            texts.append(block["text"])
        use = block.get("toolUse")
        if isinstance(use, Mapping) and use.get("type", "tool_use") == "tool_use":
            raw = raws.get(i)
            if raw is not None:
                args, raw_args = json_object_or_none(raw), raw or None
            else:
                args, raw_args = object_arguments(use.get("input"))
            calls.append(
                ToolCall(
                    name=use.get("name", ""),
                    arguments=args,
                    raw_arguments=raw_args,
                    id=use.get("toolUseId"),
                )
            )
    text = strip_thinking("".join(texts))
    return ModelTurn(
        calls=tuple(calls),
        text=text or None,
        finish_reason=stop,
        usage=_usage(usage),
        raw_assistant={"role": "assistant", "content": content},
    )


def parse_converse(body: Mapping[str, Any]) -> ModelTurn:
    """Return the neutral turn of a Converse response body."""
    if "output" not in body and "message" in body:
        raise ProviderError(str(body["message"]), body=dict(body))
    message = (body.get("output") or {}).get("message") or {}
    content = [dict(b) for b in message.get("content") or []]
    return _turn(content, body.get("stopReason"), body.get("usage"), {})


def _event_name(event: Mapping[str, Any]) -> tuple[str | None, str | None, Any]:
    headers = event.get("headers") or {}
    return headers.get(":event-type"), headers.get(":message-type"), event.get("payload")


def parse_converse_stream(events: Sequence[Mapping[str, Any]]) -> ModelTurn:
    """Return the neutral turn of ConverseStream events `{"headers", "payload"}`."""
    blocks: dict[int, dict[str, Any]] = {}
    raws: dict[int, list[str]] = {}
    stop = None
    usage: Any = None
    for event in events:
        name, mtype, payload = _event_name(event)
        if mtype in ("exception", "error") or (name or "").endswith("Exception"):
            exc = (event.get("headers") or {}).get(":exception-type") or name or "error"
            p = payload if isinstance(payload, Mapping) else {}
            message = str(p.get("message") or p.get("Message") or exc)
            kind = str(exc)[:1].upper() + str(exc)[1:]  # stream events say `throttlingException`
            raise ProviderError(message, status=ERROR_STATUS.get(kind), body=payload)
        if not isinstance(payload, Mapping):
            continue
        index = int(payload.get("contentBlockIndex", 0))
        if name == "contentBlockStart":
            start = payload.get("start") or {}
            if "toolUse" in start:
                blocks[index] = {"toolUse": copy.deepcopy(dict(start["toolUse"]))}
                raws[index] = []
        elif name == "contentBlockDelta":
            delta = payload.get("delta") or {}
            if "text" in delta:
                block = blocks.setdefault(index, {"text": ""})
                block["text"] = block.get("text", "") + (delta["text"] or "")
            elif "toolUse" in delta:
                blocks.setdefault(index, {"toolUse": {}})
                raws.setdefault(index, []).append((delta["toolUse"] or {}).get("input") or "")
            elif "reasoningContent" in delta:
                block = blocks.setdefault(index, {"reasoningContent": {"reasoningText": {"text": ""}}})
                rt = block.setdefault("reasoningContent", {}).setdefault("reasoningText", {})
                rc = delta["reasoningContent"] or {}
                if "text" in rc:
                    rt["text"] = rt.get("text", "") + (rc["text"] or "")
                if "signature" in rc:
                    rt["signature"] = rt.get("signature", "") + (rc["signature"] or "")
        elif name == "messageStop":
            stop = payload.get("stopReason")
        elif name == "metadata":
            usage = payload.get("usage")
    content: list[dict[str, Any]] = []
    raw_by_position: dict[int, str] = {}
    for index in sorted(blocks):
        block = blocks[index]
        if "toolUse" in block:
            raw = "".join(raws.get(index, []))
            block["toolUse"]["input"] = json_object_or_none(raw) or {}
            raw_by_position[len(content)] = raw
        content.append(block)
    return _turn(content, stop, usage, raw_by_position)
