"""Pieces every wire module of the emulator shares: prompts, ids, SSE framing, token estimates.

Everything the emulator sends is emulator traffic: ids are derived deterministically from
(case, turn, kind, model) so that re-recording the demo gives the same cassettes, and every
response carries the header `x-fc-harness-emulator: 1` so it is never mistaken for a vendor's.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

__all__ = [
    "ALNUM",
    "EMULATOR_HEADER",
    "HEX",
    "Prompt",
    "RenderContext",
    "WireReply",
    "by_status",
    "conversation_prompt",
    "estimate_tokens",
    "function_names",
    "joined_text",
    "json_bytes",
    "json_reply",
    "split_pieces",
    "sse",
    "sse_or_json",
    "sse_reply",
    "text_of_parts",
]

T = TypeVar("T")

ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
HEX = "0123456789abcdef"
EMULATOR_HEADER = "x-fc-harness-emulator"
#: Response header of a 404 for a case the emulator does not know or cannot answer: the
#: recorder never saves such an answer as a cassette.
UNANSWERED_HEADER = "x-fc-harness-emulator-unanswered"
#: How the message of such a 404 starts (the body survives into the cassette; headers do not).
UNANSWERED_MARK = "fc-harness emulator [unanswered]:"

#: (HTTP status, response headers, body bytes or an iterator of body chunks when streamed)
WireReply = tuple[int, dict[str, str], bytes | Iterator[bytes]]


@dataclass(frozen=True)
class Prompt:
    """What the emulator reads from a request to pick its answer."""

    user_text: str | None
    """Text of the first user message (None when the request has none)."""
    assistant_turns: int
    """Number of assistant/model turns already in the conversation."""
    tool_names: tuple[str, ...] = ()
    """Names of the functions the request offers (used to tell apart cases sharing a prompt)."""


@dataclass(frozen=True)
class RenderContext:
    """Where an answer is rendered: seeds the deterministic ids of the reply."""

    case_id: str
    turn: int
    kind: str
    model: str

    def ident(self, label: str, length: int, alphabet: str = ALNUM) -> str:
        """Return a deterministic id of `length` characters from `alphabet`."""
        seed = f"{self.case_id}|{self.turn}|{self.kind}|{self.model}|{label}".encode()
        out: list[str] = []
        counter = 0
        while len(out) < length:
            digest = hashlib.sha256(seed + str(counter).encode()).digest()
            out.extend(alphabet[b % len(alphabet)] for b in digest)
            counter += 1
        return "".join(out[:length])

    def created(self) -> int:
        """Return a fixed, plausible Unix timestamp for `created` fields (deterministic)."""
        return 1767225600 + int(self.ident("created", 6, "0123456789"))


def json_bytes(obj: Any) -> bytes:
    """Encode `obj` as compact UTF-8 JSON (Unicode kept, as vendors send it)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_reply(status: int, obj: Any, headers: Mapping[str, str] | None = None) -> WireReply:
    """Return a complete JSON reply."""
    out = {"content-type": "application/json"}
    out.update(headers or {})
    return status, out, json_bytes(obj)


def sse(data: Any, event: str | None = None) -> bytes:
    """Frame one server-sent event (`data` is JSON-encoded unless it is already a string)."""
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {payload}\n\n".encode()


def sse_reply(chunks: Iterable[bytes]) -> WireReply:
    """Return a streamed `text/event-stream` reply."""
    return (
        200,
        {"content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache"},
        iter(chunks),
    )


def sse_or_json(stream: bool, events: Callable[[], Iterable[bytes]], body: Callable[[], Any]) -> WireReply:
    """Return `events()` as an SSE reply when streaming, else `body()` as a 200 JSON reply."""
    if stream:
        return sse_reply(events())
    return json_reply(200, body())


def by_status(table: Mapping[int, T], status: int, server: T, client: T) -> T:
    """Return `table[status]`, else `server` for a 5xx status and `client` for any other."""
    return table.get(status, server if status >= 500 else client)


def split_pieces(text: str, pieces: int = 3) -> list[str]:
    """Split `text` into up to `pieces` consecutive non-empty parts (one part when short)."""
    if len(text) <= 1 or pieces <= 1:
        return [text]
    size = max(1, math.ceil(len(text) / pieces))
    return [text[i : i + size] for i in range(0, len(text), size)]


def estimate_tokens(obj: Any) -> int:
    """Return a rough, deterministic token count (4 characters a token) for usage fields."""
    if obj is None:
        return 0
    text = obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False)
    return max(1, math.ceil(len(text) / 4))


def text_of_parts(content: Any, text_types: tuple[str, ...] = ("text",)) -> str | None:
    """Return the text of a message content: a string, or the joined text parts of a list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [
            part["text"]
            for part in content
            if isinstance(part, dict)
            and isinstance(part.get("text"), str)
            and part.get("type", "text") in text_types
        ]
        return "".join(texts) if texts else None
    return None


def joined_text(parts: Any) -> str | None:
    """Return the joined `text` of the dict parts of a list (no `type` check), else None."""
    if not isinstance(parts, list):
        return None
    texts = [p["text"] for p in parts if isinstance(p, dict) and isinstance(p.get("text"), str)]
    return "".join(texts) if texts else None


def conversation_prompt(
    messages: Any,
    names: Iterable[str],
    *,
    text_of: Callable[[Any], str | None] = text_of_parts,
    content_key: str = "content",
    assistant_role: str = "assistant",
    default_role: str | None = None,
) -> Prompt:
    """Return the Prompt of a list of role-tagged messages (non-dict entries are skipped).

    The user text is `text_of` the `content_key` of the first message whose role (or
    `default_role` when it has none) is `user`; turns count the `assistant_role` messages.
    """
    dicts = [m for m in messages or [] if isinstance(m, dict)]
    user_text = next(
        (text_of(m.get(content_key)) for m in dicts if m.get("role", default_role) == "user"), None
    )
    turns = sum(1 for m in dicts if m.get("role") == assistant_role)
    return Prompt(user_text, turns, tuple(names))


def function_names(tools: Any) -> list[str]:
    """Return the names of the `{"function": {"name": …}}` entries of an OpenAI-style tool list."""
    return [
        t["function"]["name"]
        for t in tools or []
        if isinstance(t, dict) and isinstance(t.get("function"), dict) and "name" in t["function"]
    ]
