"""The `bfcl` profile's rules on hand-written BFCL entries (no bfcl-eval needed)."""

from __future__ import annotations

from typing import Any

import pytest

from harness.bfcl import checker as bfcl_checker
from harness.bfcl.ast_checker import check_ast, standardize_string
from harness.bfcl.importer import BfclFile, entry_to_case
from harness.errors import UserError
from harness.model import Case, ModelTurn, ToolCall, Turn

FN = {
    "name": "geo.area",
    "description": "",
    "parameters": {
        "type": "dict",
        "properties": {
            "size": {"type": "float"},
            "unit": {"type": "string"},
            "points": {"type": "array", "items": {"type": "float"}},
            "opts": {"type": "dict", "properties": {}},
        },
        "required": ["size"],
    },
}


def _case(category: str, answer: Any, functions: Any = None, bfcl_id: str = "x_0") -> Case:
    file = BfclFile(category, category, None, None)  # type: ignore[arg-type]
    entry = {"id": bfcl_id, "question": [[{"role": "user", "content": "q"}]], "function": functions or [FN]}
    return entry_to_case(entry, answer, file, 1)


def _grade(case: Case, *calls: tuple[str, Any], tool_names: str = "exact") -> Any:
    turn = ModelTurn(calls=tuple(ToolCall(n, a, None if isinstance(a, dict) else "x") for n, a in calls))
    return bfcl_checker.grade(case, [turn], provider_id="p", tool_names=tool_names)


LEN = {
    "name": "geo_len",
    "description": "",
    "parameters": {"type": "dict", "properties": {"n": {"type": "integer"}}, "required": ["n"]},
}

SIMPLE = [
    {"geo.area": {"size": [2.0], "unit": ["Square Meters", ""], "points": [[1.0, 2.5], ""], "opts": [""]}}
]


def test_string_standardisation_matches_bfcl_regex() -> None:
    assert standardize_string("Square-Meters_, ./*^") == "squaremeters"
    assert standardize_string("it's") == 'it"s'
    assert standardize_string("a!") == "a!"


@pytest.mark.parametrize(
    ("args", "passed", "kind"),
    [
        ({"size": 2.0}, True, None),
        ({"size": 2}, True, None),  # int accepted for float at the top level
        ({"size": 2.0, "points": [1, 2.5]}, True, None),  # BFCL quirk: `""` lets the nested type check pass
        ({"size": 2.0, "points": [1.0, 2.5]}, True, None),
        ({"size": 2.0, "points": [2.5, 1.0]}, False, "wrong_value"),  # lists are ordered
        ({"size": 2.0, "unit": "square meters"}, True, None),
        ({"size": 2.0, "unit": "square meters!"}, False, "wrong_value"),
        ({"size": "2.0"}, False, "wrong_type"),
        ({"unit": "square meters"}, False, "missing_argument"),
        ({"size": 2.0, "color": "red"}, False, "unexpected_argument"),
        ({"size": 2.0, "opts": {}}, False, "wrong_value"),  # [""] only: the dict checker finds no answer
    ],
)
def test_simple_rules(args: dict[str, Any], passed: bool, kind: str | None) -> None:
    verdict = _grade(_case("simple_python", SIMPLE), ("geo.area", args))
    assert verdict.passed is passed
    if kind:
        assert verdict.failures[0].kind == kind
        assert verdict.failures[0].message.startswith("BFCL ")


def test_int_for_float_only_at_top_level() -> None:
    answer = [{"geo.area": {"size": [2.0], "points": [[1.0, 2.5]]}}]
    case = _case("simple_python", answer)
    assert _grade(case, ("geo.area", {"size": 2, "points": [1.0, 2.5]})).passed
    verdict = _grade(case, ("geo.area", {"size": 2, "points": [1, 2.5]}))
    assert verdict.failures[0].kind == "wrong_type" and verdict.failures[0].path == "root['points']"


def test_names_exact_and_sanitized() -> None:
    case = _case("simple_python", SIMPLE)
    assert _grade(case, ("geo_area", {"size": 2.0}), tool_names="sanitized").passed
    assert not _grade(case, ("geo.area", {"size": 2.0}), tool_names="sanitized").passed
    v = _grade(case, ("geo_area", {"size": 2.0}))
    assert not v.passed and v.failures[0].kind == "hallucinated_function" and not v.tool_selection_ok


def test_one_case_graded_in_both_modes_keeps_each_modes_names() -> None:
    # One plan is shared by both name modes (sanitized renames the outputs for the exact-name
    # fast check): grading in one mode must not change the other's verdicts, in either order.
    for first in ("exact", "sanitized"):
        case = _case("parallel_multiple", [{"geo.area": {"size": [2.0]}}, {"geo_len": {"n": [1]}}], [FN, LEN])
        calls = {"exact": ("geo.area", "geo_len"), "sanitized": ("geo_area", "geo_len")}
        order = [first, "sanitized" if first == "exact" else "exact"]
        for mode in order:
            a, b = calls[mode]
            assert _grade(case, (a, {"size": 2.0}), (b, {"n": 1}), tool_names=mode).passed, mode
            other_a = calls["sanitized" if mode == "exact" else "exact"][0]
            assert not _grade(case, (other_a, {"size": 2.0}), (b, {"n": 1}), tool_names=mode).passed, mode


