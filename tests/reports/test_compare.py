"""`fcharness compare`: per-case side-by-side of two runs, pairing providers, table and Markdown."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.cli import main
from harness.errors import UserError
from harness.reports.compare import compare_runs
from harness.run.results import write_results
from tests.helpers.rows import make_row

A = "crafted-openai-chat"


def _run(outcomes: dict[str, str], provider: str = A) -> list:
    return [make_row(c, provider, o) for c, o in outcomes.items()]


BEFORE = {
    "weather.beijing.tomorrow": "pass",
    "irrelevance.joke": "unexpected_call",
    "multiple.stock": "pass",
    "parallel.two_cities": "missing_call",
}
AFTER = {
    "weather.beijing.tomorrow": "wrong_value",
    "irrelevance.joke": "pass",
    "parallel.two_cities": "error",
    "weather.shanghai.fahrenheit": "pass",
}


def test_changes_per_case() -> None:
    res = compare_runs(_run(BEFORE), _run(AFTER))
    by_case = {e["case_id"]: e for e in res["entries"]}
    assert by_case["weather.beijing.tomorrow"]["change"] == "broken"
    assert by_case["weather.beijing.tomorrow"]["status_b"] == "fail: wrong_value"
    assert by_case["irrelevance.joke"]["change"] == "fixed"
    assert by_case["parallel.two_cities"]["change"] == "changed"
    assert by_case["multiple.stock"]["change"] == "removed"
    assert by_case["weather.shanghai.fahrenheit"]["change"] == "added"
    assert [e["change"] for e in res["entries"]][:2] == ["broken", "fixed"]
    assert res["counts"]["same"] == 0
    assert res["providers"] == [{"a": A, "b": A, "pass_rate_a": 0.5, "pass_rate_b": 0.5}]


def test_same_case_same_outcome_is_same() -> None:
    res = compare_runs(_run(BEFORE), _run(BEFORE))
    assert res["counts"]["same"] == 4 and sum(res["counts"].values()) == 4


def test_vendor_switch_pairs_the_single_providers() -> None:
    res = compare_runs(_run(BEFORE), _run(BEFORE, provider="crafted-anthropic"))
    assert {(e["provider_a"], e["provider_b"]) for e in res["entries"]} == {(A, "crafted-anthropic")}


def test_no_common_provider_needs_explicit_pairs() -> None:
    a = _run(BEFORE) + _run(BEFORE, provider="crafted-x")
    b = _run(BEFORE, provider="crafted-y") + _run(BEFORE, provider="crafted-z")
    with pytest.raises(UserError, match="--pair"):
        compare_runs(a, b)
    res = compare_runs(a, b, pairs=["crafted-x=crafted-z"])
    assert {e["provider_b"] for e in res["entries"]} == {"crafted-z"}
    with pytest.raises(UserError, match="run B has no provider 'nope'"):
        compare_runs(a, b, pairs=["crafted-x=nope"])


def test_cli_table_and_markdown(tmp_path: Path, capsys) -> None:
    (tmp_path / "a").mkdir()
    write_results(tmp_path / "a" / "results.jsonl", _run(BEFORE))
    write_results(tmp_path / "b.jsonl", _run(AFTER))
    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "b.jsonl")]) == 0
    out = capsys.readouterr().out
    assert "Changes: broken 1, fixed 1, changed 1, removed 1, added 1" in out
    assert "| weather.beijing.tomorrow" in out and "broken" in out
    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "b.jsonl"), "--format", "md"]) == 0
    md = capsys.readouterr().out
    assert md.startswith("## Compare:")
    assert "| `weather.beijing.tomorrow` " in md and "**broken**" in md


def test_cli_hides_unchanged_unless_all(tmp_path: Path, capsys) -> None:
    write_results(tmp_path / "a.jsonl", _run(BEFORE))
    assert main(["compare", str(tmp_path / "a.jsonl"), str(tmp_path / "a.jsonl")]) == 0
    assert "4 unchanged case(s) not shown" in capsys.readouterr().out
    assert main(["compare", str(tmp_path / "a.jsonl"), str(tmp_path / "a.jsonl"), "--all"]) == 0
    assert "multiple.stock" in capsys.readouterr().out


def test_cli_missing_run_is_exit_2(tmp_path: Path, capsys) -> None:
    assert main(["compare", str(tmp_path), str(tmp_path)]) == 2
    assert "run folder has no results.jsonl" in capsys.readouterr().err
