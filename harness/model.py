"""The neutral data model every other module speaks (DESIGN.md §4).

Cases are loaded into frozen dataclasses; adapters turn wire bodies into `ModelTurn`;
grading turns a case plus model turns into a `Verdict`. Nothing here does I/O.

Stable names: the `Failure.kind` values in `FAILURE_KINDS` are read by tools outside the
repository; keep them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "CATEGORIES",
    "FAILURE_KINDS",
    "STATUSES",
    "TOOL_NAMES",
    "Backend",
    "Case",
    "ExpectedCall",
    "Failure",
    "Message",
    "ModelTurn",
    "Tool",
    "ToolCall",
    "Turn",
    "Usage",
    "Verdict",
    "sanitize_name",
]

CATEGORIES: tuple[str, ...] = (
    "simple",
    "multiple",
    "parallel",
    "parallel_multiple",
    "irrelevance",
    "multi_turn",
)

#: Failure kinds (stable): other tools key on these strings.
FAILURE_KINDS: tuple[str, ...] = (
    "no_call",
    "unexpected_call",
    "wrong_function",
    "hallucinated_function",
    "missing_call",
    "extra_call",
    "invalid_arguments_json",
    "schema_violation",
    "missing_argument",
    "unexpected_argument",
    "wrong_value",
    "wrong_type",
    "text_mismatch",
    "provider_error",
    "stale_cassette",
)

#: The outcome of one case × provider: graded pass/fail, or not graded at all.
#: `unsupported` (the vendor cannot express the case), `error` (provider or harness error),
#: `stale` (the cassette no longer matches the case) are not model failures.
Status = Literal["pass", "fail", "error", "unsupported", "stale"]
STATUSES: tuple[str, ...] = ("pass", "fail", "error", "unsupported", "stale")

ToolChoice = str | Mapping[str, Any]  # "auto" | "required" | "none" | {"name": ...}


@dataclass(frozen=True)
class Tool:
    """A function the model may call, described once for all vendors."""

    name: str
    """The function name as the case spells it (vendors may need it sanitised)."""
    description: str
    """What the function does, shown to the model."""
    parameters: Mapping[str, Any]
    """A JSON Schema (draft 2020-12) object schema for the arguments."""


@dataclass(frozen=True)
class ToolCall:
    """One function call a model made, in neutral form."""

    name: str
    """The function name, mapped back to the case's spelling."""
    arguments: dict[str, Any] | None
    """Decoded arguments; None when the vendor sent text that is not a JSON object."""
    raw_arguments: str | None = None
    """The arguments text exactly as sent, when the vendor sends a string."""
    id: str | None = None
    """The vendor's call id, used to send tool results back."""


@dataclass(frozen=True)
class Message:
    """One message of a case's conversation prefix (neutral form)."""

    role: Literal["system", "user", "assistant", "tool"]
    content: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    """Calls made by an earlier assistant message (role `assistant` only)."""
    tool_call_id: str | None = None
    """For role `tool`: the id of the call this message answers."""
    name: str | None = None
    """For role `tool`: the function whose result this is."""


@dataclass(frozen=True)
class ExpectedCall:
    """One call the model is expected to make."""

    name: str
    arguments: Mapping[str, Any]
    """Argument name → matcher spec, as written in the case (a plain value means equal)."""


@dataclass(frozen=True)
class Turn:
    """One assistant turn to grade.

    A single-turn case has exactly one `Turn` built from its `expect:`.
    """

    expect: tuple[ExpectedCall, ...]
    """The calls of this turn; empty means the model must answer without calling."""
    results: tuple[Any, ...] = ()
    """Scripted tool results, the i-th answering the call matched to `expect[i]`."""
    expect_text: Any = None
    """A matcher on the turn's text, or None when the text is not checked."""
    messages: tuple[Message, ...] = ()
    """Executable-backend cases: the user messages that open this turn (turn 0: none; the
    case's `messages` open the conversation)."""
    tools: tuple[Tool, ...] = ()
    """Executable-backend cases: tools offered from this turn on (BFCL's held-out functions)."""
    expect_state: Mapping[str, Any] | None = None
    """Executable-backend cases: backend name → {attribute: matcher} after the turn."""
    check_calls: bool = True
    """Executable-backend cases: whether `expect` is graded (False: the turn checks only state)."""


@dataclass(frozen=True)
class Backend:
    """An executable backend for a case's tools: a Python class, fresh per case × provider × trial.

    Each public method of the instance is a function the model may call by name; what it
    returns is sent back as the tool result (DESIGN.md §9). Which modules may be named is
    decided by `harness.cases.backends` (an allowlist, checked when cases are loaded).
    """

    python: str
    """`package.module:Class`."""
    name: str
    """The name `expect_state` uses for the instance (default: the class name)."""
    init: Mapping[str, Any] = field(default_factory=dict)
    """Keyword arguments for the constructor."""
    scenario: Mapping[str, Any] | None = None
    """When given, passed to the instance's `_load_scenario(scenario, long_context=...)`
    (the protocol of BFCL's simulated APIs), after construction."""
    long_context: bool = False


