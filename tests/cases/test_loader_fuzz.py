"""Property tests: malformed input never crashes the loader; the fast check is sound."""

from __future__ import annotations

import copy
import functools
import tempfile
from pathlib import Path

import yaml
from hypothesis import event, given, settings
from hypothesis import strategies as st

from harness.cases.loader import load_cases, parse_case_dict, validate_paths
from harness.cases.yaml_lines import load_yaml
from harness.errors import CaseFileError
from harness.model import Tool
from tests.cases.test_loader import weather_tool

REPO = Path(__file__).resolve().parents[2]


# --- robustness: bad input never crashes the loader --------------------------------------------

_KEYS = [
    "id", "category", "messages", "expect", "turns", "tools", "use", "tool_choice", "order",
    "extra_arguments", "skip", "only", "tags", "role", "content", "call", "arguments", "name",
    "parameters", "results", "expect_text", "tool_calls", "tool_call_id", "type", "properties",
    "required", "$one_of", "$regex", "$approx", "$tol", "$optional", "$schema", "$date", "$absent",
]  # fmt: skip
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.sampled_from(_KEYS),
    st.sampled_from(
        ["user", "assistant", "tool", "system", "get_weather", "auto", "none", "required", "object"]
    ),
    st.text(max_size=5),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(_KEYS), inner, max_size=4),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(raw=st.dictionaries(st.sampled_from(_KEYS), _values, max_size=8))
def test_parse_case_dict_never_crashes(raw: dict[str, object]) -> None:
    try:
        parse_case_dict(raw, tools_by_name={"get_weather": weather_tool()})
    except CaseFileError as exc:
        assert exc.problems  # every refusal says why
        assert all(p.message for p in exc.problems)


@settings(max_examples=100, deadline=None)
@given(doc=st.dictionaries(st.sampled_from(["tools", "use", "cases", "x"]), _values, max_size=3))
def test_validate_paths_never_crashes_on_odd_files(doc: dict[str, object]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.yaml"
        path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        report = validate_paths([path])
        assert all(p.file == str(path) for p in report.problems)


def _paths(node: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Every path to a node of a JSON-like tree."""
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


_SHIPPED = load_yaml((REPO / "cases/travel/booking.yaml").read_text(encoding="utf-8"))[0]["cases"]


@functools.cache
def _booking_tools() -> dict[str, Tool]:
    """The tools the shipped booking cases offer."""
    return {t.name: t for t in load_cases([REPO / "cases/travel/booking.yaml"])[0].tools}


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_mutated_shipped_cases_never_crash_the_loader(data: st.DataObject) -> None:
    raw = copy.deepcopy(data.draw(st.sampled_from(_SHIPPED)))
    path = data.draw(st.sampled_from(_paths(raw)[1:]))
    node = raw
    for step in path[:-1]:
        node = node[step]  # type: ignore[index]
    node[path[-1]] = data.draw(_values)  # type: ignore[index]
    try:
        parse_case_dict(raw, tools_by_name=_booking_tools())
    except CaseFileError as exc:
        assert exc.problems


# --- the fast accept-check never accepts what the JSON Schema rejects ---------------------------

_SHIPPED_FILES = sorted((REPO / "cases").glob("*/*.yaml"))


def test_shipped_files_take_the_fast_path() -> None:
    from harness.cases.fastcheck import file_ok, tools_file_ok

    for path in _SHIPPED_FILES:
        doc = load_yaml(path.read_text(encoding="utf-8"))[0]
        assert (tools_file_ok if path.parent.name == "_tools" else file_ok)(doc), path


@settings(max_examples=1500, deadline=None)
@given(data=st.data())
def test_fast_check_agrees_with_the_json_schema(data: st.DataObject) -> None:
    from harness.cases.fastcheck import file_ok
    from harness.cases.schema import file_validator

    path = data.draw(st.sampled_from([p for p in _SHIPPED_FILES if p.parent.name != "_tools"]))
    doc = load_yaml(path.read_text(encoding="utf-8"))[0]
    for _ in range(data.draw(st.integers(1, 3))):
        target = data.draw(st.sampled_from(_paths(doc)))
        if not target:
            continue
        node = doc
        for step in target[:-1]:
            node = node[step]  # type: ignore[index]
        if data.draw(st.booleans()) and isinstance(node, dict):
            node.pop(target[-1])  # type: ignore[union-attr]
        else:
            node[target[-1]] = data.draw(_values)  # type: ignore[index]
    accepted = file_ok(doc)
    event(f"fast check accepted: {accepted}")
    if accepted:
        assert file_validator().is_valid(doc), doc
