"""Compact rows for `gate` and `compare`: what they read of a result row, and no more.

A `ResultRow` carries the case (prompt, tools, expectations) and every answer; at 10,000 rows
that is hundreds of megabytes. The gate reads a row's ids, status, category, tags, case file,
model and, for a regression, one line saying why; `compare` also reads the calls, but only of
cases whose answers differ. A `SlimRow` holds those fields (shared strings interned; `compare`
keeps one copy of a case id for both runs) and a digest of the calls
(`parity.calls_digest`); its `turns` are read again from the results file, at the row's
offset, only when asked for. `read_slim(path)` reads a results.jsonl so, once.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from harness.model import ModelTurn
from harness.reports.metrics import row_kind
from harness.reports.parity import calls_digest
from harness.run.results import ResultRow, iter_results_at, read_result_at

__all__ = ["SlimRow", "read_slim", "slim_rows"]


@dataclass(frozen=True, slots=True)
class SlimRow:
    """What the gate and `compare` need of one result row (see the module docstring)."""

    provider_id: str
    case_id: str
    trial: int
    status: str
    kind: str
    """`metrics.row_kind`: pass, unsupported, or the first failure kind."""
    why: str
    """For a row that did not pass: its kind and the first line of its first failure (or error)."""
    category: str
    tags: tuple[str, ...]
    source: str | None
    model: str
    digest: bytes | None
    """`parity.calls_digest(turns)`; None when the row has no turn."""
    file: Path | None = None
    offset: int = -1
    held: tuple[ModelTurn, ...] | None = None
    """The turns themselves, when the row was made from a `ResultRow` in memory."""

    @property
    def turns(self) -> tuple[ModelTurn, ...]:
        """The row's turns (read again from its results file when not held)."""
        if self.held is not None:
            return self.held
        if self.digest is None or self.file is None:
            return ()
        return read_result_at(self.file, self.offset).turns

    @classmethod
    def of(
        cls,
        row: ResultRow,
        file: Path | None = None,
        offset: int = -1,
        shared: dict[object, object] | None = None,
        ids: dict[str, str] | None = None,
    ) -> SlimRow:
        """The compact form of `row`; with a `file`, its turns are left there, else held.

        `shared` keeps one copy of equal tag tuples; `ids`, one of equal case ids and whys."""
        why = ""
        if row.status != "pass":
            first = row.verdict.failures[0].message if row.verdict.failures else (row.error or "")
            first = first.splitlines()[0] if first else ""
            kind = row_kind(row)
            why = f"{kind}: {first}" if first else kind
            why = ids.setdefault(why, why) if ids is not None else why
        one = shared if shared is not None else {}
        return cls(
            provider_id=sys.intern(row.provider_id),
            case_id=ids.setdefault(row.case_id, row.case_id) if ids is not None else row.case_id,
            trial=row.trial,
            status=sys.intern(row.status),
            kind=sys.intern(row_kind(row)),
            why=why,
            category=sys.intern(row.category),
            tags=one.setdefault(row.tags, row.tags),  # type: ignore[arg-type]
            source=sys.intern(row.source) if row.source is not None else None,
            model=sys.intern(row.model),
            digest=calls_digest(row.turns),
            file=file,
            offset=offset,
            held=None if file is not None else row.turns,
        )


def slim_rows(rows: Iterable[ResultRow | SlimRow]) -> list[SlimRow]:
    """`rows` as `SlimRow`s (result rows in memory keep their turns)."""
    shared: dict[object, object] = {}
    return [r if isinstance(r, SlimRow) else SlimRow.of(r, shared=shared) for r in rows]


def read_slim(path: str | Path, ids: dict[str, str] | None = None) -> list[SlimRow]:
    """The rows of a results.jsonl as `SlimRow`s, read once (malformed lines: as `iter_results`).

    `ids`: a dict shared by several reads (two runs of a suite share their case ids)."""
    file = Path(path)
    shared: dict[object, object] = {}
    return [SlimRow.of(row, file, offset, shared, ids) for offset, row in iter_results_at(file)]
