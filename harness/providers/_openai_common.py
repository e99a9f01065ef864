"""The chat-completions shape shared by openai-chat, mistral and cohere (WIRE-FORMATS §1, §6, §7).

Pure translation: tools, tool_choice, conversation prefix, multi-turn history, and reading
`message.tool_calls` / streamed `delta.tool_calls` back into neutral calls.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.errors import ProviderError
from harness.model import Message, ModelTurn, Tool, ToolCall, Usage
from harness.providers._common import (
    call_ids,
    decode_arguments,
    encode_arguments,
    encode_result,
    int_or_none,
    vendor_message,
)
from harness.providers._schema import wire_schema
from harness.providers.base import HistoryStep, sanitize_name

__all__ = [
    "ChatStream",
    "chat_history",
    "chat_prefix",
    "chat_tool_choice",
    "chat_tools",
    "parse_chat_body",
    "parse_chat_calls",
    "parse_chat_stream",
    "stream_error",
    "text_from_content",
    "wire_namer",
]

NameFn = Callable[[str], str]
IdsFn = Callable[[Sequence[ToolCall], int], list[str]]

#: Text part types that are answer text; `thinking`/`reasoning` parts are not (§10.8).
TEXT_PART_TYPES = frozenset({"text", "output_text"})


def wire_namer(sanitize: bool = True, max_len: int = 64) -> NameFn:
    """Return the function mapping a case's tool name to the name sent on the wire."""
    if not sanitize:
        return lambda name: name
    return lambda name: sanitize_name(name, max_len)


def chat_tools(
    tools: Sequence[Tool], name: NameFn, *, kind: str = "openai-chat", strict: bool | None = None
) -> list[dict[str, Any]]:
    """Return `tools` as `[{"type":"function","function":{name, description, parameters}}]`.

    `parameters` is `wire_schema(tool, kind, strict=...)`: with `strict` true on an OpenAI kind,
    the strict-mode translation; `strict` (when not None) is also sent as `function.strict`.
    """
    out = []
    for t in tools:
        fn: dict[str, Any] = {"name": name(t.name), "description": t.description}
        fn["parameters"] = wire_schema(t, kind, strict=bool(strict))
        if strict is not None:
            fn["strict"] = strict
        out.append({"type": "function", "function": fn})
    return out


def choice_mode(choice: Any) -> tuple[str, str | None]:
    """Return `(mode, function name)` of a case's tool_choice: auto|none|required|named."""
    if isinstance(choice, Mapping):
        return "named", str(choice.get("name"))
    mode = str(choice or "auto")
    return mode, None


def chat_tool_choice(choice: Any, name: NameFn, *, required: str = "required") -> Any:
    """Return the chat-shaped tool_choice value for a case's tool_choice."""
    mode, fn = choice_mode(choice)
    if mode == "named":
        return {"type": "function", "function": {"name": name(fn or "")}}
    if mode == "required":
        return required
    return mode


def _assistant_message(
    text: str | None,
    calls: Sequence[ToolCall],
    ids: Sequence[str],
    name: NameFn,
    *,
    call_type: bool = True,
) -> dict[str, Any]:
    msg: dict[str, Any] = {"role": "assistant", "content": text or None}
    if calls:
        tcs = []
        for c, cid in zip(calls, ids, strict=False):
            tc: dict[str, Any] = {"id": cid}
            if call_type:
                tc["type"] = "function"
            tc["function"] = {"name": name(c.name), "arguments": encode_arguments(c)}
            tcs.append(tc)
        msg["tool_calls"] = tcs
    return msg


def chat_prefix(
    messages: Sequence[Message],
    name: NameFn,
    *,
    tool_name: bool = False,
    call_type: bool = True,
) -> list[dict[str, Any]]:
    """Return a case's conversation prefix as chat messages."""
    out: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "assistant":
            ids = [c.id or f"call_prefix_{i}" for i, c in enumerate(m.tool_calls)]
            out.append(_assistant_message(m.content, m.tool_calls, ids, name, call_type=call_type))
        elif m.role == "tool":
            msg: dict[str, Any] = {"role": "tool", "tool_call_id": m.tool_call_id, "content": m.content or ""}
            if tool_name and m.name:
                msg["name"] = name(m.name)
            out.append(msg)
        else:
            out.append({"role": m.role, "content": m.content or ""})
    return out


def _result_for(step: HistoryStep, call: ToolCall, index: int) -> tuple[bool, Any]:
    for c, value in step.results:
        if c is call:
            return True, value
    for c, value in step.results:
        if c == call:
            return True, value
    if index < len(step.results):
        return True, step.results[index][1]
    return False, None


