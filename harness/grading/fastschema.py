"""A fast accept-check for the common subset of JSON Schema used by tool parameters.

`compile_fast(schema)` returns a function `value -> bool` when every keyword of the schema
is in the supported subset (types, properties, required, additionalProperties, items,
contains, string enums, numeric bounds, length bounds, annotations), or None otherwise. It mirrors
`jsonschema`'s draft 2020-12 semantics for that subset (`integer` accepts `1.0`, booleans
are never numbers, `format` is an annotation). Grading uses it only to *accept* quickly:
a value it rejects is re-checked by jsonschema, whose errors are what gets reported.

`schema_ok(schema)` is the same kind of accept-check for the schema itself: True only when
every keyword is in a small, well-understood set and its value is what the draft 2020-12
meta-schema requires; anything else goes to jsonschema's `check_schema`.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Mapping, Sized
from typing import Any, cast

from harness.grading.regex import RegexError, compile_regex

__all__ = ["compile_fast", "schema_ok"]

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
    "pattern",
    "contains",
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


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_DATE_TIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$", re.ASCII
)


def _date_ok(v: Any) -> bool:  # jsonschema's `date`: the pattern and a real calendar day
    if type(v) is not str:
        return True
    if not _DATE.fullmatch(v):
        return False
    try:
        _dt.date.fromisoformat(v)
    except ValueError:
        return False
    return True


def _date_time_ok(v: Any) -> bool:  # strict RFC 3339 only (accept-check: stricter is safe)
    if type(v) is not str:
        return True
    m = _DATE_TIME.fullmatch(v)
    if not m or not _date_ok(m[1]) or int(m[2]) > 23 or int(m[3]) > 59 or int(m[4]) > 59:
        return False
    return m[7] is None or (int(m[7]) <= 23 and int(m[8]) <= 59)


_FORMATS: dict[str, Check] = {
    "date": _date_ok,
    "email": lambda v: type(v) is not str or "@" in v,
    "idn-email": lambda v: type(v) is not str or "@" in v,
    "date-time": _date_time_ok,
}


def _num(x: Any) -> bool:
    return type(x) is int or type(x) is float


def compile_fast(schema: Any, formats: bool = False) -> Check | None:
    """Return an exact validity check for `schema`, or None if it uses unsupported keywords.

    `formats=True`: `format` is asserted the way jsonschema's format checker does for
    `date` and `email` (and accepted only for strict RFC 3339 strings for `date-time`);
    None for any other format. Otherwise `format` is an annotation.
    """
    if schema is True or (isinstance(schema, Mapping) and not schema):
        return lambda v: True
    if not isinstance(schema, Mapping) or not set(schema) <= _SUPPORTED:
        return None
    checks: list[Check] = []
    if formats and "format" in schema:
        fmt = _FORMATS.get(schema["format"]) if type(schema["format"]) is str else None
        if fmt is None:
            return None
        checks.append(fmt)
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
    if "pattern" in schema:
        pattern = schema["pattern"]
        if type(pattern) is not str:
            return None
        try:  # the engine `safe_schema` evaluates `pattern` with (RE2), searched, not a full match
            search = compile_regex(pattern).search
        except RegexError:
            return None
        checks.append(lambda v: type(v) is not str or search(v))
    if "items" in schema:
        item = compile_fast(schema["items"], formats)
        if item is None:
            return None
        checks.append(lambda v: type(v) is not list or all(item(x) for x in v))
    if "contains" in schema:  # (`minContains` / `maxContains` are not in the subset)
        wanted = compile_fast(schema["contains"], formats)
        if wanted is None:
            return None
        checks.append(lambda v: type(v) is not list or any(wanted(x) for x in v))
    supported, obj = _object_check(schema, formats)
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


def _object_check(schema: Mapping[str, Any], formats: bool) -> tuple[bool, Check | None]:
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
        sub_check = compile_fast(sub, formats)
        if sub_check is None:
            return False, None
        fields[name] = sub_check
    extra: Check | None
    if additional is None or additional is True:
        extra = None
    elif additional is False:
        extra = lambda v: False  # noqa: E731
    else:
        extra = compile_fast(additional, formats)
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


_TYPE_NAMES = frozenset(_TYPES) | {"number"}
_STRING_KEYS = frozenset({"description", "title", "$comment", "format"})
_BOOL_KEYS = frozenset({"deprecated", "readOnly", "writeOnly", "uniqueItems"})
# `x-order`, `nullable`: unknown keywords, which the meta-schema allows with any value
_ANY_KEYS = frozenset({"default", "const", "x-order", "nullable"})
_NUMBER_KEYS = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})
_COUNT_KEYS = frozenset(
    {
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "minProperties",
        "maxProperties",
        "minContains",
        "maxContains",
    }
)
_SUBSCHEMA_KEYS = frozenset({"items", "additionalProperties", "contains", "not", "propertyNames"})


def _is_count(v: Any) -> bool:
    return (type(v) is int and v >= 0) or (type(v) is float and v.is_integer() and v >= 0)


def _type_ok(t: Any) -> bool:
    if type(t) is str:
        return t in _TYPE_NAMES
    return (
        type(t) is list
        and len(t) > 0
        and all(type(x) is str and x in _TYPE_NAMES for x in t)
        and len(set(t)) == len(t)
    )


def _regex_ok(pattern: str) -> bool:
    """Valid for the meta-schema (`format: regex`, checked with `re`) and usable by RE2 (`ref_problems`)."""
    try:
        re.compile(pattern)
        compile_regex(pattern)
    except Exception:  # re.error, RegexError, RecursionError...: let the slow path phrase it
        return False
    return True


def schema_ok(schema: Any, depth: int = 0) -> bool:
    """True when `schema` is certainly a valid draft 2020-12 schema (False: ask jsonschema)."""
    if type(schema) is bool:
        return True
    if type(schema) is not dict or depth > 64:
        return False
    for key, v in schema.items():
        if key in _STRING_KEYS:
            ok = type(v) is str
        elif key == "type":
            ok = _type_ok(v)
        elif key == "pattern":  # the meta-schema asserts format "regex", which jsonschema checks with `re`
            ok = type(v) is str and _regex_ok(v)
        elif key == "properties":
            ok = type(v) is dict and all(schema_ok(sub, depth + 1) for sub in v.values())
        elif key in _SUBSCHEMA_KEYS:
            ok = schema_ok(v, depth + 1)
        elif key in ("allOf", "anyOf", "oneOf"):
            ok = type(v) is list and len(v) > 0 and all(schema_ok(sub, depth + 1) for sub in v)
        elif key == "multipleOf":
            ok = _num(v) and v > 0
        elif key == "required":
            ok = type(v) is list and all(type(x) is str for x in v) and len(set(v)) == len(v)
        elif key in ("enum", "examples"):
            ok = type(v) is list
        elif key in _NUMBER_KEYS:
            ok = _num(v)
        elif key in _COUNT_KEYS:
            ok = _is_count(v)
        elif key in _BOOL_KEYS:
            ok = type(v) is bool
        else:
            ok = key in _ANY_KEYS
        if not ok:
            return False
    return True
