"""Every report of a run built from a stream of rows, in flat memory.

`ReportBuilder.add(row)` is called once per row, in results.jsonl order (by the runner as rows
are produced, or by `fcharness report` reading results.jsonl files). It

- counts the row (`harness.reports.aggregate.Tally`: summary.json's metrics),
- appends its results.csv line (the CSV is written atomically as the rows come),
- renders the row's report.html entry, its junit.xml testcase and, for a failing row, its
  explanation once, into spool files (anonymous temporary files, secrets redacted), and keeps
  only their offsets and a few numbers per row.

`finish(meta)` then writes summary.json, summary.csv, report.md, report.html and junit.xml
(each atomically, piece by piece) by copying the spooled pieces in report order (provider,
case, trial). `tests/reports/test_builder.py` holds the files, byte for byte, to renderers that
build each document whole from a list of rows (`tests/helpers/report_oracle.py`).
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from array import array
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from harness._io import AtomicText, atomic_writer, redact
from harness.model import ModelTurn
from harness.reports import html as _html
from harness.reports import junit as _junit
from harness.reports.aggregate import Tally
from harness.reports.csv_export import ResultsCsv, write_summary_csv
from harness.reports.markdown import LIMIT, failure_entry, markdown_text
from harness.reports.metrics import with_error
from harness.reports.parity import compare_rows, stream_pairs
from harness.reports.table import failure_text, table_text
from harness.run.config import Price
from harness.run.results import ResultRow, turn_from_dict

__all__ = ["ReportBuilder"]

_CODES = {"pass": 0, "fail": 1, "error": 2, "unsupported": 3, "stale": 4}
_FAILING = (1, 2, 4)
_SHOWN = 200  # as `parity._SHOWN`


class _Spool:
    """An anonymous temporary file of newline-terminated pieces, read back by offset."""

    def __init__(self, folder: Path | None) -> None:
        self._fh: IO[bytes] = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115 - closed by close()
        self.end = 0
        self._moved = False

    def add(self, text: str) -> int:
        data = redact(text).encode("utf-8") + b"\n"  # a spool is on disk: no secret in it either
        at = self.end
        if self._moved:
            self._fh.seek(at)
            self._moved = False
        self._fh.write(data)
        self.end += len(data)
        return at

    def get(self, at: int, end: int | None = None) -> str:
        """The piece at `at`: up to the next newline, or up to the next piece at `end` (pieces
        holding newlines, read back by the offsets of consecutive pieces)."""
        self._moved = True
        self._fh.seek(at)
        data = self._fh.readline() if end is None else self._fh.read(end - at)
        return data[:-1].decode("utf-8")

    def close(self) -> None:
        self._fh.close()


class _Answer:
    """What `compare_rows` reads of a row (status, turns), from its spooled report.html entry."""

    __slots__ = ("status", "turns")

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.status: str = data["status"]
        self.turns: tuple[ModelTurn, ...] = tuple(turn_from_dict(t) for t in data["turns"])


class _Answers(Mapping[tuple[str, int], _Answer]):
    def __init__(self, keys: dict[tuple[str, int], int], read: Any) -> None:
        self._keys, self._read = keys, read

    def __getitem__(self, key: tuple[str, int]) -> _Answer:
        return _Answer(json.loads(self._read(self._keys[key])))

    def __iter__(self) -> Iterator[tuple[str, int]]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


class ReportBuilder:
    """Reports of a stream of rows (see the module docstring).

    `out`: the run folder the files go to (None: only the counts and the terminal table);
    `temp_dir`: where temporary files go (default `out`; same file system as `out`).
    Use as a context manager, or call `close()`: an unfinished builder leaves nothing behind.
    """

    def __init__(
        self,
        out: str | Path | None,
        *,
        prices: Mapping[str, Price] | None = None,
        temp_dir: str | Path | None = None,
    ) -> None:
        self.out = Path(out) if out is not None else None
        self.tally = Tally(prices)
        self._stack = contextlib.ExitStack()  # the spools
        self._csv_stack = contextlib.ExitStack()  # results.csv
        folder = Path(temp_dir) if temp_dir is not None else self.out
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        self._fail = self._spool(folder)
        self._csv: ResultsCsv | None = None
        self._rows: _Spool | None = None
        if self.out is not None:
            self._csv = ResultsCsv(self.out / "results.csv", temp_dir=folder)
            self._csv_stack.enter_context(self._csv)
            self._rows = self._spool(folder)  # report.html entries
            self._cases = self._spool(folder)  # report.html case entries
            self._tests = self._spool(folder)  # junit.xml testcases
        self._providers: dict[str, int] = {}
        self._pid = array("l")
        self._case: list[str] = []
        self._trial: list[int] = []
        self._status = bytearray()
        self._latency = array("d")
        self._term = array("d")
        self._priced = bytearray()
        self._at = array("q")  # report.html entry and junit testcase of each row
        self._tc_at = array("q")
        self._case_at: dict[str, int] = {}  # case id → 2 × offset of its case entry + (entry has a case)
        self._fail_rows = array("q")
        self._fail_at = array("q")

    def _spool(self, folder: Path | None) -> _Spool:
        spool = _Spool(folder)
        self._stack.callback(spool.close)
        return spool

    def add(self, row: ResultRow) -> None:
        """Take one row (in results.jsonl order)."""
        term = self.tally.add(row)
        i = len(self._case)
        pid = self._providers.setdefault(row.provider_id, len(self._providers))
        self._pid.append(pid)
        self._case.append(row.case_id)
        self._trial.append(row.trial)
        code = _CODES.get(row.verdict.status, 5)
        self._status.append(code)
        self._latency.append(float(row.latency_ms or 0))
        self._term.append(term if isinstance(term, float) else 0.0)
        self._priced.append(isinstance(term, float))
        if code in _FAILING:
            self._fail_rows.append(i)
            where = row.source or row.category
            self._fail_at.append(
                self._fail.add(json.dumps([row.category, where, row.verdict.explain(), row.error]))
            )
        if self._csv is None or self._rows is None:
            return
        self._csv.add(row)
        self._at.append(self._rows.add(_html.row_json(row)))
        self._tc_at.append(self._tests.add(_junit.testcase_xml(row, row.case_id)))
        known = self._case_at.get(row.case_id)
        if known is None or (not known & 1 and row.case):
            self._case_at[row.case_id] = 2 * self._cases.add(_html.case_json(row)) + bool(row.case)

    # --- report order -----------------------------------------------------------------------

    def _order(self) -> list[int]:
        """Row numbers sorted by (provider id, case id, trial), stable."""
        names = sorted(self._providers, key=self._providers.__getitem__)
        pid, case, trial = self._pid, self._case, self._trial
        return sorted(range(len(case)), key=lambda i: (names[pid[i]], case[i], trial[i]))

    def _failing(self) -> list[tuple[str, int, int]]:
        """(provider id, row number, spool offset) of the failing rows, in report order."""
        names = sorted(self._providers, key=self._providers.__getitem__)
        rows = [(names[self._pid[i]], i, at) for i, at in zip(self._fail_rows, self._fail_at, strict=True)]
        rows.sort(key=lambda f: (f[0], self._case[f[1]], self._trial[f[1]]))
        return rows

    # --- outputs ----------------------------------------------------------------------------

    def summary(self, *, parity: bool = True) -> dict[str, Any]:
        """summary.json's metrics (`metrics.summarize`); `parity` needs the builder to have an `out`."""
        return self.tally.summary(self._parity() if parity and self._rows is not None else [])

    def _parity(self) -> list[dict[str, Any]]:
        assert self._rows is not None
        names = sorted(self._providers, key=self._providers.__getitem__)
        out = []
        for plain, streamed in stream_pairs(names):
            keys: dict[str, dict[tuple[str, int], int]] = {plain: {}, streamed: {}}
            for i, p in enumerate(self._pid):
                if names[p] in keys:
                    keys[names[p]][(self._case[i], self._trial[i])] = self._at[i]
            result = compare_rows(
                _Answers(keys[plain], self._rows.get), _Answers(keys[streamed], self._rows.get)
            )
            shown = result["differences"][:_SHOWN]
            out.append({"provider": plain, "stream": streamed, **result, "differences": shown})
        return out

    def table(self, summary: Mapping[str, Any], *, show_cost: bool = True) -> str:
        """The terminal table (`render_table`) for `summary`; `show_cost=False`: as if without prices."""
        if not self._case:
            return "no results"
        if not show_cost:
            providers = summary["providers"]
            summary = {
                **summary,
                "providers": {pid: {**p, "cost": {**p["cost"], "usd": None}} for pid, p in providers.items()},
            }
        several = self.tally.multi_trial()

        def texts() -> Iterator[str]:
            for pid, i, at in self._failing():
                _, _, explanation, error = json.loads(self._fail.get(at))
                case, trial = self._case[i], self._trial[i]
                yield failure_text(case, trial, (pid, case) in several, explanation, error)

        return table_text(summary, texts(), len(self._fail_rows))

    def markdown(self, summary: Mapping[str, Any], run_id: str, *, limit: int = LIMIT) -> str:
        """report.md, at most `limit` characters long."""
        several = self.tally.multi_trial()
        groups: dict[str, list[tuple[int, int]]] = {}
        for pid, i, at in self._failing():
            groups.setdefault(pid, []).append((i, at))

        def entries(pid: str, rows: list[tuple[int, int]]) -> Iterator[str]:
            for i, at in rows:
                category, where, explanation, error = json.loads(self._fail.get(at))
                case = self._case[i]
                trial = self._trial[i] if (pid, case) in several else None
                yield failure_entry(case, category, where, trial, with_error(explanation, error))

        parts = [(pid, len(rows), entries(pid, rows)) for pid, rows in groups.items()]
        return markdown_text(summary, parts, len(self._fail_rows), run_id=run_id, limit=limit)

    def finish(self, meta: Mapping[str, Any], *, summary_format: int = 1) -> dict[str, Any]:
        """Write every report into `out` (results.csv committed last); return summary.json's content."""
        assert self.out is not None and self._csv is not None and self._rows is not None
        run_id = meta.get("run_id") or self.tally.run_id or ""
        summary = {
            "format": summary_format,
            "run_id": run_id,
            "meta": {k: v for k, v in meta.items() if k != "run_id"},
            **self.summary(),
        }
        text = json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True, allow_nan=False) + "\n"
        with atomic_writer(self.out / "summary.json") as fh:
            fh.write(text)
        write_summary_csv(self.out / "summary.csv", summary)
        self._csv_stack.close()  # results.csv renamed into place
        with atomic_writer(self.out / "report.md") as fh:
            fh.write(self.markdown(summary, run_id))
        order = self._order()
        self._write_html(summary, run_id, order)
        self._write_junit(summary, run_id, order)
        return summary

    def _write_html(self, summary: Mapping[str, Any], run_id: str, order: list[int]) -> None:
        assert self.out is not None and self._rows is not None
        title = f"fc-harness report — {run_id}" if run_id else "fc-harness report"
        head = {
            "title": title,
            "run_id": run_id,
            "meta": dict(summary["meta"]),
            "providers": list(summary["providers"]),
            "summary": summary,
        }
        page_head, page_tail = _html.page_parts(title)
        with atomic_writer(self.out / "report.html") as fh:
            fh.write(page_head)
            fh.write(_html.script_json(head)[:-1] + ', "cases": {')
            for n, cid in enumerate(sorted(self._case_at)):
                fh.write((", " if n else "") + self._cases.get(self._case_at[cid] >> 1))
            fh.write('}, "results": [')
            for n, i in enumerate(order):
                fh.write((", " if n else "") + self._rows.get(self._at[i]))
            fh.write("]}" + page_tail)

    def _write_junit(self, summary: Mapping[str, Any], run_id: str, order: list[int]) -> None:
        assert self.out is not None
        names = sorted(self._providers, key=self._providers.__getitem__)
        several = self.tally.multi_trial()
        suites: dict[str, list[int]] = {}
        for i in order:
            suites.setdefault(names[self._pid[i]], []).append(i)
        totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for p in summary["providers"].values():
            sc = p["status_counts"]
            totals["tests"] += p["total"]
            totals["failures"] += sc["fail"]
            totals["errors"] += sc["error"] + sc["stale"]
            totals["skipped"] += sc["unsupported"]
        head, tail = _junit.testsuites_parts(run_id, totals)
        with atomic_writer(self.out / "junit.xml") as fh:
            if not suites:
                fh.write(_junit.empty_junit(run_id))
                return
            fh.write(head)
            for n, (pid, rows) in enumerate(suites.items()):
                if n:
                    fh.write("\n  ")
                self._suite(fh, pid, rows, summary["providers"][pid], several)
            fh.write(tail)

    def _suite(
        self, fh: AtomicText, pid: str, rows: list[int], p: Mapping[str, Any], several: set[tuple[str, str]]
    ) -> None:
        sc = p["status_counts"]
        stats = {
            "tests": p["total"],
            "failures": sc["fail"],
            "errors": sc["error"] + sc["stale"],
            "skipped": sc["unsupported"],
        }
        time = sum(self._latency[i] for i in rows)
        usd = 0.0
        for i in rows:
            if self._priced[i]:
                usd += self._term[i]
        priced = any(self._priced[i] for i in rows)
        figures = _junit.suite_figures(p, round(usd, 6) if priced else None)
        head, tail = _junit.suite_parts(pid, stats, time, p["model"], p["kind"], figures)
        fh.write(head)
        for n, i in enumerate(rows):
            end = self._tc_at[i + 1] if i + 1 < len(self._tc_at) else self._tests.end
            tc = self._tests.get(self._tc_at[i], end)
            case = self._case[i]
            if (pid, case) in several:  # the name is `case@trial` (known once every row is in)
                old, new = _junit.testcase_name(case, None), _junit.testcase_name(case, self._trial[i])
                tc = tc.replace(f" {old}", f" {new}", 1)
            fh.write(("\n    " if n else "") + tc)
        fh.write(tail)

    def close(self) -> None:
        """Drop everything not yet written (results.csv's temporary file, the spools)."""
        unfinished = RuntimeError("reports not finished")
        self._csv_stack.__exit__(RuntimeError, unfinished, None)  # removes the temporary file
        self._stack.close()

    def __enter__(self) -> ReportBuilder:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.close()
