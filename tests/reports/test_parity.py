"""Call-level parity: `call_differences`, the `parity` section, and `fcharness compare --pair`."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from harness.cli import main
from harness.model import ModelTurn, ToolCall
from harness.reports import build_summary, write_reports
from harness.reports.parity import call_differences, stream_pairs, stream_parity
from harness.run.results import write_results
from tests.helpers.rows import make_row


def _turn(*calls: ToolCall, text: str | None = None) -> ModelTurn:
    return ModelTurn(calls=calls, text=text)


def _call(name: str, args: dict | None, raw: str | None = None) -> ToolCall:
    return ToolCall(name, args, raw)


def test_identical_answers_have_no_difference() -> None:
    a = [_turn(_call("w", {"city": "北京", "n": 1}), _call("w", {"city": "上海", "n": 2}))]
    b = [
        _turn(_call("w", {"city": "上海", "n": 2.0}), _call("w", {"city": "北京", "n": 1}))
    ]  # order-free, 2 == 2.0
    assert call_differences(a, b) == []


def test_each_kind_of_difference_is_listed() -> None:
    a = [
        _turn(_call("get_weather", {"city": "北京", "date": "2025-06-22", "unit": "c", "flag": True})),
        _turn(_call("book", {"seats": [1, 2]})),
        _turn(text="done"),
    ]
    b = [
        _turn(_call("get_weather", {"city": "北京", "date": "2025-06-23", "flag": 1}), _call("extra", {})),
        _turn(_call("book", None, '{"seats": [1,')),
    ]
    assert call_differences(a, b) == [
        'turn 0, get_weather: root[\'date\']: "2025-06-22" (A) ≠ "2025-06-23" (B)',
        "turn 0, get_weather: root['flag']: true (A) ≠ 1 (B)",  # JSON types are JSON's
        "turn 0, get_weather: root['unit'] only in A (\"c\")",
        "turn 0: call extra({}) only in B",
        'turn 1, book: arguments are not a JSON object in B ("{\\"seats\\": [1,")',
        "turn 2: reached in A only",
    ]
    assert call_differences([_turn(text="hi")], [_turn(_call("w", {}))]) == [
        "turn 0: calls w in B; no call in A"
    ]
    assert call_differences([_turn(text="hi")], [_turn(text=None)]) == ["turn 0: text answer in A only"]


def _rows():
    plain = [make_row("weather.beijing.tomorrow", "emulator-x"), make_row("multiple.stock", "emulator-x")]
    plain.append(make_row("irrelevance.joke", "emulator-x"))
    streamed = [replace(r, provider_id="emulator-x-stream") for r in plain]
    # the streamed twin sends another date on one case (and fails it)
    bad = make_row("weather.beijing.tomorrow", "emulator-x", "wrong_value")
    streamed[0] = replace(bad, provider_id="emulator-x-stream")
    other = [replace(r, provider_id="emulator-y") for r in plain]  # no twin: no parity entry
    return plain + streamed + other


def test_the_parity_section_compares_each_provider_with_its_stream_twin(tmp_path: Path) -> None:
    rows = _rows()
    assert stream_pairs(["a", "a-stream", "b", "c-stream"]) == [("a", "a-stream")]
    (entry,) = stream_parity(rows)
    assert (entry["provider"], entry["stream"]) == ("emulator-x", "emulator-x-stream")
    assert (entry["cases"], entry["compared"], entry["identical"], entry["differing"]) == (3, 3, 2, 1)
    (diff,) = entry["differences"]
    assert diff["case_id"] == "weather.beijing.tomorrow" and diff["status"] == ["pass", "fail"]
    assert diff["differences"] == ['turn 0, get_weather: root[\'date\']: "2026-11-28" (A) ≠ "2026-11-27" (B)']
    # in summary.json, report.md and report.html
    assert build_summary(rows)["parity"] == [entry]
    write_reports(tmp_path, rows)
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["parity"][0]["differing"] == 1
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "## Streaming parity" in md and "`emulator-x` vs `emulator-x-stream`" in md
    assert "root['date']" in md
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert 'id="parity-panel"' in html and '"parity":' in html
    # no twin in the run: no section
    lone = [r for r in rows if r.provider_id == "emulator-y"]
    assert build_summary(lone)["parity"] == []
    write_reports(tmp_path, lone)
    assert "Streaming parity" not in (tmp_path / "report.md").read_text(encoding="utf-8")


def test_compare_pair_lists_call_level_differences(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _rows()
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    write_results(a, [r for r in rows if r.provider_id == "emulator-x"])
    write_results(b, [r for r in rows if r.provider_id == "emulator-x-stream"])
    # a case whose status is the same on both sides but whose arguments differ still shows
    changed = [r for r in rows if r.provider_id == "emulator-x-stream"]
    changed[1] = replace(
        changed[1], turns=(ModelTurn(calls=(ToolCall("get_stock_price", {"ticker": "nvda"}),)),)
    )
    write_results(b, changed)
    assert main(["compare", str(a), str(b), "--pair", "emulator-x=emulator-x-stream"]) == 0
    out = capsys.readouterr().out
    assert "broken 1" in out and "calls differ 1" in out
    assert "Call-level differences" in out
    assert "weather.beijing.tomorrow [emulator-x → emulator-x-stream]" in out
    assert 'turn 0, get_weather: root[\'date\']: "2026-11-28" (A) ≠ "2026-11-27" (B)' in out
    assert 'turn 0, get_stock_price: root[\'ticker\']: "NVDA" (A) ≠ "nvda" (B)' in out
    assert "irrelevance.joke" not in out  # same calls, same status
    assert main(["compare", str(a), str(b), "--pair", "emulator-x=emulator-x-stream", "--format", "md"]) == 0
    md = capsys.readouterr().out
    assert "### Call-level differences" in md and "`turn 0, get_stock_price" in md
