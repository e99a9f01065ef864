"""BFCL function docs → JSON Schema, and BFCL possible answers → fc-harness matchers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["TYPE_MAP", "answer_to_expect", "param_matcher", "to_json_schema"]

#: BFCL (Gorilla) type names → JSON Schema types; `any` has no type (any JSON value).
TYPE_MAP: dict[str, str | None] = {
    "dict": "object",
    "object": "object",
    "float": "number",
    "number": "number",
    "double": "number",
    "integer": "integer",
    "int": "integer",
    "long": "integer",
    "string": "string",
    "str": "string",
    "char": "string",
    "boolean": "boolean",
    "bool": "boolean",
    "array": "array",
    "list": "array",
    "tuple": "array",
    "any": None,
}
#: JSON Schema keywords kept from a BFCL property (others, like BFCL's `optional`, are dropped).
_KEEP = ("description", "enum", "default", "format", "minimum", "maximum", "minItems", "maxItems", "pattern")


def to_json_schema(spec: Any, where: str = "parameters") -> dict[str, Any]:
    """Convert one BFCL parameter spec (recursively) to JSON Schema; ValueError names the field."""
    if not isinstance(spec, Mapping):
        raise ValueError(f"{where}: expected an object, got {type(spec).__name__}")
    out: dict[str, Any] = {}
    bfcl_type = spec.get("type")
    if bfcl_type is not None:
        if not isinstance(bfcl_type, str) or bfcl_type not in TYPE_MAP:
            raise ValueError(f"{where}.type: unknown BFCL type {bfcl_type!r}")
        json_type = TYPE_MAP[bfcl_type]
        if json_type is not None:
            out["type"] = json_type
    for key in _KEEP:
        if key in spec:
            out[key] = spec[key]
    props = spec.get("properties")
    if props is not None:
        if not isinstance(props, Mapping):
            raise ValueError(f"{where}.properties: expected an object")
        out["properties"] = {
            name: to_json_schema(p, f"{where}.properties.{name}") for name, p in props.items()
        }
    if isinstance(spec.get("items"), Mapping):
        out["items"] = to_json_schema(spec["items"], f"{where}.items")
    if isinstance(spec.get("additionalProperties"), Mapping):
        out["additionalProperties"] = to_json_schema(
            spec["additionalProperties"], f"{where}.additionalProperties"
        )
    required = spec.get("required")
    if isinstance(required, list) and all(isinstance(r, str) for r in required):
        out["required"] = list(required)
    if out.get("type") == "object" and "properties" not in out and where == "parameters":
        out["properties"] = {}
    return out


def _value_matcher(value: Any) -> Any:
    """One acceptable BFCL value → a plain value (dict answers: key → acceptable list)."""
    if isinstance(value, Mapping):
        return {k: param_matcher(v) if isinstance(v, list) else _value_matcher(v) for k, v in value.items()}
    return value


def param_matcher(acceptable: Any) -> Any:
    """BFCL's acceptable-values list → a matcher: one value, `$one_of`, `""` → `$optional`."""
    if not isinstance(acceptable, list):
        return _value_matcher(acceptable)
    values = [_value_matcher(v) for v in acceptable if v != ""]
    optional = len(values) < len(acceptable)
    if not values:
        matcher: Any = ""
    elif len(values) == 1:
        matcher = values[0]
    else:
        matcher = {"$one_of": values}
    return {"$optional": matcher} if optional else matcher


def answer_to_expect(calls: list[tuple[str, Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """(function name, {param: acceptable list}) pairs → `expect:` entries."""
    return [
        {"call": name, "arguments": {p: param_matcher(acc) for p, acc in params.items()}}
        for name, params in calls
    ]
