"""Small pure helpers for matchers and grading: JSON types, paths, text and dates.

Kept apart from `harness.grading.matchers` so that module stays about matching.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

__all__ = [
    "deepdiff_summary",
    "json_type",
    "normalize_text",
    "parse_calendar_date",
    "path_join",
    "plain",
    "short",
]


def json_type(value: Any, *, strict: bool = False) -> str:
    """Return the JSON type name of a decoded value.

    `bool` is `boolean`, never a number. Numbers are `number`; with `strict`, an `int` is
    `integer` and a `float` is `number`, so `1` and `1.0` differ in type.
    """
    t = type(value)
    if t is bool:
        return "boolean"
    if t is int:
        return "integer" if strict else "number"
    if t is float:
        return "number"
    if t is str:
        return "string"
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, (list, tuple)):
        return "array"
    return t.__name__


def path_join(path: str, key: str | int) -> str:
    """Return the deepdiff path of `key` under `path` (`root['date']`, `root['items'][2]`)."""
    return f"{path}[{key!r}]"


def plain(value: Any) -> Any:
    """Return `value` with mappings as dicts and tuples as lists (JSON-ready)."""
    t = type(value)
    if t is str or t is int or t is float or t is bool or value is None:
        return value
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def short(value: Any, limit: int = 120) -> str:
    """Return a one-line repr of `value`, truncated to `limit` characters."""
    text = repr(plain(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- text -------------------------------------------------------------------------------

_DROP_CACHE: dict[str, bool] = {}


def _dropped(ch: str) -> bool:
    hit = _DROP_CACHE.get(ch)
    if hit is None:
        cat = unicodedata.category(ch)
        hit = cat[0] in "PZ" or cat == "Cc" or cat == "Cf" or ch.isspace()
        _DROP_CACHE[ch] = hit
    return hit


def normalize_text(text: str) -> str:
    """Return `text` reduced for `$normalized` comparison.

    NFKC (full-width forms become ASCII, `ＡＢＣ` → `ABC`), then case folding, then every
    whitespace, control and Unicode punctuation character (categories P*, Z*, Cc, Cf —
    ASCII `,.!?-_'"()` as well as Chinese `，。！？、：；“”‘’（）《》【】「」…—`) is removed.
    Symbols such as `$`, `+` or `°` and all letters and digits are kept.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if not _dropped(ch))


# -- dates ------------------------------------------------------------------------------

_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?)?"
_DATE_FORMS = (
    re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})" + _TIME),
    re.compile(r"(\d{4})()(\d{2})(\d{2})"),
    re.compile(r"(\d{4})\s*(年)\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]"),
)


def parse_calendar_date(text: str) -> _dt.date | None:
    """Return the calendar date `text` denotes, or None when it is not one of the forms.

    Accepted (surrounding whitespace ignored): `2025-06-22`, `2025/06/22`, `2025.06.22`
    (one separator used twice; month and day may have one digit: `2025-6-22`), `20250622`,
    `2025年6月22日` (or `号`), and an ISO 8601 date-time whose date part is one of the
    separated forms, with `T` or a space before the time and an optional fraction and
    zone: `2025-06-22T09:30`, `2025-06-22 09:30:00.5+08:00`, `2025-06-22T23:00:00Z`.
    The date is taken as written: a time zone is never used to shift the day.
    """
    text = text.strip()
    for form in _DATE_FORMS:
        m = form.fullmatch(text)
        if m:
            try:
                return _dt.date(int(m.group(1)), int(m.group(3)), int(m.group(4)))
            except ValueError:
                return None
    return None


# -- deepdiff explanations (failures only) ----------------------------------------------


def deepdiff_summary(expected: Any, actual: Any, *, ignore_order: bool = False, limit: int = 6) -> str:
    """Return a short deepdiff explanation of how `actual` differs from `expected`."""
    from deepdiff import DeepDiff  # imported lazily: only failures pay for it

    diff = DeepDiff(plain(expected), plain(actual), ignore_order=ignore_order, verbose_level=2)
    parts: list[str] = []
    for kind, changes in diff.items():
        label = kind.replace("_", " ")
        if isinstance(changes, Mapping):
            for path, detail in changes.items():
                if isinstance(detail, Mapping) and "old_value" in detail:
                    parts.append(
                        f"{label} {path}: {short(detail['old_value'], 40)} → {short(detail['new_value'], 40)}"
                    )
                else:
                    parts.append(f"{label} {path}: {short(detail, 40)}")
        else:
            parts.extend(f"{label} {p}" for p in changes)
    if len(parts) > limit:
        parts = [*parts[:limit], f"… {len(parts) - limit} more"]
    return "; ".join(parts)