@dataclass(frozen=True)
class Case:
    """One test: a conversation, the tools offered and the expected calls."""

    id: str
    category: str
    messages: tuple[Message, ...]
    tools: tuple[Tool, ...]
    turns: tuple[Turn, ...]
    tool_choice: ToolChoice = "auto"
    order: Literal["any", "strict"] = "any"
    extra_arguments: Literal["forbid", "allow"] = "forbid"
    tags: tuple[str, ...] = ()
    skip: Mapping[str, str] = field(default_factory=dict)
    """provider id → reason the case does not run there."""
    only: tuple[str, ...] = ()
    """When non-empty, the provider ids the case runs on."""
    source: str | None = None
    """The case file, for messages."""
    line: int | None = None
    """The line of the case in its file, for messages."""
    meta: Mapping[str, Any] = field(default_factory=dict)
    """Free data for importers (e.g. BFCL's raw possible answer); never graded by default."""
    backends: tuple[Backend, ...] = ()
    """Executable backends: when non-empty, each turn is a user turn whose calls the runner
    executes step by step (DESIGN.md §9)."""

    def tool(self, name: str) -> Tool | None:
        """Return the offered tool called `name`, or None."""
        for tool in self.tools:
            if tool.name == name:
                return tool
        return None

    @property
    def executable(self) -> bool:
        """Whether the case's tools execute against backends (turns are user turns)."""
        return bool(self.backends)

    def tools_at(self, turn: int) -> tuple[Tool, ...]:
        """The tools offered in `turn`: the case's plus those added by turns up to it."""
        added = tuple(t for tr in self.turns[: turn + 1] for t in tr.tools)
        return self.tools + added if added else self.tools

    @property
    def is_multi_turn(self) -> bool:
        """Whether the case has more than one graded turn."""
        return len(self.turns) > 1


@dataclass(frozen=True)
class Usage:
    """Token counts as the vendor reported them (None where it did not)."""

    input_tokens: int | None = None
    output_tokens: int | None = None


@dataclass(frozen=True)
class ModelTurn:
    """What a model answered in one turn, in neutral form."""

    calls: tuple[ToolCall, ...] = ()
    text: str | None = None
    """Answer text only: reasoning, thinking and tool plans are left out."""
    finish_reason: str | None = None
    """The vendor's stop value as sent (informative only: never used to detect calls)."""
    usage: Usage = field(default_factory=Usage)
    latency_ms: float | None = None
    raw_assistant: Any = None
    """The vendor's assistant message/content as sent, echoed back in later turns when a
    vendor needs it unchanged (Gemini thought signatures, Responses items)."""


@dataclass(frozen=True)
class Failure:
    """One reason a verdict did not pass."""

    kind: str
    """One of `FAILURE_KINDS`."""
    message: str
    """A human explanation, using deepdiff paths (`root['date']`)."""
    turn: int = 0
    """The graded turn (0-based)."""
    call: int | None = None
    """Index of the expected call (or of the actual call for extra/unexpected ones)."""
    path: str | None = None
    """deepdiff path into the arguments, e.g. `root['date']`."""
    expected: Any = None
    actual: Any = None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "kind": self.kind,
            "turn": self.turn,
            "call": self.call,
            "path": self.path,
            "expected": self.expected,
            "actual": self.actual,
            "message": self.message,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Failure:
        """Inverse of `to_dict`."""
        return cls(
            kind=data["kind"],
            message=data.get("message", ""),
            turn=data.get("turn", 0),
            call=data.get("call"),
            path=data.get("path"),
            expected=data.get("expected"),
            actual=data.get("actual"),
        )


@dataclass(frozen=True)
class Verdict:
    """The graded outcome of one case on one provider."""

    case_id: str
    provider_id: str
    passed: bool
    tool_selection_ok: bool
    """The right functions were called (names and count), whatever the arguments."""
    arguments_ok: bool
    """Every argument expectation held."""
    schema_ok: bool
    """Every call's arguments validated against its tool's JSON Schema."""
    failures: tuple[Failure, ...] = ()
    status: Status = "fail"
    """pass | fail | error | unsupported | stale."""

    def explain(self) -> str:
        """Return a multi-line explanation: one line per failure."""
        if self.passed:
            return f"{self.case_id} [{self.provider_id}]: pass"
        lines = [f"{self.case_id} [{self.provider_id}]: {self.status}"]
        for f in self.failures:
            where = f"turn {f.turn}"
            if f.call is not None:
                where += f", call {f.call}"
            lines.append(f"  - {f.kind} ({where}): {f.message}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (the `verdicts` rows of `fcharness grade`)."""
        return {
            "case_id": self.case_id,
            "provider_id": self.provider_id,
            "status": self.status,
            "passed": self.passed,
            "tool_selection_ok": self.tool_selection_ok,
            "arguments_ok": self.arguments_ok,
            "schema_ok": self.schema_ok,
            "failures": [f.to_dict() for f in self.failures],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Verdict:
        """Inverse of `to_dict`."""
        return cls(
            case_id=data["case_id"],
            provider_id=data["provider_id"],
            passed=bool(data["passed"]),
            tool_selection_ok=bool(data.get("tool_selection_ok", False)),
            arguments_ok=bool(data.get("arguments_ok", False)),
            schema_ok=bool(data.get("schema_ok", False)),
            failures=tuple(Failure.from_dict(f) for f in data.get("failures", ())),
            status=data.get("status", "pass" if data["passed"] else "fail"),
        )


#: Characters some vendors forbid in function names (Gemini, Bedrock, OpenAI's pattern).
_NAME_BAD = re.compile(r"[^a-zA-Z0-9_-]")
TOOL_NAMES: tuple[str, ...] = ("exact", "sanitized")
"""How graders compare a called name with the offered ones: as given, or both through
`sanitize_name` (`--tool-names`)."""


def sanitize_name(name: str, max_len: int = 64) -> str:
    """Return `name` with characters vendors forbid (dots, spaces, ...) replaced by `_`.

    A neutral naming rule: adapters send tool names through it, and grading uses it to map a
    sanitised name the model called back to the case's tool.
    """
    return _NAME_BAD.sub("_", name)[:max_len]
