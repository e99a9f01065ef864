"""Helpers shared by every adapter: arguments, results, SSE, error bodies, retry-after.

All pure except `sse_events_from_text`'s callers, which feed it a body already read.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from harness._io import loads_json
from harness.model import ToolCall

__all__ = [
    "HARNESS_PARAMS",
    "NEUTRAL_PARAMS",
    "call_ids",
    "decode_arguments",
    "encode_arguments",
    "encode_result",
    "extra_params",
    "int_or_none",
    "object_arguments",
    "parse_retry_after",
    "sse_events_from_text",
    "stable_id",
    "vendor_message",
]

#: Neutral params an adapter translates; any other key in `params` is sent as given.
NEUTRAL_PARAMS = ("temperature", "top_p", "seed", "max_tokens", "parallel_tool_calls", "strict", "stream")
#: Harness-only params, never sent.
HARNESS_PARAMS = ("max_tokens_field",)


def extra_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Return the vendor-specific params (neither neutral nor harness-only), sent as given."""
    return {k: v for k, v in params.items() if k not in NEUTRAL_PARAMS and k not in HARNESS_PARAMS}


def decode_arguments(value: Any) -> tuple[dict[str, Any] | None, str | None]:
    """Return `(arguments, raw_arguments)` from a wire arguments value (WIRE-FORMATS §10.1).

    A missing value or `""` is `{}`; a JSON object string decodes to a dict; an object sent as
    such is used directly (raw None); anything else (unparsable, an array, a number) is
    `(None, raw text)` so grading reports `invalid_arguments_json` instead of crashing.
    """
    if value is None:
        return {}, None
    if isinstance(value, Mapping):
        return dict(value), None
    if not isinstance(value, str):
        return None, json.dumps(value, ensure_ascii=False)
    if value.strip() == "":
        return {}, value
    try:
        decoded = loads_json(value)
    except ValueError:
        return None, value
    if isinstance(decoded, dict):
        return decoded, value
    return None, value


def object_arguments(value: Any) -> tuple[dict[str, Any] | None, str | None]:
    """Return `(arguments, raw_arguments)` of arguments a vendor sends as a JSON value (not text).

    An object is used as it is and a missing value is `{}`; anything else (a string, an array,
    a number) is `(None, its JSON text)`, as Anthropic `input`, Gemini `args` and Bedrock read it.
    """
    if value is None:
        value = {}
    if isinstance(value, dict):
        return value, None
    return None, json.dumps(value)


def encode_arguments(call: ToolCall) -> str:
    """Return the arguments of `call` as the JSON string a chat-shaped vendor expects back."""
    if call.raw_arguments is not None and call.arguments is not None:
        return call.raw_arguments if call.raw_arguments.strip() else "{}"
    if call.arguments is not None:
        return json.dumps(call.arguments, ensure_ascii=False)
    return call.raw_arguments or "{}"


def encode_result(value: Any) -> str:
    """Return a scripted tool result as text: strings as they are, anything else as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def stable_id(*parts: object, length: int = 9) -> str:
    """Return a deterministic alphanumeric id (hex) derived from `parts`."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()
    return digest[:length]


def call_ids(
    calls: Sequence[ToolCall],
    turn: int,
    *,
    prefix: str = "call_",
    valid: Any = None,
) -> list[str]:
    """Return the id to send back for each call: its own, or a deterministic one when missing.

    `valid(id) -> bool` may reject vendor ids that the vendor will not accept back (Mistral).
    """
    out: list[str] = []
    for i, c in enumerate(calls):
        cid = c.id or ""
        if not cid or (valid is not None and not valid(cid)):
            cid = prefix + stable_id(turn, i, c.name, c.id)
        out.append(cid)
    return out


def int_or_none(value: Any) -> int | None:
    """Return `value` as an int when it is a number, else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value)


def vendor_message(body: Any, fallback: str = "") -> str:
    """Return the vendor's own error message from a decoded error body (WIRE-FORMATS §9)."""
    if isinstance(body, Mapping):
        err = body.get("error")
        if isinstance(err, Mapping):
            msg = err.get("message") or err.get("msg")
            meta = err.get("metadata")
            if isinstance(meta, Mapping) and meta.get("raw"):  # OpenRouter's upstream reason
                raw = meta["raw"] if isinstance(meta["raw"], str) else json.dumps(meta["raw"])
                msg = f"{msg}: {raw}" if msg else raw
            if msg:
                return str(msg)
        elif isinstance(err, str) and err:
            return err
        for key in ("message", "detail", "error_description", "Message"):
            val = body.get(key)
            if isinstance(val, str) and val:
                return val
            if val:  # FastAPI/422 style detail lists
                return json.dumps(val, ensure_ascii=False)
    elif isinstance(body, str) and body.strip():
        return body.strip()
    return fallback


def parse_retry_after(headers: Mapping[str, str] | Any) -> float | None:
    """Return seconds to wait from `retry-after-ms` / `retry-after` (seconds or an HTTP date)."""
    if headers is None:
        return None
    get = headers.get
    ms = get("retry-after-ms")
    if ms:
        try:
            return float(ms) / 1000.0
        except ValueError:
            pass
    value = get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    import email.utils  # an HTTP date: rare

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _decode_data(text: str) -> Any:
    if text == "[DONE]":
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def sse_events_from_text(lines: Iterable[str]) -> list[dict[str, Any]]:
    """Decode server-sent-event lines into `{"event", "data"}` dicts (comments as `{"comment"}`).

    Multi-line `data:` fields are joined with newlines; `data` is decoded as JSON when it
    parses (`[DONE]` stays a string), the shape `fixtures/wire/` and cassettes use.
    """
    events: list[dict[str, Any]] = []
    name: str | None = None
    data: list[str] = []

    def flush() -> None:
        nonlocal name, data
        if data:
            events.append({"event": name, "data": _decode_data("\n".join(data))})
        name, data = None, []

    for raw in lines:
        line = raw.rstrip("\r\n")
        if line == "":
            flush()
            continue
        if line.startswith(":"):
            events.append({"comment": line[1:].strip()})
            continue
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "event":
            name = value
        elif field == "data":
            data.append(value)
    flush()
    return events
