"""The data of emulator scripts: scripted calls, faults, answers, per-case scripts.

`harness.emulator.scripts` is the public face (loading, validation); this module only holds
the frozen records every other emulator module reads.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.errors import Problem, UserError

__all__ = ["KINDS", "Answer", "Fault", "Script", "ScriptSet", "ScriptedCall"]

#: The wire kinds the emulator tells apart (DESIGN.md §5 names).
KINDS: tuple[str, ...] = (
    "openai-chat",
    "openai-functions",
    "openai-responses",
    "anthropic",
    "gemini",
    "bedrock-converse",
    "mistral",
    "cohere",
)


@dataclass(frozen=True)
class ScriptedCall:
    """One call the emulated model makes."""

    name: str
    arguments: Mapping[str, Any] | None = None
    """Arguments as an object; None when `arguments_raw` is used."""
    arguments_raw: str | None = None
    """Arguments text sent verbatim (malformed JSON on purpose)."""

    def arguments_text(self) -> str:
        """Return the arguments as the JSON text string-argument vendors send."""
        if self.arguments_raw is not None:
            return self.arguments_raw
        return json.dumps(dict(self.arguments or {}), ensure_ascii=False)

    def arguments_object(self) -> Any:
        """Return the arguments for object-argument vendors (the raw text when malformed)."""
        if self.arguments_raw is not None:
            return self.arguments_raw
        return dict(self.arguments or {})


@dataclass(frozen=True)
class Fault:
    """An error answer: the first `times` matching requests fail (every request when None)."""

    status: int
    retry_after: float | None = None
    times: int | None = None
    message: str | None = None
    type: str | None = None
    """The vendor's error type/code, when the default for the status is not wanted."""
    mid_stream: bool = False
    """For a streamed request: answer HTTP 200, start the stream, then send the vendor's error
    event (plain requests still get the error status)."""


@dataclass(frozen=True)
class Answer:
    """What the emulated model answers in one turn."""

    calls: tuple[ScriptedCall, ...] = ()
    text: str | None = None
    fault: Fault | None = None
    delay_ms: int = 0


@dataclass(frozen=True)
class Script:
    """The answers for one case."""

    case_id: str
    turns: tuple[Answer, ...]
    by_kind: Mapping[str, tuple[Answer, ...]] = field(default_factory=dict)
    by_model: tuple[tuple[str, tuple[Answer, ...]], ...] = ()
    by_provider: Mapping[str, tuple[Answer, ...]] = field(default_factory=dict)
    """Turns for one provider id, sent as a `/p/<provider-id>` prefix of the base URL."""
    source: str | None = None
    line: int | None = None

    def turns_for(self, kind: str, model: str, provider: str | None = None) -> tuple[tuple[Answer, ...], str]:
        """Return the turns for a provider, model and wire kind, and which variant was chosen."""
        if provider is not None and provider in self.by_provider:
            return self.by_provider[provider], f"by_provider[{provider}]"
        for pattern, turns in self.by_model:
            if fnmatch.fnmatchcase(model, pattern):
                return turns, f"by_model[{pattern}]"
        if kind in self.by_kind:
            return self.by_kind[kind], f"by_kind[{kind}]"
        return self.turns, "turns"


@dataclass(frozen=True)
class ScriptSet:
    """Loaded scripts, by case id."""

    scripts: Mapping[str, Script] = field(default_factory=dict)

    def get(self, case_id: str) -> Script | None:
        """Return the script of a case, or None."""
        return self.scripts.get(case_id)

    def __len__(self) -> int:
        return len(self.scripts)

    def restricted(self, case_ids: set[str]) -> ScriptSet:
        """Return only the scripts of these cases (the demo's, for the cases actually loaded)."""
        return ScriptSet({c: s for c, s in self.scripts.items() if c in case_ids})

    def overridden_by(self, other: ScriptSet) -> ScriptSet:
        """Return both sets; `other`'s script wins for a case both script (yours over the demo's)."""
        return ScriptSet({**self.scripts, **other.scripts})

    def merged(self, other: ScriptSet) -> ScriptSet:
        """Return both sets together; a case scripted twice is an error."""
        dupes = sorted(set(self.scripts) & set(other.scripts))
        if dupes:
            problems = tuple(
                Problem(
                    f"case scripted twice (also in {self.scripts[c].source}:{self.scripts[c].line})",
                    file=other.scripts[c].source,
                    line=other.scripts[c].line,
                    case_id=c,
                    field="case",
                )
                for c in dupes
            )
            raise UserError("emulator scripts are invalid", problems)
        return ScriptSet({**self.scripts, **other.scripts})
