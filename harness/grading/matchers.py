"""Argument matchers (DESIGN.md §3): compile an expectation once, match values fast.

A plain value means "equal" with JSON semantics: `true` is not `1`, `"100"` is not `100`,
and `1` equals `1.0` unless `strict` (the strict profile compares `int` and `float` as
different types). A plain object means an exact object (every key, no more; `$optional`
and `$absent` values excepted); a plain list means an ordered list of the same length.
Values inside objects and lists are themselves matchers, so matchers nest. A mapping whose
keys start with `$` is a matcher (exactly one of these, except `$approx` with `$tol`):

- `$one_of: [a, b]` — matches any alternative (alternatives may be matchers);
- `$regex: "..."` — a string that the pattern matches in full (`re.fullmatch`);
- `$approx: x` with `$tol: t` — a number (not a boolean) with `|value - x| <= t`; the
  tolerance is absolute, inclusive (up to float rounding) and defaults to `DEFAULT_TOL` (1e-6);
- `$normalized: "..."` — a string equal after `harness.grading.values.normalize_text`: NFKC,
  case folding, and whitespace and Unicode punctuation (Chinese `，。“”` too) removed;
- `$contains: x` — a string containing the substring `x` (case-sensitive), or an array with
  at least one element matching `x` (which may be a matcher);
- `$any: true` — present, any value (null included);
- `$absent: true` — the key must not be present (inside an object);
- `$optional: m` — the key may be absent; if present, the value must match `m`;
- `$unordered: [..]` — an array equal to these elements as a multiset (elements may be
  matchers; a one-to-one assignment is searched);
- `$subset: {..}` — an object having at least these keys (more are allowed);
- `$schema: {..}` — a value valid against this JSON Schema (draft 2020-12);
- `$date: "2025-06-22"` — a string denoting that calendar date: `2025-06-22`,
  `2025/06/22`, `2025.6.22`, `20250622`, `2025年6月22日`, or an ISO date-time on that
  date (`2025-06-22T09:00:00+08:00`; the zone never shifts the day). See
  `harness.grading.values.parse_calendar_date`.

`Matcher.ok(value)` is the fast check used while grading; `Matcher.diff(value, path, out)`
explains a failure as `Mismatch` records with deepdiff paths (`root['items'][2]`) and kinds
`wrong_value`, `wrong_type`, `missing_argument`, `unexpected_argument`; it is only called
on failures.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.grading.compound import Date, SchemaValue, Unordered, schema_validator
from harness.grading.matcher_names import MATCHER_KEYS, MATCHER_NAMES
from harness.grading.matcher_types import (
    Absent,
    AnyValue,
    Approx,
    Contains,
    Literal,
    Matcher,
    MatcherError,
    Mismatch,
    Normalized,
    Object,
    OneOf,
    Optional_,
    Regex,
    Sequence_,
    is_matcher_spec,
)

__all__ = [
    "DEFAULT_TOL",
    "MATCHER_NAMES",
    "Matcher",
    "MatcherError",
    "Mismatch",
    "compile_arguments",
    "compile_matcher",
    "is_matcher_spec",
    "match",
    "schema_validator",
]

DEFAULT_TOL = 1e-6
"""The absolute tolerance of `$approx` when `$tol` is not given."""

_SCALARS = (str, int, float, bool, type(None))


def _is_number(v: Any) -> bool:
    return type(v) in (int, float)


def _compile_op(spec: Mapping[str, Any], strict: bool) -> Matcher:
    keys = set(spec)
    unknown = sorted(keys - MATCHER_NAMES)
    if unknown:
        raise MatcherError(
            f"unknown matcher {unknown[0]!r}; known: {', '.join(sorted(MATCHER_KEYS))} "
            "($tol is a modifier beside $approx)"
        )
    if "$tol" in keys and "$approx" not in keys:
        raise MatcherError("$tol is only valid next to $approx")
    ops = keys - {"$tol"}
    if len(ops) != 1:
        raise MatcherError(f"a matcher has exactly one operator, got {', '.join(sorted(keys))}")
    (op,) = ops
    arg = spec[op]
    if op == "$one_of":
        if not isinstance(arg, (list, tuple)) or not arg:
            raise MatcherError("$one_of needs a non-empty list of alternatives")
        return OneOf(spec, [compile_matcher(a, strict=strict) for a in arg])
    if op == "$regex":
        if type(arg) is not str:
            raise MatcherError(f"$regex needs a string pattern, got {arg!r}")
        return Regex(spec, arg)
    if op == "$approx":
        tol = spec.get("$tol", DEFAULT_TOL)
        if not _is_number(arg) or not _is_number(tol) or tol < 0:
            raise MatcherError(f"$approx needs a number and $tol a number >= 0, got {arg!r}, {tol!r}")
        return Approx(spec, arg, tol)
    if op == "$normalized":
        if type(arg) is not str:
            raise MatcherError(f"$normalized needs a string, got {arg!r}")
        return Normalized(spec, arg)
    if op == "$contains":
        return Contains(spec, arg, compile_matcher(arg, strict=strict))
    if op in ("$any", "$absent"):
        if arg is not True:
            raise MatcherError(f"{op} takes `true`, got {arg!r}")
        return AnyValue(spec) if op == "$any" else Absent(spec)
    if op == "$optional":
        inner = compile_matcher(arg, strict=strict)
        if inner.optional or inner.absent:
            raise MatcherError("$optional cannot wrap $optional or $absent")
        return Optional_(spec, inner)
    if op == "$unordered":
        if not isinstance(arg, (list, tuple)):
            raise MatcherError("$unordered needs a list")
        return Unordered(spec, [compile_matcher(a, strict=strict) for a in arg])
    if op == "$subset":
        if not isinstance(arg, Mapping):
            raise MatcherError("$subset needs an object")
        fields = {k: compile_matcher(v, strict=strict) for k, v in arg.items()}
        return Object(spec, fields, allow_extra=True)
    if op == "$schema":
        if not isinstance(arg, (Mapping, bool)):
            raise MatcherError("$schema needs a JSON Schema object")
        return SchemaValue(spec, arg)
    assert op == "$date", op
    return Date(spec, arg)


def compile_matcher(spec: Any, *, strict: bool = False) -> Matcher:
    """Compile one expectation (a plain value or a `$` matcher, nested) into a `Matcher`.

    Raises MatcherError for a malformed spec. With `strict`, `int` and `float` differ.
    """
    if isinstance(spec, Mapping):
        if spec and any(isinstance(k, str) and k.startswith("$") for k in spec):
            if not is_matcher_spec(spec):
                raise MatcherError(
                    f"an object mixes matcher keys and plain keys: {', '.join(map(str, spec))}"
                )
            return _compile_op(spec, strict)
        return Object(spec, {k: compile_matcher(v, strict=strict) for k, v in spec.items()}, False)
    if isinstance(spec, (list, tuple)):
        return Sequence_(spec, [compile_matcher(v, strict=strict) for v in spec])
    if isinstance(spec, _SCALARS):
        return Literal(spec, strict)
    raise MatcherError(f"not a JSON value: {spec!r}")


def compile_arguments(
    spec: Mapping[str, Any], *, strict: bool = False, extra_arguments: str = "forbid"
) -> Matcher:
    """Compile an expected call's arguments: argument name → matcher.

    Keys the call carries beyond `spec` fail as `unexpected_argument` unless
    `extra_arguments` is "allow". A spec that is itself a matcher (`{$any: true}`,
    `{$schema: ...}`) applies to the whole arguments object.
    """
    if is_matcher_spec(spec):
        return compile_matcher(spec, strict=strict)
    fields = {k: compile_matcher(v, strict=strict) for k, v in spec.items()}
    return Object(spec, fields, allow_extra=extra_arguments == "allow")


def match(spec: Any, value: Any, *, strict: bool = False, path: str = "root") -> list[Mismatch]:
    """Return the mismatches of `value` against `spec` (empty when it matches)."""
    matcher = compile_matcher(spec, strict=strict)
    out: list[Mismatch] = []
    if not matcher.ok(value):
        matcher.diff(value, path, out)
        if not out:  # a matcher that fails without a reason would be a bug; never hide it
            out.append(Mismatch("wrong_value", path, matcher.spec, value, f"{path}: does not match"))
    return out
