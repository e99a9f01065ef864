"""Streaming reports: `ReportBuilder` (via `write_reports`) against the whole-list renderers.

Every file written from a stream of rows must be byte for byte what the renderers of
`tests/helpers/report_oracle.py` (and the product's `render_table`, `summarize`) produce from
the same rows held in memory, whatever the source (a list, a generator, results.jsonl), and a
build that fails leaves nothing behind. What that comparison proves, and what it leaves to the
format tests, is said in the oracle's docstring.
"""

from __future__ import annotations

import gc
import json
import weakref
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from harness.model import ModelTurn, ToolCall, Usage
from harness.reports import ReportBuilder, build_summary, write_reports
from harness.reports.aggregate import Tally
from harness.reports.metrics import summarize
from harness.reports.table import render_table
from harness.run.config import Config, Price
from harness.run.results import ResultRow, iter_results, read_results, write_results
from tests.helpers.report_oracle import render_html, render_junit, render_markdown, write_results_csv
from tests.helpers.rows import demo_rows, make_row

FILES = ("summary.json", "summary.csv", "results.csv", "report.md", "report.html", "junit.xml")
PRICES = {"gpt-4o-mini": Price(0.15, 0.6), "claude-3-5-haiku": Price(0.8, 4.0)}


def _stream_twins() -> list[ResultRow]:
    """A provider and its `-stream` twin answering differently (the parity section), trials, odd text."""
    rows = []
    for cid in ("weather.beijing.tomorrow", "parallel.two_cities", "multiple.stock"):
        for pid in ("emulator-x", "emulator-x-stream"):
            outcome = (
                "wrong_value" if (pid, cid) == ("emulator-x-stream", "weather.beijing.tomorrow") else "pass"
            )
            rows.append(make_row(cid, pid, outcome, usage=Usage(1234, 56)))
    odd = make_row("irrelevance.joke", "emulator-x", "unexpected_call")
    turn = ModelTurn(
        calls=(ToolCall("get_weather", {"city": "</script><b>\u2028北京\u2029"}, None, "c1"),),
        text="a\u2028b",
    )
    rows.append(replace(odd, turns=(turn,), error="<!-- 1 < 2 -->", latency_ms=None))
    # a case first seen without its summary, then with it (report.html keeps the one with it)
    rows.append(replace(make_row("multiple.stock", "crafted-anthropic", "error"), case={}))
    rows.append(make_row("multiple.stock", "crafted-openai-chat", "pass", latency_ms=3))
    for trial in (1, 2, 3):
        outcome = "pass" if trial != 2 else "missing_call"
        rows.append(make_row("parallel.two_cities", "emulator-x-stream", outcome, trial=trial))
    return rows


ROW_SETS = {
    "demo": demo_rows,
    "twins": _stream_twins,
    "empty": list,
    "one": lambda: [make_row("weather.beijing.tomorrow", "crafted-anthropic", "stale")],
}


def _config(tmp_path: Path, prices: dict[str, Price] | None) -> Config:
    return Config(path=None, root=tmp_path, prices=prices or {})


@pytest.mark.parametrize("prices", [None, PRICES], ids=["no-prices", "prices"])
@pytest.mark.parametrize("name", list(ROW_SETS))
def test_streamed_reports_equal_the_list_renderers(tmp_path: Path, name: str, prices: dict | None) -> None:
    rows = ROW_SETS[name]()
    config = _config(tmp_path, prices)
    meta = {"run_id": "r1", "started_at": "2026-12-08T00:00:00Z"}
    out = tmp_path / "out"
    summary = write_reports(out, (r for r in rows), config=config, meta=meta)

    expected = build_summary(rows, config=config, meta=meta)
    assert summary == expected
    text = json.dumps(expected, ensure_ascii=False, indent=2, sort_keys=True, allow_nan=False) + "\n"
    assert (out / "summary.json").read_text(encoding="utf-8") == text
    assert (out / "report.md").read_text(encoding="utf-8") == render_markdown(rows, expected, run_id="r1")
    html = render_html(rows, expected, run_id="r1", meta=expected["meta"])
    assert (out / "report.html").read_text(encoding="utf-8") == html
    junit = render_junit(rows, run_id="r1", prices=prices)
    assert (out / "junit.xml").read_text(encoding="utf-8") == junit
    write_results_csv(tmp_path / "expected.csv", rows)
    assert (out / "results.csv").read_bytes() == (tmp_path / "expected.csv").read_bytes()
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)


