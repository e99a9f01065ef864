"""The argument matcher keys of the case format (DESIGN.md §3), shared by loader and grading.

A matcher is a mapping whose keys start with `$`; any other value in an expectation is a
literal (compared for equality). Matchers may also appear inside literal objects and lists
(`{"filters": {"city": {"$one_of": [...]}}}`): grading recurses into literals.

This module is tiny on purpose: `harness.cases.loader` (validation) and `harness.grading.matchers`
(grading) both import it, and neither imports the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["MATCHERS", "MATCHER_KEYS", "MATCHER_NAMES", "MODIFIER_KEYS", "is_matcher"]

#: matcher key → what its operand must be (shown in validation messages).
MATCHERS: dict[str, str] = {
    "$one_of": "a non-empty list of alternatives (each a literal or a matcher)",
    "$regex": "a regular expression string, matched against the whole value",
    "$approx": "a number; `$tol` (absolute tolerance, default 1e-6) may sit beside it",
    "$normalized": "a string, compared ignoring case, whitespace and punctuation",
    "$contains": "a value the string (substring) or list (element) must contain",
    "$any": "true: the argument must be present, any value",
    "$absent": "true: the argument must not be present",
    "$optional": "a matcher or literal: the argument may be absent; if present it must match",
    "$unordered": "a list: the value must hold the same elements in any order",
    "$subset": "an object: the value must hold these keys (matched), and may hold more",
    "$schema": "a JSON Schema the value must validate against",
    "$date": "a date string YYYY-MM-DD; equal dates in common formats also match",
}

#: Keys allowed only beside another matcher key.
MODIFIER_KEYS: dict[str, str] = {"$tol": "$approx"}

MATCHER_KEYS: frozenset[str] = frozenset(MATCHERS)


def is_matcher(value: Any) -> bool:
    """Return True when `value` is a matcher spec (a mapping with a `$`-prefixed key)."""
    return isinstance(value, Mapping) and any(isinstance(k, str) and k.startswith("$") for k in value)


#: Every `$` key a case may write (matchers and their modifiers), as `harness.grading.matchers` reads it.
MATCHER_NAMES: frozenset[str] = MATCHER_KEYS | frozenset(MODIFIER_KEYS)
