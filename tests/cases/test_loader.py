"""The loader: YAML scalars, lines, shared tools, model objects, importer entry point."""

from __future__ import annotations

import dataclasses
import tempfile
import textwrap
from pathlib import Path

import pytest

from harness.cases.loader import discover_files, load_cases, parse_case_dict, validate_paths
from harness.cases.yaml_lines import YamlSyntaxError, load_yaml
from harness.errors import CaseFileError, UserError
from harness.model import Case, Tool
from tests.helpers.casefiles import GOOD_CASE, WEATHER_TOOL, case_file, the_problem, write

REPO = Path(__file__).resolve().parents[2]


def one_case(tmp_path: Path, body: str) -> Case:
    """Load a single case (with the shared weather tool) and return it."""
    cases = load_cases([case_file(tmp_path, body)])
    assert len(cases) == 1
    return cases[0]


# --- YAML reading -------------------------------------------------------------------


def test_yaml_scalars_stay_json_like() -> None:
    data, _, _ = load_yaml("[2025-06-22, 10:30, no, yes, on, 012, 0x1F, 1.5, 1e3, 3, true, null, ~]")
    # dates, times, yes/no/on and zero-padded numbers stay strings (YAML 1.1 would convert them)
    assert data == ["2025-06-22", "10:30", "no", "yes", "on", "012", 31, 1.5, 1000.0, 3, True, None, None]
    assert isinstance(data[9], int) and not isinstance(data[9], bool)


@pytest.mark.parametrize(
    "tagged", ["!!timestamp 2025-06-22", "!!binary aGk=", "!!set {x}", "!!python/name:os.system"]
)
def test_yaml_tags_that_build_non_json_values_are_refused(tagged: str) -> None:
    with pytest.raises(YamlSyntaxError) as info:
        load_yaml(f"a: 1\nb: {tagged}\n")
    assert info.value.line == 2 and str(info.value).startswith("YAML error:")


@pytest.mark.parametrize(
    "text",
    [
        "a: &x {b: 1}\nc: [*x, *x]\n",
        "ok: 1\na: &x\n  b: [1, *x]\n",
        "base: &b {x: 1}\nd:\n  <<: *b\n  y: 2\n",
    ],
)
def test_yaml_anchors_and_aliases_are_refused(text: str) -> None:
    with pytest.raises(YamlSyntaxError, match="anchors and aliases") as info:
        load_yaml(text)
    assert info.value.line in (1, 2)  # the first anchor


def test_yaml_lines_are_recorded_without_changing_the_data() -> None:
    data, lines, _ = load_yaml("a:\n  b:\n    - x\n    - {c: 1}\n")
    assert type(data) is dict and type(data["a"]["b"]) is list
    assert lines[id(data)][1] == {"a": 1}
    assert lines[id(data["a"]["b"])][1] == [3, 4]


def test_duplicate_yaml_keys_are_reported(tmp_path: Path) -> None:
    path = case_file(tmp_path, GOOD_CASE.replace("  expect:", "  tags: [a]\n  tags: [b]\n  expect:"))
    p = the_problem(validate_paths([path]).problems)
    assert (p.file, p.line) == (str(path), 7)
    assert "duplicate key 'tags'" in p.message


# --- files and shared tools -------------------------------------------------------------


def test_folders_starting_with_underscore_hold_no_cases(tmp_path: Path) -> None:
    write(tmp_path, "cases/_tools/t.yaml", WEATHER_TOOL)
    write(tmp_path, "cases/_drafts/x.yaml", "not: [valid")
    write(tmp_path, "cases/.hidden/y.yml", "not: [valid")
    a = case_file(tmp_path, GOOD_CASE, "cases/sub/a.yml")
    files, problems = discover_files([tmp_path / "cases"])
    assert files == [a] and problems == []


def test_nearest_shared_tool_definition_wins(tmp_path: Path) -> None:
    write(tmp_path, "cases/_tools/weather.yaml", WEATHER_TOOL)
    write(
        tmp_path,
        "cases/sub/_tools/weather.yaml",
        WEATHER_TOOL.replace("description: weather", "description: near"),
    )
    write(tmp_path, "cases/sub/a.yaml", "use: [get_weather]\ncases:\n" + textwrap.indent(GOOD_CASE, "  "))
    far_case = GOOD_CASE.replace("w.good", "w.far").replace("Paris", "Lyon")
    far = write(tmp_path, "cases/b.yaml", "use: [get_weather]\ncases:\n" + textwrap.indent(far_case, "  "))
    by_id = {c.id: c for c in load_cases([tmp_path / "cases"])}
    assert by_id["w.good"].tools[0].description == "near"
    assert by_id["w.far"].tools[0].description == "weather"
    assert by_id["w.far"].source == str(far)