def test_offered_names_that_sanitise_alike() -> None:
    # `geo.area` and `geo_area` are one name once sanitised: BFCL's rule (compare with the
    # sanitised offered name) then accepts `geo_area` for either; no exact-name shortcut applies.
    twin = {**FN, "name": "geo_area"}
    case = _case("multiple", [{"geo.area": {"size": [2.0]}}], [FN, twin])
    assert _grade(case, ("geo_area", {"size": 2.0}), tool_names="sanitized").passed
    assert not _grade(case, ("geo.area", {"size": 2.0}), tool_names="sanitized").passed
    assert _grade(case, ("geo.area", {"size": 2.0})).passed
    assert not _grade(case, ("geo_area", {"size": 2.0})).passed
    full = check_ast(
        [FN, twin], [("geo_area", {"size": 2.0})], [{"geo.area": {"size": [2.0]}}], "multiple", sanitize=True
    )
    assert full.valid


def test_call_counts_and_undecodable() -> None:
    case = _case("simple_python", SIMPLE)
    assert _grade(case).failures[0].kind == "no_call"
    two = _grade(case, ("geo.area", {"size": 2.0}), ("geo.area", {"size": 2.0}))
    assert two.failures[0].kind == "extra_call"
    assert _grade(case, ("geo.area", None)).failures[0].kind == "invalid_arguments_json"


def test_parallel_matching_is_greedy_like_bfcl() -> None:
    fn = {
        "name": "f",
        "parameters": {"type": "dict", "properties": {"x": {"type": "integer"}}, "required": []},
    }
    answer = [{"f": {"x": [1, 2]}}, {"f": {"x": [1]}}]
    case = _case("parallel", answer, [fn])
    # An optimal assignment would pair x=2 with the first answer and x=1 with the second;
    # BFCL takes the first output that fits (x=1) for the first answer and then fails.
    assert not _grade(case, ("f", {"x": 1}), ("f", {"x": 2})).passed
    assert _grade(case, ("f", {"x": 2}), ("f", {"x": 1})).passed
    assert check_ast([fn], [("f", {"x": 1}), ("f", {"x": 2})], answer, "parallel").error_type.endswith(
        "cannot_find_match"
    )


def test_v1_suffixed_keys_match_by_substring() -> None:
    fn = {
        "name": "spotify.play",
        "parameters": {"type": "dict", "properties": {"a": {"type": "string"}}, "required": []},
    }
    answer = {"spotify.play_1": {"a": ["x"]}, "spotify.play_2": {"a": ["y"]}}
    case = _case("parallel_function", answer, fn)
    assert [e.name for e in case.turns[0].expect] == ["spotify.play", "spotify.play"]
    assert _grade(case, ("spotify.play", {"a": "Y"}), ("spotify.play", {"a": "x"})).passed


def test_irrelevance_no_call_rule() -> None:
    case = _case("irrelevance", None)
    assert case.turns[0].expect == ()
    assert _grade(case).passed
    assert _grade(case, ("geo.area", None)).passed  # BFCL cannot decode it: no call

    def raw(text: str, args: Any) -> ModelTurn:
        return ModelTurn(calls=(ToolCall("geo.area", args, text),))

    assert bfcl_checker.grade(case, [raw("[1]", None)]).passed  # JSON, but not a call's format
    assert bfcl_checker.grade(case, [raw("", {})]).passed  # "" is not JSON to BFCL
    v = _grade(case, ("geo.area", {"size": 1.0}))
    assert not v.passed and v.failures[0].kind == "unexpected_call"


def test_non_bfcl_case_is_a_user_error() -> None:
    case = Case("plain", "simple", (), (), (Turn(()),))
    with pytest.raises(UserError, match="fcharness import bfcl"):
        bfcl_checker.grade(case, [ModelTurn()])
    with pytest.raises(UserError, match="tool-names"):
        bfcl_checker.grade(_case("simple_python", SIMPLE), [ModelTurn()], tool_names="dots")


def test_grading_dispatches_the_bfcl_profile() -> None:
    from harness.grading import grader as grading

    case = _case("simple_python", SIMPLE)
    turn = ModelTurn(calls=(ToolCall("geo_area", {"size": 2}),))
    assert grading.grade(case, [turn], profile="bfcl", tool_names="sanitized").passed
    assert not grading.grade(case, [turn], profile="bfcl").passed
    tg = grading.grade_turn(case, 0, turn, profile="bfcl", tool_names="sanitized")
    assert tg.passed and tg.matches == (0,)


def test_dict_rules_differ_by_era() -> None:
    """v1 (2024) needs every answer key in a dict argument; current BFCL lets `""` keys be omitted."""
    fn = {
        "name": "f",
        "parameters": {
            "type": "dict",
            "properties": {"opts": {"type": "dict", "properties": {}}},
            "required": [],
        },
    }
    acceptable = {"opts": [{"a": [1], "b": ["", 2]}]}
    v1 = _case("simple", {"f": acceptable}, fn)
    current = _case("simple_python", [{"f": acceptable}], [fn])
    partial = ("f", {"opts": {"a": 1}})
    assert _grade(current, partial).passed
    verdict = _grade(v1, partial)
    assert not verdict.passed and "value_error:dict_items" in verdict.failures[0].message
    assert _grade(v1, ("f", {"opts": {"a": 1, "b": 2}})).passed
    assert not _grade(current, ("f", {"opts": {"a": 1, "c": 2}})).passed  # unexpected key
