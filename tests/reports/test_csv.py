"""results.csv and summary.csv: written by every run and by `fcharness report`, row by row."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from harness.cli import main
from harness.model import ModelTurn, ToolCall
from harness.reports import build_summary, write_reports
from harness.reports.csv_export import RESULTS_COLUMNS, SUMMARY_COLUMNS, ResultsCsv, read_csv
from harness.run.results import write_results
from tests.helpers.report_oracle import write_results_csv
from tests.helpers.rows import OUTCOMES, demo_rows


def test_results_csv_has_one_row_per_case_provider_and_trial(tmp_path: Path) -> None:
    rows = demo_rows()
    write_reports(tmp_path, rows)
    records = read_csv(tmp_path / "results.csv")
    assert len(records) == len(rows) == sum(len(t) for cases in OUTCOMES.values() for t in cases.values())
    assert list(records[0]) == list(RESULTS_COLUMNS)
    keys = [(r["case_id"], r["provider_id"], r["trial"]) for r in records]
    assert len(set(keys)) == len(keys)
    # the values a spreadsheet needs, Chinese kept, turns numbered from 0
    wrong = next(
        r
        for r in records
        if r["provider_id"] == "crafted-openai-chat" and r["case_id"] == "weather.beijing.tomorrow"
    )
    assert (wrong["status"], wrong["outcome"], wrong["passed"], wrong["arguments_ok"]) == (
        "fail",
        "wrong_value",
        "false",
        "false",
    )
    assert wrong["failure_kinds"] == "wrong_value"
    assert wrong["explanation"].startswith("wrong_value (turn 0, call 0): root['date']")
    assert json.loads(wrong["calls"]) == [
        [{"name": "get_weather", "arguments": {"city": "北京", "date": "2026-11-27"}}]
    ]
    assert wrong["input_tokens"] == "120" and float(wrong["latency_ms"]) == next(
        r.latency_ms
        for r in rows
        if (r.provider_id, r.case_id) == ("crafted-openai-chat", "weather.beijing.tomorrow")
    )
    stale = next(r for r in records if r["status"] == "stale")
    assert stale["outcome"] == "stale_cassette" and "re-record" in stale["error"]
    # UTF-8 with a byte-order mark (spreadsheets read Chinese right), CRLF line ends
    raw = (tmp_path / "results.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw and "北京".encode() in raw


def test_summary_csv_has_one_row_per_provider_and_category(tmp_path: Path) -> None:
    rows = demo_rows()
    write_reports(tmp_path, rows)
    summary = build_summary(rows)
    records = read_csv(tmp_path / "summary.csv")
    assert list(records[0]) == list(SUMMARY_COLUMNS)
    expected = [(p, "all") for p in summary["providers"]]
    expected += [(p, c) for p in summary["providers"] for c in summary["providers"][p]["categories"]]
    assert sorted((r["provider_id"], r["category"]) for r in records) == sorted(expected)
    first = records[0]
    p = summary["providers"][first["provider_id"]]
    assert first["category"] == "all"
    assert float(first["pass_rate"]) == pytest.approx(p["pass_rate"])
    assert int(first["passed"]) == p["passed"] and int(first["fail"]) == p["status_counts"]["fail"]


def test_model_text_cannot_become_a_spreadsheet_formula(tmp_path: Path) -> None:
    (row,) = [
        r for r in demo_rows() if r.case_id == "irrelevance.joke" and r.provider_id == "crafted-anthropic"
    ]
    evil = replace(row, turns=(ModelTurn(calls=(), text='=HYPERLINK("http://x","y")'),))
    evil2 = replace(row, trial=2, turns=(ModelTurn(calls=(ToolCall("f", None, "@SUM(1)"),)),))
    write_results_csv(tmp_path / "r.csv", [evil, evil2])
    a, b = read_csv(tmp_path / "r.csv")
    assert a["text"] == '\'=HYPERLINK("http://x","y")'
    assert json.loads(b["calls"]) == [[{"name": "f", "arguments": "@SUM(1)"}]]  # JSON starts with [


def test_rows_stream_into_the_file_and_a_crash_leaves_nothing(tmp_path: Path) -> None:
    rows = demo_rows()
    path = tmp_path / "results.csv"

    def rows_then_crash():
        yield from rows[:3]
        raise RuntimeError("run died")

    with pytest.raises(RuntimeError):
        write_results_csv(path, rows_then_crash())
    assert not path.exists() and list(tmp_path.iterdir()) == []
    with ResultsCsv(path) as out:  # the streaming face: one row at a time
        for r in rows:
            out.add(r)
    assert out.rows == len(rows) == len(read_csv(path))


def test_fcharness_report_writes_the_csv_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_results(tmp_path / "results.jsonl", demo_rows())
    assert main(["report", str(tmp_path)]) == 0
    assert len(read_csv(tmp_path / "results.csv")) == len(demo_rows())
    assert read_csv(tmp_path / "summary.csv")
    assert "results.csv" in capsys.readouterr().out