def test_a_single_file_path_still_finds_shared_tools_above_it(tmp_path: Path) -> None:
    path = case_file(tmp_path, GOOD_CASE, "cases/deep/er/a.yaml")
    assert [c.id for c in load_cases([path])] == ["w.good"]


def test_shared_tool_defined_twice_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "cases/_tools/a.yaml", WEATHER_TOOL)
    second = write(tmp_path, "cases/_tools/b.yaml", WEATHER_TOOL)
    p = the_problem(validate_paths([tmp_path / "cases"]).problems)
    assert p.file == str(second) and p.line == 2
    assert "defined twice" in p.message and "a.yaml:2" in p.message


def test_tools_file_may_hold_only_tools(tmp_path: Path) -> None:
    path = write(tmp_path, "cases/_tools/a.yaml", WEATHER_TOOL + "cases: []\n")
    p = the_problem(validate_paths([tmp_path / "cases"]).problems)
    assert (p.file, p.field) == (str(path), "cases")
    assert "unknown key 'cases'" in p.message


def test_load_cases_raises_a_user_error_with_every_problem(tmp_path: Path) -> None:
    path = case_file(tmp_path, GOOD_CASE.replace("w.good", "W").replace("call: get_weather", "call: nope"))
    with pytest.raises(CaseFileError) as info:
        load_cases([path])
    assert isinstance(info.value, UserError)
    assert len(info.value.problems) == 2
    assert f"{path}:3" in str(info.value) and f"{path}:7" in str(info.value)


# --- model objects ----------------------------------------------------------------------


def test_single_turn_case_has_exactly_one_turn(tmp_path: Path) -> None:
    case = one_case(tmp_path, GOOD_CASE)
    assert len(case.turns) == 1 and not case.is_multi_turn
    (call,) = case.turns[0].expect
    assert call.name == "get_weather" and call.arguments == {"location": "Paris", "date": "2025-06-22"}
    assert case.category == "simple"  # inferred: one call, one tool
    assert case.line == 3 and case.tools[0].name == "get_weather"


def test_multi_turn_case_has_its_turns_and_results(tmp_path: Path) -> None:
    case = one_case(
        tmp_path,
        """\
        - id: w.chain
          messages: [{role: user, content: hi}]
          turns:
            - expect: [{call: get_weather, arguments: {location: P, date: "2025-06-22"}}]
              results: [{condition: rain}]
            - expect: []
              expect_text: {$contains: train}
        """,
    )
    assert case.is_multi_turn and case.category == "multi_turn"
    assert case.turns[0].results == ({"condition": "rain"},)
    assert case.turns[1].expect == () and case.turns[1].expect_text == {"$contains": "train"}


def test_conversation_prefix_pairs_tool_messages_with_calls(tmp_path: Path) -> None:
    case = one_case(
        tmp_path,
        """\
        - id: w.prefix
          messages:
            - {role: user, content: "weather?"}
            - role: assistant
              tool_calls:
                - {name: get_weather, arguments: {location: A, date: "2025-06-22"}}
                - {name: get_weather, arguments: {location: B, date: "2025-06-22"}, id: c2}
            - {role: tool, content: {condition: sun}}
            - {role: tool, tool_call_id: c2, content: "rain"}
            - {role: user, content: "and C?"}
          expect: [{call: get_weather, arguments: {location: C, date: "2025-06-22"}}]
        """,
    )
    assistant, tool_a, tool_b = case.messages[1:4]
    assert [c.id for c in assistant.tool_calls] == ["call_m1_0", "c2"]
    assert (tool_a.tool_call_id, tool_a.name, tool_a.content) == (
        "call_m1_0",
        "get_weather",
        '{"condition": "sun"}',
    )
    assert (tool_b.tool_call_id, tool_b.content) == ("c2", "rain")


