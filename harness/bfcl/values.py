"""BFCL's value helpers: string standardisation and standardised answers, computed once."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

__all__ = ["answer_type", "cached", "standardize_string", "std_list", "std_lists", "std_strings"]

_STD = re.compile(r"[ ,./\-_*^]")


def standardize_string(text: str) -> str:
    """BFCL's string standardisation: drop spaces and ``,./-_*^``, lower-case, ' → "."""
    return _STD.sub("", text).lower().replace("'", '"')


def std_list(values: Any) -> list[Any]:
    """The items with strings standardised (iterating a string gives its characters, as in BFCL)."""
    return [standardize_string(v) if type(v) is str else v for v in values]


# Standardised forms of possible answers, computed once per answer list (answers are
# never mutated; the cache keeps each list alive, so its id stays unique).
_CACHE: dict[tuple[int, Any], tuple[Any, Any]] = {}


def cached(acceptable: Any, build: Any) -> Any:
    """`build(acceptable)`, computed once per answer list (answers are never mutated)."""
    key = (id(acceptable), build)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is acceptable:
        return hit[1]
    value = build(acceptable)
    if len(_CACHE) > 500_000:
        _CACHE.clear()
    _CACHE[key] = (acceptable, value)  # keeps `acceptable` alive, so its id stays unique
    return value


def std_strings(acceptable: Any) -> set[str]:
    """The standardised forms of the string answers."""
    return {standardize_string(a) for a in acceptable if type(a) is str}


def std_lists(acceptable: Any) -> list[list[Any]]:
    """Each list answer with its strings standardised (BFCL's list rule)."""
    return [std_list(a) for a in acceptable]


def answer_type(acceptable: Sequence[Any]) -> type | None:
    """The type of the first answer that is not `""` (BFCL's "variable" rule), or None."""
    for a in acceptable:
        if a != "":
            return type(a)
    return None
