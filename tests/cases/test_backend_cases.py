"""Case files with executable backends: the allowlist is enforced when cases are loaded, and
user turns (messages, added tools, expect_state) are checked with located messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.cases.loader import load_cases
from harness.errors import CaseFileError
from tests.helpers.casefiles import write

HEAD = """\
tools:
  - name: get_weather
    description: weather
    parameters:
      type: object
      properties:
        location: {type: string}
        date: {type: string}
      required: [location, date]
cases:
  - id: c1
    messages: [{role: user, content: hi}]
"""


DESK = '    backends: [{python: "harness.run.example_backends:TravelDesk"}]\n'


def problems(tmp_path: Path, body: str) -> list[str]:
    path = write(tmp_path, "c.yaml", HEAD + body)
    with pytest.raises(CaseFileError) as info:
        load_cases([path])
    return [f"{p.field}: {p.message}" for p in info.value.problems]


def test_a_case_cannot_name_an_arbitrary_module(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        """\
    backends: [{python: "os:system"}]
    turns: [{expect_state: {system: {}}}]
""",
    )
    assert any(f.startswith("cases[0].backends[0].python:") and "not allowed" in f for f in found), found


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (
            '    backends: [{python: "harness.run.example_backends:_Private"}]\n    turns: [{}]\n',
            "backends[0].python",
            "public class",
        ),
        (
            '    backends: [{python: "harness.run.example_backends:TravelDesk", x: 1}]\n    turns: [{}]\n',
            "backends[0].x",
            "unknown key",
        ),
        (
            DESK + "    expect: []\n",
            "backends",
            "needs turns",
        ),
        (
            DESK + "    turns: [{results: [1]}]\n",
            "turns[0].results",
            "not scripted",
        ),
        (
            DESK + "    turns: [{}, {}]\n",
            "turns[1].messages",
            "no user message",
        ),
        (
            "    turns: [{expect: [], expect_state: {a: {}}}]\n",
            "turns[0].expect_state",
            "needs executable backends",
        ),
        (
            DESK + "    turns: [{expect_state: {TravelDesk: {bookings: {$oneof: [1]}}}}]\n",
            "turns[0].expect_state",
            "oneof",
        ),
    ],
)
def test_backend_case_problems_name_the_field(tmp_path: Path, body: str, field: str, words: str) -> None:
    found = problems(tmp_path, body)
    assert any(f.startswith(f"cases[0].{field}") and words in f for f in found), found


def test_a_backend_case_loads(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "c.yaml",
        HEAD
        + """\
    backends:
      - {python: "harness.run.example_backends:TravelDesk", name: desk, init: {balance: 10}}
    turns:
      - expect: [{call: get_weather, arguments: {location: X, date: "2025-01-01"}}]
      - messages: [{role: user, content: "and now?"}]
        tools:
          - {name: later, description: added later, parameters: {type: object, properties: {}}}
        expect_state: {desk: {balance: 10}}
""",
    )
    (case,) = load_cases([path])
    assert case.executable and case.category == "multi_turn"
    assert case.backends[0].name == "desk" and case.backends[0].init == {"balance": 10}
    assert case.turns[0].check_calls and not case.turns[1].check_calls
    assert [t.name for t in case.tools_at(0)] == ["get_weather"]
    assert [t.name for t in case.tools_at(1)] == ["get_weather", "later"]
    assert case.turns[1].expect_state == {"desk": {"balance": 10}}