@pytest.mark.parametrize(
    ("messages", "field", "fragment"),
    [
        # a call nobody answered
        (
            "[{role: user, content: a}, {role: assistant, tool_calls: [{name: get_weather, id: k}]},"
            " {role: user, content: b}]",
            "cases[0].messages[1].tool_calls",
            "without a tool message",
        ),
        # a tool message with an id that does not exist
        (
            "[{role: user, content: a}, {role: assistant, tool_calls: [{name: get_weather, id: k}]},"
            " {role: tool, tool_call_id: z, content: r}]",
            "cases[0].messages[2].tool_call_id",
            "no call with id 'z'",
        ),
        # a call to a function the case does not offer
        (
            "[{role: user, content: a}, {role: assistant, tool_calls: [{name: nope, id: k}]},"
            " {role: tool, content: r}]",
            "cases[0].messages[1].tool_calls[0].name",
            "does not offer",
        ),
        # the model must answer next
        (
            "[{role: user, content: a}, {role: assistant, content: b}]",
            "cases[0].messages[1]",
            "must end with",
        ),
        # tool_calls on a user message
        (
            "[{role: user, content: a, tool_calls: []}]",
            "cases[0].messages[0].tool_calls",
            "only allowed on assistant",
        ),
    ],
)
def test_conversation_prefix_problems(tmp_path: Path, messages: str, field: str, fragment: str) -> None:
    path = case_file(tmp_path, f"- id: m.x\n  messages: {messages}\n  expect: []\n")
    problems = validate_paths([path]).errors
    found = [p for p in problems if p.field == field]
    assert len(found) == 1, "\n".join(map(str, problems))
    p = found[0]
    assert (p.file, p.case_id) == (str(path), "m.x")
    assert p.line is not None and p.line >= 3
    assert fragment in p.message


@pytest.mark.parametrize(
    ("extra", "field", "fragment"),
    [
        ("tool_choice: none", "cases[0].tool_choice", "tool_choice none forbids calls"),
        ("tool_choice: {name: other}", "cases[0].tool_choice.name", "which the case does not offer"),
        ("tool_choice: any", "cases[0].tool_choice", "auto, required, none"),
        ("order: random", "cases[0].order", "'random' is not one of any, strict"),
    ],
)
def test_case_option_problems(tmp_path: Path, extra: str, field: str, fragment: str) -> None:
    path = case_file(tmp_path, GOOD_CASE + f"  {extra}\n")
    problems = [p for p in validate_paths([path]).errors if p.field == field]
    assert problems, "\n".join(map(str, validate_paths([path]).problems))
    assert problems[0].line == 9 and fragment in problems[0].message


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("{$regex: '('}", "invalid regular expression"),
        ("{$approx: x}", "$approx takes a number"),
        ("{$tol: 1}", "$tol is only allowed beside $approx"),
        ("{$date: 22/06/2025}", "YYYY-MM-DD"),
        ("{$one_of: []}", "$one_of takes a non-empty list"),
        ("{$any: false}", "$any takes true"),
        ("{$schema: {type: 5}}", "invalid JSON Schema"),
        ("{$one_of: [a], $regex: b}", "one matcher per object"),
        ("{$one_of: [a], city: b}", "only matcher keys"),
    ],
)
def test_malformed_matchers(tmp_path: Path, spec: str, fragment: str) -> None:
    path = case_file(tmp_path, GOOD_CASE.replace("location: Paris", f"location: {spec}"))
    messages = [p.message for p in validate_paths([path]).errors]
    assert any(fragment in m for m in messages), messages


def test_both_expect_and_turns_is_an_error(tmp_path: Path) -> None:
    path = case_file(tmp_path, GOOD_CASE + "  turns: [{expect: []}]\n")
    p = the_problem(validate_paths([path]).problems)
    assert p.field == "cases[0].turns" and "not both" in p.message


def test_category_that_does_not_fit_is_a_warning(tmp_path: Path) -> None:
    path = case_file(tmp_path, GOOD_CASE + "  category: parallel\n")
    p = the_problem(validate_paths([path]).problems, "warning")
    assert p.field == "cases[0].category" and "'simple'" in p.message


def test_same_first_user_message_is_a_warning(tmp_path: Path) -> None:
    path = case_file(tmp_path, GOOD_CASE + GOOD_CASE.replace("w.good", "w.twin"))
    p = the_problem(validate_paths([path]).problems, "warning")
    assert p.case_id == "w.twin" and "emulator" in p.message


def test_case_level_use_and_tools_replace_the_file_tools(tmp_path: Path) -> None:
    write(tmp_path, "cases/_tools/weather.yaml", WEATHER_TOOL)
    path = write(
        tmp_path,
        "cases/c.yaml",
        """\
        tools:
          - name: ping
            parameters: {type: object, properties: {}}
        cases:
          - id: c.one
            use: [get_weather]
            tools: [{name: dot.name, parameters: {type: object, properties: {x: {type: integer}}}}]
            messages: [{role: user, content: hi}]
            expect: [{call: dot.name, arguments: {x: 1}}]
          - id: c.two
            messages: [{role: user, content: ho}]
            expect: [{call: ping}]
        """,
    )
    one, two = load_cases([path])
    assert [t.name for t in one.tools] == ["dot.name", "get_weather"]
    assert [t.name for t in two.tools] == ["ping"]
    assert two.turns[0].expect[0].arguments == {}