def chat_history(
    history: Sequence[HistoryStep],
    name: NameFn,
    *,
    ids: IdsFn = call_ids,
    tool_name: bool = False,
    call_type: bool = True,
    extra: Callable[[HistoryStep], Mapping[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Return earlier turns as chat messages: the assistant message, then one tool message per call.

    `extra(step)` may add vendor fields to the echoed assistant message (DeepSeek's
    `reasoning_content`).
    """
    out: list[dict[str, Any]] = []
    for t, step in enumerate(history):
        calls = step.turn.calls
        cids = ids(calls, t)
        msg = _assistant_message(step.turn.text, calls, cids, name, call_type=call_type)
        if extra is not None:
            msg.update(extra(step))
        out.append(msg)
        for i, (c, cid) in enumerate(zip(calls, cids, strict=False)):
            found, value = _result_for(step, c, i)
            if not found:
                continue
            tool_msg: dict[str, Any] = {"role": "tool", "tool_call_id": cid, "content": encode_result(value)}
            if tool_name:
                tool_msg["name"] = name(c.name)
            out.append(tool_msg)
    return out


def text_from_content(content: Any) -> str | None:
    """Return answer text from a `content` that is a string or a list of typed parts."""
    if content is None:
        return None
    if isinstance(content, str):
        return content or None
    if isinstance(content, list):
        parts = []
        for p in content:
            if isinstance(p, str):
                parts.append(p)
            elif (
                isinstance(p, Mapping)
                and p.get("type", "text") in TEXT_PART_TYPES
                and isinstance(p.get("text"), str)
            ):
                parts.append(p["text"])
        return "".join(parts) or None
    return None


def _call(fn: Mapping[str, Any], cid: Any) -> ToolCall:
    arguments, raw = decode_arguments(fn.get("arguments"))
    return ToolCall(name=str(fn.get("name") or ""), arguments=arguments, raw_arguments=raw, id=cid or None)


def parse_chat_calls(message: Mapping[str, Any]) -> tuple[ToolCall, ...]:
    """Return the calls of a chat `message`: `tool_calls`, else a legacy non-stub `function_call`."""
    calls = []
    for tc in message.get("tool_calls") or ():
        if not isinstance(tc, Mapping):
            continue
        if tc.get("type", "function") != "function":
            continue  # custom / built-in tool kinds are not function calls
        fn = tc.get("function") or {}
        calls.append(_call(fn, tc.get("id")))
    if not calls:
        fc = message.get("function_call")
        if isinstance(fc, Mapping) and fc.get("name"):  # Snowflake sends a stub with name ""
            calls.append(_call(fc, None))
    return tuple(calls)


def stream_error(data: Any, status: int | None = None) -> ProviderError:
    """Return the ProviderError for an error event that arrived after HTTP 200 (§8 Groq)."""
    err = data.get("error") if isinstance(data, Mapping) else None
    code = None
    if isinstance(data, Mapping):
        code = data.get("status_code") or data.get("status")
    if code is None and isinstance(err, Mapping):
        code = err.get("status_code") or err.get("code")
    if not isinstance(code, int):
        code = status
    return ProviderError(vendor_message(data, "error event in stream"), status=code, body=data)


@dataclass
class _Partial:
    id: str = ""
    name: str = ""
    arguments: str = ""
    object_arguments: Any = None


@dataclass
class ChatStream:
    """Assembles streamed chat chunks (OpenAI, Groq, Mistral) into one neutral turn."""

    text: list[str] = field(default_factory=list)
    calls: dict[Any, _Partial] = field(default_factory=dict)
    legacy: _Partial | None = None
    finish_reason: str | None = None
    usage: Usage = field(default_factory=Usage)

    def feed(self, events: Sequence[Mapping[str, Any]]) -> None:
        """Consume every event; raise ProviderError on an error event."""
        for ev in events:
            if "data" not in ev:
                continue  # SSE comments (OpenRouter's keep-alives)
            data = ev["data"]
            if ev.get("event") == "error" or _is_error(data):
                raise stream_error(data)
            if not isinstance(data, Mapping):
                continue  # "[DONE]"
            self.chunk(data)

    def chunk(self, data: Mapping[str, Any]) -> None:
        """Consume one decoded chunk."""
        usage = data.get("usage")
        xg = data.get("x_groq")
        if not usage and isinstance(xg, Mapping):
            usage = xg.get("usage")
        if isinstance(usage, Mapping):
            self.usage = usage_of(usage)
        for choice in data.get("choices") or ():
            if choice.get("index", 0) != 0:
                continue
            if choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]
            delta = choice.get("delta") or choice.get("message") or {}
            content = delta.get("content")
            piece = text_from_content(content) if not isinstance(content, str) else content
            if piece:
                self.text.append(piece)
            for tc in delta.get("tool_calls") or ():
                part = self.calls.setdefault(self._key(tc), _Partial())
                self._merge(part, tc.get("id"), tc.get("function") or {})
            fc = delta.get("function_call")
            if isinstance(fc, Mapping):
                self.legacy = self.legacy or _Partial()
                self._merge(self.legacy, None, fc)

    def _key(self, tc: Mapping[str, Any]) -> Any:
        """Key a call delta by `index`; without one (some compatible servers), by a new `id`."""
        if isinstance(tc.get("index"), int):
            return tc["index"]
        cid = tc.get("id")
        for key, part in self.calls.items():
            if cid and part.id == cid:
                return key
        if cid or not self.calls:
            return f"#{len(self.calls)}"
        return list(self.calls)[-1]  # a continuation piece of the latest call

    @staticmethod
    def _merge(part: _Partial, cid: Any, fn: Mapping[str, Any]) -> None:
        if cid:
            part.id = str(cid)
        name = fn.get("name")
        if name and name != part.name:
            part.name = part.name + name if part.name else name
        args = fn.get("arguments")
        if isinstance(args, str):
            part.arguments += args
        elif isinstance(args, Mapping):
            part.object_arguments = args

    def turn(self) -> ModelTurn:
        """Return the assembled turn (raw_assistant is the equivalent non-streamed message)."""
        calls = []
        ints = sorted(k for k in self.calls if isinstance(k, int))
        for key in ints + [k for k in self.calls if not isinstance(k, int)]:
            calls.append(self._to_call(self.calls[key]))
        if not calls and self.legacy is not None and self.legacy.name:
            calls.append(self._to_call(self.legacy))
        text = "".join(self.text) or None
        raw: dict[str, Any] = {"role": "assistant", "content": text}
        if calls:
            raw["tool_calls"] = [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": encode_arguments(c)},
                }
                for c in calls
            ]
        return ModelTurn(
            calls=tuple(calls),
            text=text,
            finish_reason=self.finish_reason,
            usage=self.usage,
            raw_assistant=raw,
        )

    @staticmethod
    def _to_call(p: _Partial) -> ToolCall:
        value: Any = p.object_arguments if p.object_arguments is not None else (p.arguments or None)
        arguments, raw = decode_arguments(value)
        return ToolCall(name=p.name, arguments=arguments, raw_arguments=raw, id=p.id or None)


def usage_of(usage: Mapping[str, Any]) -> Usage:
    """Return neutral usage from a chat `usage` object."""
    return Usage(
        input_tokens=int_or_none(usage.get("prompt_tokens", usage.get("input_tokens"))),
        output_tokens=int_or_none(usage.get("completion_tokens", usage.get("output_tokens"))),
    )


def parse_chat_body(body: Mapping[str, Any]) -> ModelTurn:
    """Return the neutral turn of a non-streamed chat body (`tool_calls` or `function_call`)."""
    check_error_body(body)
    choices = body.get("choices") or []
    choice = choices[0] if choices else {}
    message = choice.get("message") or {}
    usage = body.get("usage")
    return ModelTurn(
        calls=parse_chat_calls(message),
        text=text_from_content(message.get("content")),
        finish_reason=choice.get("finish_reason"),
        usage=usage_of(usage if isinstance(usage, Mapping) else {}),
        raw_assistant=dict(message),
    )


def parse_chat_stream(events: Sequence[Mapping[str, Any]]) -> ModelTurn:
    """Return the neutral turn assembled from streamed chat chunks (raises on an error event)."""
    acc = ChatStream()
    acc.feed(events)
    return acc.turn()


def check_error_body(body: Any) -> None:
    """Raise ProviderError when a 200 body is really an error (`{"error": ...}` with no choices)."""
    if _is_error(body):
        raise stream_error(body)


def _is_error(data: Any) -> bool:
    """Whether a chunk or body carries an error object (OpenRouter mid-stream, 200 error bodies)."""
    if not isinstance(data, Mapping):
        return False
    err = data.get("error")
    return (isinstance(err, str) and bool(err)) or (isinstance(err, Mapping) and bool(err))
