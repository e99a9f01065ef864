"""Property tests (hypothesis) for matchers and order-free grading."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from harness.grading.fastschema import compile_fast
from harness.grading.grader import grade
from harness.grading.matchers import compile_matcher, match
from harness.model import ToolCall
from tests.helpers.grading_builders import expected, make_case, turn

keys = st.text(min_size=1, max_size=6).filter(lambda k: not k.startswith("$"))
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=12,
)
profiles = st.sampled_from([False, True])


@given(json_values, profiles)
def test_a_value_always_matches_itself_as_a_literal(value: Any, strict: bool) -> None:
    assert match(value, value, strict=strict) == []
    assert compile_matcher(value, strict=strict).ok(value)


@given(json_values, json_values, profiles)
def test_one_of_single_behaves_like_the_value(x: Any, y: Any, strict: bool) -> None:
    plain, one = compile_matcher(x, strict=strict), compile_matcher({"$one_of": [x]}, strict=strict)
    assert plain.ok(y) == one.ok(y)
    assert plain.ok(x) and one.ok(x)


def _swap_bools(v: Any) -> Any:
    """Replace 1/0 by true/false and true/false by 1/0, everywhere."""
    if type(v) is bool:
        return int(v)
    if type(v) is int and v in (0, 1):
        return bool(v)
    if isinstance(v, list):
        return [_swap_bools(x) for x in v]
    if isinstance(v, dict):
        return {k: _swap_bools(x) for k, x in v.items()}
    return v


def _has_bool_or_01(v: Any) -> bool:
    if type(v) is bool or (type(v) is int and v in (0, 1)):
        return True
    if isinstance(v, list):
        return any(_has_bool_or_01(x) for x in v)
    if isinstance(v, dict):
        return any(_has_bool_or_01(x) for x in v.values())
    return False


@given(json_values, profiles)
def test_json_true_never_equals_one(value: Any, strict: bool) -> None:
    swapped = _swap_bools(value)
    if _has_bool_or_01(value):
        assert match(value, swapped, strict=strict)
        assert match({"$one_of": [value]}, swapped, strict=strict)
        assert match({"$unordered": [value]}, [swapped], strict=strict)
    assert match(True, 1, strict=strict) and match(1, True, strict=strict)
    assert match(False, 0.0, strict=strict) and match(1.0, True, strict=strict)


# -- order-free verdicts are invariant under permutation --------------------------------

cities = st.sampled_from(["北京", "上海", "广州", "Paris"])
days = st.integers(1, 3)


@st.composite
def parallel_outputs(draw: st.DrawFn) -> tuple[Any, list[ToolCall]]:
    n = draw(st.integers(1, 4))
    exp = [
        expected("get_weather", location=draw(cities), days=draw(days))
        if draw(st.booleans())
        else expected("get_time", timezone=draw(st.sampled_from(["UTC", "Asia/Shanghai"])))
        for _ in range(n)
    ]
    calls: list[ToolCall] = []
    for e in exp:
        action = draw(st.sampled_from(["same", "same", "change", "drop", "rename"]))
        if action == "drop":
            continue
        args = dict(e.arguments)
        if action == "change":
            key = draw(st.sampled_from(sorted(args)))
            args[key] = draw(st.one_of(cities, days, st.booleans(), st.just("2")))
        name = e.name if action != "rename" else draw(st.sampled_from(["get_time", "get_weather", "nope"]))
        calls.append(ToolCall(name, args))
    for _ in range(draw(st.integers(0, 2))):
        calls.append(ToolCall("get_weather", {"location": draw(cities), "days": draw(days)}))
    return make_case(*exp, category="parallel"), calls


@settings(max_examples=150)
@given(parallel_outputs(), st.randoms(use_true_random=False))
def test_permuting_calls_never_changes_an_order_free_verdict(data: Any, rnd: Any) -> None:
    case, calls = data
    base = grade(case, [turn(*calls)])
    shuffled = calls[:]
    rnd.shuffle(shuffled)
    v = grade(case, [turn(*shuffled)])
    assert (v.passed, v.tool_selection_ok, v.arguments_ok, v.schema_ok) == (
        base.passed,
        base.tool_selection_ok,
        base.arguments_ok,
        base.schema_ok,
    )
    assert len(v.failures) == len(base.failures)


# -- the fast schema accept-check is exact on its subset --------------------------------

leaf_schemas = st.one_of(
    st.fixed_dictionaries({"type": st.sampled_from(["string", "integer", "number", "boolean", "null"])}),
    st.fixed_dictionaries({"type": st.just("string"), "enum": st.lists(st.text(max_size=3), min_size=1)}),
    st.fixed_dictionaries({"type": st.just("number"), "minimum": st.integers(-3, 3)}),
    st.fixed_dictionaries({"maximum": st.floats(-3, 3), "maxLength": st.integers(0, 3)}),
    st.fixed_dictionaries({"type": st.sampled_from([["string", "null"], ["integer", "boolean"]])}),
)
schemas = st.recursive(
    leaf_schemas,
    lambda inner: st.one_of(
        st.fixed_dictionaries({"type": st.just("array"), "items": inner, "minItems": st.integers(0, 2)}),
        st.fixed_dictionaries({"contains": inner}, optional={"type": st.just("array"), "items": inner}),
        st.fixed_dictionaries(
            {
                "type": st.just("object"),
                "properties": st.dictionaries(st.sampled_from("abc"), inner, max_size=3),
                "required": st.lists(st.sampled_from("abc"), max_size=2, unique=True),
                "additionalProperties": st.one_of(st.booleans(), inner),
            }
        ),
    ),
    max_leaves=6,
)
instances = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-4, 4)
    | st.floats(-4, 4)
    | st.sampled_from([1.0, 2.0])
    | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("abcd"), inner, max_size=4),
    max_leaves=8,
)


@settings(max_examples=300)
@given(schemas, instances)
def test_fast_schema_check_agrees_with_jsonschema(schema: dict[str, Any], value: Any) -> None:
    fast = compile_fast(schema)
    assert fast is not None
    assert fast(value) == Draft202012Validator(schema).is_valid(value)


def test_fast_schema_declines_unsupported_keywords() -> None:
    assert compile_fast({"type": "object", "properties": {"a": {"oneOf": [{"type": "string"}]}}}) is None
    assert compile_fast({"$ref": "#/$defs/x"}) is None
    assert compile_fast({"enum": [1, 2]}) is None
    assert compile_fast({"contains": {"type": "string"}, "minContains": 2}) is None
    assert compile_fast({"contains": {"oneOf": [{"type": "string"}]}}) is None
