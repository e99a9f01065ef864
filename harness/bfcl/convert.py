"""BFCL function docs → JSON Schema, and BFCL possible answers → fc-harness matchers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
    if type(spec) is not dict and not isinstance(spec, Mapping):
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
        if type(props) is not dict and not isinstance(props, Mapping):
            raise ValueError(f"{where}.properties: expected an object")
        out["properties"] = {
            name: to_json_schema(p, f"{where}.properties.{name}") for name, p in props.items()
        }
    items = spec.get("items")
    if type(items) is dict or (items is not None and isinstance(items, Mapping)):
        out["items"] = to_json_schema(items, f"{where}.items")
    extra = spec.get("additionalProperties")
    if type(extra) is dict or (extra is not None and isinstance(extra, Mapping)):
        out["additionalProperties"] = to_json_schema(
            spec["additionalProperties"], f"{where}.additionalProperties"
        )
    required = spec.get("required")
    if isinstance(required, list) and all(isinstance(r, str) for r in required):
        out["required"] = list(required)
    if out.get("type") == "object" and "properties" not in out and where == "parameters":
        out["properties"] = {}
    return out


def _accepts(schema: Any, value: Any) -> bool:
    """Whether `value` is valid against `schema` (None: unknown, counted as not valid)."""
    from harness.bfcl.schema import compile_schema

    return schema is not None and compile_schema(schema)(value)


def _key_matcher(acceptable: list[Any], schema: Any, era: str) -> Any:
    """One key of a dict answer (its acceptable values) → a matcher, per BFCL's dict rule.

    A present value must equal one of the acceptable values; `""` among them accepts `""`
    itself and, in the current era only, leaving the key out (v1 requires every key).
    """
    values = [_value_matcher(v, schema, era) for v in acceptable if v != ""]
    empty = "" in acceptable
    if empty and (era == "v1" or _accepts(schema, "")):
        values.append("")
    if not values:
        return {"$absent": True}
    matcher: Any = values[0] if len(values) == 1 else {"$one_of": values}
    return {"$optional": matcher} if empty and era != "v1" else matcher


def _value_matcher(value: Any, schema: Any = None, era: str = "current") -> Any:
    """One acceptable BFCL value → a matcher (in dict answers each key has an acceptable list).

    `schema` is the value's JSON Schema where known (None: unknown); it decides whether a
    dict key's `""` alternative can be expected as a literal.
    """
    if isinstance(value, Mapping):
        props = schema.get("properties", {}) if isinstance(schema, Mapping) else None
        out = {}
        for k, v in value.items():
            sub = None if props is None else props.get(k, {})
            out[k] = _key_matcher(v, sub, era) if isinstance(v, list) else _value_matcher(v, sub, era)
        return out
    if isinstance(value, list):
        items = schema.get("items", {}) if isinstance(schema, Mapping) else None
        return [_value_matcher(v, items, era) for v in value]
    return value


Violations = Callable[[Any], list[str]]
"""Given a literal value, the reasons it violates the parameter's JSON Schema (empty: valid)."""


def _empty_values(schema: Any) -> list[Any]:
    """What BFCL accepts for a present parameter because `""` is an acceptable value.

    Strings are compared standardised, so `""` itself; lists item by item against each
    answer iterated, and iterating `""` gives `[]` (lists of dicts too); other types
    compare by equality, where only `""` equals `""` and a non-string type fails first.
    """
    if not isinstance(schema, Mapping):
        return []
    kind = schema.get("type")
    candidates: list[Any] = [""] if kind == "string" else [[]] if kind == "array" else []
    return [c for c in candidates if _accepts(schema, c)]


def param_matcher(
    acceptable: Any,
    violations: Violations | None = None,
    notes: list[str] | None = None,
    *,
    schema: Any = None,
    era: str = "current",
) -> Any:
    """BFCL's acceptable-values list → a matcher: one value, `$one_of`, `""` → `$optional`.

    `""` among the values means "may be omitted"; BFCL also accepts a present value equal
    to `""` (for a string) or `[]` (for an array), which are added as alternatives when
    `schema` (the parameter's JSON Schema) is given and allows them. `[""]` alone becomes
    `$absent` when no such value fits. With `violations`, an acceptable value that breaks
    the parameter's own schema (BFCL data has some: strings outside an enum, `null` for a
    string, nested lists for a flat array...) is not offered as a literal the case loader
    would reject: a string becomes `$normalized` (BFCL compares strings standardised
    anyway), anything else `{$schema: {const: value}}` (the same value, compared as JSON),
    with a note. The `bfcl` profile grades from the raw answer regardless.
    """
    if not isinstance(acceptable, list):
        return _value_matcher(acceptable, schema, era)
    optional = "" in acceptable
    values = []
    for raw in (v for v in acceptable if v != ""):
        value = _value_matcher(raw, schema, era)
        problems = violations(value) if violations is not None and not _has_matcher(value) else []
        if not problems:
            values.append(value)
            continue
        values.append({"$normalized": raw} if isinstance(raw, str) else {"$schema": {"const": value}})
        if notes is not None:
            notes.append(f"{problems[0]}; expecting it as {values[-1]}")
    if optional:
        values.extend(e for e in _empty_values(schema) if e not in values)
    if not values:
        return {"$absent": True}
    matcher: Any = values[0] if len(values) == 1 else {"$one_of": values}
    return {"$optional": matcher} if optional else matcher


def _has_matcher(value: Any) -> bool:
    if isinstance(value, Mapping):
        return any(str(k).startswith("$") for k in value) or any(_has_matcher(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_matcher(v) for v in value)
    return False


def answer_to_expect(
    calls: list[tuple[str, Mapping[str, Any]]],
    schemas: Mapping[str, Mapping[str, Any]] | None = None,
    notes: list[str] | None = None,
    era: str = "current",
) -> list[dict[str, Any]]:
    """(function name, {param: acceptable list}) pairs → `expect:` entries.

    `schemas` (function name → JSON Schema of its parameters) lets values that violate it
    be adjusted as `param_matcher` says, each adjustment noted in `notes`; `era` ("v1" or
    "current") selects BFCL's dict rule for dict answers.
    """
    from harness.grading.spec_checks import validate_literal

    out = []
    for name, params in calls:
        schema = (schemas or {}).get(name)
        arguments = {}
        props = schema.get("properties", {}) if isinstance(schema, Mapping) else None
        for p, acc in params.items():
            found: list[str] = []
            if props is not None and p not in props:
                # BFCL fails a call that gives it (not in the doc) and, unless `""` is
                # acceptable, one that leaves it out: either way it is not a parameter to expect.
                if notes is not None:
                    notes.append(f"{name}({p}): not a parameter of the function; left out of `expect`")
                continue

            def check(value: Any, p: str = p, schema: Any = schema) -> list[str]:
                return validate_literal(schema, p, value) if schema is not None else []

            arguments[p] = param_matcher(acc, check, found, schema=props.get(p) if props else None, era=era)
            if notes is not None:
                notes.extend(f"{name}({p}): {n}" for n in found)
        out.append({"call": name, "arguments": arguments})
    return out
