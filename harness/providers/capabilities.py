"""What each wire format (and each OpenAI-compatible quirks profile) can express — one table.

Sources: WIRE-FORMATS.md §0–8 (tags there: [C] recorded, [S] SDK source, [D] docs, [U]
unverified). `fcharness providers` prints the table; the runner asks `unsupported_reason` and
gives a case the status `unsupported` (not a failure) when the vendor cannot express it; the
portability lint reads the name rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from harness.model import Case

__all__ = [
    "CAPABILITIES",
    "CHOICE_MODES",
    "STRICT_SCHEMA_KINDS",
    "Capabilities",
    "UnsupportedCaseError",
    "all_rows",
    "capabilities_for",
    "unsupported_reason",
]

CHOICE_MODES: tuple[str, ...] = ("auto", "none", "required", "named")
_ALL = frozenset(CHOICE_MODES)
_OPENAI_NAMES = r"^[a-zA-Z0-9_-]{1,64}$"


class UnsupportedCaseError(ValueError):
    """`build_request` cannot express this case for this vendor (status `unsupported`)."""


@dataclass(frozen=True)
class Capabilities:
    """One row of the table: what a kind (optionally with a quirks profile) can express."""

    kind: str
    quirks: str | None = None
    parallel_calls: bool = True
    """The model may return several calls in one turn."""
    disable_parallel: bool = False
    """The request can limit the model to one call per turn."""
    tool_choice: frozenset[str] = _ALL
    """Case tool_choice modes the wire can express: auto, none, required, named."""
    strict: bool = False
    """Schema-enforced arguments (OpenAI `strict`, Cohere `strict_tools`, ...)."""
    streaming: bool = True
    streamed_tool_deltas: str = "argument pieces"
    """How calls arrive when streamed."""
    max_tools: int | None = None
    name_pattern: str = _OPENAI_NAMES
    """Function names the vendor accepts (others are sanitised on the way out)."""
    calls_per_turn: int | None = None
    """At most this many calls per turn (None: no limit)."""
    notes: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """`kind` or `kind/quirks`."""
        return f"{self.kind}/{self.quirks}" if self.quirks else self.kind

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "kind": self.kind,
            "quirks": self.quirks,
            "parallel_calls": self.parallel_calls,
            "disable_parallel": self.disable_parallel,
            "tool_choice": [m for m in CHOICE_MODES if m in self.tool_choice],
            "strict": self.strict,
            "streaming": self.streaming,
            "streamed_tool_deltas": self.streamed_tool_deltas,
            "max_tools": self.max_tools,
            "name_pattern": self.name_pattern,
            "calls_per_turn": self.calls_per_turn,
            "notes": list(self.notes),
        }


#: One row per kind (WIRE-FORMATS.md section in each comment).
CAPABILITIES: dict[str, Capabilities] = {
    # §1: every choice; parallel_tool_calls:false; strict; deltas keyed by index; 128 tools [S].
    "openai-chat": Capabilities(
        "openai-chat",
        disable_parallel=True,
        strict=True,
        streamed_tool_deltas="argument pieces keyed by index",
        max_tools=128,
    ),
    # §1 legacy: function_call none|auto|{name}, no required; one call per turn.
    "openai-functions": Capabilities(
        "openai-functions",
        parallel_calls=False,
        tool_choice=frozenset({"auto", "none", "named"}),
        streamed_tool_deltas="function_call argument pieces",
        max_tools=128,
        calls_per_turn=1,
        notes=("deprecated API; no 'required' value",),
    ),
    # §2: flat tools; named {"type":"function","name"}; deltas keyed by item_id.
    "openai-responses": Capabilities(
        "openai-responses",
        disable_parallel=True,
        strict=True,
        streamed_tool_deltas="argument pieces keyed by item_id",
        max_tools=128,
    ),
    # §3: auto/any/tool/none; disable_parallel_tool_use; strict on tools [S]; input_json_delta.
    "anthropic": Capabilities(
        "anthropic",
        disable_parallel=True,
        strict=True,
        streamed_tool_deltas="input_json_delta pieces per content block",
        name_pattern=r"^[a-zA-Z0-9_-]{1,64}$",
        notes=("required -> any, named -> tool",),
    ),
    # §4: AUTO/ANY/NONE + allowedFunctionNames; no parallel switch; whole calls when streamed.
    "gemini": Capabilities(
        "gemini",
        streamed_tool_deltas="whole calls per chunk",
        name_pattern=r"^[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}$",
        notes=("required -> ANY, named -> ANY + allowedFunctionNames", "parameters is an OpenAPI subset"),
    ),
    # §5: auto/any/tool, no none; no parallel switch; binary event stream.
    "bedrock-converse": Capabilities(
        "bedrock-converse",
        tool_choice=frozenset({"auto", "required", "named"}),
        streamed_tool_deltas="toolUse input pieces (binary eventstream)",
        notes=("no tool_choice none", "named choice documented for Anthropic models only"),
    ),
    # §6: auto/none/any/required/named; parallel_tool_calls; streamed tool deltas [U].
    "mistral": Capabilities(
        "mistral",
        disable_parallel=True,
        streamed_tool_deltas="OpenAI-like [U]",
        notes=("required -> any", "call ids sent back must be 9 alphanumerics"),
    ),
    # §7: only REQUIRED/NONE; auto = omitted; named = only that tool with REQUIRED; strict_tools.
    "cohere": Capabilities(
        "cohere",
        strict=True,
        streamed_tool_deltas="tool-call-delta events (object, not list)",
        notes=(
            "auto is expressed by omitting tool_choice",
            "named is expressed by sending only that tool with REQUIRED",
        ),
    ),
}


def _quirks_row(name: str) -> Capabilities:
    from harness.providers.quirks import QUIRKS

    q = QUIRKS[name]
    base = CAPABILITIES["openai-chat"]
    deltas = base.streamed_tool_deltas
    if name == "groq":
        deltas = "whole calls per chunk"
    return replace(
        base,
        quirks=name,
        tool_choice=q.tool_choices,
        disable_parallel=q.parallel_tool_calls,
        strict=q.strict,
        streamed_tool_deltas=deltas,
        max_tools=None if name != "openai" else base.max_tools,
        notes=q.deviations,
    )


def capabilities_for(kind: str, quirks: str | None = None) -> Capabilities:
    """Return the capabilities of `kind` (with an openai-chat quirks profile, if given)."""
    if kind not in CAPABILITIES:
        from harness.errors import ConfigError

        raise ConfigError(f"unknown provider kind {kind!r}; known kinds: {', '.join(sorted(CAPABILITIES))}")
    if quirks and kind == "openai-chat":
        from harness.errors import ConfigError
        from harness.providers.quirks import QUIRKS, unknown_quirks_message

        if quirks not in QUIRKS:
            raise ConfigError(unknown_quirks_message(quirks))
        return _quirks_row(quirks)
    return CAPABILITIES[kind]


def all_rows() -> list[Capabilities]:
    """Return every kind's row followed by every openai-chat quirks profile's row."""
    from harness.providers.quirks import QUIRKS

    return list(CAPABILITIES.values()) + [_quirks_row(n) for n in QUIRKS if n != "openai"]


def _choice_mode(choice: Any) -> str:
    if isinstance(choice, dict) or hasattr(choice, "keys"):
        return "named"
    return str(choice or "auto")


#: Kinds whose `params.strict = true` sends strict-mode schemas (a row without `strict` cannot).
STRICT_SCHEMA_KINDS = frozenset({"openai-chat", "openai-responses"})


def unsupported_reason(
    case: Case, kind: str, quirks: str | None = None, params: Mapping[str, Any] | None = None
) -> str | None:
    """Return why `kind` cannot express `case` (the runner's `unsupported` status), or None.

    `params` are the profile's: `strict = true` on an OpenAI kind whose row has no strict
    support (a quirks profile) makes every case with tools unsupported.
    """
    caps = capabilities_for(kind, quirks)
    if params and params.get("strict") and kind in STRICT_SCHEMA_KINDS and not caps.strict and case.tools:
        return f"{caps.label} does not accept strict function schemas (params strict = true)"
    mode = _choice_mode(case.tool_choice)
    if mode not in caps.tool_choice and case.tools:
        return f"{caps.label} cannot express tool_choice {mode!r} (it accepts: {_modes(caps)})"
    if caps.calls_per_turn is not None:
        for i, turn in enumerate(case.turns):
            if len(turn.expect) > caps.calls_per_turn:
                return (
                    f"{caps.label} allows {caps.calls_per_turn} call per turn; "
                    f"turn {i} expects {len(turn.expect)}"
                )
        for m in case.messages:
            if len(m.tool_calls) > caps.calls_per_turn:
                return f"{caps.label} allows {caps.calls_per_turn} call per turn; a prefix message has more"
    if caps.max_tools is not None and len(case.tools) > caps.max_tools:
        return f"{caps.label} accepts at most {caps.max_tools} tools; the case offers {len(case.tools)}"
    clash = _sanitised_clash([t.name for t in case.tools])
    if clash:
        return (
            f"tool names {clash[0]!r} and {clash[1]!r} become the same name once sanitised for {caps.label}"
        )
    return None


def _modes(caps: Capabilities) -> str:
    return ", ".join(m for m in CHOICE_MODES if m in caps.tool_choice)


def _sanitised_clash(names: Sequence[str]) -> tuple[str, str] | None:
    from harness.model import sanitize_name

    seen: dict[str, str] = {}
    for n in names:
        s = sanitize_name(n)
        if s in seen and seen[s] != n:
            return seen[s], n
        seen[s] = n
    return None
