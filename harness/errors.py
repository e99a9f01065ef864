"""Exceptions fc-harness raises, and the `Problem` record `validate` collects.

FcHarnessError
 ├─ UserError            bad input: case files, config, CLI usage → exit 2
 │   ├─ CaseFileError    a case file (names file, line, case id, field)
 │   ├─ ConfigError      fcharness.toml / provider profiles
 │   ├─ CassetteFileError   a cassette cannot be read (names file, line, case id, provider)
 │   └─ MissingAPIKeyError   recording needs a key that is not set
 ├─ CassetteError        a cassette is missing, unreadable or stale (replay)
 └─ ProviderError        the vendor answered with an error (→ `provider_error` verdict)
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "CaseFileError",
    "CassetteError",
    "CassetteFileError",
    "ConfigError",
    "FcHarnessError",
    "MissingAPIKeyError",
    "Problem",
    "ProviderError",
    "UserError",
    "json_type",
    "suggest",
]


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file, located as precisely as the parser allows."""

    message: str
    file: str | None = None
    line: int | None = None
    case_id: str | None = None
    field: str | None = None
    """A dotted/indexed path to the offending field, e.g. `cases[2].expect[0].arguments.date`."""
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        parts = [where, self.severity]
        if self.case_id:
            shown = self.case_id if len(self.case_id) <= 80 else self.case_id[:77] + "..."
            parts.append(f"case {shown!r}")
        if self.field:
            parts.append(f"field {self.field}")
        return ": ".join(parts) + f": {self.message}"


class FcHarnessError(Exception):
    """Base class of every error fc-harness raises on purpose."""


class UserError(FcHarnessError):
    """Bad input from the user; shown without a traceback, exit code 2."""

    def __init__(self, message: str, problems: tuple[Problem, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems

    def __str__(self) -> str:
        base = super().__str__()
        if not self.problems:
            return base
        return base + "\n" + "\n".join(f"  {p}" for p in self.problems)


class CaseFileError(UserError):
    """A case file cannot be loaded."""

    @classmethod
    def at(
        cls,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        case_id: str | None = None,
        field: str | None = None,
    ) -> CaseFileError:
        """Build an error for one located problem."""
        problem = Problem(message, file=file, line=line, case_id=case_id, field=field)
        return cls(str(problem), (problem,))


class ConfigError(UserError):
    """fcharness.toml or a provider profile is wrong."""


class CassetteFileError(UserError):
    """A cassette file is unreadable or malformed: bad input, like a broken case file."""


class MissingAPIKeyError(UserError):
    """Recording needs an API key that is not in the environment."""

    def __init__(self, provider_id: str, env_var: str) -> None:
        super().__init__(
            f"provider {provider_id!r} needs an API key to record: set the environment "
            f"variable {env_var} (replaying cassettes never needs a key)"
        )
        self.provider_id = provider_id
        self.env_var = env_var


class CassetteError(FcHarnessError):
    """A cassette is missing or does not match the case (replay)."""


class ProviderError(FcHarnessError):
    """The vendor answered with an error; graded as a `provider_error` verdict."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        body: Any = None,
        provider_id: str | None = None,
        model: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        """HTTP status, when there was a response."""
        self.body = body
        """The decoded error body as sent by the vendor."""
        self.provider_id = provider_id
        self.model = model
        self.retry_after = retry_after
        """Seconds the vendor asked us to wait (429/503 `retry-after`)."""
        self.vendor_message = message
        super().__init__(f"status_code: {status}, model_name: {model}, message: {message}")

    @property
    def retryable(self) -> bool:
        """Whether a retry may help (429, 5xx, 529, or no response at all)."""
        return self.status is None or self.status == 429 or self.status >= 500


# --- message helpers shared by every wing -----------------------------------------------


def suggest(word: str, options: Sequence[str]) -> str:
    """Return ' (did you mean X?)' for the nearest of `options`, or ''."""
    near = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {near[0]!r}?)" if near else ""


_JSON_TYPES = {
    dict: "an object",
    list: "a list",
    str: "a string",
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    type(None): "null",
}


def json_type(value: Any) -> str:
    """Name `value`'s JSON type for messages."""
    return _JSON_TYPES.get(type(value), type(value).__name__)
