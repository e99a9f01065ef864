"""Tool parameter schemas as adapters send them: `harness.providers.portability.translate_schema`, once.

Every adapter takes a tool's schema from `wire_schema(tool, kind)`, so what goes on the wire
is exactly what `fcharness validate --portability` describes (one implementation). A schema
whose translation has a `rejected` note cannot be sent as the case means it: `wire_schema`
raises `UnsupportedCaseError` (status `unsupported`, the note as the reason).
"""

from __future__ import annotations

from typing import Any

from harness.model import Tool
from harness.providers.capabilities import UnsupportedCaseError
from harness.providers.portability import translate_schema

__all__ = ["EMPTY_OBJECT", "neutral_schema", "wire_schema"]

#: What a tool without parameters sends.
EMPTY_OBJECT: dict[str, Any] = {"type": "object", "properties": {}}


def neutral_schema(tool: Tool) -> dict[str, Any]:
    """Return the tool's neutral parameters schema (an empty object schema when it has none)."""
    return dict(tool.parameters) if tool.parameters else dict(EMPTY_OBJECT)


def wire_schema(tool: Tool, kind: str, *, strict: bool = False) -> dict[str, Any]:
    """Return `translate_schema(neutral_schema(tool), kind, strict=strict)`'s schema.

    Raise UnsupportedCaseError naming the tool, path and reason when the vendor would reject it.
    Translations are cached per (tool name, parameters object, kind, strict): replay builds
    the same requests many times. Callers get a fresh top-level dict each time.
    """
    key = (tool.name, id(tool.parameters), kind, strict)
    hit = _CACHE.get(key)
    if hit is None or hit[0] is not tool.parameters:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        hit = (tool.parameters, _translate(tool, kind, strict))
        _CACHE[key] = hit
    result = hit[1]
    if isinstance(result, UnsupportedCaseError):
        raise UnsupportedCaseError(str(result))
    return dict(result)


_CACHE_SIZE = 4096
_CACHE: dict[tuple[str, int, str, bool], tuple[Any, dict[str, Any] | UnsupportedCaseError]] = {}


def _translate(tool: Tool, kind: str, strict: bool) -> dict[str, Any] | UnsupportedCaseError:
    schema, notes = translate_schema(neutral_schema(tool), kind, strict=strict)
    rejected = [n for n in notes if n.action == "rejected"]
    if not rejected:
        return schema
    dialect = "openai-strict" if strict and kind.startswith("openai-") else kind
    why = "; ".join(f"{n.path}: {n.message}" for n in rejected)
    return UnsupportedCaseError(f"tool {tool.name!r}: {dialect} rejects its schema ({why})")
