"""Java and JavaScript entries on hand-written BFCL data (no bfcl-eval needed)."""

from __future__ import annotations

from typing import Any

import pytest

from harness.bfcl import checker as bfcl_checker
from harness.bfcl.importer import BfclFile, entry_to_case
from harness.bfcl.languages import convert, language_of
from harness.model import Case, ModelTurn, ToolCall

JAVA_FN = {
    "name": "Repo.fetch",
    "description": "Fetch rows.",
    "parameters": {
        "type": "dict",
        "properties": {
            "limit": {"type": "long", "description": "Row limit."},
            "ids": {"type": "ArrayList", "items": {"type": "integer"}, "description": "Ids."},
            "opts": {"type": "HashMap", "description": "Options."},
            "name": {"type": "String", "description": "Table."},
        },
        "required": ["limit", "name"],
    },
}
JAVA_ANSWER = [
    {"Repo.fetch": {"limit": [50], "ids": [[1, 2], ""], "opts": [{"a": ["x"]}, ""], "name": ["Users"]}}
]
JS_FN = {
    "name": "plot",
    "description": "Plot points.",
    "parameters": {
        "type": "dict",
        "properties": {
            "points": {"type": "array", "items": {"type": "float"}, "description": "Ys."},
            "style": {"type": "dict", "properties": {"color": {"type": "String"}}, "description": "Style."},
            "big": {"type": "Bigint", "description": "A big one."},
            "label": {"type": "String", "description": "Label."},
        },
        "required": ["points"],
    },
}
JS_ANSWER = [
    {
        "plot": {
            "points": [[1.5, 2.0]],
            "style": [{"color": ["red"]}, ""],
            "big": [7, ""],
            "label": ["a b", ""],
        }
    }
]


def _case(category: str, fn: dict[str, Any], answer: Any) -> Case:
    file = BfclFile(category, category, None, None)  # type: ignore[arg-type]
    entry = {"id": f"{category}_0", "question": [[{"role": "user", "content": "q"}]], "function": [fn]}
    return entry_to_case(entry, answer, file, 1)


def _grade(case: Case, args: Any, name: str | None = None) -> Any:
    call = ToolCall(name or case.meta["bfcl_functions"][0]["name"], args)
    return bfcl_checker.grade(case, [ModelTurn(calls=(call,))], provider_id="p")


def test_language_of_follows_bfcl() -> None:
    assert language_of("simple_java") == "java"
    assert language_of("simple_javascript") == "javascript"
    assert language_of("simple_python") == "python"
    assert language_of("live_simple") == "python"


def test_java_tools_are_offered_as_strings_with_bfcl_hints() -> None:
    case = _case("simple_java", JAVA_FN, JAVA_ANSWER)
    tool = case.tools[0]
    assert tool.description.endswith("Note that the provided function is in Java 8 SDK syntax.")
    props = tool.parameters["properties"]
    assert {p["type"] for p in props.values()} == {"string"}
    assert props["limit"]["description"].endswith(
        "This is Java long type parameter in string representation."
    )
    assert "The list elements are of type integer" in props["ids"]["description"]
    assert case.category == "simple" and "java" in case.tags
    assert (
        case.meta["bfcl_functions"][0]["parameters"]["properties"]["limit"]["type"] == "long"
    )  # raw doc kept
    expect = case.turns[0].expect[0].arguments
    assert expect["limit"] == "50L"
    assert expect["name"] == "Users"
    assert expect["ids"] == {"$optional": {"$any": True}}


def test_js_dict_schema_moves_into_the_description() -> None:
    case = _case("simple_javascript", JS_FN, JS_ANSWER)
    props = case.tools[0].parameters["properties"]
    assert props["style"]["type"] == "string" and "properties" not in props["style"]
    assert '{"color": {"type": "String"}}' in props["style"]["description"]
    assert case.turns[0].expect[0].arguments["big"] == {"$optional": "7n"}


