"""`schema_ok` for the bfcl profile: each call's arguments against its tool's JSON Schema.

BFCL itself never fails a call on its schema; this only fills `Verdict.schema_ok`.
Validators are compiled once per tool schema.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jsonschema import Draft202012Validator

from harness.model import Case

__all__ = ["calls_valid"]

_VALIDATORS: dict[int, tuple[Any, Draft202012Validator]] = {}


def _validator(schema: Any) -> Draft202012Validator:
    hit = _VALIDATORS.get(id(schema))
    if hit is not None and hit[0] is schema:
        return hit[1]
    validator = Draft202012Validator(schema)
    _VALIDATORS[id(schema)] = (schema, validator)  # keeps `schema` alive, so its id stays unique
    return validator


def calls_valid(case: Case, calls: Sequence[tuple[str, Any]], sanitize: bool) -> bool:
    """Whether every call names an offered tool and its arguments validate against it."""
    tools = {t.name: t for t in case.tools}
    if sanitize:
        tools.update({name.replace(".", "_"): t for name, t in list(tools.items())})
    for name, args in calls:
        tool = tools.get(name)
        if tool is None or not isinstance(args, dict):
            return False
        if not _validator(tool.parameters).is_valid(args):
            return False
    return True