# --- parse_case_dict (importers) --------------------------------------------------------


def weather_tool() -> Tool:
    """The weather tool as an importer would build it."""
    return Tool(
        name="get_weather",
        description="weather",
        parameters={
            "type": "object",
            "properties": {"location": {"type": "string"}},
            "required": ["location"],
        },
    )


def test_parse_case_dict_builds_a_case() -> None:
    raw = {
        "id": "simple_0",
        "category": "simple",
        "messages": [{"role": "user", "content": "weather in Paris"}],
        "expect": [{"call": "get_weather", "arguments": {"location": {"$one_of": ["Paris", "paris"]}}}],
    }
    case = parse_case_dict(raw, tools_by_name={"get_weather": weather_tool()}, source="bfcl.json", line=12)
    assert case.id == "simple_0" and case.source == "bfcl.json" and case.line == 12
    assert case.tools == (weather_tool(),)


def test_parse_case_dict_accepts_inline_tool_objects() -> None:
    raw = {
        "id": "simple_1",
        "tools": [weather_tool()],
        "messages": [{"role": "user", "content": "x"}],
        "expect": [],
    }
    assert parse_case_dict(raw).tools == (weather_tool(),)


def test_parse_case_dict_checks_the_schemas_of_tool_objects() -> None:
    bad = Tool("f", "", {"type": "object", "properties": {"x": {"type": "strin"}}})
    raw = {"id": "simple_3", "tools": [bad], "messages": [{"role": "user", "content": "x"}], "expect": []}
    with pytest.raises(CaseFileError) as info:
        parse_case_dict(raw, source="bfcl.json", line=9)
    (p,) = info.value.problems
    assert (p.file, p.line, p.field) == ("bfcl.json", 9, "tools[0].parameters.properties.x.type")


def test_parse_case_dict_reports_every_error_with_source_and_line() -> None:
    raw = {
        "id": "simple_2",
        "messages": [{"role": "user", "content": "x"}],
        "expect": [{"call": "get_weather", "arguments": {"location": 3, "zip": "1"}}],
        "typo": 1,
    }
    with pytest.raises(CaseFileError) as info:
        parse_case_dict(raw, tools_by_name={"get_weather": weather_tool()}, source="bfcl.json", line=7)
    fields = {(p.file, p.line, p.case_id, p.field) for p in info.value.problems}
    assert fields == {
        ("bfcl.json", 7, "simple_2", "typo"),
        ("bfcl.json", 7, "simple_2", "expect[0].arguments.location"),
        ("bfcl.json", 7, "simple_2", "expect[0].arguments.zip"),
    }


def test_shipped_cases_load_into_model_objects() -> None:
    cases = {c.id: c for c in load_cases([REPO / "cases"])}
    seed = cases["weather.beijing.tomorrow"]
    assert seed.turns[0].expect[0].arguments["date"] == "2025-06-22"
    chain = cases["trip.weather-rain-train"]
    assert [len(t.expect) for t in chain.turns] == [1, 1, 0]
    assert chain.turns[0].results[0]["condition"] == "rain"
    assert chain.turns[1].expect[0].name == "book_train"
    assert cases["booking.flight.forced"].tool_choice == {"name": "book_flight"}


def test_meta_is_kept_for_importers(tmp_path: Path) -> None:
    path = case_file(
        tmp_path, GOOD_CASE + "  description: about\n  meta: {bfcl: {id: simple_0, answer: [1, 2]}}\n"
    )
    (case,) = load_cases([path])
    assert case.meta == {"bfcl": {"id": "simple_0", "answer": [1, 2]}, "description": "about"}


def test_imported_case_files_load_back() -> None:
    import_ = pytest.importorskip("harness.commands.import_")
    shipped = load_cases([REPO / "cases/travel/weather.yaml"])
    # BFCL-like cases: one turn, plain messages (the importer writes no conversation prefixes)
    plain = [
        c for c in shipped if not c.is_multi_turn and all(m.role in ("system", "user") for m in c.messages)
    ]
    single = [dataclasses.replace(c, meta={"bfcl": {"id": c.id}}) for c in plain]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bfcl_x.yaml"
        path.write_text(import_.dump_cases(single, "# imported\n"), encoding="utf-8")
        back = load_cases([path])
    assert [(c.id, c.tools, c.turns, c.meta) for c in back] == [
        (c.id, c.tools, c.turns, c.meta) for c in single
    ]
