"""`validate_literal`'s fast accept-check never changes its answer."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.grading import spec_checks as _matcher_checks
from harness.grading.spec_checks import validate_literal
from tests.grading.test_grader_properties import instances, schemas

_formats = st.fixed_dictionaries(
    {"type": st.just("string"), "format": st.sampled_from(["date", "email", "ipv4", "date-time"])}
)


def _slow(params: dict[str, Any], value: Any) -> list[str]:
    """`validate_literal` with jsonschema only."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(_matcher_checks, "_fast_accept_for", lambda key: None)
        return validate_literal(params, "a", value)


@settings(max_examples=300, deadline=None)
@given(prop=st.one_of(schemas, _formats), value=st.one_of(instances, st.sampled_from(["2025-13-45", "x@y"])))
def test_fast_accept_gives_the_same_messages_as_jsonschema(prop: dict[str, Any], value: Any) -> None:
    params = {"type": "object", "properties": {"a": prop}}
    assert validate_literal(params, "a", value) == _slow(params, value)


def test_formats_are_still_asserted() -> None:
    params = {"type": "object", "properties": {"day": {"type": "string", "format": "date"}}}
    assert validate_literal(params, "day", "2025-06-22") == []
    assert validate_literal(params, "day", "2025-13-45")  # a string, but not a date
    assert _matcher_checks._fast_accept_for('{"properties": {"day": {"type": "string"}}, "type": "object"}')


_datetimes = st.sampled_from(
    [
        "2025-06-22T15:00:00+08:00",
        "2025-06-22t15:00:00z",
        "2025-06-22T25:00:00Z",
        "2025-02-30T10:00:00Z",
        "2025-06-22 15:00:00Z",
        "2025-06-22T15:00:00.123+24:00",
        "2025-06-22T15:00:60Z",
        "2025-06-22",
        "a@b",
    ]
)


@settings(max_examples=200, deadline=None)
@given(
    fmt=st.sampled_from(["date", "date-time", "email", "uuid"]),
    value=st.one_of(_datetimes, instances),
    pattern=st.one_of(st.none(), st.sampled_from(["^[A-Z]{3}$", "张伟", "a+", "("])),
)
def test_fast_accept_agrees_on_formats_and_patterns(fmt: str, value: Any, pattern: str | None) -> None:
    prop: dict[str, Any] = {"type": "string", "format": fmt}
    if pattern is not None:
        prop["pattern"] = pattern
    params = {"type": "object", "properties": {"a": prop}}
    assert validate_literal(params, "a", value) == _slow(params, value)


_junk = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False), st.text(max_size=3)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)
_keywords = st.sampled_from(
    [
        "type",
        "properties",
        "items",
        "required",
        "enum",
        "minimum",
        "minLength",
        "pattern",
        "format",
        "allOf",
        "anyOf",
        "not",
        "multipleOf",
        "uniqueItems",
        "const",
        "description",
        "examples",
        "x-order",
        "$ref",
    ]
)
_schema_like = st.recursive(
    st.one_of(st.booleans(), st.just({})),
    lambda inner: st.dictionaries(
        _keywords,
        st.one_of(
            inner,
            _junk,
            st.lists(inner, max_size=3),
            st.dictionaries(st.text(max_size=3), inner, max_size=3),
            st.sampled_from(
                ["string", "integer", ["string", "null"], ["a"], ["string", "string"], "(", "^x$"]
            ),
        ),
        max_size=4,
    ),
    max_leaves=10,
)


@settings(max_examples=400, deadline=None)
@given(schema=st.one_of(schemas, _schema_like))
def test_schema_ok_accepts_only_what_jsonschema_accepts(schema: Any) -> None:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    from harness.grading.fastschema import schema_ok

    if schema_ok(schema):
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:  # pragma: no cover - the failure being tested for
            pytest.fail(f"schema_ok accepted an invalid schema {schema!r}: {exc.message}")


def test_schema_ok_accepts_the_common_shapes_and_refuses_the_rest() -> None:
    from harness.grading.fastschema import schema_ok

    assert schema_ok({"type": "object", "properties": {"a": {"type": "string", "pattern": "^[A-Z]{3}$"}}})
    assert schema_ok({"type": ["string", "null"], "enum": ["a", None]})
    assert not schema_ok({"type": "strng"})
    assert not schema_ok({"type": "string", "pattern": "("})
    assert not schema_ok({"required": ["a", "a"]})
    assert not schema_ok({"$ref": "#/$defs/x"})  # not in the fast set: jsonschema decides
