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

Strict schemas (OpenAI `strict: true`) make every property required and optional ones
nullable, so the model sends `null` for an optional parameter it does not use. An adapter that
sends such schemas has a method `sends_strict_schemas(params) -> bool` (optional; absent means
never); when it returns true the runner applies `strip_strict_nulls` after `restore_names`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from harness.model import Case, ModelTurn, Tool, ToolCall, sanitize_name

__all__ = [
    "Adapter",
    "HistoryStep",
    "WireResponse",
    "restore_names",
    "sanitize_name",
    "strip_strict_nulls",
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


def restore_names(turn: ModelTurn, tools: Sequence[Tool], max_len: int = 64) -> ModelTurn:
    """Map sanitised call names in `turn` back to the case's tool names.

    A name that is already a tool's name is kept; otherwise, if exactly one tool sanitises to
    it, that tool's name is used; anything else (a hallucinated name) is left as sent.
    """
    names = {t.name for t in tools}
    if all(c.name in names for c in turn.calls):
        return turn  # the usual case: nothing to map back
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


def strip_strict_nulls(turn: ModelTurn, tools: Sequence[Tool]) -> ModelTurn:
    """Drop `null` arguments that strict mode forced on parameters optional in the neutral schema.

    Applies to the calls of `turn` whose name is a tool of `tools` (after `restore_names`), in
    nested objects (`properties`) and array items too. A `null` stays where the neutral schema
    allows null (`type: null` or a list holding it, `null` in `enum`, a `const: null`, a
    nullable `anyOf`/`oneOf` branch, or no type at all) or where the parameter is required.
    `raw_arguments` keep the text as sent (echoed in later turns).
    """
    schemas = {t.name: t.parameters for t in tools}
    calls = []
    changed = False
    for c in turn.calls:
        schema = schemas.get(c.name)
        if schema is None or not isinstance(c.arguments, dict):
            calls.append(c)
            continue
        args = _strip(c.arguments, schema)
        if args != c.arguments:
            calls.append(replace(c, arguments=args))
            changed = True
        else:
            calls.append(c)
    return replace(turn, calls=tuple(calls)) if changed else turn


def _strip(value: Any, schema: Any) -> Any:
    if not isinstance(schema, Mapping):
        return value
    if isinstance(value, dict) and isinstance(schema.get("properties"), Mapping):
        props = schema["properties"]
        listed = schema.get("required")
        required: list[Any] = listed if isinstance(listed, list) else []
        out = {}
        for key, item in value.items():
            sub = props.get(key)
            if item is None and key in props and key not in required and not _allows_null(sub):
                continue
            out[key] = _strip(item, sub)
        return out
    if isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        return [_strip(v, schema["items"]) for v in value]
    return value


def _allows_null(schema: Any) -> bool:
    """Whether a neutral schema accepts `null` (structurally; `$ref` is not followed)."""
    if not isinstance(schema, Mapping):
        return True  # `true` / missing schema: anything goes
    t = schema.get("type")
    if t == "null" or (isinstance(t, list) and "null" in t):
        return True
    if isinstance(schema.get("enum"), list) and None in schema["enum"]:
        return True
    if "const" in schema and schema["const"] is None:
        return True
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list) and any(_allows_null(s) for s in schema[key]):
            return True
    return t is None and not ({"enum", "const", "anyOf", "oneOf", "allOf", "$ref"} & schema.keys())
