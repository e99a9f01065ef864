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
