"""Schema portability: dialect translation checked against the vendors' own SDK code."""

from __future__ import annotations

import copy
import types as pytypes
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.cases.loader import load_cases, parse_case_dict
from harness.cli import main
from harness.errors import UserError
from harness.model import Case, Tool
from harness.providers.portability import (
    KINDS,
    PortabilityProblem,
    check_kinds,
    lint_cases,
    name_pattern,
    translate_schema,
)
from tests.helpers.casefiles import write

REPO = Path(__file__).resolve().parents[2]

#: A schema using most of what vendors disagree on.
HOSTILE: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "$defs": {"Point": {"type": "object", "properties": {"x": {"type": "number"}, "y": {"type": "number"}}}},
    "properties": {
        "kind": {"const": "circle"},
        "center": {"$ref": "#/$defs/Point"},
        "label": {"type": ["string", "null"], "format": "uri"},
        "when": {"type": "string", "format": "date"},
        "radius": {"type": "number", "exclusiveMinimum": 0},
        "pair": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]},
        "shape": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
        "size": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
    },
    "required": ["kind", "center"],
}


def notes_by_path(notes: list[Any]) -> dict[str, str]:
    """path → action of each note."""
    return {n.path: n.action for n in notes}


# --- Gemini ------------------------------------------------------------------------------------


def test_gemini_translation_is_accepted_by_the_sdk_schema_model() -> None:
    genai_types = pytest.importorskip("google.genai.types")
    with pytest.raises(Exception):  # noqa: B017 - any refusal by the SDK will do
        genai_types.Schema.model_validate(copy.deepcopy(HOSTILE))
    out, _ = translate_schema(HOSTILE, "gemini")
    genai_types.Schema.model_validate(out)  # raises if Gemini's SDK refuses it


def test_gemini_translation_passes_the_sdk_gemini_api_checks() -> None:
    transformers = pytest.importorskip("google.genai._transformers")
    gemini_api_client = pytypes.SimpleNamespace(vertexai=False)
    free_form = {"type": "object", "properties": {"meta": {"type": "object", "additionalProperties": True}}}
    with pytest.raises(ValueError, match="additionalProperties"):
        transformers.process_schema(copy.deepcopy(free_form), gemini_api_client)
    for schema in (free_form, HOSTILE):
        out, _ = translate_schema(schema, "gemini")
        transformers.process_schema(out, gemini_api_client)
        pytest.importorskip("google.genai.types").Schema.model_validate(out)


