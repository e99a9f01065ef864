"""Every matcher, matching and failing, alone and nested."""

from __future__ import annotations

from typing import Any

import pytest

from harness.grading.matcher_names import MATCHER_NAMES
from harness.grading.matchers import (
    MatcherError,
    compile_arguments,
    compile_matcher,
    is_matcher_spec,
    match,
)


def ok(spec: Any, value: Any, **kw: Any) -> bool:
    return not match(spec, value, **kw)


def kinds(spec: Any, value: Any, **kw: Any) -> list[str]:
    return [m.kind for m in match(spec, value, **kw)]


# -- plain values (JSON semantics) -------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "value", "expected"),
    [
        # booleans are not numbers
        (True, True, []),
        (True, 1, ["wrong_type"]),
        (1, True, ["wrong_type"]),
        (0, False, ["wrong_type"]),
        # strings are not numbers
        ("100", 100, ["wrong_type"]),
        (100, "100", ["wrong_type"]),
        # numbers compare by value in the default profile
        (1, 1.0, []),
        (1.5, 1.5, []),
        (2, 3, ["wrong_value"]),
        ("a", "b", ["wrong_value"]),
        (None, None, []),
        (None, 0, ["wrong_type"]),
        ("", None, ["wrong_type"]),
    ],
)
def test_plain_values_follow_json_semantics(spec: Any, value: Any, expected: list[str]) -> None:
    assert kinds(spec, value) == expected


def test_strict_numbers_compare_by_type_too() -> None:
    assert kinds(1, 1.0, strict=True) == ["wrong_type"]
    assert kinds(1.0, 1, strict=True) == ["wrong_type"]
    assert ok(1, 1, strict=True)
    assert ok({"n": [1, 2.5]}, {"n": [1, 2.5]}, strict=True)
    assert kinds({"n": [1, 2]}, {"n": [1, 2.0]}, strict=True) == ["wrong_type"]


def test_plain_object_is_exact_and_recurses_with_paths() -> None:
    spec = {"a": 1, "b": {"c": "x"}}
    assert ok(spec, {"a": 1.0, "b": {"c": "x"}})
    found = match(spec, {"a": 1, "b": {"c": "y", "d": 2}})
    assert [(m.kind, m.path) for m in found] == [
        ("wrong_value", "root['b']['c']"),
        ("unexpected_argument", "root['b']['d']"),
    ]
    found = match(spec, {"b": {"c": "x"}})
    assert [(m.kind, m.path) for m in found] == [("missing_argument", "root['a']")]
    assert kinds(spec, [1]) == ["wrong_type"]


def test_exact_object_fast_path_keeps_json_types() -> None:
    # all-literal objects take a `==` fast path; True == 1 in Python must not leak through
    assert kinds({"a": 1, "b": "x"}, {"a": True, "b": "x"}) == ["wrong_type"]
    assert kinds({"a": True}, {"a": 1}) == ["wrong_type"]
    assert ok({"a": 1, "b": "x"}, {"a": 1.0, "b": "x"})
    assert kinds({"a": 1}, {"a": 1.0}, strict=True) == ["wrong_type"]


def test_plain_list_is_ordered_with_indexed_paths() -> None:
    assert ok([1, "a"], [1, "a"])
    found = match({"items": [1, 2, 3]}, {"items": [1, 5, 3]})
    assert [(m.kind, m.path) for m in found] == [("wrong_value", "root['items'][1]")]
    assert kinds([1, 2], [2, 1]) == ["wrong_value", "wrong_value"]
    (m,) = match([1, 2], [1, 2, 3])
    assert m.kind == "wrong_value" and "3 items instead of 2" in m.message
    assert "root[2]" in m.message  # the deepdiff explanation names the added item
    assert kinds([1], "1") == ["wrong_type"]


# -- each matcher -----------------------------------------------------------------------


def test_one_of() -> None:
    spec = {"$one_of": ["北京", "北京市", "Beijing"]}
    assert ok(spec, "北京市")
    assert kinds(spec, "上海") == ["wrong_value"]
    assert kinds(spec, 3) == ["wrong_type"]
    mixed = {"$one_of": [1, "one", {"$regex": "o+"}]}
    assert ok(mixed, 1.0) and ok(mixed, "one") and ok(mixed, "ooo")
    assert not ok(mixed, True)
    assert kinds(mixed, "two") == ["wrong_value"]


def test_regex_is_a_full_match() -> None:
    spec = {"$regex": r"\d{4}-\d{2}"}
    assert ok(spec, "2025-06")
    assert kinds(spec, "2025-06-22") == ["wrong_value"]  # re.search would accept this
    assert kinds(spec, "x2025-06") == ["wrong_value"]
    assert kinds(spec, 2025) == ["wrong_type"]


