"""Result rows: one per case × provider (× trial), the contract between runner and reports.

`results.jsonl` holds one `ResultRow.to_dict()` per line. Reports, the gate and `compare`
read only this file (plus `summary.json`), so a row carries what a reader needs to explain
it: the prompt, the tools offered, the expected calls and what the model answered.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness._io import loads_json, redact
from harness.errors import UserError
from harness.model import Case, ModelTurn, ToolCall, Usage, Verdict

__all__ = [
    "ResultRow",
    "ResultsWriter",
    "case_summary",
    "iter_results",
    "iter_results_at",
    "read_result_at",
    "read_results",
    "turn_to_dict",
    "write_results",
]


def _call_to_dict(c: ToolCall) -> dict[str, Any]:
    return {"name": c.name, "arguments": c.arguments, "raw_arguments": c.raw_arguments, "id": c.id}


def turn_to_dict(t: ModelTurn) -> dict[str, Any]:
    """Return a JSON-ready dict of a model turn (without `raw_assistant`)."""
    return {
        "calls": [_call_to_dict(c) for c in t.calls],
        "text": t.text,
        "finish_reason": t.finish_reason,
        "usage": {"input_tokens": t.usage.input_tokens, "output_tokens": t.usage.output_tokens},
        "latency_ms": t.latency_ms,
    }


def turn_from_dict(d: Mapping[str, Any]) -> ModelTurn:
    """Inverse of `turn_to_dict`."""
    u = d.get("usage") or {}
    return ModelTurn(
        calls=tuple(
            ToolCall(c["name"], c.get("arguments"), c.get("raw_arguments"), c.get("id"))
            for c in d.get("calls", ())
        ),
        text=d.get("text"),
        finish_reason=d.get("finish_reason"),
        usage=Usage(u.get("input_tokens"), u.get("output_tokens")),
        latency_ms=d.get("latency_ms"),
    )


def case_summary(case: Case) -> dict[str, Any]:
    """What a report needs of a case: prompt, tools and expectations, JSON-ready."""
    return {
        "messages": [
            {"role": m.role, "content": m.content}
            | ({"tool_calls": [_call_to_dict(c) for c in m.tool_calls]} if m.tool_calls else {})
            for m in case.messages
        ],
        "tools": [
            {"name": t.name, "description": t.description, "parameters": t.parameters} for t in case.tools
        ],
        "turns": [
            {
                "expect": [{"call": e.name, "arguments": e.arguments} for e in t.expect],
                "expect_text": t.expect_text,
            }
            for t in case.turns
        ],
        "tool_choice": case.tool_choice,
    }


@dataclass(frozen=True)
class ResultRow:
    """One graded (or ungraded) case × provider × trial."""

    run_id: str
    case_id: str
    provider_id: str
    kind: str
    model: str
    category: str
    verdict: Verdict
    tags: tuple[str, ...] = ()
    source: str | None = None
    """The case file."""
    trial: int = 0
    turns: tuple[ModelTurn, ...] = ()
    """What the model answered, turn by turn (up to the first failing turn)."""
    latency_ms: float | None = None
    """Sum over turns, from the recording."""
    usage: Usage = field(default_factory=Usage)
    """Sum over turns, from the recording."""
    error: str | None = None
    """Provider error, stale-cassette or unsupported explanation, when not graded."""
    cassette: str | None = None
    case: Mapping[str, Any] = field(default_factory=dict)
    """`case_summary(case)`: prompt, tools and expected calls, for drill-downs."""

    @property
    def status(self) -> str:
        """pass | fail | error | unsupported | stale."""
        return self.verdict.status

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready row written to results.jsonl."""
        return {
            "run_id": self.run_id,
            "case_id": self.case_id,
            "provider_id": self.provider_id,
            "kind": self.kind,
            "model": self.model,
            "category": self.category,
            "tags": list(self.tags),
            "source": self.source,
            "trial": self.trial,
            "status": self.verdict.status,
            "verdict": self.verdict.to_dict(),
            "turns": [turn_to_dict(t) for t in self.turns],
            "latency_ms": self.latency_ms,
            "usage": {
                "input_tokens": self.usage.input_tokens,
                "output_tokens": self.usage.output_tokens,
            },
            "error": self.error,
            "cassette": self.cassette,
            "case": dict(self.case),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ResultRow:
        """Inverse of `to_dict`."""
        u = d.get("usage") or {}
        return cls(
            run_id=d["run_id"],
            case_id=d["case_id"],
            provider_id=d["provider_id"],
            kind=d.get("kind", ""),
            model=d.get("model", ""),
            category=d.get("category", ""),
            verdict=Verdict.from_dict(d["verdict"]),
            tags=tuple(d.get("tags", ())),
            source=d.get("source"),
            trial=int(d.get("trial", 0)),
            turns=tuple(turn_from_dict(t) for t in d.get("turns", ())),
            latency_ms=d.get("latency_ms"),
            usage=Usage(u.get("input_tokens"), u.get("output_tokens")),
            error=d.get("error"),
            cassette=d.get("cassette"),
            case=d.get("case") or {},
        )


def write_results(path: str | Path, rows: Iterable[ResultRow]) -> None:
    """Write rows as JSON lines, atomically (row by row: the file is never held in memory)."""
    with ResultsWriter(path) as out:
        for row in rows:
            out.write(row)


class ResultsWriter:
    """`results.jsonl` written as rows are produced, atomically.

    Lines go to a temporary file in `temp_dir` (default: the target's folder, which must be
    on the same file system); `commit()` syncs it and renames it into place, `abort()` removes
    it, so a reader never sees a partial file and a killed run leaves none. Used as a context
    manager it commits on success and aborts on an exception.
    """

    def __init__(self, path: str | Path, temp_dir: str | Path | None = None) -> None:
        self.path = Path(path)
        folder = Path(temp_dir) if temp_dir is not None else self.path.parent
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=folder)
        self._tmp = Path(tmp)
        self._fh = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        self._last: tuple[Any, str] | None = None  # the case summary last encoded, and its JSON
        self.rows = 0

    def write(self, row: ResultRow) -> None:
        """Append one row (registered secrets replaced by `<redacted>`, as every write does)."""
        self._fh.write(redact(self._line(row)))
        self.rows += 1

    def _line(self, row: ResultRow) -> str:
        """`json.dumps(row.to_dict(), ensure_ascii=False, sort_keys=True)`, a case's summary encoded
        once for its consecutive rows (providers, trials)."""
        d = row.to_dict()
        del d["case"]
        if min(d, default="~") < "case":  # the splice needs "case" to sort first
            return json.dumps(row.to_dict(), ensure_ascii=False, sort_keys=True) + "\n"
        last = self._last
        if last is None or last[0] is not row.case:
            last = self._last = (row.case, json.dumps(dict(row.case), ensure_ascii=False, sort_keys=True))
        return '{"case": ' + last[1] + ", " + json.dumps(d, ensure_ascii=False, sort_keys=True)[1:] + "\n"

    def commit(self) -> None:
        """Sync the file and rename it to `path`."""
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self._tmp, 0o666 & ~umask)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self._tmp, self.path)

    def abort(self) -> None:
        """Drop what was written."""
        with contextlib.suppress(OSError):
            self._fh.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._tmp)

    def __enter__(self) -> ResultsWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


