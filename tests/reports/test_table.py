"""The terminal table: a row per provider with accuracies and per-category pass rates, then failures."""

from __future__ import annotations

import dataclasses

from harness.reports.table import MAX_FAILURES, render_table
from harness.run.config import Price
from tests.helpers.rows import demo_rows, make_row


def test_provider_rows_and_category_columns() -> None:
    out = render_table(demo_rows(), {"gpt-4o-mini": Price(0.15, 0.6)})
    header = out.splitlines()[0]
    for col in (
        "provider",
        "model",
        "pass",
        "tool sel.",
        "args",
        "irrelevance",
        "multi_turn",
        "parallel",
        "simple",
    ):
        assert col in header
    row = next(line for line in out.splitlines() if line.startswith("| crafted-openai-chat"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    # pass 4/6, tool selection 5/6, arguments 4/6, then categories in sorted order
    assert cells[2:5] == ["66.7% (4/6)", "83.3%", "66.7%"]
    assert cells[5] == "0.0%"  # irrelevance
    assert "emulator-gemini (emulator)" in out
    assert "not a real vendor" in out
    assert "pass^3 40.0%" in out and "flaky 2" in out
    assert "cost $0.0002" in out


def test_failing_cases_are_explained() -> None:
    out = render_table(demo_rows())
    assert "Failing cases (11):" in out
    assert "weather.beijing.tomorrow [crafted-openai-chat]: fail" in out
    assert "wrong_value (turn 0, call 0): root['date']" in out
    assert "weather.shanghai.fahrenheit@2 [emulator-gemini]: fail" in out
    assert "rate limited" in out


def test_long_failure_lists_are_cut() -> None:
    base = make_row("weather.beijing.tomorrow", "crafted-openai-chat", "wrong_value")
    rows = [dataclasses.replace(base, case_id=f"c{i:03d}") for i in range(MAX_FAILURES + 5)]
    out = render_table(rows)
    assert "... and 5 more (see report.md / report.html)" in out


def test_no_rows() -> None:
    assert render_table([]) == "no results"


def test_trial_numbers_only_where_a_case_has_several() -> None:
    out = render_table(demo_rows())
    assert "weather.beijing.tomorrow [crafted-openai-chat]" in out  # trial 1 of 1: no @1
    assert "@1 [crafted" not in out
    assert "multiple.stock@3 [emulator-gemini]" in out


def test_local_models_are_labelled_apart_from_the_emulator_and_vendors() -> None:
    rows = [
        make_row("weather.beijing.tomorrow", pid, "pass") for pid in ("llamacpp-qwen", "crafted-openai-chat")
    ]
    out = render_table(rows)
    assert "llamacpp-qwen (local model)" in out
    assert "crafted-openai-chat (local model)" not in out and "(emulator)" not in out
    assert "real open-weight model on a local server" in out
    # without a local model, no legend for one
    assert "(local model)" not in render_table(rows[1:])
