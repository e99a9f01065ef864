"""A broken cassette is bad input: exit 2, the cassette's path (and line) and the case id named.

Before issue 10 these gave rows like `harness error: ScannerError ... "<unicode string>", line 35`
or hung the run (an alias bomb).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.cli import main
from tests.helpers.project import CASE, PROVIDER, make_project

ALIAS_BOMB = 'lol: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"l{i}: &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)


def _truncate(text: str) -> str:
    return text[: text.index("finish_reason") + 5]


def _code(text: str) -> str:
    return text.replace("code: 200", "code: abc")


def _not_json(text: str) -> str:
    head, _, tail = text.partition("  response:")
    return (
        head + "  response:" + tail.replace("parsed_body:", 'body:\n      string: "{not json"\n    x_was:', 1)
    )


def _deep(text: str) -> str:
    return text.replace(
        "    parsed_body:", "    parsed_body: " + "[" * 10000 + "]" * 10000 + "\n    x_was:", 1
    )


def _bomb(text: str) -> str:
    return text.replace("version: 1\n", "version: 1\n" + ALIAS_BOMB, 1)


@pytest.mark.parametrize(
    ("edit", "message", "line"),
    [
        (_truncate, "does not end with a newline: truncated?", None),
        (_code, "response.status.code must be an HTTP status", None),
        (_not_json, "response body is a string, not a JSON object", None),
        (_deep, "nesting depth", 35),
        (_bomb, "anchors and aliases", 2),
    ],
    ids=["truncated", "code-abc", "not-json", "deep-list", "alias-bomb"],
)
def test_a_broken_cassette_names_path_line_and_case(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    edit: Callable[[str], str],
    message: str,
    line: int | None,
) -> None:
    cassette = make_project(tmp_path)
    text = cassette.read_text(encoding="utf-8")
    if edit is _deep:
        line = text[: text.index("    parsed_body:")].count("\n") + 1
    cassette.write_text(edit(text), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    start = time.perf_counter()
    code = main(["run", "--reports", str(tmp_path / "r"), "--no-progress", "-k", CASE])
    assert time.perf_counter() - start < 30
    err = capsys.readouterr().err
    assert code == 2, err
    where = f"{cassette}:{line}:" if line else f"{cassette}:"
    assert where in err and message in err
    assert f"case {CASE!r}" in err and f"provider {PROVIDER!r}" in err
    assert "Traceback" not in err and "<unicode string>" not in err