def iter_results(path: str | Path) -> Iterator[ResultRow]:
    """The rows of a results.jsonl, one at a time (the file is never held in memory).

    A malformed line is a UserError naming file and line. Lines end at `\\n` only (a row's
    strings may hold U+2028 and other characters `str.splitlines` would split at).
    """
    for _, row in iter_results_at(path):
        yield row


def iter_results_at(path: str | Path) -> Iterator[tuple[int, ResultRow]]:
    """`iter_results`, each row with the byte offset of its line (for `read_result_at`)."""
    p = Path(path)
    if not p.exists():
        raise UserError(f"{p}: results file not found")
    offset = 0
    with p.open("rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            at, offset = offset, offset + len(raw)
            if not raw.strip():
                continue
            yield at, _parse(raw, p, lineno)


def read_result_at(path: str | Path, offset: int) -> ResultRow:
    """The row whose line starts at byte `offset` of a results.jsonl (read again, one line only)."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            fh.seek(offset)
            raw = fh.readline()
    except OSError as exc:
        raise UserError(f"{p}: cannot read the results file again: {exc}") from None
    return _parse(raw, p, None)


def _parse(raw: bytes, p: Path, lineno: int | None) -> ResultRow:
    try:
        return ResultRow.from_dict(loads_json(raw))
    except (ValueError, KeyError, TypeError) as exc:
        where = f"{p}:{lineno}" if lineno is not None else f"{p}"
        raise UserError(f"{where}: malformed result row: {exc}") from None


def read_results(path: str | Path) -> list[ResultRow]:
    """Read a results.jsonl; a malformed line is a UserError naming file and line."""
    return list(iter_results(path))
