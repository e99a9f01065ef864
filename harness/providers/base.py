"""The adapter protocol every provider module implements (DESIGN.md §5, stable).

An adapter translates one neutral `Case` into one vendor's wire format and back:

- `build_request(case, turn_index, history, model, params) -> dict` — the JSON body exactly
  as it goes on the wire (pure);
- `parse_response(body) -> ModelTurn` — from the decoded JSON body (pure);
- `parse_stream(events) -> ModelTurn` — from the decoded events of a streamed body (pure):
  `{"event": name | None, "data": <decoded JSON>}` for SSE, `{"headers": {...}, "payload":
  <decoded JSON>}` for Bedrock's binary event stream;
- `make_client(profile, api_key)` and `send(client, request, stream=...)` — the only I/O: the
  call through the vendor's official SDK, returning the wire body (`WireResponse`) so that
  recording and replay feed the same pure parser.

Names the model sees may differ from the case's (vendors that forbid dots): adapters send
`wire_name(name)` and the runner maps the names back with `restore_names`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from harness.model import Case, ModelTurn, Tool, ToolCall

__all__ = [
    "Adapter",
    "HistoryStep",
    "WireResponse",
    "restore_names",
    "sanitize_name",
]


@dataclass(frozen=True)
class HistoryStep:
    """One earlier graded turn of a multi-turn case, replayed into the next request."""

    turn: ModelTurn
    """What the model answered (its `raw_assistant` is echoed where the vendor needs it)."""
    results: tuple[tuple[ToolCall, Any], ...] = ()
    """Each call of that turn with the case's scripted result for it."""


@dataclass(frozen=True)
class WireResponse:
    """A vendor response as it was on the wire (what a cassette holds)."""

    status: int
    body: Any = None
    """Decoded JSON body (non-streamed)."""
    events: list[dict[str, Any]] | None = None
    """Decoded events, in order (streamed)."""
    headers: Mapping[str, str] = field(default_factory=dict)
    latency_ms: float | None = None

    @property
    def streaming(self) -> bool:
        """Whether the response was streamed."""
        return self.events is not None


class Adapter(Protocol):
    """What every module in `harness.providers` exposes as its adapter."""

    kind: str

    def build_request(
        self,
        case: Case,
        turn_index: int,
        history: Sequence[HistoryStep],
        model: str,
        params: Mapping[str, Any],
    ) -> dict[str, Any]:
        """Return the request body for turn `turn_index` (params may hold `stream: True`)."""
        ...

    def parse_response(self, body: Mapping[str, Any]) -> ModelTurn:
        """Return the neutral turn carried by a non-streamed response body."""
        ...

    def parse_stream(self, events: Sequence[Mapping[str, Any]]) -> ModelTurn:
        """Return the neutral turn carried by a streamed response's events."""
        ...

    def make_client(self, profile: Any, api_key: str | None) -> Any:
        """Return the vendor SDK client for a provider profile (one per provider per run)."""
        ...

    def send(self, client: Any, request: Mapping[str, Any], *, stream: bool) -> WireResponse:
        """Perform the call through the SDK; raise ProviderError on a vendor error."""
        ...


_NAME_BAD = re.compile(r"[^a-zA-Z0-9_-]")


def sanitize_name(name: str, max_len: int = 64) -> str:
    """Return `name` with characters vendors forbid (dots, spaces, ...) replaced by `_`."""
    return _NAME_BAD.sub("_", name)[:max_len]


def restore_names(turn: ModelTurn, tools: Sequence[Tool], max_len: int = 64) -> ModelTurn:
    """Map sanitised call names in `turn` back to the case's tool names.

    A name that is already a tool's name is kept; otherwise, if exactly one tool sanitises to
    it, that tool's name is used; anything else (a hallucinated name) is left as sent.
    """
    names = {t.name for t in tools}
    back: dict[str, str] = {}
    for t in tools:
        back.setdefault(sanitize_name(t.name, max_len), t.name)
    calls = []
    changed = False
    for c in turn.calls:
        if c.name not in names and c.name in back:
            calls.append(replace(c, name=back[c.name]))
            changed = True
        else:
            calls.append(c)
    return replace(turn, calls=tuple(calls)) if changed else turn
