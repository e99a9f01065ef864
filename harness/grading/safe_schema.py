"""JSON Schema evaluation that cannot reach the network, read files or hang.

Every schema fc-harness evaluates (tool parameters, `$schema` matchers, expected values, the
case schema itself) goes through `safe_validator`:

- references resolve only inside the schema's own document (`#/...`, `#/$defs/...`,
  `#anchor`); a `$ref` to a URL or a file is refused by `ref_problems` before anything is
  evaluated, and the `referencing` registry the validator gets has no way to fetch one
  either (jsonschema's default would GET `http://` refs and read `file://` ones);
- `pattern` and `patternProperties` run on RE2 (`harness.grading.regex`), linear in time.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators
from referencing import Registry
from referencing.exceptions import NoSuchResource

from harness.grading.regex import RegexError, compile_regex

__all__ = ["SafeValidator", "ref_problems", "safe_validator"]

Path = tuple[str | int, ...]

_REF_KEYS = ("$ref", "$dynamicRef", "$recursiveRef")
#: Keywords whose values are data, not schemas: a `$ref` key in them is not a reference.
_DATA_KEYS = frozenset({"const", "enum", "default", "examples"})


def _refuse(uri: str) -> Any:
    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]


#: Resolves nothing outside the document being evaluated.
NO_RETRIEVAL: Registry[Any] = Registry(retrieve=_refuse)  # type: ignore[call-arg]


def _pattern(validator: Any, pattern: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "string"):
        return
    try:
        rx = compile_regex(pattern)
    except RegexError as exc:
        yield ValidationError(f"the schema's pattern {pattern!r} cannot be used: {exc}")
        return
    if not rx.search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(
    validator: Any, patterns: Any, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        try:
            rx = compile_regex(pattern)
        except RegexError as exc:
            yield ValidationError(f"the schema's patternProperties key {pattern!r} cannot be used: {exc}")
            continue
        for key, value in instance.items():
            if rx.search(key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


SafeValidator: Any = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator, {"pattern": _pattern, "patternProperties": _pattern_properties}
)
"""Draft 2020-12 with `pattern` / `patternProperties` on RE2 (same meta-schema and formats)."""


def safe_validator(schema: Any, *, formats: bool = False) -> Any:
    """A `SafeValidator` for `schema` that never retrieves a reference (see `ref_problems`)."""
    if formats:
        return SafeValidator(schema, registry=NO_RETRIEVAL, format_checker=_format_checker())
    return SafeValidator(schema, registry=NO_RETRIEVAL)


@cache
def _format_checker() -> Any:
    return Draft202012Validator.FORMAT_CHECKER


def ref_problems(schema: Any, path: Path = ()) -> list[tuple[Path, str]]:
    """(path, message) for each reference or pattern in `schema` that will not be evaluated.

    Allowed: `$ref` / `$dynamicRef` to a fragment of the same document (`#/$defs/x`, `#a`).
    Refused: any other reference (`http://...`, `file:///...`, `other.json#/x`), and patterns
    the linear-time engine does not support.
    """
    found: list[tuple[Path, str]] = []
    stack: list[tuple[Any, Path]] = [(schema, path)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, list):
            stack.extend((item, (*where, i)) for i, item in enumerate(node))
            continue
        if not isinstance(node, Mapping):
            continue
        for key, value in node.items():
            if key in _DATA_KEYS:
                continue
            if key in _REF_KEYS and isinstance(value, str):
                if not value.startswith("#"):
                    found.append(
                        (
                            (*where, key),
                            f"{key} {value!r} points outside this schema: only references inside "
                            "the same document ('#/$defs/...') are followed (no network, no files)",
                        )
                    )
                continue
            if key == "pattern" and isinstance(value, str):
                try:
                    compile_regex(value)
                except RegexError as exc:
                    found.append(((*where, key), f"pattern {value!r} cannot be used: {exc}"))
                continue
            if key == "patternProperties" and isinstance(value, Mapping):
                for pattern in value:
                    if isinstance(pattern, str):
                        try:
                            compile_regex(pattern)
                        except RegexError as exc:
                            found.append(
                                ((*where, key, pattern), f"pattern {pattern!r} cannot be used: {exc}")
                            )
            stack.append((value, (*where, key)))
    return sorted(found, key=lambda f: [str(p) for p in f[0]])