@pytest.mark.parametrize(
    ("args", "passed", "kind"),
    [
        ({"limit": "50L", "name": "Users"}, True, None),
        ({"limit": "50l", "name": "users"}, True, None),  # strings standardised
        ({"limit": "50", "name": "Users"}, False, "wrong_type"),  # no L: stays a string
        ({"limit": 50, "name": "Users"}, False, "wrong_type"),  # not source text
        ({"limit": "51L", "name": "Users"}, False, "wrong_value"),
        ({"limit": "50L", "name": "Users", "ids": "new ArrayList<>(Arrays.asList(1, 2))"}, True, None),
        (
            {"limit": "50L", "name": "Users", "ids": "new ArrayList<Integer>() {{ add(1); add(2); }}"},
            True,
            None,
        ),
        (
            {"limit": "50L", "name": "Users", "ids": "new ArrayList<>(Arrays.asList(2, 1))"},
            False,
            "wrong_value",
        ),
        (
            {"limit": "50L", "name": "Users", "opts": 'new HashMap<String, String>() {{ put("a", "x"); }}'},
            True,
            None,
        ),
        (
            {"limit": "50L", "name": "Users", "opts": "new HashMap<>()"},
            False,
            "wrong_value",
        ),  # key `a` missing
        ({"limit": "50L", "name": '"Users"'}, False, "wrong_value"),  # Java keeps the quotes
    ],
)
def test_java_values_are_converted_as_bfcl_does(args: dict[str, Any], passed: bool, kind: str | None) -> None:
    verdict = _grade(_case("simple_java", JAVA_FN, JAVA_ANSWER), args)
    assert verdict.passed is passed, verdict.failures
    if kind is not None:
        assert verdict.failures[0].kind == kind


@pytest.mark.parametrize(
    ("args", "passed"),
    [
        ({"points": "[1.5, 2.0]"}, True),
        ({"points": "new Array(1.5, 2.0)"}, True),
        ({"points": "[1.5, 2]"}, True),  # items are converted as float: 2 → 2.0
        ({"points": "[1.5, 2.0]", "style": "{color: 'red'}"}, True),
        ({"points": "[1.5, 2.0]", "style": "{color: 'blue'}"}, False),
        ({"points": "[1.5, 2.0]", "big": "7n"}, True),
        ({"points": "[1.5, 2.0]", "big": "7"}, False),
        ({"points": "[1.5, 2.0]", "label": "'A-B'"}, True),  # JS strips quotes; standardised
    ],
)
def test_js_values_are_converted_as_bfcl_does(args: dict[str, Any], passed: bool) -> None:
    assert _grade(_case("simple_javascript", JS_FN, JS_ANSWER), args).passed is passed


def test_unsupported_java_collection_fails_like_bfcl_raising() -> None:
    fn = {
        "name": "f",
        "description": "",
        "parameters": {"type": "dict", "properties": {"s": {"type": "Set"}}, "required": []},
    }
    case = _case("simple_java", fn, [{"f": {"s": [[1]]}}])
    verdict = _grade(case, {"s": "new HashSet<>()"})
    assert not verdict.passed and "cannot grade" in verdict.failures[0].message
    with pytest.raises(ValueError):
        convert("java", "x", "Queue")


def test_converter_quirks() -> None:
    assert convert("java", "12\n", "integer") == 12  # `$` matches before a final newline
    assert convert("java", "'a'", "char") == "'a'"  # BFCL's char pattern never matches
    assert convert("java", "3e3F", "float") == 3000.0
    assert convert("java", "new int[] { 1, 2 }", "Array", "integer") == [1, 2]
    assert convert("javascript", "[[1, 2], [3, 4]]", "array", "array") == [[1, 2], [3, 4]]
    # BFCL's object pattern is non-greedy: a nested object is cut at its first `}`
    nested = convert("javascript", "{a: 1, b: [1, 2], c: {d: true}}", "dict")
    assert nested == {"a": 1, "b": [1, 2], "c": "{d: true"}
    assert convert("javascript", "nope", "dict") == "nope"
