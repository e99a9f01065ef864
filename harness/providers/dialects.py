"""Schema dialect rewriters behind `harness.providers.portability.translate_schema`.

Each rewriter takes a deep copy of a neutral JSON Schema (draft 2020-12 object schema) and
returns the schema a vendor accepts, plus `Note`s saying what was dropped, changed or
rejected, each at a JSON path (`$.properties.date.format`).

Evidence tags in messages: [S] read in the SDK source installed with the project,
[C] seen in recorded real traffic (`fixtures/wire/`), [D] documented, [U] unverified.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Note", "close_root", "gemini", "openai_strict", "root_object"]

Action = Literal["dropped", "changed", "rejected"]


@dataclass(frozen=True)
class Note:
    """One difference between the neutral schema and what a vendor receives."""

    path: str
    """JSON path into the neutral schema, e.g. `$.properties.date.format`."""
    action: Action
    """dropped (keyword removed), changed (rewritten), rejected (the vendor refuses it)."""
    message: str


def _p(path: str, key: str | int) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}"


def root_object(schema: dict[str, Any], who: str, evidence: str) -> list[Note]:
    """A note when the root is not `type: object` (Anthropic, Bedrock, OpenAI strict)."""
    if schema.get("type") != "object":
        return [Note("$.type", "rejected", f"{who} requires the root schema to be type: object {evidence}")]
    return []


def close_root(schema: dict[str, Any], who: str, evidence: str) -> list[Note]:
    """Apply the root `type: object` rule in place (Anthropic, Bedrock): a root without a
    `type` gets `type: object` and `properties: {}` when it has none; another type is rejected."""
    if "type" not in schema:
        schema["type"] = "object"
        schema.setdefault("properties", {})
        return [Note("$.type", "changed", f"type: object added: {who} requires an object root {evidence}")]
    notes = root_object(schema, who, evidence)
    if not notes:
        schema.setdefault("properties", {})  # equivalent to no properties; what the SDK docs show
    return notes


# --- Gemini `parameters` (OpenAPI 3.0 subset) ---------------------------------------------

#: google-genai 3.6.1 `types.Schema` fields (pydantic, extra="forbid"), by their JSON names [S].
GEMINI_KEYS = frozenset(
    {
        "type", "format", "description", "nullable", "enum", "items", "properties", "required",
        "minimum", "maximum", "minItems", "maxItems", "minLength", "maxLength", "minProperties",
        "maxProperties", "pattern", "anyOf", "default", "example", "title", "propertyOrdering",
    }
)  # fmt: skip
#: Formats named in `types.Schema.format`'s docstring (google-genai 3.6.1) [S].
GEMINI_FORMATS = {
    "string": {"email", "byte", "date", "date-time", "password", "enum"},
    "number": {"float", "double"},
    "integer": {"int32", "int64"},
}
_GEMINI_TYPES = {"string", "number", "integer", "boolean", "array", "object", "null"}
_SRC_SCHEMA = "[S: google-genai 3.6.1 types.Schema forbids unknown keys]"
_ADDITIONAL = (
    "the SDK raises for a non-false additionalProperties on the Gemini API, Vertex AI accepts it [S]; "
    "false is dropped too (whether the API takes it in `parameters` is [U])"
)


def gemini(schema: dict[str, Any]) -> tuple[dict[str, Any], list[Note]]:
    """Rewrite into the OpenAPI subset of Gemini's `functionDeclarations[].parameters`.

    (The `parametersJsonSchema` form takes full JSON Schema: recorded accepting
    `additionalProperties`, `$defs`/`$ref`, `anyOf` and `prefixItems` [C].)
    """
    notes: list[Note] = []
    defs = schema.get("$defs") or schema.get("definitions") or {}
    out = _gemini_node(schema, "$", defs, notes, set())
    return out, notes


def _gemini_node(node: Any, path: str, defs: dict[str, Any], notes: list[Note], seen: set[str]) -> Any:
    if not isinstance(node, dict):
        return node
    node = dict(node)
    if "$ref" in node:
        ref = node.pop("$ref")
        name = str(ref).rsplit("/", 1)[-1]
        if name in seen or name not in defs:
            why = "a recursive $ref cannot be inlined" if name in seen else f"unresolvable $ref {ref!r}"
            notes.append(Note(_p(path, "$ref"), "rejected", f"{why}; Gemini's parameters have no references"))
            return {"type": "object"} if not node else _gemini_node(node, path, defs, notes, seen)
        notes.append(
            Note(_p(path, "$ref"), "changed", f"$ref {ref!r} inlined (the SDK inlines $defs too [S])")
        )
        merged = {**defs[name], **node}
        return _gemini_node(merged, path, defs, notes, seen | {name})
    for key in ("$defs", "definitions"):
        if key in node:
            node.pop(key)
    out: dict[str, Any] = {}
    _gemini_type(node, path, notes)
    if "oneOf" in node:
        node["anyOf"] = node.pop("oneOf")
        notes.append(
            Note(
                _p(path, "oneOf"),
                "changed",
                "oneOf → anyOf (no oneOf in Gemini's Schema; exclusivity is lost) " + _SRC_SCHEMA,
            )
        )
    if "const" in node:
        const = node.pop("const")
        if isinstance(const, str):
            node["enum"] = [const]
            node.setdefault("type", "string")
            notes.append(Note(_p(path, "const"), "changed", "const → enum: [value] (as the SDK does [S])"))
        else:
            notes.append(
                Note(
                    _p(path, "const"),
                    "rejected",
                    "non-string const: the SDK raises 'Literal values must be strings' [S]",
                )
            )
    if "allOf" in node:
        all_of = node.pop("allOf")
        if isinstance(all_of, list) and len(all_of) == 1 and isinstance(all_of[0], dict):
            node = {**all_of[0], **node}
            notes.append(Note(_p(path, "allOf"), "changed", "single-entry allOf merged into its parent"))
            return _gemini_node(node, path, defs, notes, seen)
        notes.append(
            Note(
                _p(path, "allOf"), "rejected", "allOf with several schemas has no Gemini form " + _SRC_SCHEMA
            )
        )
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if bound in node:
            value = node.pop(bound)
            if limit not in node and isinstance(value, (int, float)):
                node[limit] = value
            notes.append(
                Note(
                    _p(path, bound),
                    "changed",
                    f"{bound} → {limit} (the bound becomes inclusive) " + _SRC_SCHEMA,
                )
            )
    if "prefixItems" in node:
        prefix = node.pop("prefixItems")
        if isinstance(prefix, list) and prefix:
            distinct = [s for i, s in enumerate(prefix) if s not in prefix[:i]]
            node.setdefault("items", distinct[0] if len(distinct) == 1 else {"anyOf": distinct})
            node.setdefault("minItems", len(prefix))
            node.setdefault("maxItems", len(prefix))
        notes.append(
            Note(
                _p(path, "prefixItems"),
                "changed",
                "tuple array flattened to items (positions are lost) " + _SRC_SCHEMA,
            )
        )
    if isinstance(node.get("enum"), list) and None in node["enum"]:
        node["enum"] = [v for v in node["enum"] if v is not None]
        node["nullable"] = True
        notes.append(Note(_p(path, "enum"), "changed", "null in enum → nullable: true"))
    if (
        "enum" in node
        and isinstance(node["enum"], list)
        and any(not isinstance(v, str) for v in node["enum"])
    ):
        notes.append(
            Note(
                _p(path, "enum"),
                "rejected",
                "Gemini's Schema.enum is a list of strings [S]; this enum holds other values",
            )
        )
        node.pop("enum")
    fmt = node.get("format")
    if isinstance(fmt, str) and fmt not in GEMINI_FORMATS.get(str(node.get("type")), set()):
        node.pop("format")
        notes.append(
            Note(
                _p(path, "format"),
                "dropped",
                f"format {fmt!r} is not among the formats Gemini "
                "documents for this type [S: types.Schema.format docstring]",
            )
        )
    for key, value in node.items():
        if key not in GEMINI_KEYS:
            reason = (
                _ADDITIONAL
                if key == "additionalProperties"
                else f"{key} is not in Gemini's Schema " + _SRC_SCHEMA
            )
            notes.append(Note(_p(path, key), "dropped", reason))
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {k: _gemini_node(v, _p(_p(path, key), k), defs, notes, seen) for k, v in value.items()}
        elif key == "items" and isinstance(value, dict):
            out[key] = _gemini_node(value, _p(path, key), defs, notes, seen)
        elif key == "anyOf" and isinstance(value, list):
            out[key] = [_gemini_node(v, _p(_p(path, key), i), defs, notes, seen) for i, v in enumerate(value)]
        else:
            out[key] = value
    return _fold_nulls(out, path, notes)


def _fold_nulls(out: dict[str, Any], path: str, notes: list[Note]) -> dict[str, Any]:
    """`{type: null}` alternatives of a (translated) anyOf become `nullable: true`, as the SDK
    expects: its own folding only removes an exact `{"type": "null"}` and fails on others [S]."""
    any_of = out.get("anyOf")
    if not isinstance(any_of, list) or not any(_is_null(s) for s in any_of):
        return out
    rest = [s for s in any_of if not _is_null(s)]
    notes.append(
        Note(_p(path, "anyOf"), "changed", "{type: null} in anyOf → nullable: true (as the SDK does [S])")
    )
    out = {k: v for k, v in out.items() if k != "anyOf"}
    out["nullable"] = True
    if len(rest) == 1 and isinstance(rest[0], dict):
        return {**rest[0], **out}
    if rest:
        out["anyOf"] = rest
    return out


def _is_null(schema: Any) -> bool:
    return (
        isinstance(schema, dict) and schema.get("type") == "null" and not ({"$ref", "anyOf"} & schema.keys())
    )


def _gemini_type(node: dict[str, Any], path: str, notes: list[Note]) -> None:
    t = node.get("type")
    if isinstance(t, list):
        rest = [x for x in t if x != "null"]
        if "null" in t:
            node["nullable"] = True
        if len(rest) == 1:
            node["type"] = rest[0]
            notes.append(Note(_p(path, "type"), "changed", f"type {t} → type {rest[0]!r} + nullable: true"))
        else:
            node.pop("type")
            node["anyOf"] = [{"type": x} for x in rest]
            notes.append(Note(_p(path, "type"), "changed", f"type {t} → anyOf of single types"))
    elif t is not None and t not in _GEMINI_TYPES:
        notes.append(Note(_p(path, "type"), "rejected", f"unknown type {t!r}"))


# --- OpenAI strict mode ---------------------------------------------------------------------

#: Formats OpenAI documents for Structured Outputs [D: platform.openai.com structured outputs, U here].
OPENAI_STRICT_FORMATS = {"date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"}
#: Keywords OpenAI's strict mode is documented not to support [D, U here].
OPENAI_STRICT_UNSUPPORTED = (
    "patternProperties", "unevaluatedProperties", "propertyNames", "minProperties", "maxProperties",
    "dependentRequired", "dependentSchemas", "if", "then", "else", "not", "contains", "uniqueItems",
    "prefixItems",
)  # fmt: skip


def openai_strict(schema: dict[str, Any]) -> tuple[dict[str, Any], list[Note]]:
    """Rewrite for `strict: true` (OpenAI chat / Responses function tools).

    Every object gets `additionalProperties: false` and lists all its properties in
    `required`; a property that was optional becomes nullable (the model then sends `null`
    for "absent", which the runner drops before grading: `providers.base.strip_strict_nulls`) [S: openai
    lib/_pydantic.py _ensure_strict_json_schema applies the first two rules; D for nulls].
    """
    notes = root_object(schema, "OpenAI strict mode", "[D]")
    if "anyOf" in schema:
        notes.append(Note("$.anyOf", "rejected", "strict mode rejects anyOf at the root [D]"))
    out = _strict_node(copy.deepcopy(schema), "$", notes)
    return out, notes


def _strict_node(node: Any, path: str, notes: list[Note]) -> Any:
    if not isinstance(node, dict):
        return node
    for key in OPENAI_STRICT_UNSUPPORTED:
        if key in node:
            node.pop(key)
            notes.append(Note(_p(path, key), "dropped", f"{key} is not supported in strict mode [D, U]"))
    if "oneOf" in node:
        node["anyOf"] = node.pop("oneOf")
        notes.append(Note(_p(path, "oneOf"), "changed", "oneOf → anyOf (strict mode has no oneOf) [D, U]"))
    fmt = node.get("format")
    if isinstance(fmt, str) and fmt not in OPENAI_STRICT_FORMATS:
        node.pop("format")
        notes.append(
            Note(_p(path, "format"), "dropped", f"format {fmt!r} is not supported in strict mode [D, U]")
        )
    for key in ("$defs", "definitions"):
        if isinstance(node.get(key), dict):
            node[key] = {k: _strict_node(v, _p(_p(path, key), k), notes) for k, v in node[key].items()}
    for key in ("anyOf", "allOf"):
        if isinstance(node.get(key), list):
            node[key] = [_strict_node(v, _p(_p(path, key), i), notes) for i, v in enumerate(node[key])]
    if isinstance(node.get("items"), dict):
        node["items"] = _strict_node(node["items"], _p(path, "items"), notes)
    is_object = node.get("type") == "object" or (
        isinstance(node.get("type"), list) and "object" in node["type"]
    )
    props = node.get("properties")
    if is_object or isinstance(props, dict):
        extra = node.get("additionalProperties")
        if extra not in (None, False):
            notes.append(
                Note(
                    _p(path, "additionalProperties"),
                    "rejected",
                    "strict mode needs "
                    "additionalProperties: false; a free-form object cannot be expressed [S, D]",
                )
            )
        if extra is None:
            notes.append(
                Note(_p(path, "additionalProperties"), "changed", "additionalProperties: false added [S]")
            )
        node["additionalProperties"] = False
        props = props if isinstance(props, dict) else {}
        node["properties"] = props
        required = [r for r in node.get("required", []) if r in props]
        for name in list(props):
            sub = _strict_node(props[name], _p(_p(path, "properties"), name), notes)
            if name not in required:
                sub = _nullable(sub)
                notes.append(
                    Note(
                        _p(_p(path, "properties"), name),
                        "changed",
                        "optional property made required and nullable (the model sends null for "
                        "'absent'; the runner drops that null before grading)",
                    )
                )
            props[name] = sub
        node["required"] = list(props)
    return node


def _nullable(schema: Any) -> Any:
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    t = out.get("type")
    if isinstance(t, str):
        out["type"] = [t, "null"] if t != "null" else t
    elif isinstance(t, list):
        out["type"] = t if "null" in t else [*t, "null"]
    else:
        return {"anyOf": [out, {"type": "null"}]}
    if isinstance(out.get("enum"), list) and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]
    return out


Rewriter = Callable[[dict[str, Any]], tuple[dict[str, Any], list[Note]]]
