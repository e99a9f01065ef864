"""The fast case-YAML builder gives exactly `CaseLoader`'s (data, lines, duplicate keys) or declines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import event, given, settings
from hypothesis import strategies as st

from harness.cases.yaml_lines import LineMap, YamlSyntaxError, _fast_load, _slow_load, load_yaml

REPO = Path(__file__).resolve().parents[2]

#: Plain scalars whose meaning differs between YAML 1.1, YAML 1.2 and CaseLoader's JSON-like rules.
_PLAIN = [
    "012", "10:30", "12:30:45", "no", "yes", "on", "off", "No", "OFF", "y", "n", "Y", "1e3", "1E3",
    ".5", "+.5", "-.5", "1.", "1.5e-3", "0x1F", "0x1f", "0o17", "0b101", "0", "00", "-0", "-0.0",
    "+12", "3", "1_000", ".inf", "-.inf", "+.INF", ".Inf", ".NaN", ".nan", "-.nan", "~", "null",
    "Null", "NULL", "nULL", "true", "True", "TRUE", "tRUE", "false", "2025-06-22",
    "2025-06-22 10:30:00", "=", "<<", "a b", "héllo", "北京", "明天会下雨吗", "abc", "-", "1:2:3.5",
    "0x", "1e", "e3", "Infinity", "NaN",
]  # fmt: skip
_KEYS = ["a", "b", "id", "1", "'1'", '"a"', "true", "~", "012", ".nan", "x y", "键", "1.0", "''"]


def _quoted(text: str, style: str) -> str:
    if style == "'":
        return "'" + text.replace("'", "''") + "'"
    return json.dumps(text, ensure_ascii=False)


_printable = st.characters(blacklist_categories=("Cc", "Cs"))
_scalars = st.one_of(
    st.sampled_from(_PLAIN),
    st.builds(
        _quoted, st.sampled_from(_PLAIN) | st.text(_printable, max_size=6), st.sampled_from(["'", '"'])
    ),
)


@st.composite
def _docs(draw: st.DrawFn) -> str:
    """A YAML document: nested block and flow mappings and lists, comments, duplicate keys."""

    def node(depth: int) -> tuple[str, Any]:
        kind = draw(st.sampled_from(["scalar", "map", "seq"] if depth < 4 else ["scalar"]))
        if kind == "scalar":
            return "scalar", draw(_scalars)
        n = draw(st.integers(0, 4))
        if kind == "map":
            return "map", [(draw(st.sampled_from(_KEYS)), node(depth + 1)) for _ in range(n)]
        return "seq", [node(depth + 1) for _ in range(n)]

    def flow(n: tuple[str, Any]) -> str:
        kind, value = n
        if kind == "scalar":
            return str(value)
        if kind == "map":
            return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in value) + "}"
        return "[" + ", ".join(flow(v) for v in value) + "]"

    def block(n: tuple[str, Any], indent: int) -> list[str]:
        kind, value = n
        pad = " " * indent
        if kind == "scalar" or not value or draw(st.integers(0, 4)) == 0:
            return [pad + flow(n)]
        out: list[str] = []
        for item in value:
            if draw(st.integers(0, 6)) == 0:
                out.append(draw(st.sampled_from(["", pad + "# a comment", "#"])))
            head = f"{pad}{item[0]}:" if kind == "map" else f"{pad}-"
            child = item[1] if kind == "map" else item
            if child[0] == "scalar" or not child[1]:
                out.append(f"{head} {flow(child)}")
            else:
                out.append(head)
                out.extend(block(child, indent + 2))
        return out

    root = node(0)
    return "\n".join(block(root, 0)) + "\n"


def _containers(data: Any, lines: LineMap) -> dict[tuple[Any, ...], Any]:
    """The line entry of every mapping and list, by its path (ids differ between two loads)."""
    out: dict[tuple[Any, ...], Any] = {}
    stack: list[tuple[tuple[Any, ...], Any]] = [((), data)]
    seen: set[int] = set()
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            stack.extend(((*path, repr(k)), v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend(((*path, i), v) for i, v in enumerate(node))
        else:
            continue
        seen.add(id(node))
        out[path] = lines[id(node)]
    # entries beyond the live containers belong to values a duplicate key replaced (as in CaseLoader)
    assert len(seen) <= len(lines)
    return out


def _same(text: str) -> str:
    """Assert `load_yaml` (fast path first) equals `_slow_load` (CaseLoader); say which path it took."""
    fast = _fast_load(text)
    try:
        slow = _slow_load(text)
    except YamlSyntaxError as exc:
        assert fast is None, f"fast path accepted a document CaseLoader refuses: {exc}"
        with pytest.raises(YamlSyntaxError) as again:
            load_yaml(text)
        assert (str(again.value), again.value.line) == (str(exc), exc.line)
        return "refused by both"
    for got in [fast, load_yaml(text)] if fast is not None else [load_yaml(text)]:
        data, lines, dups = got
        assert repr(data) == repr(slow[0])  # repr: True is not 1, 1.0 is not 1, key order, nan
        assert _containers(data, lines) == _containers(slow[0], slow[1])
        assert dups == slow[2]
    return "fast path" if fast is not None else "declined"


@settings(max_examples=600, deadline=None)
@given(text=_docs())
def test_fast_path_equals_caseloader_on_generated_documents(text: str) -> None:
    event(_same(text))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(value=json_values, flow=st.booleans())
def test_fast_path_equals_caseloader_on_dumped_values(value: Any, flow: bool) -> None:
    text = yaml.safe_dump({"cases": [value]}, allow_unicode=True, default_flow_style=flow)
    assert _same(text) == "fast path"


def test_every_shipped_case_file_takes_the_fast_path_with_the_same_result() -> None:
    files = sorted(REPO.glob("cases/**/*.yaml"))
    assert len(files) >= 10
    for path in files:
        assert _same(path.read_text(encoding="utf-8")) == "fast path", path


@pytest.mark.parametrize(
    "text",
    [
        "a: !!str 1\n",
        "a: !!timestamp 2025-06-22\n",
        "a: ! 12\nb: ! '12'\n",
        "[!, a]\n",
        "a: !!map {b: 1}\n",
        "d: {<<: 1}\n",
        "? [a]\n: b\n",
        "? {a: 1}\n: b\n",
        "a: 1\n---\nb: 2\n",
        "a: [1, 2\n",
        "a: 'x\n",
        "a: *nothing\n",
        "\tq: 1\n",
        "a: 1\n  b: 2\n",
        "1: a\n'1': b\n1: c\n",
        "true: a\n1: b\n1.0: c\n",
        ".nan: 1\n.NaN: 2\n",
        "a: {b: 1, b: 2}\na: [1]\nc: {d: {e: 1, e: 2}, d: 3}\n",
        "",
        "# only a comment\n",
        "just a string\n",
        "- 1\n- x\n",
    ],
)
def test_unusual_documents_behave_exactly_like_caseloader(text: str) -> None:
    _same(text)
