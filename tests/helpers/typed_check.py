"""Strict structural check of JSON data against an SDK's TypedDict request types.

pydantic validates TypedDicts leniently (unknown keys ignored, iterables lazily), so this walks
the type annotations itself: unknown keys, missing required keys, wrong literals and wrong
scalar types are all reported with a path.
"""

from __future__ import annotations

import collections.abc as cabc
import types
import typing
from typing import Any, Literal, Union

import typing_extensions

__all__ = ["check_typed"]


def _hints(tp: Any) -> dict[str, Any]:
    return typing_extensions.get_type_hints(tp, include_extras=False)


def check_typed(data: Any, tp: Any, path: str = "root") -> list[str]:
    """Return the problems found checking `data` against type `tp` (empty when it fits)."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any or tp is object:
        return []
    if origin is typing.Annotated:
        return check_typed(data, args[0], path)
    if origin in (Union, types.UnionType):
        best: list[str] | None = None
        for option in args:
            problems = check_typed(data, option, path)
            if not problems:
                return []
            if best is None or len(problems) < len(best):
                best = problems
        return best or [f"{path}: no union member fits"]
    if origin is Literal:
        return [] if data in args else [f"{path}: {data!r} not in {args}"]
    if tp is type(None):
        return [] if data is None else [f"{path}: expected null"]
    if typing_extensions.is_typeddict(tp):
        if not isinstance(data, dict):
            return [f"{path}: expected object for {tp.__name__}, got {type(data).__name__}"]
        hints = _hints(tp)
        problems = [f"{path}: unknown key {k!r} for {tp.__name__}" for k in data if k not in hints]
        problems += [
            f"{path}: missing {k!r} for {tp.__name__}" for k in tp.__required_keys__ if k not in data
        ]
        for key, value in data.items():
            if key in hints:
                problems += check_typed(value, hints[key], f"{path}.{key}")
        return problems
    if origin in (list, cabc.Iterable, cabc.Sequence, typing.List):  # noqa: UP006
        if not isinstance(data, list):
            return [f"{path}: expected array"]
        out: list[str] = []
        for i, item in enumerate(data):
            out += check_typed(item, args[0] if args else Any, f"{path}[{i}]")
        return out
    if origin in (dict, cabc.Mapping, typing.Dict):  # noqa: UP006
        if not isinstance(data, dict):
            return [f"{path}: expected object"]
        value_type = args[1] if len(args) == 2 else Any
        return [p for k, v in data.items() for p in check_typed(v, value_type, f"{path}.{k}")]
    if isinstance(tp, type):
        if hasattr(tp, "model_validate"):
            try:
                tp.model_validate(data)
            except Exception as e:
                return [f"{path}: {tp.__name__}: {str(e).splitlines()[0]}"]
            return []
        if tp is float:
            ok = isinstance(data, int | float) and not isinstance(data, bool)
        elif tp is int:
            ok = isinstance(data, int) and not isinstance(data, bool)
        else:
            ok = isinstance(data, tp)
        return [] if ok else [f"{path}: expected {tp.__name__}, got {type(data).__name__}"]
    return []
