"""Helpers that write small case files for loader and validation tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

from harness.errors import Problem

WEATHER_TOOL = """\
tools:
  - name: get_weather
    description: weather
    parameters:
      type: object
      properties:
        location: {type: string}
        date: {type: string, format: date}
        unit: {type: string, enum: [celsius, fahrenheit]}
      required: [location, date]
"""


def write(root: Path, rel: str, text: str) -> Path:
    """Write a dedented file under `root` and return its path."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def case_file(tmp_path: Path, body: str, name: str = "cases/a.yaml") -> Path:
    """A case file using the shared get_weather tool."""
    write(tmp_path, "cases/_tools/weather.yaml", WEATHER_TOOL)
    return write(
        tmp_path, name, "use: [get_weather]\ncases:\n" + textwrap.indent(textwrap.dedent(body), "  ")
    )


GOOD_CASE = """\
- id: w.good
  messages:
    - {role: user, content: "weather in Paris tomorrow"}
  expect:
    - call: get_weather
      arguments: {location: Paris, date: "2025-06-22"}
"""


def the_problem(problems: tuple[Problem, ...], severity: str = "error") -> Problem:
    """The single problem of `severity` (fails when there are more or fewer)."""
    found = [p for p in problems if p.severity == severity]
    assert len(found) == 1, "\n".join(map(str, problems))
    return found[0]
