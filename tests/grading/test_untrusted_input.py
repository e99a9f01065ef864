"""Schemas and patterns from a pull request: no network, no file reads, no catastrophic regex.

Each test here failed before the hardening of issue 10: jsonschema fetched `http://` refs and
read `file://` ones, and Python's backtracking `re` ran `(a+)+$` for hours.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.cli import main
from harness.grading.matchers import compile_matcher
from harness.grading.regex import RegexError, compile_regex
from harness.grading.safe_schema import ref_problems
from tests.helpers.casefiles import write

_OPENED: list[str] = []
_WATCHED: set[str] = set()


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "open" and args and str(args[0]) in _WATCHED:
        _OPENED.append(str(args[0]))


sys.addaudithook(_audit)  # audit hooks cannot be removed; this one only watches canary paths


@pytest.fixture
def canary(tmp_path: Path) -> Iterator[Path]:
    """A secret file outside the case folder; any open() of it is recorded."""
    path = tmp_path / "secret" / "canary.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"type": "string", "description": "CANARY-7f3a"}), encoding="utf-8")
    _WATCHED.add(str(path))
    _OPENED.clear()
    yield path
    _WATCHED.discard(str(path))


@pytest.fixture
def listener() -> Iterator[tuple[int, list[int]]]:
    """A TCP listener on 127.0.0.1 counting the connections it accepts."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(0.2)
    hits: list[int] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            hits.append(1)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield srv.getsockname()[1], hits
    stop.set()
    thread.join(2)
    srv.close()


def _case_file(tmp_path: Path, port: int, canary: Path) -> Path:
    return write(
        tmp_path,
        "cases/refs.yaml",
        f"""\
        tools:
          - name: lookup
            description: look something up
            parameters:
              type: object
              properties:
                q: {{$ref: "http://127.0.0.1:{port}/schema.json"}}
                r: {{type: string}}
              required: [q]
        cases:
          - id: refs.remote
            messages: [{{role: user, content: hi}}]
            expect:
              - call: lookup
                arguments:
                  q: x
                  r: {{$schema: {{$ref: "file://{canary}"}}}}
        """,
    )


def _outputs(tmp_path: Path) -> Path:
    path = tmp_path / "out.jsonl"
    row = {
        "case_id": "refs.remote",
        "provider_id": "p",
        "calls": [{"name": "lookup", "arguments": {"q": 1, "r": 2}}],
    }
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    return path


def test_validate_refuses_refs_to_urls_and_files_without_fetching(
    tmp_path: Path, listener: tuple[int, list[int]], canary: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port, hits = listener
    path = _case_file(tmp_path, port, canary)
    assert main(["validate", str(path)]) == 2
    out = capsys.readouterr()
    text = out.out + out.err
    assert f"{path}:" in text and "refs.remote" in text
    assert "tools[0].parameters.properties.q.$ref" in text
    assert "cases[0].expect[0].arguments.r.$schema.$ref" in text
    assert "points outside this schema" in text
    time.sleep(0.3)
    assert hits == [] and _OPENED == [] and "CANARY" not in text


def test_grade_never_fetches_or_reads_a_ref(
    tmp_path: Path, listener: tuple[int, list[int]], canary: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port, hits = listener
    path = _case_file(tmp_path, port, canary)
    code = main(["grade", "--cases", str(path), "--outputs", str(_outputs(tmp_path)), "--format", "json"])
    out = capsys.readouterr()
    assert code == 2
    time.sleep(0.3)
    assert hits == [] and _OPENED == []
    assert "CANARY" not in out.out + out.err


def test_in_document_refs_still_work() -> None:
    schema = {"$defs": {"city": {"type": "string", "pattern": "^[A-Z]"}}, "$ref": "#/$defs/city"}
    assert ref_problems(schema) == []
    m = compile_matcher({"$schema": schema})
    assert m.ok("Paris") and not m.ok("paris")


def test_a_ref_key_inside_data_is_not_a_reference() -> None:
    assert ref_problems({"const": {"$ref": "http://example.com"}, "enum": [{"$ref": "x"}]}) == []


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        ("(a+)+$", "a" * 40 + "!"),
        ("(a|aa)+$", "a" * 60 + "!"),
        ("(x+x+)+y", "x" * 5000),
    ],
)
def test_catastrophic_regex_finishes_at_once(pattern: str, text: str) -> None:
    start = time.perf_counter()
    assert not compile_matcher({"$regex": pattern}).ok(text)
    m = compile_matcher({"$schema": {"type": "string", "pattern": pattern}})
    assert not m.ok(text)
    assert time.perf_counter() - start < 2  # Python's re: hours


def test_tool_pattern_against_model_output_cannot_hang(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        "cases/p.yaml",
        """\
        tools:
          - name: f
            description: f
            parameters:
              type: object
              properties: {s: {type: string, pattern: "^(a+)+$"}}
              required: [s]
        cases:
          - id: p.one
            messages: [{role: user, content: hi}]
            expect:
              - call: f
                arguments: {s: {$any: true}}
        """,
    )
    out = tmp_path / "out.jsonl"
    row = {
        "case_id": "p.one",
        "provider_id": "p",
        "calls": [{"name": "f", "arguments": {"s": "a" * 40 + "!"}}],
    }
    out.write_text(json.dumps(row) + "\n", encoding="utf-8")
    start = time.perf_counter()
    assert main(["grade", "--cases", str(path), "--outputs", str(out), "--format", "json"]) == 1
    assert time.perf_counter() - start < 10
    verdict = json.loads(capsys.readouterr().out)["verdicts"][0]
    assert [f["kind"] for f in verdict["failures"]] == ["schema_violation"]


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        (r"(a)\1", "backreferences"),
        (r"(?=a)a", "lookahead"),
        (r"(?<!a)b", "negative lookbehind"),
        (r"[\W]", "inside a character class"),
        (r"a++", "repetition"),
        ("x" * 3000, "characters long"),
    ],
)
def test_unsupported_syntax_is_refused_with_a_reason(pattern: str, why: str) -> None:
    with pytest.raises(RegexError, match=why):
        compile_regex(pattern)


def test_validate_names_an_unsupported_pattern(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(
        tmp_path,
        "cases/p.yaml",
        """\
        tools:
          - name: f
            description: f
            parameters:
              type: object
              properties: {s: {type: string, pattern: "(?=x)x"}}
        cases:
          - id: p.bad
            messages: [{role: user, content: hi}]
            expect:
              - call: f
                arguments: {s: {$regex: "(a)\\\\1"}}
        """,
    )
    assert main(["validate", str(path)]) == 2
    text = capsys.readouterr().out
    assert "tools[0].parameters.properties.s.pattern" in text and "lookahead" in text
    assert "cases[0].expect[0].arguments.s.$regex" in text and "backreferences" in text


@pytest.mark.parametrize(
    ("pattern", "yes", "no"),
    [
        (r"\w+", "北京", "a b"),
        (r"\d+", "١٢٣", "12a"),
        (r"a\s+b", "a\u3000b", "ab"),
        (r"[\w-]+", "São-Paulo", "a b"),
        (r"[^\d]+", "abc", "a1"),
        (r"x\Z", "x", "x\n"),
        (r"(?is).*friday.*", "On\nFRIDAY", "monday"),
    ],
)
def test_python_semantics_of_escapes_are_kept(pattern: str, yes: str, no: str) -> None:
    rx = compile_regex(pattern)
    assert rx.fullmatch(yes) and not rx.fullmatch(no)
