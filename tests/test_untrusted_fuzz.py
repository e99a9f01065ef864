"""Fuzzing the readers of untrusted files (issue 10): case files, cassettes, outputs, config.

Inputs are valid files mutated by hypothesis (characters replaced, inserted and cut, plus the
constructs an attacker would try: aliases, tags, deep nesting, huge numbers, invalid UTF-8).
Each reader must either succeed or raise the project's user-facing error type, and finish
within a (generous) time bound per input. The suite is bounded: a fixed number of examples.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.cases.loader import load_cases, validate_paths
from harness.cassettes.store import load_interactions
from harness.commands.grade import parse_outputs
from harness.errors import CassetteError, FcHarnessError, UserError
from harness.run.config import load_config
from tests.helpers.casefiles import GOOD_CASE, WEATHER_TOOL
from tests.helpers.project import CASE, PROVIDER, REPO, TOML

#: Seconds one input may take (a loaded 2-core machine is slow; a hang is hours).
TIME_BOUND = 10.0

NASTY = [
    "&a ",
    "*a",
    "<<: *a\n",
    "!!python/object/apply:os.system ['true']",
    "!!binary aGk=",
    "!!timestamp 2025-01-01",
    "[" * 2000,
    "{" * 300 + "}" * 300,
    "9" * 5000,
    "0x" + "f" * 5000,
    "\t",
    "\x00",
    "\ufeff",
    "? ",
    "- - - - - - -",
    "$ref: file:///etc/passwd",
    "$regex: '(a+)+$'",
    "pattern: '(?=x)'",
    "\n---\n",
    '"\\',
    "'",
    ": ",
    "\n  ",
]

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@st.composite
def mutated(draw: st.DrawFn, text: str) -> bytes:
    """`text` with a few edits: replaced, inserted or cut spans; nasty snippets; odd bytes."""
    data = text
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["insert", "delete", "replace", "truncate"]))
        snippet = draw(st.sampled_from(NASTY) | st.text(max_size=12))
        if op == "insert":
            data = data[:pos] + snippet + data[pos:]
        elif op == "delete":
            data = data[:pos] + data[pos + draw(st.integers(1, 40)) :]
        elif op == "replace":
            data = data[:pos] + snippet + data[pos + len(snippet) :]
        else:
            data = data[:pos]
    raw = data.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 9)) == 0:
        raw += b"\xff\xfe"
    return raw


def _bounded(call: Callable[[], Any], allowed: tuple[type[BaseException], ...]) -> None:
    start = time.perf_counter()
    with contextlib.suppress(*allowed):
        call()
    elapsed = time.perf_counter() - start
    assert elapsed < TIME_BOUND, f"took {elapsed:.1f}s"


CASE_TEXT = WEATHER_TOOL + "cases:\n" + "".join("  " + line + "\n" for line in GOOD_CASE.splitlines())
CASSETTE_TEXT = (REPO / "cassettes" / PROVIDER / f"{CASE}.yaml").read_text(encoding="utf-8")
OUTPUTS_TEXT = (
    '{"case_id": "w.good", "provider_id": "p", "calls": [{"name": "get_weather", '
    '"arguments": {"location": "Paris", "date": "2025-06-22"}}], "text": null}\n'
    '{"case_id": "w.good", "provider_id": "q", "calls": [{"name": "get_weather", '
    '"arguments": "{\\"location\\": \\"Paris\\"}"}]}\n'
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch folder shared by the examples of a test."""
    return tmp_path_factory.mktemp("fuzz")


@SETTINGS
@given(raw=mutated(CASE_TEXT))
def test_case_loader(folder: Path, raw: bytes) -> None:
    path = folder / "cases" / "fuzz.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(raw)
    _bounded(lambda: validate_paths([path]), ())  # collects problems, raises nothing
    _bounded(lambda: load_cases([path]), (UserError,))


@SETTINGS
@given(raw=mutated(CASSETTE_TEXT))
def test_cassette_loader(folder: Path, raw: bytes) -> None:
    path = folder / "cassette.yaml"
    path.write_bytes(raw)
    _bounded(lambda: load_interactions(path), (CassetteError, FileNotFoundError))


@SETTINGS
@given(raw=mutated(OUTPUTS_TEXT))
def test_outputs_parser(folder: Path, raw: bytes) -> None:
    cases_path = folder / "ocases" / "a.yaml"
    cases_path.parent.mkdir(exist_ok=True)
    cases_path.write_text(CASE_TEXT, encoding="utf-8")
    cases = {c.id: c for c in load_cases([cases_path])}
    path = folder / "out.jsonl"
    path.write_bytes(raw)
    _bounded(lambda: parse_outputs(path, cases), (UserError,))


@SETTINGS
@given(raw=mutated(TOML))
def test_config_loader(folder: Path, raw: bytes) -> None:
    path = folder / "fcharness.toml"
    path.write_bytes(raw)
    _bounded(lambda: load_config(path), (UserError,))


def test_the_error_types_are_user_facing() -> None:
    assert issubclass(UserError, FcHarnessError) and issubclass(CassetteError, FcHarnessError)