@pytest.mark.parametrize("name", list(ROW_SETS))
def test_tally_and_table_equal_summarize_and_render_table(name: str) -> None:
    rows = ROW_SETS[name]()
    tally = Tally(PRICES)
    for row in rows:
        tally.add(row)
    expected = summarize(rows, PRICES)
    assert tally.summary(expected["parity"]) == expected
    assert tally.ok is all(r.status in ("pass", "unsupported") for r in rows)
    with ReportBuilder(None, prices=PRICES) as builder:
        for row in rows:
            builder.add(row)
        assert builder.table(builder.summary(parity=False)) == render_table(rows, PRICES)
        no_cost = builder.table(builder.summary(parity=False), show_cost=False)
        assert no_cost == render_table(rows)


def test_every_source_gives_the_same_bytes(tmp_path: Path) -> None:
    rows = demo_rows() + _stream_twins()
    write_results(tmp_path / "results.jsonl", rows)
    write_reports(tmp_path / "list", rows, meta={"run_id": "r"})
    write_reports(tmp_path / "gen", iter(rows), meta={"run_id": "r"})
    write_reports(tmp_path / "jsonl", iter_results(tmp_path / "results.jsonl"), meta={"run_id": "r"})
    # read back, arguments come in results.jsonl's (sorted) key order: compare with those rows
    write_reports(tmp_path / "read", read_results(tmp_path / "results.jsonl"), meta={"run_id": "r"})
    for f in FILES:
        assert (tmp_path / "gen" / f).read_bytes() == (tmp_path / "list" / f).read_bytes(), f
        assert (tmp_path / "jsonl" / f).read_bytes() == (tmp_path / "read" / f).read_bytes(), f
    assert (tmp_path / "jsonl" / "summary.json").read_bytes() == (
        tmp_path / "list" / "summary.json"
    ).read_bytes()


def test_a_failed_build_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text("old\n", encoding="utf-8")

    def rows() -> Iterator[ResultRow]:
        yield from demo_rows()[:5]
        raise RuntimeError("disk gone")

    with pytest.raises(RuntimeError, match="disk gone"):
        write_reports(out, rows(), meta={"run_id": "r"})
    assert [p.name for p in out.iterdir()] == ["summary.json"]  # no temporary file, no results.csv
    assert (out / "summary.json").read_text(encoding="utf-8") == "old\n"


def test_the_builder_keeps_no_row(tmp_path: Path) -> None:
    refs: list[weakref.ref[ResultRow]] = []

    def rows() -> Iterator[ResultRow]:
        for row in demo_rows():
            fresh = replace(row, case=dict(row.case))
            refs.append(weakref.ref(fresh))
            yield fresh

    with ReportBuilder(tmp_path / "out") as builder:
        for row in rows():
            builder.add(row)
        del row
        gc.collect()
        assert refs and not [r for r in refs if r() is not None]
        builder.finish({"run_id": "r"})
    assert (tmp_path / "out" / "report.html").stat().st_size > 0


def test_rows_with_line_separators_read_back(tmp_path: Path) -> None:
    row = make_row("weather.beijing.tomorrow", "crafted-anthropic", "error")
    row = replace(row, error="line\u2028separator\u0085next\x1cfile")
    write_results(tmp_path / "results.jsonl", [row, row])
    assert [r.error for r in iter_results(tmp_path / "results.jsonl")] == [row.error, row.error]
