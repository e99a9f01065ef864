"""`fcharness grade`: exit codes, JSON shape, table, bad lines named with line numbers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.cli import main
from harness.commands.grade import parse_outputs
from harness.errors import UserError

CASES_YAML = """\
tools:
  - name: get_weather
    description: 获取指定城市的天气信息
    parameters:
      type: object
      properties:
        location: {type: string}
        date: {type: string, format: date}
      required: [location, date]
  - name: book_train
    description: 预订火车票
    parameters:
      type: object
      properties:
        from: {type: string}
        to: {type: string}
      required: [from, to]
cases:
  - id: weather.beijing.tomorrow
    category: simple
    messages:
      - {role: user, content: "查询北京明天的天气"}
    expect:
      - call: get_weather
        arguments:
          location: {$one_of: ["北京", "Beijing"]}
          date: "2025-06-22"
  - id: chat.hello
    category: irrelevance
    messages:
      - {role: user, content: "你好"}
    expect: []
  - id: weather.then.train
    category: multi_turn
    messages:
      - {role: user, content: "如果北京明天下雨，就帮我订去上海的火车票"}
    turns:
      - expect:
          - call: get_weather
            arguments: {location: "北京", date: "2025-06-22"}
        results: [{weather: rain}]
      - expect:
          - call: book_train
            arguments: {from: "北京", to: "上海"}
