"""The names of the argument matchers a case may use (DESIGN.md §3), in one place.

The loader rejects any other `$name` (a typo like `$oneof`); `harness.matchers` compiles them.
"""

from __future__ import annotations

__all__ = ["MATCHER_NAMES"]

MATCHER_NAMES: frozenset[str] = frozenset(
    {
        "$one_of",
        "$regex",
        "$approx",
        "$tol",
        "$normalized",
        "$contains",
        "$any",
        "$absent",
        "$optional",
        "$unordered",
        "$subset",
        "$schema",
        "$date",
    }
)