def test_approx_uses_an_absolute_tolerance() -> None:
    spec = {"$approx": 3.1, "$tol": 0.05}
    assert ok(spec, 3.14) and ok(spec, 3.05) and ok(spec, 3.15)
    assert kinds(spec, 3.2) == ["wrong_value"]
    assert kinds(spec, "3.1") == ["wrong_type"]
    assert kinds(spec, True) == ["wrong_type"]
    assert ok({"$approx": 1000}, 1000.0000001)  # default tolerance 1e-6
    assert not ok({"$approx": 1000}, 1000.01)
    assert ok({"$approx": 5}, 5, strict=True)


def test_normalized_ignores_case_space_and_punctuation_unicode_aware() -> None:
    assert ok({"$normalized": "New York, NY"}, "new york ny")
    assert ok({"$normalized": "Hello World!"}, "  HELLO-world ")
    assert ok({"$normalized": "你好，世界！"}, "你好 世界")
    assert ok({"$normalized": "《三体》"}, "三体")
    assert ok({"$normalized": "“北京”。"}, "北京")
    assert ok({"$normalized": "ＡＢＣ"}, "abc")  # full-width forms
    assert kinds({"$normalized": "北京"}, "南京") == ["wrong_value"]
    assert kinds({"$normalized": "a"}, 1) == ["wrong_type"]


def test_contains_strings_and_arrays() -> None:
    assert ok({"$contains": "rain"}, "heavy rain today")
    assert kinds({"$contains": "Rain"}, "heavy rain") == ["wrong_value"]  # case-sensitive
    assert ok({"$contains": 2}, [1, 2, 3])
    assert ok({"$contains": {"$regex": "b.*"}}, ["a", "bcd"])
    assert kinds({"$contains": 4}, [1, 2]) == ["wrong_value"]
    assert kinds({"$contains": "x"}, 5) == ["wrong_type"]
    assert kinds({"$contains": 1}, "1") == ["wrong_type"]


def test_any_absent_optional_inside_objects() -> None:
    spec = {"a": {"$any": True}, "b": {"$absent": True}, "c": {"$optional": {"$regex": "x+"}}}
    assert ok(spec, {"a": None})
    assert ok(spec, {"a": [1], "c": "xx"})
    assert [(m.kind, m.path) for m in match(spec, {})] == [("missing_argument", "root['a']")]
    assert [(m.kind, m.path) for m in match(spec, {"a": 1, "b": 2})] == [("unexpected_argument", "root['b']")]
    assert [(m.kind, m.path) for m in match(spec, {"a": 1, "c": "y"})] == [("wrong_value", "root['c']")]


def test_unordered_is_a_multiset_with_matcher_elements() -> None:
    spec = {"$unordered": [1, 2, 2]}
    assert ok(spec, [2, 1, 2])
    assert kinds(spec, [1, 1, 2]) == ["wrong_value"]
    assert kinds(spec, [1, 2]) == ["wrong_value"]
    assert kinds(spec, "12") == ["wrong_type"]
    # elements may be matchers: a greedy pass would give "a" to the regex and fail
    spec2 = {"$unordered": [{"$regex": "[ab]"}, "a"]}
    assert ok(spec2, ["a", "b"])
    assert ok({"$unordered": [{"x": 1}, {"x": 2}]}, [{"x": 2}, {"x": 1}])
    (m,) = match(spec, [1, 2, 3])
    assert "unmatched expected [2]" in m.message and "unmatched actual [3]" in m.message


def test_subset_allows_more_keys_but_checks_listed_ones() -> None:
    spec = {"$subset": {"city": "北京", "unit": {"$optional": "c"}}}
    assert ok(spec, {"city": "北京", "extra": 1})
    assert [(m.kind, m.path) for m in match(spec, {"extra": 1})] == [("missing_argument", "root['city']")]
    assert kinds(spec, {"city": "北京", "unit": "f"}) == ["wrong_value"]
    assert kinds(spec, "北京") == ["wrong_type"]
    # nested plain objects stay exact inside a subset
    nested = {"$subset": {"seat": {"class": "first"}}}
    assert kinds(nested, {"seat": {"class": "first", "window": True}}) == ["unexpected_argument"]


