"""Compiled matcher types for schemas, dates and multisets (see `harness.grading.matchers`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from harness.grading.fastschema import compile_fast
from harness.grading.matcher_types import Matcher, MatcherError, Mismatch
from harness.grading.values import json_type, parse_calendar_date, path_join, plain, short

__all__ = ["Date", "SchemaCheck", "SchemaValue", "Unordered", "schema_validator"]


class Unordered(Matcher):
    """`$unordered`: an array equal to the elements as a multiset."""

    __slots__ = ("items",)

    def __init__(self, spec: Any, items: list[Matcher]) -> None:
        super().__init__(spec)
        self.items = tuple(items)

    def _assign(self, value: Sequence[Any]) -> list[int | None]:
        """Kuhn's augmenting paths: for each actual element, the expected item it takes."""
        n = len(self.items)
        edges = [[j for j in range(len(value)) if self.items[i].ok(value[j])] for i in range(n)]
        owner: list[int | None] = [None] * len(value)

        def augment(i: int, seen: set[int]) -> bool:
            for j in edges[i]:
                if j not in seen:
                    seen.add(j)
                    k = owner[j]
                    if k is None or augment(k, seen):
                        owner[j] = i
                        return True
            return False

        for i in range(n):
            augment(i, set())
        return owner

    def ok(self, value: Any) -> bool:
        if not isinstance(value, (list, tuple)) or len(value) != len(self.items):
            return False
        return None not in self._assign(value)

    def diff(self, value: Any, path: str, out: list[Mismatch]) -> None:
        if not isinstance(value, (list, tuple)):
            out.append(self._mismatch("wrong_type", value, path, f"{json_type(value)} instead of array"))
        elif not self.ok(value):
            owner = self._assign(value)
            taken = {i for i in owner if i is not None}
            missing = [self.items[i].spec for i in range(len(self.items)) if i not in taken]
            extra = [v for j, v in enumerate(value) if owner[j] is None]
            why = f"unmatched expected {short(missing, 60)}, unmatched actual {short(extra, 60)}"
            out.append(self._mismatch("wrong_value", value, path, why))


class SchemaValue(Matcher):
    """`$schema`: a value valid against a JSON Schema."""

    __slots__ = ("validator",)

    def __init__(self, spec: Any, schema: Any) -> None:
        super().__init__(spec)
        self.validator = schema_validator(schema)

    def ok(self, value: Any) -> bool:
        return bool(self.validator.is_valid(value))

    def diff(self, value: Any, path: str, out: list[Mismatch]) -> None:
        for err in self.validator.iter_errors(value):
            sub = path
            for part in err.absolute_path:
                sub = path_join(sub, part)
            kind = "wrong_type" if err.validator == "type" else "wrong_value"
            msg = f"{sub}: {err.message} (schema {short(self.spec['$schema'], 60)})"
            out.append(Mismatch(kind, sub, self.spec, err.instance, msg))


class Date(Matcher):
    """`$date`: a string denoting the given calendar date."""

    __slots__ = ("date",)

    def __init__(self, spec: Any, text: Any) -> None:
        super().__init__(spec)
        date = parse_calendar_date(text) if type(text) is str else None
        if date is None:
            raise MatcherError(f"$date needs a date like '2025-06-22', got {text!r}")
        self.date = date

    def ok(self, value: Any) -> bool:
        return type(value) is str and parse_calendar_date(value) == self.date

    def diff(self, value: Any, path: str, out: list[Mismatch]) -> None:
        if type(value) is not str:
            out.append(self._mismatch("wrong_type", value, path, f"{json_type(value)} instead of string"))
        elif not self.ok(value):
            got = parse_calendar_date(value)
            why = f"is {got.isoformat()}" if got else "not a recognised date"
            out.append(self._mismatch("wrong_value", value, path, why))


class SchemaCheck:
    """A compiled JSON Schema: a fast accept-check for common schemas, jsonschema otherwise."""

    __slots__ = ("fast", "validator")

    def __init__(self, schema: Any) -> None:
        from harness.grading.safe_schema import safe_validator

        self.validator = safe_validator(schema)
        self.fast = compile_fast(schema)

    def is_valid(self, value: Any) -> bool:
        """Whether `value` is valid (the fast check accepts; jsonschema has the last word)."""
        fast = self.fast
        if fast is not None and fast(value):
            return True
        return bool(self.validator.is_valid(value))

    def iter_errors(self, value: Any) -> Iterator[Any]:
        """jsonschema's errors for `value`."""
        errors: Iterator[Any] = self.validator.iter_errors(value)
        return errors


_VALIDATORS: dict[str, SchemaCheck] = {}
_BY_ID: dict[int, tuple[Any, SchemaCheck]] = {}


def schema_validator(schema: Any) -> SchemaCheck:
    """Return a cached `SchemaCheck` (draft 2020-12) for `schema`; MatcherError if invalid."""
    hit = _BY_ID.get(id(schema))
    if hit is not None and hit[0] is schema:  # the same object (tools shared by many cases)
        return hit[1]
    import json

    from jsonschema import Draft202012Validator, SchemaError

    from harness.grading.safe_schema import ref_problems

    key = json.dumps(plain(schema), sort_keys=True, ensure_ascii=False)
    check = _VALIDATORS.get(key)
    if check is None:
        try:
            Draft202012Validator.check_schema(plain(schema))
        except SchemaError as exc:
            raise MatcherError(f"invalid JSON Schema: {exc.message}") from None
        refused = ref_problems(plain(schema))
        if refused:
            where, message = refused[0]
            at = "".join(f"[{p!r}]" for p in where)
            raise MatcherError(f"{'at ' + at + ': ' if at else ''}{message}")
        check = _VALIDATORS[key] = SchemaCheck(plain(schema))
    if len(_BY_ID) > 100_000:
        _BY_ID.clear()
    _BY_ID[id(schema)] = (schema, check)
    return check
