"""Compiled matcher types (plain values and scalar matchers); see `harness.grading.matchers`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from harness.errors import UserError
from harness.grading.regex import RegexError, compile_regex
from harness.grading.values import (
    deepdiff_summary,
    json_type,
    normalize_text,
    path_join,
    plain,
    short,
)


class MatcherError(UserError):
    """A matcher spec is malformed (unknown `$name`, wrong operand type, bad regex...)."""


@dataclass(frozen=True)
class Mismatch:
    """One way a value failed its expectation."""

    kind: str
    """`wrong_value`, `wrong_type`, `missing_argument` or `unexpected_argument`."""
    path: str
    """deepdiff path, e.g. `root['items'][2]`."""
    expected: Any
    actual: Any
    message: str


def is_matcher_spec(value: Any) -> bool:
    """Whether `value` is a matcher mapping (its keys start with `$`)."""
    return (
        isinstance(value, Mapping)
        and bool(value)
        and all(isinstance(k, str) and k.startswith("$") for k in value)
    )


class Matcher:
    """A compiled expectation."""

    __slots__ = ("raw",)
    optional = False
    absent = False

    def __init__(self, spec: Any) -> None:
        self.raw = spec

    @property
    def spec(self) -> Any:
        """The expectation as written, JSON-ready (built on demand: failures only)."""
        return plain(self.raw)

    def ok(self, value: Any) -> bool:
        """Whether `value` satisfies the expectation (fast; no explanation)."""
        raise NotImplementedError

    def diff(self, value: Any, path: str, out: list[Mismatch]) -> None:
        """Append why `value` fails (nothing when it matches)."""
        if not self.ok(value):
            out.append(self._mismatch("wrong_value", value, path))

    def _mismatch(self, kind: str, value: Any, path: str, why: str = "") -> Mismatch:
        exp = short(self.spec)
        msg = f"{path}: expected {exp}, got {short(value)}" + (f" ({why})" if why else "")
        return Mismatch(kind, path, self.spec, value, msg)


class Literal(Matcher):
    """A scalar equal under JSON semantics."""

    __slots__ = ("_strict", "_type", "value")

    def __init__(self, value: Any, strict: bool) -> None:
        super().__init__(value)
        self.value = value
        self._strict = strict
        self._type = type(value)

    def ok(self, value: Any) -> bool:
        t = type(value)
        if t is self._type:
            return bool(value == self.value)
        if not self._strict and (t is int or t is float) and (self._type is int or self._type is float):
            return bool(value == self.value)
        return False

    def diff(self, value: Any, path: str, out: list[Mismatch]) -> None:
        if self.ok(value):
            return
        exp_t, act_t = json_type(self.value, strict=self._strict), json_type(value, strict=self._strict)
        if exp_t != act_t:
            out.append(self._mismatch("wrong_type", value, path, f"{act_t} instead of {exp_t}"))
        else:
            out.append(self._mismatch("wrong_value", value, path))


class Sequence_(Matcher):
    """A plain list: same length, element i matches matcher i."""

    __slots__ = ("items",)

    def __init__(self, spec: Any, items: list[Matcher]) -> None:
        super().__init__(spec)
        self.items = tuple(items)

    def ok(self, value: Any) -> bool:
        if not isinstance(value, (list, tuple)) or len(value) != len(self.items):
            return False
        return all(m.ok(v) for m, v in zip(self.items, value, strict=True))

    def diff(self, value: Any, path: str, out: list[Mismatch]) -> None:
        if not isinstance(value, (list, tuple)):
            out.append(self._mismatch("wrong_type", value, path, f"{json_type(value)} instead of array"))
        elif len(value) != len(self.items):
            why = f"{len(value)} items instead of {len(self.items)}: " + deepdiff_summary(self.spec, value)
            out.append(self._mismatch("wrong_value", value, path, why))
        else:
            for i, (m, v) in enumerate(zip(self.items, value, strict=True)):
                m.diff(v, path_join(path, i), out)


class Object(Matcher):
    """An object: listed keys match their matchers; other keys allowed only if `allow_extra`."""

    __slots__ = ("allow_extra", "eq", "fields", "items", "typed")

    def __init__(self, spec: Any, fields: dict[str, Matcher], allow_extra: bool) -> None:
        super().__init__(spec)
        self.fields = fields
        self.items = tuple(fields.items())
        self.allow_extra = allow_extra
        # Fast path: an exact object of scalar literals. Python `==` is looser than JSON
        # equality only across types (True == 1, 1 == 1.0), so a `==` hit is confirmed by
        # the literal check of the fields that are not strings.
        self.eq: dict[str, Any] | None = None
        self.typed: tuple[tuple[str, Matcher], ...] = ()
        if not allow_extra and all(type(m) is Literal for m in fields.values()):
            self.eq = {k: m.value for k, m in fields.items()}  # type: ignore[attr-defined]
            self.typed = tuple((k, m) for k, m in fields.items() if type(m.value) is not str)  # type: ignore[attr-defined]

    def ok(self, value: Any) -> bool:
        if type(value) is not dict and not isinstance(value, Mapping):
            return False
        if self.eq is not None:
            return value == self.eq and all(m.ok(value[k]) for k, m in self.typed)
        found = 0
        for key, m in self.items:
            if key in value:
                if m.absent or not m.ok(value[key]):
                    return False
                found += 1
            elif not (m.optional or m.absent):
                return False
        return self.allow_extra or found == len(value)

    def diff(self, value: Any, path: str, out: list[Mismatch]) -> None:
        if not isinstance(value, Mapping):
            out.append(self._mismatch("wrong_type", value, path, f"{json_type(value)} instead of object"))
            return
        for key, m in self.items:
            sub = path_join(path, key)
            if key in value:
                if m.absent:
                    msg = f"{sub}: must be absent, got {short(value[key])}"
                    out.append(Mismatch("unexpected_argument", sub, m.spec, value[key], msg))
                else:
                    m.diff(value[key], sub, out)
            elif not (m.optional or m.absent):
                msg = f"{sub}: missing (expected {short(m.spec)})"
                out.append(Mismatch("missing_argument", sub, m.spec, None, msg))
        if not self.allow_extra:
            for key in value:
                if key not in self.fields:
                    sub = path_join(path, key)
                    msg = f"{sub}: not expected, got {short(value[key])}"
                    out.append(Mismatch("unexpected_argument", sub, None, value[key], msg))


class OneOf(Matcher):
    """`$one_of`: any alternative matches."""

    __slots__ = ("alts", "strings")

    def __init__(self, spec: Any, alts: list[Matcher]) -> None:
        super().__init__(spec)
        self.alts = tuple(alts)
        lits = [a.value for a in alts if isinstance(a, Literal)]
        self.strings = (
            frozenset(lits) if len(lits) == len(alts) and all(type(v) is str for v in lits) else None
        )

    def ok(self, value: Any) -> bool:
        if self.strings is not None:
            return type(value) is str and value in self.strings
        return any(a.ok(value) for a in self.alts)

    def diff(self, value: Any, path: str, out: list[Mismatch]) -> None:
        if self.ok(value):
            return
        kinds = set()
        for a in self.alts:
            sub: list[Mismatch] = []
            a.diff(value, path, sub)
            kinds.add(sub[0].kind if sub else "wrong_value")
        kind = "wrong_type" if kinds == {"wrong_type"} else "wrong_value"
        out.append(self._mismatch(kind, value, path, "none of the alternatives matches"))


class Regex(Matcher):
    """`$regex`: a string the pattern matches in full."""

    __slots__ = ("pattern",)

    def __init__(self, spec: Any, pattern: str) -> None:
        super().__init__(spec)
        try:
            self.pattern = compile_regex(pattern)
        except RegexError as exc:
            raise MatcherError(f"$regex {pattern!r} is not a valid regular expression: {exc}") from None

    def ok(self, value: Any) -> bool:
        return type(value) is str and self.pattern.fullmatch(value)

    def diff(self, value: Any, path: str, out: list[Mismatch]) -> None:
        if type(value) is not str:
            out.append(self._mismatch("wrong_type", value, path, f"{json_type(value)} instead of string"))
        elif not self.ok(value):
            out.append(self._mismatch("wrong_value", value, path, "the pattern does not match in full"))


class Approx(Matcher):
    """`$approx` / `$tol`: a number within an absolute tolerance."""

    __slots__ = ("target", "tol")

    def __init__(self, spec: Any, target: float, tol: float) -> None:
        super().__init__(spec)
        # the bound is inclusive; the slack absorbs binary rounding (3.05 vs 3.1 ± 0.05)
        self.target, self.tol = target, tol + 1e-12 * max(1.0, abs(target))

    def ok(self, value: Any) -> bool:
        t = type(value)
        return (t is int or t is float) and abs(value - self.target) <= self.tol

    def diff(self, value: Any, path: str, out: list[Mismatch]) -> None:
        t = type(value)
        if t is not int and t is not float:
            out.append(self._mismatch("wrong_type", value, path, f"{json_type(value)} instead of number"))
        elif not self.ok(value):
            out.append(self._mismatch("wrong_value", value, path, f"off by {abs(value - self.target):g}"))


class Normalized(Matcher):
    """`$normalized`: a string equal after case, whitespace and punctuation are ignored."""

    __slots__ = ("norm",)

    def __init__(self, spec: Any, text: str) -> None:
        super().__init__(spec)
        self.norm = normalize_text(text)

    def ok(self, value: Any) -> bool:
        return type(value) is str and normalize_text(value) == self.norm

    def diff(self, value: Any, path: str, out: list[Mismatch]) -> None:
        if type(value) is not str:
            out.append(self._mismatch("wrong_type", value, path, f"{json_type(value)} instead of string"))
        elif not self.ok(value):
            why = f"normalized {normalize_text(value)!r} != {self.norm!r}"
            out.append(self._mismatch("wrong_value", value, path, why))


class Contains(Matcher):
    """`$contains`: a substring of a string, or an element of an array."""

    __slots__ = ("element", "needle")

    def __init__(self, spec: Any, needle: Any, element: Matcher) -> None:
        super().__init__(spec)
        self.needle = needle if type(needle) is str else None
        self.element = element

    def ok(self, value: Any) -> bool:
        if type(value) is str:
            return self.needle is not None and self.needle in value
        if isinstance(value, (list, tuple)):
            return any(self.element.ok(v) for v in value)
        return False

    def diff(self, value: Any, path: str, out: list[Mismatch]) -> None:
        if self.ok(value):
            return
        if not isinstance(value, (list, tuple)) and (type(value) is not str or self.needle is None):
            want = "string or array" if self.needle is not None else "array"
            out.append(self._mismatch("wrong_type", value, path, f"{json_type(value)} instead of {want}"))
        else:
            out.append(self._mismatch("wrong_value", value, path, "not contained"))


class AnyValue(Matcher):
    """`$any`: present with any value."""

    __slots__ = ()

    def ok(self, value: Any) -> bool:
        return True


class Absent(Matcher):
    """`$absent`: the key must not be present."""

    __slots__ = ()
    absent = True

    def ok(self, value: Any) -> bool:
        return False


class Optional_(Matcher):
    """`$optional`: may be absent; if present must match the inner matcher."""

    __slots__ = ("inner",)
    optional = True

    def __init__(self, spec: Any, inner: Matcher) -> None:
        super().__init__(spec)
        self.inner = inner

    def ok(self, value: Any) -> bool:
        return self.inner.ok(value)

    def diff(self, value: Any, path: str, out: list[Mismatch]) -> None:
        self.inner.diff(value, path, out)
