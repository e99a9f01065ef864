"""`fcharness validate`: one test per check, each naming file, line, case id and field."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from harness.cases.loader import validate_paths
from harness.cases.schema import case_schema
from harness.cases.yaml_lines import load_yaml
from harness.cli import main
from tests.helpers.casefiles import GOOD_CASE, WEATHER_TOOL, case_file, the_problem, write

REPO = Path(__file__).resolve().parents[2]


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "cases/bad.yaml", "cases:\n  - id: x\n    messages: [\n  - y\n")
    p = the_problem(validate_paths([tmp_path / "cases"]).problems)
    assert p.file == str(path)
    assert p.line == 4
    assert "YAML syntax error" in p.message


def test_unknown_key_typo_suggests_the_right_one(tmp_path: Path) -> None:
    path = case_file(
        tmp_path,
        """\
        - id: w.typo
          messages: [{role: user, content: hi}]
          expect: []
          expcet: []
        """,
    )
    p = the_problem(validate_paths([path]).problems)
    assert (p.file, p.line, p.case_id, p.field) == (str(path), 6, "w.typo", "cases[0].expcet")
    assert "unknown key 'expcet'" in p.message and "did you mean 'expect'" in p.message


def test_duplicate_case_ids_across_files_name_both_places(tmp_path: Path) -> None:
    first = case_file(tmp_path, GOOD_CASE, "cases/a.yaml")
    second = write(
        tmp_path, "cases/b.yaml", "use: [get_weather]\ncases:\n" + textwrap.indent(GOOD_CASE, "  ")
    )
    p = the_problem(validate_paths([tmp_path / "cases"]).problems)
    assert (p.file, p.line, p.case_id, p.field) == (str(second), 3, "w.good", "cases[0].id")
    assert f"{first}:3" in p.message


def test_id_outside_the_pattern(tmp_path: Path) -> None:
    path = case_file(tmp_path, GOOD_CASE.replace("w.good", "Weather Good"))
    p = the_problem(validate_paths([path]).problems)
    assert (p.line, p.case_id, p.field) == (3, "Weather Good", "cases[0].id")
    assert "[a-z0-9][a-z0-9._-]*" in p.message


def test_expect_names_a_function_the_case_does_not_offer(tmp_path: Path) -> None:
    path = case_file(tmp_path, GOOD_CASE.replace("call: get_weather", "call: get_wether"))
    p = the_problem(validate_paths([path]).problems)
    assert (p.file, p.line, p.case_id, p.field) == (str(path), 7, "w.good", "cases[0].expect[0].call")
    assert "'get_wether'" in p.message and "did you mean 'get_weather'" in p.message


def test_unknown_matcher_lists_known_ones_and_suggests(tmp_path: Path) -> None:
    path = case_file(tmp_path, GOOD_CASE.replace("location: Paris", "location: {$oneof: [Paris, 巴黎]}"))
    p = the_problem(validate_paths([path]).problems)
    assert (p.line, p.case_id, p.field) == (8, "w.good", "cases[0].expect[0].arguments.location.$oneof")
    assert "unknown matcher '$oneof'" in p.message
    assert "did you mean '$one_of'" in p.message and "$regex" in p.message


@pytest.mark.parametrize(
    ("arguments", "field", "fragment"),
    [
        # wrong type
        ("{location: 5, date: '2025-06-22'}", "location", "5 is not of type 'string'"),
        # outside an enum
        ("{location: P, date: '2025-06-22', unit: kelvin}", "unit", "'kelvin' is not one of"),
        # the only $one_of option is of the wrong type: no schema-valid call can pass
        ("{location: {$one_of: [7]}, date: '2025-06-22'}", "location", "7 is not of type 'string'"),
        # a format violation (format: date)
        ("{location: P, date: '2025-13-40'}", "date", "is not a 'date'"),
    ],
)
def test_literal_expectation_violating_the_tool_schema(
    tmp_path: Path, arguments: str, field: str, fragment: str
) -> None:
    path = case_file(
        tmp_path,
        f"""\
        - id: w.schema
          messages: [{{role: user, content: hi}}]
          expect:
            - call: get_weather
              arguments: {arguments}
        """,
    )
    p = the_problem(validate_paths([path]).problems)
    assert (p.file, p.line, p.case_id, p.field) == (
        str(path),
        7,
        "w.schema",
        f"cases[0].expect[0].arguments.{field}",
    )
    assert fragment in p.message


def test_expectation_for_a_parameter_the_tool_does_not_have(tmp_path: Path) -> None:
    path = case_file(tmp_path, GOOD_CASE.replace('date: "2025-06-22"', 'date: "2025-06-22", city: Paris'))
    p = the_problem(validate_paths([path]).problems)
    assert (p.line, p.case_id, p.field) == (8, "w.good", "cases[0].expect[0].arguments.city")
    assert "no parameter 'city'" in p.message and "location, date, unit" in p.message


def test_required_parameter_without_expectation_is_a_warning(tmp_path: Path) -> None:
    path = case_file(tmp_path, GOOD_CASE.replace(', date: "2025-06-22"', ""))
    report = validate_paths([path])
    assert report.ok
    p = the_problem(report.problems, "warning")
    assert (p.file, p.line, p.case_id, p.field) == (str(path), 8, "w.good", "cases[0].expect[0].arguments")
    assert "required parameter 'date'" in p.message


def test_tool_schema_that_is_not_valid_json_schema(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "cases/t.yaml",
        """\
        tools:
          - name: f
            parameters:
              type: object
              properties:
                x: {type: strin}
        cases:
          - id: t.one
            messages: [{role: user, content: hi}]
            expect: []
        """,
    )
    p = the_problem(validate_paths([path]).problems)
    assert (p.file, p.line, p.field) == (str(path), 6, "tools[0].parameters.properties.x.type")
    assert "invalid JSON Schema" in p.message


def test_use_naming_an_unknown_shared_tool(tmp_path: Path) -> None:
    write(tmp_path, "cases/_tools/weather.yaml", WEATHER_TOOL)
    path = write(tmp_path, "cases/u.yaml", "use: [get_weathr]\ncases: []\n")
    p = the_problem(validate_paths([path]).problems)
    assert (p.file, p.line, p.field) == (str(path), 1, "use[0]")
    assert "unknown shared tool 'get_weathr'" in p.message and "did you mean 'get_weather'" in p.message


def test_turn_results_count_must_match_expect(tmp_path: Path) -> None:
    path = case_file(
        tmp_path,
        """\
        - id: w.turns
          messages: [{role: user, content: hi}]
          turns:
            - expect:
                - call: get_weather
                  arguments: {location: P, date: "2025-06-22"}
              results: [sunny, rainy]
            - expect: []
        """,
    )
    p = the_problem(validate_paths([path]).problems)
    assert (p.line, p.case_id, p.field) == (9, "w.turns", "cases[0].turns[0].results")
    assert "2 result(s) for 1 expected call(s)" in p.message


def test_every_problem_is_reported_in_one_run(tmp_path: Path) -> None:
    path = case_file(
        tmp_path,
        """\
        - id: Bad.Id
          expcet: []
          messages: [{role: user, content: hi}]
          expect:
            - call: get_weather
              arguments: {location: {$oneof: [a]}, date: 7, zip: "1"}
        """,
    )
    fields = {p.field for p in validate_paths([path]).errors}
    assert fields == {
        "cases[0].id",
        "cases[0].expcet",
        "cases[0].expect[0].arguments.location.$oneof",
        "cases[0].expect[0].arguments.date",
        "cases[0].expect[0].arguments.zip",
    }


def test_shipped_suite_is_clean() -> None:
    report = validate_paths([REPO / "cases"])
    assert report.problems == (), "\n".join(map(str, report.problems))
    assert len(report.cases) >= 18
    assert sum("zh" in c.tags for c in report.cases) >= 6


def test_cli_exit_0_with_summary_on_the_shipped_suite(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(REPO / "cases")]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1].startswith("ok: 6 file(s), 25 case(s), 12 tool(s)")


def test_cli_exit_2_lists_every_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = case_file(tmp_path, GOOD_CASE.replace("w.good", "W").replace("call: get_weather", "call: nope"))
    assert main(["validate", str(path)]) == 2
    out = capsys.readouterr().out
    assert f"{path}:3: error: case 'W': field cases[0].id:" in out
    assert f"{path}:7: error: case 'W': field cases[0].expect[0].call:" in out
    assert out.strip().splitlines()[-1].startswith("FAILED:")


def test_cli_warnings_keep_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = case_file(tmp_path, GOOD_CASE.replace(', date: "2025-06-22"', ""))
    assert main(["validate", str(path)]) == 0
    assert "warning" in capsys.readouterr().out


def test_cli_json_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = case_file(tmp_path, GOOD_CASE.replace("call: get_weather", "call: nope"))
    assert main(["validate", "--format", "json", str(path)]) == 2
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False
    assert data["summary"]["errors"] == 1
    assert data["problems"][0] | {"message": ""} == {
        "severity": "error",
        "file": str(path),
        "line": 7,
        "case_id": "w.good",
        "field": "cases[0].expect[0].call",
        "message": "",
    }


def test_cli_default_paths_come_from_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    case_file(tmp_path, GOOD_CASE, "suite/a.yaml")
    write(tmp_path, "suite/_tools/weather.yaml", WEATHER_TOOL)
    write(tmp_path, "fcharness.toml", '[harness]\ncases = ["suite"]\n')
    monkeypatch.chdir(tmp_path)
    assert main(["validate"]) == 0
    assert "1 file(s), 1 case(s)" in capsys.readouterr().out


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    p = the_problem(validate_paths([tmp_path / "nowhere"]).problems)
    assert "no such file or folder" in p.message


def test_case_json_schema_is_valid_and_rejects_a_typo() -> None:
    schema = case_schema()
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    data, _, _ = load_yaml((REPO / "cases/travel/weather.yaml").read_text(encoding="utf-8"))
    assert list(validator.iter_errors(data)) == []
    data["cases"][0]["expcet"] = data["cases"][0].pop("expect")
    messages = [e.message for e in validator.iter_errors(data)]
    assert any("'expcet' was unexpected" in m for m in messages)


def test_case_json_schema_flags_unknown_matchers_for_editors() -> None:
    validator = Draft202012Validator(case_schema())
    doc = {
        "cases": [
            {
                "id": "x",
                "messages": [{"role": "user", "content": "hi"}],
                "expect": [{"call": "f", "arguments": {"a": {"$oneof": [1]}}}],
            }
        ]
    }
    assert not validator.is_valid(doc)
    doc["cases"][0]["expect"][0]["arguments"]["a"] = {"$one_of": [1]}
    assert validator.is_valid(doc)


@pytest.mark.parametrize(
    "spec",
    [
        # one bad $one_of option beside a good one
        "{$one_of: [Paris, 7]}",
        # a bad value that may also be absent
        "{$optional: 7}",
        # a bad literal beside a non-literal alternative
        "{$one_of: [7, {$regex: 'P.*'}]}",
    ],
)
def test_dead_alternatives_are_warnings(tmp_path: Path, spec: str) -> None:
    path = case_file(tmp_path, GOOD_CASE.replace("location: Paris", f"location: {spec}"))
    report = validate_paths([path])
    assert report.ok
    p = the_problem(report.problems, "warning")
    assert (p.line, p.field) == (8, "cases[0].expect[0].arguments.location")
    assert "7 is not of type 'string'" in p.message and "can never match" in p.message


def test_optional_expectation_for_an_undeclared_parameter_is_a_warning(tmp_path: Path) -> None:
    path = case_file(
        tmp_path, GOOD_CASE.replace('date: "2025-06-22"', 'date: "2025-06-22", zip: {$optional: "1"}')
    )
    p = the_problem(validate_paths([path]).problems, "warning")
    assert p.field == "cases[0].expect[0].arguments.zip" and "no parameter 'zip'" in p.message


def test_skip_and_only_ids_are_checked_against_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = case_file(
        tmp_path, GOOD_CASE + "  skip: {emulator-openai-functoins: legacy API}\n  only: [nobody]\n"
    )
    write(
        tmp_path,
        "fcharness.toml",
        """\
        [providers.emulator-openai-functions]
        kind = "openai-functions"
        model = "m"
        """,
    )
    monkeypatch.chdir(tmp_path)
    assert main(["validate", str(path)]) == 0  # warnings only
    out = capsys.readouterr().out
    assert f"{path}:3: warning: case 'w.good': field skip.emulator-openai-functoins:" in out
    assert "did you mean 'emulator-openai-functions'" in out
    assert f"{path}:3: warning: case 'w.good': field only: only: provider id 'nobody'" in out
