"""Every adapter sends exactly `portability.translate_schema`'s schemas (one source of truth).

For every kind (and strict mode, and each openai-chat quirks profile) the request of every
shipped case is built and its tools compared with the translation; Gemini's `parameters`
form is checked against google-genai's own `types.Schema`; strict mode against the openai
SDK's `_ensure_strict_json_schema`; and `fcharness validate --portability cases/` is clean.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from harness.cases.loader import load_cases
from harness.cli import main
from harness.model import Case, Tool
from harness.providers import get_adapter
from harness.providers._schema import wire_schema
from harness.providers.base import sanitize_name
from harness.providers.capabilities import UnsupportedCaseError, unsupported_reason
from harness.providers.openai_chat import QUIRKS
from harness.providers.portability import translate_schema

ROOT = Path(__file__).resolve().parents[2]
EMPTY = {"type": "object", "properties": {}}


@cache
def shipped() -> tuple[Case, ...]:
    """The shipped suite (`cases/`)."""
    return tuple(load_cases([str(ROOT / "cases")]))


def _sent_tools(kind: str, body: Mapping[str, Any]) -> list[tuple[str, Any, dict[str, Any]]]:
    """(wire name, schema, the tool's wire entry) of every tool in a request body."""
    if kind in ("openai-chat", "mistral", "cohere"):
        return [(t["function"]["name"], t["function"]["parameters"], t["function"]) for t in body["tools"]]
    if kind == "openai-functions":
        return [(f["name"], f["parameters"], f) for f in body["functions"]]
    if kind == "openai-responses":
        return [(t["name"], t["parameters"], t) for t in body["tools"]]
    if kind == "anthropic":
        return [(t["name"], t["input_schema"], t) for t in body["tools"]]
    if kind == "gemini":
        decls = [d for t in body["tools"] for d in t["functionDeclarations"]]
        return [(d["name"], d.get("parameters", d.get("parametersJsonSchema")), d) for d in decls]
    if kind == "bedrock-converse":
        specs = [t["toolSpec"] for t in body["toolConfig"]["tools"]]
        return [(s["name"], s["inputSchema"]["json"], s) for s in specs]
    raise AssertionError(kind)


#: (label, kind, quirks, params, the dialect `translate_schema` is asked for; None: sent as written).
CONFIGS: list[tuple[str, str, str | None, dict[str, Any], str | None]] = [
    ("openai-chat", "openai-chat", None, {}, "openai-chat"),
    ("openai-chat+strict", "openai-chat", None, {"strict": True}, "openai-strict"),
    ("openai-functions", "openai-functions", None, {}, "openai-functions"),
    ("openai-responses", "openai-responses", None, {}, "openai-responses"),
    ("openai-responses+strict", "openai-responses", None, {"strict": True}, "openai-strict"),
    ("anthropic", "anthropic", None, {}, "anthropic"),
    ("gemini", "gemini", None, {}, None),  # parametersJsonSchema takes full JSON Schema [C]
    ("gemini+parameters", "gemini", None, {"schema_field": "parameters"}, "gemini"),
    ("bedrock-converse", "bedrock-converse", None, {}, "bedrock-converse"),
    ("mistral", "mistral", None, {}, "mistral"),
    ("cohere", "cohere", None, {}, "cohere"),
]
for _name in QUIRKS:
    CONFIGS.append((f"openai-chat/{_name}", "openai-chat", _name, {}, "openai-chat"))
    if QUIRKS[_name].strict:
        CONFIGS.append(
            (f"openai-chat/{_name}+strict", "openai-chat", _name, {"strict": True}, "openai-strict")
        )


def _expected(case: Case, dialect: str | None) -> dict[str, dict[str, Any]]:
    """Wire name → the schema portability says that kind receives."""
    out = {}
    for tool in case.tools:
        schema = dict(tool.parameters) or copy.deepcopy(EMPTY)
        out[sanitize_name(tool.name)] = schema if dialect is None else translate_schema(schema, dialect)[0]
        out[tool.name] = out[sanitize_name(tool.name)]
    return out


@pytest.mark.parametrize(
    ("label", "kind", "quirks", "params", "dialect"), CONFIGS, ids=[c[0] for c in CONFIGS]
)
def test_every_shipped_case_sends_portabilitys_schemas(
    label: str, kind: str, quirks: str | None, params: dict[str, Any], dialect: str | None
) -> None:
    adapter = get_adapter(kind, quirks)
    checked = 0
    for case in shipped():
        if not case.tools:
            continue
        if unsupported_reason(case, kind, quirks, params) is not None:
            continue  # the runner never builds it
        body = adapter.build_request(case, 0, (), "m", params)
        expected = _expected(case, dialect)
        sent = _sent_tools(kind, body)
        assert sent, f"{label}: {case.id}: no tools sent"
        for name, schema, entry in sent:
            assert schema == expected[name], f"{label}: {case.id}: tool {name}"
            if dialect == "openai-strict":
                assert entry["strict"] is True, f"{label}: {case.id}: tool {name}"
            checked += 1
        if not (kind == "cohere" and isinstance(case.tool_choice, Mapping)):  # named: only that tool
            assert len(sent) == len(case.tools), f"{label}: {case.id}"
    assert checked >= 10, f"{label}: only {checked} tool(s) checked"


@pytest.mark.parametrize("name", [n for n, q in QUIRKS.items() if not q.strict])
def test_strict_on_a_quirks_profile_without_strict_is_unsupported(name: str) -> None:
    case = next(c for c in shipped() if c.tools and c.tool_choice in (None, "auto"))
    reason = unsupported_reason(case, "openai-chat", name, {"strict": True})
    assert reason and "strict" in reason and name in reason
    with pytest.raises(UnsupportedCaseError, match="strict"):
        get_adapter("openai-chat", name).build_request(case, 0, (), "m", {"strict": True})
    # Without strict the same case is supported and carries no strict flag
    body = get_adapter("openai-chat", name).build_request(case, 0, (), "m", {"strict": False})
    assert all("strict" not in t["function"] for t in body["tools"])


def test_gemini_parameters_fit_the_sdk_schema_for_every_shipped_tool() -> None:
    from google.genai import types

    adapter = get_adapter("gemini")
    seen = set()
    for case in shipped():
        if not case.tools:
            continue
        body = adapter.build_request(case, 0, (), "m", {"schema_field": "parameters"})
        for tool in body["tools"]:
            types.Tool.model_validate(tool)
            for decl in tool["functionDeclarations"]:
                types.Schema.model_validate(decl["parameters"])
                seen.add(decl["name"])
    assert len(seen) >= 10


def _denull(ours: Any, neutral: Any) -> Any:
    """Undo strict mode's nullability for properties that were optional in `neutral`."""
    if not isinstance(ours, dict) or not isinstance(neutral, dict):
        return ours
    out = dict(ours)
    if isinstance(ours.get("properties"), dict):
        required = neutral.get("required", [])
        props = {}
        for key, sub in ours["properties"].items():
            base = neutral.get("properties", {}).get(key, {})
            if key not in required:
                sub = dict(sub)
                if isinstance(sub.get("type"), list) and "null" not in (base.get("type") or []):
                    rest = [t for t in sub["type"] if t != "null"]
                    sub["type"] = rest[0] if len(rest) == 1 else rest
                if isinstance(sub.get("enum"), list) and None not in base.get("enum", [None]):
                    sub["enum"] = [v for v in sub["enum"] if v is not None]
            props[key] = _denull(sub, base)
        out["properties"] = props
    if isinstance(ours.get("items"), dict):
        out["items"] = _denull(ours["items"], neutral.get("items", {}))
    return out


def test_strict_schemas_are_the_openai_sdks_plus_nullable_optionals() -> None:
    pyd = pytest.importorskip("openai.lib._pydantic")
    adapter = get_adapter("openai-chat")
    compared = 0
    for case in shipped():
        if not case.tools:
            continue
        body = adapter.build_request(case, 0, (), "m", {"strict": True})
        for tool, sent in zip(case.tools, body["tools"], strict=True):
            neutral = dict(tool.parameters)
            sdk = pyd._ensure_strict_json_schema(copy.deepcopy(neutral), path=(), root=neutral)
            assert _denull(sent["function"]["parameters"], neutral) == sdk, tool.name
            compared += 1
    assert compared >= 10


@pytest.mark.parametrize("extra", [[], ["--kind", "openai-strict"]], ids=["default-kinds", "openai-strict"])
def test_validate_portability_on_the_shipped_suite_has_no_errors(
    extra: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["validate", "--portability", *extra, str(ROOT / "cases")])
    out = capsys.readouterr()
    assert code == 0, out.out + out.err
    assert " 0 error(s)" in out.out and "(portability checked)" in out.out


def test_cached_translations_are_fresh_dicts_and_follow_the_tool() -> None:
    tool = Tool("f", "", {"type": "object", "properties": {"a": {"type": "string"}}})
    first = wire_schema(tool, "openai-chat", strict=True)
    first["additionalProperties"] = True  # a caller editing its copy
    assert (
        wire_schema(tool, "openai-chat", strict=True) == translate_schema(tool.parameters, "openai-strict")[0]
    )
    other = Tool("f", "", {"type": "object", "properties": {"b": {"type": "integer"}}})
    assert wire_schema(other, "openai-chat", strict=True)["required"] == ["b"]


@pytest.mark.parametrize("kind", ["anthropic", "bedrock-converse"])
def test_root_object_rule_is_portabilitys_in_anthropic_and_bedrock(kind: str) -> None:
    case = next(c for c in shipped() if c.tools and c.tool_choice in (None, "auto"))
    adapter = get_adapter(kind)
    # a root without `type` is completed (and the lint says so)
    loose = Tool("f", "d", {"properties": {"a": {"type": "string"}}})
    out, notes = translate_schema(dict(loose.parameters), kind)
    assert out == {"type": "object", "properties": {"a": {"type": "string"}}}
    assert [(n.path, n.action) for n in notes] == [("$.type", "changed")]
    (_, sent, _), *_ = _sent_tools(kind, adapter.build_request(replace(case, tools=(loose,)), 0, (), "m", {}))
    assert sent == out
    # a root of another type is rejected: the case is unsupported, not sent to fail with a 400
    bad = Tool("g", "d", {"type": "array", "items": {"type": "string"}})
    with pytest.raises(UnsupportedCaseError, match=rf"'g': {kind} rejects its schema \(\$\.type"):
        adapter.build_request(replace(case, tools=(bad,)), 0, (), "m", {})
