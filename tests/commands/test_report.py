"""`fcharness report` rebuilds every report (summary.json, CSVs, report.md, report.html, junit.xml)."""

from __future__ import annotations

import json
from pathlib import Path

from harness.cli import main
from harness.reports import write_reports
from harness.run.results import write_results
from tests.helpers.rows import demo_rows


def test_write_reports_writes_every_report(tmp_path: Path) -> None:
    write_reports(tmp_path, demo_rows(), meta={"started_at": "2026-11-27T00:00:00Z"})
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "junit.xml",
        "report.html",
        "report.md",
        "results.csv",
        "summary.csv",
        "summary.json",
    ]
    s = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert s["format"] == 1 and s["run_id"] == "20261127-000000-test"
    assert s["meta"] == {"started_at": "2026-11-27T00:00:00Z"}
    assert s["providers"]["crafted-anthropic"]["failure_kinds"]["provider_error"] == 1
    assert "latency_ms" in s["providers"]["crafted-anthropic"] and "cost" in s


def test_write_reports_with_no_rows(tmp_path: Path) -> None:
    write_reports(tmp_path, [])
    assert json.loads((tmp_path / "summary.json").read_text())["providers"] == {}
    assert "No failures." in (tmp_path / "report.md").read_text()


def test_report_command_rebuilds_and_keeps_meta(tmp_path: Path, capsys) -> None:
    run = tmp_path / "reports" / "run1"
    write_results(run / "results.jsonl", demo_rows())
    (run / "summary.json").write_text(json.dumps({"meta": {"command": "fcharness run"}}), encoding="utf-8")
    cfg = tmp_path / "fcharness.toml"
    cfg.write_text('[prices."gpt-4o-mini"]\ninput = 0.15\noutput = 0.60\n', encoding="utf-8")
    assert main(["--config", str(cfg), "report", str(run)]) == 0
    out = capsys.readouterr().out
    assert "crafted-openai-chat" in out and "Failing cases" in out
    s = json.loads((run / "summary.json").read_text())
    assert s["meta"] == {"command": "fcharness run"}
    assert s["providers"]["crafted-openai-chat"]["cost"]["usd"] > 0
    other = tmp_path / "elsewhere"
    assert main(["report", str(run / "results.jsonl"), "--out", str(other)]) == 0
    assert (other / "report.html").exists() and (other / "junit.xml").exists()


def test_report_command_bad_input_is_exit_2(tmp_path: Path, capsys) -> None:
    assert main(["report", str(tmp_path / "missing.jsonl")]) == 2
    assert "missing.jsonl: results file not found" in capsys.readouterr().err
