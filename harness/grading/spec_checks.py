"""Checks on expectations: matcher syntax and literal values against the tool's schema.

Pure functions yielding `(relative path, message, severity)`; the caller adds file, line,
case id and the path prefix.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from harness.errors import json_type, suggest
from harness.grading.fastschema import Check, compile_fast
from harness.grading.matcher_names import MATCHERS, MODIFIER_KEYS, is_matcher
from harness.grading.regex import regex_problem
from harness.grading.safe_schema import ref_problems, safe_validator

__all__ = ["Finding", "alternatives", "check_spec", "literal_options", "schema_problems", "validate_literal"]

Path = tuple[str | int, ...]
Finding = tuple[Path, str]

_KNOWN = sorted([*MATCHERS, *MODIFIER_KEYS])


def check_spec(spec: Any, path: Path = ()) -> Iterator[Finding]:
    """Yield problems in the matcher syntax of one expectation (recursively)."""
    if isinstance(spec, list):
        for i, item in enumerate(spec):
            yield from check_spec(item, (*path, i))
        return
    if not isinstance(spec, Mapping):
        return
    dollar = [k for k in spec if isinstance(k, str) and k.startswith("$")]
    if not dollar:
        for key, value in spec.items():
            yield from check_spec(value, (*path, key))
        return
    for key in dollar:
        if key not in MATCHERS and key not in MODIFIER_KEYS:
            yield (
                (*path, key),
                f"unknown matcher {key!r}{suggest(key, _KNOWN)}; known matchers: "
                f"{', '.join(sorted(MATCHERS))} ($tol is a modifier beside $approx)",
            )
    plain = [k for k in spec if k not in dollar]
    if plain:
        yield (
            path,
            f"a matcher object holds only matcher keys, but {', '.join(map(repr, plain))} sit beside "
            f"{dollar[0]!r} (to match an object that may have more keys, use $subset)",
        )
    main = [k for k in dollar if k in MATCHERS]
    if len(main) > 1:
        yield path, f"one matcher per object, found {', '.join(main)} (use $one_of to combine)"
    for key, owner in MODIFIER_KEYS.items():
        if key in spec and owner not in spec:
            yield (*path, key), f"{key} is only allowed beside {owner}"
    for key in main:
        yield from _check_operand(key, spec[key], spec, (*path, key))


def _check_operand(key: str, value: Any, spec: Mapping[str, Any], path: Path) -> Iterator[Finding]:
    want = f"{key} takes {MATCHERS[key]}"
    if key in ("$one_of", "$unordered"):
        if not isinstance(value, list) or (key == "$one_of" and not value):
            yield path, f"{want}, got {json_type(value)}"
            return
        for i, item in enumerate(value):
            yield from check_spec(item, (*path, i))
    elif key == "$regex":
        if not isinstance(value, str):
            yield path, f"{want}, got {json_type(value)}"
        else:
            problem = regex_problem(value)
            if problem is not None:
                yield path, f"invalid regular expression {value!r}: {problem}"
    elif key == "$approx":
        if not _is_number(value):
            yield path, f"{want}, got {json_type(value)}"
        tol = spec.get("$tol", 0)
        if not _is_number(tol) or tol < 0:
            yield (*path[:-1], "$tol"), f"$tol must be a non-negative number, got {tol!r}"
    elif key == "$normalized":
        if not isinstance(value, str):
            yield path, f"{want}, got {json_type(value)}"
    elif key in ("$any", "$absent"):
        if value is not True:
            yield path, f"{want}, got {value!r}"
    elif key == "$optional":
        if isinstance(value, Mapping) and ("$absent" in value or "$optional" in value):
            yield path, "$optional around $absent or $optional means nothing; write the inner matcher alone"
        yield from check_spec(value, path)
    elif key == "$subset":
        if not isinstance(value, Mapping):
            yield path, f"{want}, got {json_type(value)}"
        else:
            yield from check_spec(value, path)
    elif key == "$schema":
        if not isinstance(value, (Mapping, bool)):
            yield path, f"{want}, got {json_type(value)}"
        else:
            for sub, message in schema_problems(value):
                yield (*path, *sub), message
    elif key == "$date":
        if not isinstance(value, str):
            yield path, f"{want}, got {json_type(value)}"
        else:
            try:
                _dt.date.fromisoformat(value)
            except ValueError:
                yield path, f"$date takes a date written YYYY-MM-DD, got {value!r}"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def alternatives(spec: Any) -> tuple[list[Any], bool]:
    """Return (the literal values an expectation accepts, whether it accepts anything else).

    "Anything else" is absence (`$optional`) or a non-literal alternative (`$regex`, `$any`,
    ...): then a literal that violates the tool's schema is a dead alternative, not a case
    that no schema-valid call can pass.
    """
    if not _has_matcher(spec):
        return [spec], False
    if not isinstance(spec, Mapping):
        return [], True
    if "$one_of" in spec and isinstance(spec["$one_of"], list):
        values: list[Any] = []
        open_ = False
        for option in spec["$one_of"]:
            sub, sub_open = alternatives(option)
            values += sub
            open_ = open_ or sub_open
        return values, open_
    if "$optional" in spec:
        return alternatives(spec["$optional"])[0], True
    if "$date" in spec and isinstance(spec["$date"], str):
        return [spec["$date"]], False
    if "$approx" in spec and _is_number(spec["$approx"]):
        return [spec["$approx"]], False
    if "$unordered" in spec and isinstance(spec["$unordered"], list) and not _has_matcher(spec["$unordered"]):
        return [spec["$unordered"]], False
    return [], True


def literal_options(spec: Any) -> Iterator[Any]:
    """Yield the literal values an expectation can accept (to check against the tool schema)."""
    yield from alternatives(spec)[0]


def _has_matcher(value: Any) -> bool:
    if isinstance(value, Mapping):
        return is_matcher(value) or any(_has_matcher(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_matcher(v) for v in value)
    return False


def schema_problems(schema: Any) -> list[Finding]:
    """Return the problems that make `schema` invalid JSON Schema (draft 2020-12); cached."""
    try:
        key = json.dumps(schema, sort_keys=True, default=repr)
    except (TypeError, ValueError):
        return [((), "not a JSON value")]
    return list(_schema_problems_cached(key))


@lru_cache(maxsize=4096)
def _schema_problems_cached(key: str) -> tuple[Finding, ...]:
    schema = json.loads(key)
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        found: list[Finding] = []
        best = exc
        for err in Draft202012Validator(Draft202012Validator.META_SCHEMA).iter_errors(schema):
            found.append((tuple(err.absolute_path), f"invalid JSON Schema: {err.message}"))
        return tuple(found) or ((tuple(best.absolute_path), f"invalid JSON Schema: {best.message}"),)
    return tuple(ref_problems(schema))


@lru_cache(maxsize=4096)
def _validator_for(key: str) -> Any:
    return safe_validator(json.loads(key), formats=True)


@lru_cache(maxsize=4096)
def _fast_accept_for(key: str) -> Check | None:
    """`compile_fast` of the schema `key`, or None; never when a `format` could be asserted."""
    if '"format"' in key:  # validate_literal checks formats; compile_fast takes them as annotations
        return None
    return compile_fast(json.loads(key))


def validate_literal(parameters: Mapping[str, Any], name: str, value: Any) -> list[str]:
    """Validate a literal argument value against the property `name` of a tool's schema.

    The property is validated in the context of the whole schema so `$ref`s to `$defs`
    resolve; other root-level constraints are left out. Returns one message per invalid
    value (empty: valid).
    """
    prop = parameters.get("properties", {}).get(name) if isinstance(parameters, Mapping) else None
    if not isinstance(prop, (Mapping, bool)):
        return []
    root: dict[str, Any] = {k: parameters[k] for k in ("$defs", "definitions", "$id") if k in parameters}
    root.update({"type": "object", "properties": {name: prop}})
    key = json.dumps(root, sort_keys=True)
    accept = _fast_accept_for(key)
    if accept is not None and accept({name: value}):
        return []  # valid: jsonschema would find no error either
    try:
        validator = _validator_for(key)
        errors = sorted(validator.iter_errors({name: value}), key=lambda e: list(e.absolute_path))
    except Exception:  # an invalid tool schema is reported on its own
        return []
    if not errors:
        return []
    parts = []
    for err in errors[:3]:
        sub = "".join(f"[{p!r}]" for p in list(err.absolute_path)[1:])
        parts.append(f"{'at ' + sub + ': ' if sub else ''}{err.message}")
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
    return [f"{shown} violates the tool's schema: {'; '.join(parts)}{more}"]
