"""Bounded parsing of untrusted files: YAML aliases, depth, integer size, JSON depth.

Before issue 10 an alias bomb hung `validate`, a 5,000-digit integer was a ValueError
traceback and a deep outputs line a RecursionError.
"""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from harness import _io
from harness._io import MAX_DEPTH, MAX_INT_DIGITS, InputLimitError, check_yaml_text, loads_json, may_alias
from harness.cli import main
from tests.helpers.casefiles import GOOD_CASE, case_file

ALIAS_BOMB = 'lol: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"l{i}: &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)


def _validate(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    start = time.perf_counter()
    assert main(["validate", str(path)]) == 2
    assert time.perf_counter() - start < 20
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return out.out + out.err


def test_a_yaml_alias_bomb_is_refused_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = case_file(tmp_path, GOOD_CASE)
    path.write_text(ALIAS_BOMB + path.read_text(encoding="utf-8"), encoding="utf-8")
    text = _validate(path, capsys)
    assert f"{path}:1:" in text and "anchors and aliases" in text and "never need them" in text


def test_a_huge_integer_is_a_located_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = case_file(tmp_path, GOOD_CASE.replace('date: "2025-06-22"', "date: " + "7" * 5000))
    text = _validate(path, capsys)
    assert f"{path}:8:" in text and f"an integer of 5000 digits (at most {MAX_INT_DIGITS})" in text


def test_deep_nesting_is_a_located_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = case_file(tmp_path, GOOD_CASE.replace('date: "2025-06-22"', "date: " + "[" * 500 + "]" * 500))
    text = _validate(path, capsys)
    assert f"{path}:8:" in text and f"nested more than {MAX_DEPTH} levels deep" in text


def test_a_tagged_document_has_the_same_limits() -> None:
    from harness.cases.yaml_lines import YamlSyntaxError, load_yaml

    with pytest.raises(YamlSyntaxError, match="digits"):
        load_yaml("a: !!int " + "1" * 5000 + "\nb: !!str x\n")


def test_an_oversized_document_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import harness._io as io

    monkeypatch.setattr(io, "MAX_YAML_CHARS", 100)
    with pytest.raises(InputLimitError, match="at most 100"):
        check_yaml_text("a: " + "x" * 200)


def test_json_depth_is_bounded_without_recursion_error() -> None:
    with pytest.raises(InputLimitError, match="levels deep"):
        loads_json("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputLimitError, match="levels deep"):
        loads_json("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    assert loads_json("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None


def test_a_deep_outputs_line_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = case_file(tmp_path, GOOD_CASE)
    outputs = tmp_path / "out.jsonl"
    deep = "[" * 100_000 + "]" * 100_000
    outputs.write_text(
        '{"case_id": "w.good", "provider_id": "p", "calls": [{"name": "get_weather", "arguments": '
        + deep
        + "}]}\n",
        encoding="utf-8",
    )
    assert main(["grade", "--cases", str(cases), "--outputs", str(outputs)]) == 2
    err = capsys.readouterr().err
    assert f"{outputs}:1:" in err and "levels deep" in err and "Traceback" not in err


def test_deep_arguments_text_is_invalid_json_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = case_file(tmp_path, GOOD_CASE)
    outputs = tmp_path / "out.jsonl"
    row = {
        "case_id": "w.good",
        "provider_id": "p",
        "calls": [{"name": "get_weather", "arguments": "[" * 50_000}],
    }
    outputs.write_text(json.dumps(row) + "\n", encoding="utf-8")
    assert main(["grade", "--cases", str(cases), "--outputs", str(outputs), "--format", "json"]) == 1
    verdict = json.loads(capsys.readouterr().out)["verdicts"][0]
    assert [f["kind"] for f in verdict["failures"]] == ["invalid_arguments_json"]


def test_deep_baseline_and_results_are_user_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    baseline = tmp_path / "baseline.json"
    baseline.write_text(deep, encoding="utf-8")
    run = tmp_path / "run"
    run.mkdir()
    (run / "results.jsonl").write_text(deep + "\n", encoding="utf-8")
    assert main(["gate", "--baseline", str(baseline), "--results", str(run / "results.jsonl")]) == 2
    assert main(["report", str(run)]) == 2
    err = capsys.readouterr().err
    assert "levels deep" in err and "Traceback" not in err


_PIECES = [
    "&a",
    "*a",
    "&b",
    "*b",
    "a",
    "x",
    "1",
    " ",
    "  ",
    "\n",
    "\n  ",
    "- ",
    ": ",
    ":",
    "[",
    "]",
    "{",
    "}",
]
_PIECES += [",", '"', "'", "#", "!", "!!str ", "?", "|", ">", "&", "*", "**", "R&D", "\r\n", "\t", "-", "é"]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=24).map("".join))
def test_may_alias_sees_every_anchor_and_alias_libyaml_finds(text: str) -> None:
    """`may_alias` lets `check_yaml_text` skip the parser: it may say True wrongly, never False."""
    import yaml

    found = False
    with contextlib.suppress(yaml.YAMLError):
        for ev in yaml.parse(text, Loader=yaml.CSafeLoader):
            if isinstance(ev, yaml.AliasEvent) or getattr(ev, "anchor", None):
                found = True
                break
    if found:
        event("anchor or alias")
        assert ("&" not in text or "*" not in text) or may_alias(text)
        assert _io._ANCHOR_START.search(text), text


def test_may_alias_lets_ordinary_text_through() -> None:
    assert not may_alias("a: R&D costs x**2 and a & b * c\nb: 'it''s &'\n")
    assert may_alias("a: &x 1\nb: *x\n") and may_alias("[&x 1, *x]") and may_alias('{"a":&x 1, b: *x}')