def test_schema_validates_against_json_schema() -> None:
    spec = {"$schema": {"type": "array", "items": {"type": "integer"}, "minItems": 1}}
    assert ok(spec, [1, 2])
    assert [(m.kind, m.path) for m in match(spec, [1, "x"])] == [("wrong_type", "root[1]")]
    assert kinds(spec, []) == ["wrong_value"]
    with pytest.raises(MatcherError, match="invalid JSON Schema"):
        compile_matcher({"$schema": {"type": "no-such-type"}})


@pytest.mark.parametrize(
    "value",
    [
        "2025-06-22",
        "2025/06/22",
        "2025.06.22",
        "2025-6-22",
        "20250622",
        "2025年6月22日",
        "2025年06月22号",
        "2025-06-22T09:30",
        "2025-06-22T23:59:59Z",
        "2025-06-22 09:30:00.123+08:00",
        " 2025-06-22 ",
    ],
)
def test_date_accepts_the_documented_forms(value: str) -> None:
    assert ok({"$date": "2025-06-22"}, value)


@pytest.mark.parametrize(
    "value",
    ["2025-06-21", "2025-06-22T", "2025/06-22", "22/06/2025", "June 22, 2025", "2025-02-30", "tomorrow"],
)
def test_date_rejects_other_dates_and_forms(value: str) -> None:
    assert kinds({"$date": "2025-06-22"}, value) == ["wrong_value"]


def test_date_wrong_type_and_bad_spec() -> None:
    assert kinds({"$date": "2025-06-22"}, 20250622) == ["wrong_type"]
    with pytest.raises(MatcherError, match=r"\$date"):
        compile_matcher({"$date": "next tuesday"})


# -- nesting and compilation ------------------------------------------------------------


def test_matchers_nest_deeply_and_paths_follow() -> None:
    spec = {
        "trip": {
            "legs": {
                "$unordered": [{"from": "北京", "to": {"$one_of": ["上海", "Shanghai"]}}, {"$any": True}]
            },
            "date": {"$date": "2025-06-22"},
            "meta": {"$subset": {"tags": {"$contains": "rail"}}},
        }
    }
    value = {
        "trip": {
            "legs": [{"x": 1}, {"from": "北京", "to": "Shanghai"}],
            "date": "2025/06/22",
            "meta": {"tags": ["rail", "fast"], "id": 7},
        }
    }
    assert ok(spec, value)
    value["trip"]["date"] = "2025-06-23"
    value["trip"]["meta"]["tags"] = ["air"]
    assert [(m.kind, m.path) for m in match(spec, value)] == [
        ("wrong_value", "root['trip']['date']"),
        ("wrong_value", "root['trip']['meta']['tags']"),
    ]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"$oneof": [1]}, "unknown matcher '\\$oneof'"),
        ({"$one_of": []}, "non-empty list"),
        ({"$regex": "("}, "not a valid regular expression"),
        ({"$regex": "a", "$contains": "b"}, "exactly one operator"),
        ({"$tol": 1}, "only valid next to"),
        ({"$approx": "x"}, "needs a number"),
        ({"$any": False}, "takes `true`"),
        ({"$regex": "a", "plain": 1}, "mixes matcher keys and plain keys"),
        ({"$optional": {"$absent": True}}, "cannot wrap"),
    ],
)
def test_malformed_specs_are_clear_errors(spec: Any, message: str) -> None:
    with pytest.raises(MatcherError, match=message):
        compile_matcher(spec)


def test_matcher_names_is_one_definition() -> None:
    assert {
        "$one_of",
        "$regex",
        "$approx",
        "$tol",
        "$normalized",
        "$contains",
        "$any",
        "$absent",
        "$optional",
        "$unordered",
        "$subset",
        "$schema",
        "$date",
    } == MATCHER_NAMES
    for name in MATCHER_NAMES - {"$tol"}:
        assert is_matcher_spec({name: 1})
    assert not is_matcher_spec({"city": 1})


def test_compile_arguments_extra_policy_and_whole_object_matchers() -> None:
    forbid = compile_arguments({"a": 1})
    allow = compile_arguments({"a": 1}, extra_arguments="allow")
    assert not forbid.ok({"a": 1, "b": 2})
    assert allow.ok({"a": 1, "b": 2})
    assert not allow.ok({"b": 2})
    assert compile_arguments({"$any": True}).ok({"whatever": 1})
    whole = compile_arguments({"$schema": {"type": "object", "required": ["q"]}})
    assert whole.ok({"q": 1}) and not whole.ok({})


def test_compiled_matchers_are_reusable() -> None:
    m = compile_matcher({"$one_of": ["a", "b"]})
    assert [m.ok(v) for v in ("a", "b", "c", "a")] == [True, True, False, True]
