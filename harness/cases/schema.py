"""The case-file JSON Schema and the translation of its errors into located `Problem`s."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import cache
from importlib import resources
from typing import Any, cast

import jsonschema

from harness.errors import json_type, suggest
from harness.grading.safe_schema import safe_validator

__all__ = ["case_schema", "case_validator", "file_validator", "schema_errors"]


@cache
def case_schema() -> dict[str, Any]:
    """Return the case-file JSON Schema shipped in `harness/schemas/case.schema.json`."""
    text = resources.files("harness").joinpath("schemas/case.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _runtime_schema() -> dict[str, Any]:
    """The case schema with `$defs/value` relaxed to `{}`.

    The shipped schema checks matcher keys inside argument values so editors flag `$oneof`;
    at load time `harness.grading.spec_checks` checks them with better messages, and skipping
    the recursive value schema makes loading about twice as fast.
    """
    schema = dict(case_schema())
    schema["$defs"] = {**schema["$defs"], "value": {}}
    return schema


@cache
def file_validator() -> Any:
    """A validator for a whole case file."""
    return safe_validator(_runtime_schema())


@cache
def case_validator() -> Any:
    """A validator for one case mapping (the `$defs/case` part of the schema)."""
    return safe_validator({"$ref": "#/$defs/case", "$defs": _runtime_schema()["$defs"]})


@cache
def tools_file_validator() -> Any:
    """A validator for a shared tools file (`_tools/*.yaml`): `tools:` only."""
    schema = case_schema()
    return safe_validator(
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["tools"],
            "properties": {"tools": schema["properties"]["tools"]},
            "$defs": _runtime_schema()["$defs"],
        }
    )


_ROLE_KEYS = {"tool_calls": "assistant", "tool_call_id": "tool", "name": "tool"}


def schema_errors(
    validator: Any, instance: Any, fast: Callable[[Any], bool] | None = None
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Yield (instance path, message) for each schema error, phrased for case authors.

    `fast` is an accept-check (`harness.cases.fastcheck`): when it says True, jsonschema
    is not run. Unknown matcher keys inside arguments are left to the matcher check.
    """
    if fast is not None and fast(instance):
        return
    for error in validator.iter_errors(instance):
        yield from _translate(error)


def _translate(error: jsonschema.ValidationError) -> Iterator[tuple[tuple[str | int, ...], str]]:
    path = tuple(error.absolute_path)
    kind = error.validator
    schema = error.schema if isinstance(error.schema, dict) else {}
    inst = error.instance
    if "propertyNames" in error.absolute_schema_path:
        return  # matcher syntax: reported by the matcher check
    if kind == "additionalProperties" and isinstance(inst, dict):
        allowed = sorted(schema.get("properties", {}))
        for key in inst:
            if key not in schema.get("properties", {}):
                yield (
                    (*path, key),
                    f"unknown key {key!r}{suggest(str(key), allowed)}; allowed here: {', '.join(allowed)}",
                )
    elif kind == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else error.message
        yield path, f"missing required key {missing!r}"
    elif kind == "enum":
        options = [str(o) for o in cast("list[Any]", error.validator_value)]
        yield path, f"{inst!r} is not one of {', '.join(options)}{suggest(str(inst), options)}"
    elif kind == "type":
        wanted = error.validator_value
        wanted_s = " or ".join(wanted) if isinstance(wanted, list) else wanted
        yield path, f"must be {wanted_s}, got {json_type(inst)}"
    elif kind == "pattern":
        desc = schema.get("description", "")
        yield path, f"{inst!r} does not match {error.validator_value}" + (f": {desc}" if desc else "")
    elif kind == "maxLength" and isinstance(inst, str):
        limit = error.validator_value
        what = " (it names cassette files)" if path[-1:] == ("id",) else ""
        yield path, f"is {len(inst)} characters long, at most {limit} allowed{what}"
    elif kind == "minItems":
        yield path, "must not be empty"
    elif kind == "uniqueItems":
        yield path, "lists the same name twice"
    elif kind == "not" and error.validator_value == {"required": ["expect", "turns"]}:
        yield (
            (*path, "turns"),
            "a case has either `expect:` (single turn) or `turns:` (multi-turn), not both; "
            "move the first turn's calls to turns[0].expect",
        )
    elif kind == "anyOf" and error.validator_value == [{"required": ["expect"]}, {"required": ["turns"]}]:
        yield path, "a case needs `expect:` (the calls of its single turn; [] for none) or `turns:`"
    elif kind == "not" and error.validator_value == {"required": ["expect_text"]}:
        yield (
            (*path, "expect_text"),
            "`expect_text` beside `turns:` is ambiguous; put it in the turn it checks (turns[i].expect_text)",
        )
    elif kind == "anyOf" and schema.get("description"):
        yield path, f"invalid value {inst!r}: expected {schema['description']}"
    elif kind == "not" and error.validator_value == {}:
        key = path[-1] if path else "?"
        role = _ROLE_KEYS.get(str(key), "other")
        yield path, f"key {key!r} is only allowed on {role} messages"
    else:
        yield path, str(error.message)
