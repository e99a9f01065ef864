"""A fast accept-check for the common subset of JSON Schema used by tool parameters.

`compile_fast(schema)` returns a function `value -> bool` when every keyword of the schema
is in the supported subset (types, properties, required, additionalProperties, items,
string enums, numeric bounds, length bounds, annotations), or None otherwise. It mirrors
`jsonschema`'s draft 2020-12 semantics for that subset (`integer` accepts `1.0`, booleans
are never numbers, `format` is an annotation). Grading uses it only to *accept* quickly:
a value it rejects is re-checked by jsonschema, whose errors are what gets reported.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sized
from typing import Any, cast

__all__ = ["compile_fast"]

Check = Callable[[Any], bool]

_ANNOTATIONS = frozenset(
    {
        "description",
        "title",
        "format",
        "default",
        "examples",
        "$comment",
        "deprecated",
        "readOnly",
        "writeOnly",
        "x-order",
        "nullable",
    }  # `nullable` is an OpenAPI annotation; 2020-12 ignores it
)
_SUPPORTED = _ANNOTATIONS | {
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "enum",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
}


def _is_integer(v: Any) -> bool:
    t = type(v)
    return t is int or (t is float and v.is_integer())


_TYPES: dict[str, Check] = {
    "string": lambda v: type(v) is str,
    "integer": _is_integer,
    "number": lambda v: type(v) is int or type(v) is float,
    "boolean": lambda v: type(v) is bool,
    "null": lambda v: v is None,
    "array": lambda v: type(v) is list,
    "object": lambda v: type(v) is dict,
}


def _num(x: Any) -> bool:
    return type(x) is int or type(x) is float


def compile_fast(schema: Any) -> Check | None:
    """Return an exact validity check for `schema`, or None if it uses unsupported keywords."""
    if schema is True or (isinstance(schema, Mapping) and not schema):
        return lambda v: True
    if not isinstance(schema, Mapping) or not set(schema) <= _SUPPORTED:
        return None
    checks: list[Check] = []
    t = schema.get("type")
    if t is not None:
        names = [t] if isinstance(t, str) else list(t) if isinstance(t, (list, tuple)) else None
        if not names or any(n not in _TYPES for n in names):
            return None
        fns = [_TYPES[n] for n in names]
        checks.append(fns[0] if len(fns) == 1 else _any_of(fns))
    if "enum" in schema:
        enum = schema["enum"]
        if not isinstance(enum, (list, tuple)) or not all(type(e) is str for e in enum):
            return None
        allowed = frozenset(enum)
        checks.append(lambda v: type(v) is str and v in allowed)
    bounds = (("minimum", "ge"), ("maximum", "le"), ("exclusiveMinimum", "gt"), ("exclusiveMaximum", "lt"))
    for key, op in bounds:
        if key in schema:
            bound = schema[key]
            if not _num(bound):
                return None
            checks.append(_bound(op, bound))
    for key, is_min, kind in (
        ("minLength", True, str),
        ("maxLength", False, str),
        ("minItems", True, list),
        ("maxItems", False, list),
    ):
        if key in schema:
            n = schema[key]
            if type(n) is not int:
                return None
            checks.append(_length(kind, n, is_min))
    if "items" in schema:
        item = compile_fast(schema["items"])
        if item is None:
            return None
        checks.append(lambda v: type(v) is not list or all(item(x) for x in v))
    supported, obj = _object_check(schema)
    if not supported:
        return None
    if obj is not None:
        checks.append(obj)
    if not checks:
        return lambda v: True
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:  # the usual `type` + one more keyword: no generator per value
        first, second = checks
        return lambda v: first(v) and second(v)
    return lambda v: all(c(v) for c in checks)


def _bound(op: str, bound: float) -> Check:
    def is_num(v: Any) -> bool:
        return type(v) is int or type(v) is float

    if op == "ge":
        return lambda v: not is_num(v) or v >= bound
    if op == "le":
        return lambda v: not is_num(v) or v <= bound
    if op == "gt":
        return lambda v: not is_num(v) or v > bound
    return lambda v: not is_num(v) or v < bound


def _any_of(fns: list[Check]) -> Check:
    def check_any(v: Any) -> bool:
        return any(f(v) for f in fns)

    return check_any


def _length(kind: type, n: int, is_min: bool) -> Check:
    def check_length(v: Any) -> bool:
        if type(v) is not kind:
            return True
        size = len(cast(Sized, v))
        return size >= n if is_min else size <= n

    return check_length


def _object_check(schema: Mapping[str, Any]) -> tuple[bool, Check | None]:
    """(supported, check) for the object keywords; the check is None when there are none."""
    props = schema.get("properties")
    required = schema.get("required")
    additional = schema.get("additionalProperties")
    if props is None and required is None and additional is None:
        return True, None
    if props is not None and not isinstance(props, Mapping):
        return False, None
    if required is not None and not (
        isinstance(required, (list, tuple)) and all(type(r) is str for r in required)
    ):
        return False, None
    fields: dict[str, Check] = {}
    for name, sub in (props or {}).items():
        sub_check = compile_fast(sub)
        if sub_check is None:
            return False, None
        fields[name] = sub_check
    extra: Check | None
    if additional is None or additional is True:
        extra = None
    elif additional is False:
        extra = lambda v: False  # noqa: E731
    else:
        extra = compile_fast(additional)
        if extra is None:
            return False, None
    req = tuple(required or ())
    items = tuple(fields.items())

    def check_object(v: Any) -> bool:
        if type(v) is not dict:
            return True
        for r in req:
            if r not in v:
                return False
        for name, f in items:
            if name in v and not f(v[name]):
                return False
        if extra is not None:
            for k, x in v.items():
                if k not in fields and not extra(x):
                    return False
        return True

    return True, check_object