def test_gemini_rewrites_with_notes_at_json_paths() -> None:
    out, notes = translate_schema(HOSTILE, "gemini")
    props = out["properties"]
    assert "additionalProperties" not in out and "$schema" not in out and "$defs" not in out
    assert props["kind"] == {"enum": ["circle"], "type": "string"}
    assert props["center"]["properties"]["x"] == {"type": "number"}
    assert props["label"] == {"type": "string", "nullable": True}
    assert props["when"]["format"] == "date"
    assert props["radius"] == {"type": "number", "minimum": 0}
    assert props["pair"]["items"] == {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    assert props["pair"]["minItems"] == props["pair"]["maxItems"] == 2
    assert props["shape"] == {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    assert props["size"] == {"type": "integer", "nullable": True}
    assert notes_by_path(notes) == {
        "$.additionalProperties": "dropped",
        "$.$schema": "dropped",
        "$.properties.kind.const": "changed",
        "$.properties.center.$ref": "changed",
        "$.properties.label.type": "changed",
        "$.properties.label.format": "dropped",
        "$.properties.radius.exclusiveMinimum": "changed",
        "$.properties.pair.prefixItems": "changed",
        "$.properties.shape.oneOf": "changed",
        "$.properties.tags.uniqueItems": "dropped",
        "$.properties.size.anyOf": "changed",
    }


def test_gemini_turns_a_nullable_enum_into_nullable() -> None:
    schema = {"type": "object", "properties": {"u": {"type": ["string", "null"], "enum": ["c", "f", None]}}}
    out, notes = translate_schema(schema, "gemini")
    assert out["properties"]["u"] == {"type": "string", "enum": ["c", "f"], "nullable": True}
    assert {n.action for n in notes} == {"changed"}
    pytest.importorskip("google.genai.types").Schema.model_validate(out)


def test_gemini_rejects_what_it_cannot_express() -> None:
    schema = {
        "type": "object",
        "$defs": {"Node": {"type": "object", "properties": {"next": {"$ref": "#/$defs/Node"}}}},
        "properties": {
            "n": {"const": 3},
            "tree": {"$ref": "#/$defs/Node"},
            "level": {"type": "integer", "enum": [1, 2, 3]},
            "both": {"allOf": [{"type": "string"}, {"maxLength": 3}]},
        },
    }
    out, notes = translate_schema(schema, "gemini")
    rejected = {n.path for n in notes if n.action == "rejected"}
    assert rejected == {
        "$.properties.n.const",
        "$.properties.tree.properties.next.$ref",
        "$.properties.level.enum",
        "$.properties.both.allOf",
    }
    pytest.importorskip("google.genai.types").Schema.model_validate(out)


def test_translation_never_modifies_its_input() -> None:
    before = copy.deepcopy(HOSTILE)
    for kind in KINDS:
        translate_schema(HOSTILE, kind)
    assert before == HOSTILE


# --- OpenAI strict mode ---------------------------------------------------------------------------


def test_openai_strict_closes_objects_and_makes_optional_nullable() -> None:
    schema = {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "unit": {"type": "string", "enum": ["c", "f"]},
            "stops": {"type": "array", "items": {"type": "object", "properties": {"at": {"type": "string"}}}},
        },
        "required": ["city"],
    }
    out, notes = translate_schema(schema, "openai-chat", strict=True)
    assert out["additionalProperties"] is False
    assert out["required"] == ["city", "unit", "stops"]
    assert out["properties"]["unit"] == {"type": ["string", "null"], "enum": ["c", "f", None]}
    item = out["properties"]["stops"]["items"]
    assert item["additionalProperties"] is False and item["required"] == ["at"]
    assert item["properties"]["at"] == {"type": ["string", "null"]}
    assert "$.properties.unit" in notes_by_path(notes)


def test_openai_strict_matches_the_sdk_rules_when_nothing_is_optional() -> None:
    pyd = pytest.importorskip("openai.lib._pydantic")
    schema = {
        "type": "object",
        "properties": {
            "a": {"type": "string"},
            "b": {"type": "object", "properties": {"c": {"type": "integer"}}, "required": ["c"]},
        },
        "required": ["a", "b"],
    }
    ours, _ = translate_schema(schema, "openai-strict")
    sdk = pyd._ensure_strict_json_schema(copy.deepcopy(schema), path=(), root={})
    assert ours == sdk


def test_openai_strict_rejects_free_form_objects() -> None:
    schema = {"type": "object", "properties": {"meta": {"type": "object", "additionalProperties": True}}}
    _, notes = translate_schema(schema, "openai-strict")
    assert notes_by_path(notes)["$.properties.meta.additionalProperties"] == "rejected"


def test_plain_openai_kinds_pass_the_schema_through() -> None:
    for kind in ("openai-chat", "openai-functions", "openai-responses", "mistral", "cohere"):
        out, notes = translate_schema(HOSTILE, kind)
        assert out == HOSTILE and notes == []


@pytest.mark.parametrize("kind", ["anthropic", "bedrock-converse", "openai-strict"])
def test_root_must_be_an_object(kind: str) -> None:
    _, notes = translate_schema({"type": "array", "items": {"type": "string"}}, kind)
    assert notes_by_path(notes)["$.type"] == "rejected"


# --- lint -------------------------------------------------------------------------------------------


def case_with(*tools: Tool) -> Case:
    """A one-message case offering `tools`."""
    raw = {"id": "p.case", "messages": [{"role": "user", "content": "x"}], "expect": [], "tools": list(tools)}
    return parse_case_dict(raw, source="p.yaml", line=3)


def tool(name: str, description: str = "d", **props: Any) -> Tool:
    """A tool whose properties are `props`."""
    return Tool(name, description, {"type": "object", "properties": props or {"a": {"type": "string"}}})


def by_kind(problems: list[Any], severity: str) -> set[str]:
    """The kinds with a problem of `severity`."""
    return {p.kind for p in problems if p.severity == severity}


def test_dotted_names_are_renamed_for_vendors_that_forbid_dots() -> None:
    problems = lint_cases([case_with(tool("geo.area"))])
    assert by_kind(problems, "error") == set()
    renamed = by_kind(problems, "warning")
    assert "gemini" not in renamed  # Gemini allows dots [S]
    assert {"openai-chat", "anthropic", "bedrock-converse"} <= renamed
    p = next(p for p in problems if p.kind == "anthropic")
    assert isinstance(p, PortabilityProblem)
    assert (p.file, p.line, p.tool) == ("p.yaml", 3, "geo.area") and "'geo_area'" in p.message


def test_names_that_collide_after_sanitising_are_errors() -> None:
    problems = lint_cases([case_with(tool("geo.area"), tool("geo_area"))], ["bedrock-converse"])
    errors = [p for p in problems if p.severity == "error"]
    assert len(errors) == 1 and "both sent as 'geo_area'" in errors[0].message


def test_gemini_name_and_parameter_name_rules() -> None:
    problems = lint_cases([case_with(tool("3d_render", **{"max-size": {"type": "integer"}}))], ["gemini"])
    messages = [p.message for p in problems if p.severity == "error"]
    assert any("name '3d_render' does not match" in m and "even renamed" in m for m in messages)
    assert any("parameter name 'max-size'" in m for m in messages)


def test_name_rules_come_from_the_capabilities_table() -> None:
    capabilities = pytest.importorskip("harness.providers.capabilities")
    for kind in KINDS:
        table_kind = "openai-chat" if kind == "openai-strict" else kind
        assert name_pattern(kind) == capabilities.capabilities_for(table_kind).name_pattern


def test_botocore_refuses_an_empty_bedrock_description() -> None:
    # The evidence behind the Bedrock description rule: botocore's own parameter validation.
    botocore_session = pytest.importorskip("botocore.session")
    validate = pytest.importorskip("botocore.validate")
    op = botocore_session.get_session().get_service_model("bedrock-runtime").operation_model("Converse")
    spec = {"name": "f", "description": "", "inputSchema": {"json": {"type": "object"}}}
    params = {
        "modelId": "m",
        "messages": [{"role": "user", "content": [{"text": "hi"}]}],
        "toolConfig": {"tools": [{"toolSpec": spec}]},
    }
    report = validate.ParamValidator().validate(params, op.input_shape)
    assert "toolSpec.description" in report.generate_report()


def test_description_limits() -> None:
    problems = lint_cases([case_with(tool("f", description=""))], ["bedrock-converse"])
    assert [p.severity for p in problems] == ["warning"] and "empty description" in problems[0].message
    long = lint_cases([case_with(tool("f", description="x" * 1100))], ["openai-chat"])
    assert len(long) == 1 and "[U]" in long[0].message


def test_rejected_schema_parts_are_errors() -> None:
    problems = lint_cases(
        [case_with(tool("f", a={"allOf": [{"type": "string"}, {"maxLength": 2}]}))], ["gemini"]
    )
    assert [(p.severity, p.field) for p in problems] == [("error", "tool f: $.properties.a.allOf")]


def test_unknown_kind_is_a_user_error() -> None:
    with pytest.raises(UserError, match="did you mean 'gemini'"):
        check_kinds(["gemeni"])


def test_shipped_suite_has_no_portability_error() -> None:
    problems = lint_cases(load_cases([REPO / "cases"]))
    assert [p for p in problems if p.severity == "error"] == []


def test_cli_portability_reports_per_tool_and_vendor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        "cases/p.yaml",
        """\
        tools:
          - name: f
            parameters:
              type: object
              properties:
                a: {allOf: [{type: string}, {maxLength: 2}]}
        cases:
          - id: p.one
            messages: [{role: user, content: hi}]
            expect: []
        """,
    )
    assert main(["validate", str(path)]) == 0
    assert main(["validate", "--portability", "--kind", "gemini", str(path)]) == 2
    out = capsys.readouterr().out
    assert "tool 'f'" in out and "gemini" in out and "$.properties.a.allOf" in out
    assert main(["validate", "--kind", "gemeni", str(path)]) == 2
    assert "did you mean 'gemini'" in capsys.readouterr().err