"""

GOOD_WEATHER = {"name": "get_weather", "arguments": {"location": "北京", "date": "2025-06-22"}}


@pytest.fixture
def cases_file(tmp_path: Path) -> Path:
    path = tmp_path / "cases" / "suite.yaml"
    path.parent.mkdir()
    path.write_text(CASES_YAML, encoding="utf-8")
    return path


def write_lines(tmp_path: Path, *lines: Any) -> Path:
    path = tmp_path / "outputs.jsonl"
    text = "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def grade_cli(cases: Path, outputs: Path, *extra: str) -> list[str]:
    return ["grade", "--cases", str(cases), "--outputs", str(outputs), *extra]


def test_all_pass_exits_0_with_json_summary(cases_file: Path, tmp_path: Path, capsys: Any) -> None:
    out = write_lines(
        tmp_path,
        {"case_id": "weather.beijing.tomorrow", "provider_id": "m1", "calls": [GOOD_WEATHER]},
        {"case_id": "chat.hello", "provider_id": "m1", "calls": [], "text": "你好！"},
        {
            "case_id": "weather.beijing.tomorrow",
            "provider_id": "m2",
            "calls": [{"name": "get_weather", "arguments": '{"location": "Beijing", "date": "2025-06-22"}'}],
        },
    )
    assert main(grade_cli(cases_file, out, "--format", "json")) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) == {"summary", "verdicts"}
    assert doc["summary"]["m1"]["total"] == 2 and doc["summary"]["m1"]["passed"] == 2
    assert doc["summary"]["m1"]["accuracy"] == 1.0
    assert doc["summary"]["m2"] == {**doc["summary"]["m2"], "total": 1, "passed": 1, "accuracy": 1.0}
    assert [v["case_id"] for v in doc["verdicts"]] == [
        "weather.beijing.tomorrow",
        "chat.hello",
        "weather.beijing.tomorrow",
    ]
    v = doc["verdicts"][0]
    assert {
        "case_id",
        "provider_id",
        "status",
        "passed",
        "tool_selection_ok",
        "arguments_ok",
        "schema_ok",
        "failures",
    } <= set(v)
    assert v["status"] == "pass"


def test_any_failure_exits_1_and_explains(cases_file: Path, tmp_path: Path, capsys: Any) -> None:
    out = write_lines(
        tmp_path,
        {
            "case_id": "weather.beijing.tomorrow",
            "provider_id": "m1",
            "calls": [{"name": "get_weather", "arguments": {"location": "北京", "date": "2025-06-21"}}],
        },
        {"case_id": "chat.hello", "provider_id": "m1", "calls": [GOOD_WEATHER]},
    )
    assert main(grade_cli(cases_file, out, "--format", "json")) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"]["m1"] == {**doc["summary"]["m1"], "total": 2, "passed": 0, "accuracy": 0.0}
    f = doc["verdicts"][0]["failures"][0]
    assert (f["kind"], f["path"], f["expected"], f["actual"]) == (
        "wrong_value",
        "root['date']",
        "2025-06-22",
        "2025-06-21",
    )
    assert doc["verdicts"][1]["failures"][0]["kind"] == "unexpected_call"
    # the table format: a summary row per provider, then the explanations
    assert main(grade_cli(cases_file, out)) == 1
    table = capsys.readouterr().out
    assert "m1" in table and "0.0%" in table
    assert "wrong_value" in table and "root['date']" in table


def test_invalid_argument_text_is_graded_not_crashed(cases_file: Path, tmp_path: Path, capsys: Any) -> None:
    out = write_lines(
        tmp_path,
        {
            "case_id": "weather.beijing.tomorrow",
            "provider_id": "m",
            "calls": [{"name": "get_weather", "arguments": '{"location": "北京", "date": '}],
        },
        {
            "case_id": "weather.beijing.tomorrow",
            "provider_id": "n",
            "calls": [{"name": "get_weather", "arguments": "[1, 2]"}],
        },
        {
            "case_id": "weather.beijing.tomorrow",
            "provider_id": "o",
            "calls": [{"name": "get_weather", "arguments": ["not", "an", "object"]}],
        },
        {"case_id": "weather.beijing.tomorrow", "provider_id": "p", "calls": [{"name": "get_weather"}]},
    )
    assert main(grade_cli(cases_file, out, "--format", "json")) == 1
    doc = json.loads(capsys.readouterr().out)
    kinds = [[f["kind"] for f in v["failures"]] for v in doc["verdicts"]]
    assert kinds[:3] == [["invalid_arguments_json"]] * 3
    assert doc["verdicts"][0]["failures"][0]["actual"] == '{"location": "北京", "date": '
    assert kinds[3] == ["missing_argument", "missing_argument", "schema_violation", "schema_violation"]


def test_multi_turn_lines(cases_file: Path, tmp_path: Path, capsys: Any) -> None:
    train = {"name": "book_train", "arguments": {"from": "北京", "to": "上海"}}
    out = write_lines(
        tmp_path,
        {
            "case_id": "weather.then.train",
            "provider_id": "full",
            "turns": [{"calls": [GOOD_WEATHER]}, {"calls": [train], "text": None}],
        },
        {"case_id": "weather.then.train", "provider_id": "short", "turns": [{"calls": [GOOD_WEATHER]}]},
    )
    assert main(grade_cli(cases_file, out, "--format", "json")) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["verdicts"][0]["passed"] is True
    assert [(f["kind"], f["turn"]) for f in doc["verdicts"][1]["failures"]] == [("no_call", 1)]


def test_strict_profile_option(cases_file: Path, tmp_path: Path, capsys: Any) -> None:
    out = write_lines(
        tmp_path, {"case_id": "weather.beijing.tomorrow", "provider_id": "m", "calls": [GOOD_WEATHER]}
    )
    assert main(grade_cli(cases_file, out, "--profile", "strict", "--format", "json")) == 0


def test_tool_names_option(tmp_path: Path, capsys: Any) -> None:
    cases = tmp_path / "dotted.yaml"
    cases.write_text(
        CASES_YAML.replace("name: book_train", "name: train.book").replace(
            "call: book_train", "call: train.book"
        ),
        encoding="utf-8",
    )
    line = {
        "case_id": "weather.then.train",
        "provider_id": "m",
        "turns": [
            {"calls": [GOOD_WEATHER]},
            {"calls": [{"name": "train_book", "arguments": {"from": "北京", "to": "上海"}}]},
        ],
    }
    out = write_lines(tmp_path, line)
    assert main(grade_cli(cases, out)) == 1
    assert "hallucinated_function" in capsys.readouterr().out
    assert main(grade_cli(cases, out, "--tool-names", "sanitized")) == 0


def test_tool_names_per_provider(tmp_path: Path, capsys: Any) -> None:
    cases = tmp_path / "dotted.yaml"
    cases.write_text(CASES_YAML.replace("get_weather", "weather.get"), encoding="utf-8")
    dotted = {**GOOD_WEATHER, "name": "weather.get"}
    plain = {**GOOD_WEATHER, "name": "weather_get"}
    out = write_lines(
        tmp_path,
        *(
            {"case_id": "weather.beijing.tomorrow", "provider_id": pid, "calls": [call]}
            for pid, call in (("a", dotted), ("b", plain), ("c", plain))
        ),
    )
    # `a` names the function as offered, `b` and `c` as sanitised: each passes in its own mode only
    argv = grade_cli(cases, out, "--format", "json", "--tool-names", "sanitized", "--tool-names", "a=exact")
    assert main(argv) == 0
    assert {s: v["passed"] for s, v in json.loads(capsys.readouterr().out)["summary"].items()} == {
        "a": 1,
        "b": 1,
        "c": 1,
    }
    assert main(grade_cli(cases, out, "--format", "json", "--tool-names", "b=sanitized")) == 1
    summary = json.loads(capsys.readouterr().out)["summary"]
    assert {p: v["passed"] for p, v in summary.items()} == {"a": 1, "b": 1, "c": 0}  # default: exact
    # a provider id holding `=` is split at the last one
    assert main(grade_cli(cases, out, "--tool-names", "x=y=sanitized")) == 1
    assert "no output line: x=y" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--tool-names", "loose"], "expected exact, sanitized, or PROVIDER=exact|sanitized"),
        (["--tool-names", "=exact"], "expected exact, sanitized, or PROVIDER=exact|sanitized"),
        (["--tool-names", "a=exact", "--tool-names", "a=sanitized"], "provider 'a' is given both"),
        (["--tool-names", "exact", "--tool-names", "sanitized"], "the default is given both"),
    ],
)
def test_bad_tool_names_exit_2(
    cases_file: Path, tmp_path: Path, capsys: Any, options: list[str], message: str
) -> None:
    out = write_lines(tmp_path, {"case_id": "chat.hello", "provider_id": "a", "calls": []})
    try:
        code = main(grade_cli(cases_file, out, *options))
    except SystemExit as stop:  # argparse's usage error
        code = stop.code
    assert code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"case_id": "weather.beijing.tomorrow", "provider_id": "m", "calls": [', "not valid JSON"),
        ('{"case_id": "no.such.case", "provider_id": "m", "calls": []}', "unknown case id 'no.such.case'"),
        ('{"provider_id": "m", "calls": []}', "missing case_id"),
        ('["a list"]', "expected a JSON object"),
        ('{"case_id": "chat.hello", "provider_id": "m", "calls": [{"arguments": {}}]}', "calls[0].name"),
        ('{"case_id": "chat.hello", "provider_id": "m", "calls": {}}', "calls"),
        ('{"case_id": "chat.hello", "provider_id": "m", "callz": []}', "unknown key 'callz'"),
        ('{"case_id": "chat.hello", "provider_id": "m", "text": 5}', "text"),
        ('{"case_id": "chat.hello", "provider_id": "m", "turns": [{}, {}]}', "but case 'chat.hello' has 1"),
        ('{"case_id": "chat.hello", "provider_id": "m", "turns": [], "calls": []}', "not both"),
    ],
)
def test_bad_lines_exit_2_named_with_file_and_line(
    cases_file: Path, tmp_path: Path, capsys: Any, line: str, message: str
) -> None:
    good = json.dumps({"case_id": "chat.hello", "provider_id": "ok", "calls": []})
    out = write_lines(tmp_path, good, "", line)
    assert main(grade_cli(cases_file, out)) == 2
    err = capsys.readouterr().err
    assert f"{out}:3" in err and message in err
    assert "Traceback" not in err


def test_every_bad_line_is_reported_in_one_run(cases_file: Path, tmp_path: Path, capsys: Any) -> None:
    out = write_lines(tmp_path, "{oops", '{"case_id": "nope", "calls": []}', "[]")
    assert main(grade_cli(cases_file, out)) == 2
    err = capsys.readouterr().err
    assert f"{out}:1" in err and f"{out}:2" in err and f"{out}:3" in err


def test_duplicate_case_provider_line_is_bad_input(cases_file: Path, tmp_path: Path, capsys: Any) -> None:
    line = {"case_id": "chat.hello", "provider_id": "m", "calls": []}
    out = write_lines(tmp_path, line, {**line, "provider_id": "other"}, line)
    assert main(grade_cli(cases_file, out)) == 2
    err = capsys.readouterr().err
    assert f"{out}:3" in err and "duplicate" in err and "line 1" in err


def test_missing_or_empty_outputs_file_is_bad_input(cases_file: Path, tmp_path: Path, capsys: Any) -> None:
    assert main(grade_cli(cases_file, tmp_path / "absent.jsonl")) == 2
    assert "cannot read outputs file" in capsys.readouterr().err
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    assert main(grade_cli(cases_file, empty)) == 2
    assert "no outputs" in capsys.readouterr().err


def test_bad_case_files_exit_2(tmp_path: Path, capsys: Any) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("cases: [\n", encoding="utf-8")
    out = write_lines(tmp_path, {"case_id": "x", "provider_id": "m", "calls": []})
    assert main(grade_cli(bad, out)) == 2
    assert "Traceback" not in capsys.readouterr().err


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
call_like = st.fixed_dictionaries(
    {},
    optional={"name": json_values | st.just("get_weather"), "arguments": json_values | st.text(max_size=12)},
)
line_like = st.fixed_dictionaries(
    {},
    optional={
        "case_id": st.sampled_from(["chat.hello", "weather.beijing.tomorrow", "weather.then.train", "x"]),
        "provider_id": json_values,
        "calls": st.lists(call_like, max_size=3) | json_values,
        "text": json_values,
        "turns": st.lists(
            st.fixed_dictionaries({}, optional={"calls": st.lists(call_like), "text": json_values})
        ),
    },
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(line_like | json_values, min_size=1, max_size=4))
def test_any_outputs_file_grades_or_is_a_user_error(
    cases_file: Path, tmp_path: Path, lines: list[Any]
) -> None:
    from harness.cases.loader import load_cases
    from harness.grading.grader import grade

    cases = {c.id: c for c in load_cases([cases_file])}
    path = tmp_path / "fuzz.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    try:
        outputs = parse_outputs(path, cases)
    except UserError as exc:
        assert exc.problems or "no outputs" in str(exc)
        return
    for cid, pid, turns, _ in outputs:
        assert grade(cases[cid], turns, provider_id=pid).status in ("pass", "fail")


def test_missing_outputs_are_warned_and_a_report_is_written(
    cases_file: Path, tmp_path: Path, capsys: Any
) -> None:
    # Given outputs for only one of the three cases
    out = write_lines(
        tmp_path, {"case_id": "weather.beijing.tomorrow", "provider_id": "m1", "calls": [GOOD_WEATHER]}
    )
    reports = tmp_path / "reports"
    # When graded with --report (and JSON on stdout)
    assert main(grade_cli(cases_file, out, "--format", "json", "--report", str(reports))) == 0
    captured = capsys.readouterr()
    # Then stdout stays pure JSON, and stderr warns about the cases left ungraded
    assert json.loads(captured.out)["summary"]["m1"]["total"] == 1
    assert "warning: m1 has no output for 2 of 3 case(s), not graded: chat.hello, weather.then.train" in (
        captured.err
    )
    # and the reports of a run were written
    latest = reports / "latest"
    for name in ("results.jsonl", "report.html", "report.md", "summary.json", "junit.xml"):
        assert (latest / name).is_file(), name
    row = json.loads((latest / "results.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert (row["case_id"], row["provider_id"], row["status"]) == ("weather.beijing.tomorrow", "m1", "pass")
