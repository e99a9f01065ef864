"""`schema_ok` for the bfcl profile: a call's arguments against its tool's JSON Schema.

BFCL itself never fails a call on its schema; this only fills `Verdict.schema_ok`. The
schemas `harness.bfcl.importer` writes use a small set of keywords (type, enum, properties,
required, items, additionalProperties, minimum/maximum, minItems/maxItems, pattern), which
are compiled here into plain checks (a grading run checks thousands of calls); any other
keyword falls back to jsonschema's validator.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["compile_schema"]

Check = Callable[[Any], bool]
_FAST = {
    "type",
    "enum",
    "properties",
    "required",
    "items",
    "additionalProperties",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
    "pattern",
    "description",
    "default",
    "format",
    "title",
}
_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())
    ),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "null": lambda v: v is None,
}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return bool(a == b)


def compile_schema(schema: Any) -> Check:
    """A fast validity check for `schema` (draft 2020-12 semantics for the keywords above)."""
    if type(schema) is not dict and not isinstance(schema, Mapping):
        return lambda v: schema is not False
    if not set(schema) <= _FAST or not isinstance(schema.get("type", "object"), str):
        from harness.grading.safe_schema import safe_validator  # jsonschema, only when needed

        validator: Any = safe_validator(schema)
        return lambda v: bool(validator.is_valid(v))
    checks: list[Check] = []
    props = {k: compile_schema(s) for k, s in schema.get("properties", {}).items()}
    required = list(schema.get("required", ()))
    extra = schema.get("additionalProperties", True)
    extra_check = compile_schema(extra) if extra is not True and isinstance(extra, Mapping) else None
    is_object = schema.get("type") == "object"
    if "type" in schema and not is_object:
        checks.append(_TYPES.get(schema["type"], lambda v: True))
    if "enum" in schema:
        options = list(schema["enum"])
        if all(type(o) is str for o in options):
            strings = frozenset(options)
            checks.append(lambda v: type(v) is str and v in strings)
        else:
            checks.append(lambda v: any(_same(v, o) for o in options))
    if is_object or props or required or extra is not True:

        def obj(v: Any) -> bool:
            if not isinstance(v, dict):
                return not is_object
            for r in required:
                if r not in v:
                    return False
            for k, item in v.items():
                c = props.get(k)
                if c is not None:
                    if not c(item):
                        return False
                elif extra is False or (extra_check is not None and not extra_check(item)):
                    return False
            return True

        checks.append(obj)
    if "items" in schema:
        item_check = compile_schema(schema["items"])
        checks.append(lambda v: not isinstance(v, list) or all(item_check(i) for i in v))
    num = _TYPES["number"]
    if "minimum" in schema:
        lo = schema["minimum"]
        checks.append(lambda v: not num(v) or v >= lo)
    if "maximum" in schema:
        hi = schema["maximum"]
        checks.append(lambda v: not num(v) or v <= hi)
    if "minItems" in schema:
        n_min = schema["minItems"]
        checks.append(lambda v: not isinstance(v, list) or len(v) >= n_min)
    if "maxItems" in schema:
        n_max = schema["maxItems"]
        checks.append(lambda v: not isinstance(v, list) or len(v) <= n_max)
    if "pattern" in schema:
        from harness.grading.regex import RegexError, compile_regex  # RE2, only for a pattern

        try:
            rx = compile_regex(schema["pattern"])
        except RegexError:
            return lambda v: False  # a pattern RE2 refuses: the call cannot be shown schema-valid
        checks.append(lambda v: not isinstance(v, str) or rx.search(v))
    if not checks:
        return lambda v: True
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda v: first(v) and second(v)
    return lambda v: all(c(v) for c in checks)