def test_strict_mode_is_linted_only_when_asked_for() -> None:
    case = case_with(tool("f", a={"type": "string"}))
    assert "openai-strict" not in {p.kind for p in lint_cases([case]) if isinstance(p, PortabilityProblem)}
    strict = lint_cases([case], ["openai-strict"])
    assert {p.field for p in strict} == {"tool f: $.additionalProperties", "tool f: $.properties.a"}


# --- property: translation never crashes; Gemini accepts what was not rejected --------------------

_types = st.sampled_from(["string", "number", "integer", "boolean", "array", "object", "null"])
_leaf = st.fixed_dictionaries(
    {"type": _types},
    optional={
        "description": st.text(max_size=5),
        "format": st.sampled_from(["date", "date-time", "email", "uri", "uuid", "int32", "float"]),
        "enum": st.lists(st.one_of(st.text(max_size=3), st.integers(), st.none()), min_size=1, max_size=3),
        "const": st.one_of(st.text(max_size=3), st.integers()),
        "minimum": st.integers(),
        "exclusiveMinimum": st.integers(),
        "pattern": st.just("^a"),
        "uniqueItems": st.booleans(),
        "title": st.text(max_size=3),
    },
)
_schemas = st.recursive(
    _leaf | st.just({"$ref": "#/$defs/D"}),
    lambda inner: st.one_of(
        st.fixed_dictionaries(
            {
                "type": st.just("object"),
                "properties": st.dictionaries(st.sampled_from("abc"), inner, max_size=3),
            },
            optional={
                "required": st.lists(st.sampled_from("abc"), max_size=3),
                "additionalProperties": st.booleans(),
            },
        ),
        st.fixed_dictionaries({"type": st.just("array"), "items": inner}),
        st.fixed_dictionaries(
            {"type": st.just("array"), "prefixItems": st.lists(inner, min_size=1, max_size=2)}
        ),
        st.fixed_dictionaries({"anyOf": st.lists(inner, min_size=1, max_size=3)}),
        st.fixed_dictionaries({"oneOf": st.lists(inner, min_size=1, max_size=3)}),
        st.fixed_dictionaries({"allOf": st.lists(inner, min_size=1, max_size=2)}),
        st.fixed_dictionaries({"type": st.lists(_types, min_size=1, max_size=3, unique=True)}),
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(props=st.dictionaries(st.sampled_from(["p", "q", "r"]), _schemas, max_size=3), defs=_leaf)
def test_translation_never_crashes_and_gemini_accepts_the_result(props: dict[str, Any], defs: Any) -> None:
    schema = {"type": "object", "properties": props, "$defs": {"D": defs}}
    for kind in KINDS:
        out, notes = translate_schema(schema, kind)
        assert all(n.path.startswith("$") for n in notes)
        if kind == "openai-strict" and not any(n.action == "rejected" for n in notes):
            for node in _nodes(out):
                if node.get("type") == "object" or "properties" in node:
                    assert node["additionalProperties"] is False
                    assert node["required"] == list(node["properties"])
        if kind == "gemini" and not any(n.action == "rejected" for n in notes):
            genai_types = pytest.importorskip("google.genai.types")
            transformers = pytest.importorskip("google.genai._transformers")
            processed = copy.deepcopy(out)
            transformers.process_schema(processed, pytypes.SimpleNamespace(vertexai=False))
            genai_types.Schema.model_validate(processed)


def _nodes(schema: Any) -> list[dict[str, Any]]:
    """Every sub-schema (dict) of `schema`."""
    out: list[dict[str, Any]] = []
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "type" in node or "properties" in node:
                out.append(node)
            stack.extend(v for k, v in node.items() if k not in ("enum", "const", "default"))
        elif isinstance(node, list):
            stack.extend(node)
    return out
