"""A fast accept-check for case files, in front of the JSON Schema validation.

`file_ok(doc)` / `case_ok(case)` / `tools_file_ok(doc)` return True only for documents the
(runtime) case schema accepts; on False the caller runs jsonschema, whose errors are what
gets reported. They never decide that a document is wrong, so a gap here only costs time.
A property test checks that True always agrees with jsonschema.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["case_ok", "file_ok", "tools_file_ok"]

_NAME = re.compile(r"[a-zA-Z0-9_.-]{1,64}")
_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,127}")
_CASE_KEYS = frozenset(
    {
        "id", "description", "category", "tags", "tools", "use", "messages", "tool_choice", "expect",
        "expect_text", "order", "extra_arguments", "turns", "skip", "only", "meta",
    }
)  # fmt: skip
_CATEGORIES = frozenset({"simple", "multiple", "parallel", "parallel_multiple", "irrelevance", "multi_turn"})
_MESSAGE_KEYS = frozenset({"role", "content", "tool_calls", "tool_call_id", "name"})
_CHOICES = frozenset({"auto", "required", "none"})


def _str(v: Any) -> bool:
    return type(v) is str


def _strs(v: Any) -> bool:
    return type(v) is list and all(type(x) is str for x in v)


def _tool_ok(t: Any) -> bool:
    return (
        type(t) is dict
        and t.keys() <= {"name", "description", "parameters"}
        and _str(t.get("name"))
        and _NAME.fullmatch(t["name"]) is not None
        and _str(t.get("description", ""))
        and type(t.get("parameters", {})) is dict
    )


def _tools_ok(v: Any) -> bool:
    return type(v) is list and all(_tool_ok(t) for t in v)


def _use_ok(v: Any) -> bool:
    return _strs(v) and all(_NAME.fullmatch(x) for x in v) and len(set(v)) == len(v)


def _call_ok(c: Any) -> bool:
    return (
        type(c) is dict
        and c.keys() <= {"name", "arguments", "id"}
        and _str(c.get("name"))
        and type(c.get("arguments", {})) is dict
        and _str(c.get("id", ""))
    )


def _message_ok(m: Any) -> bool:
    if type(m) is not dict or not m.keys() <= _MESSAGE_KEYS:
        return False
    role = m.get("role")
    if role in ("system", "user"):
        return m.keys() <= {"role", "content"} and _str(m.get("content"))
    if role == "assistant":
        content = m.get("content")
        calls = m.get("tool_calls", [])
        return (
            m.keys() <= {"role", "content", "tool_calls"}
            and (content is None or _str(content))
            and type(calls) is list
            and all(_call_ok(c) for c in calls)
        )
    if role == "tool":
        return (
            "content" in m
            and "tool_calls" not in m
            and _str(m.get("tool_call_id", ""))
            and _str(m.get("name", ""))
        )
    return False


def _expect_ok(v: Any) -> bool:
    return type(v) is list and all(
        type(e) is dict
        and e.keys() <= {"call", "arguments"}
        and _str(e.get("call"))
        and type(e.get("arguments", {})) is dict
        for e in v
    )


def _turn_ok(t: Any) -> bool:
    return (
        type(t) is dict
        and t.keys() <= {"expect", "results", "expect_text"}
        and "expect" in t
        and _expect_ok(t["expect"])
        and type(t.get("results", [])) is list
    )


def _choice_ok(v: Any) -> bool:
    if type(v) is dict:
        return v.keys() == {"name"} and _str(v["name"])
    return _str(v) and v in _CHOICES


def case_ok(c: Any) -> bool:
    """True when `c` is surely a structurally valid case mapping."""
    if type(c) is not dict or not c.keys() <= _CASE_KEYS:
        return False
    has_expect, has_turns = "expect" in c, "turns" in c
    if has_expect == has_turns or (has_turns and "expect_text" in c):
        return False
    messages = c.get("messages")
    checks = (
        _str(c.get("id")) and _ID.fullmatch(c["id"]) is not None,
        type(messages) is list and len(messages) > 0 and all(_message_ok(m) for m in messages),
        not has_expect or _expect_ok(c["expect"]),
        not has_turns
        or (type(c["turns"]) is list and len(c["turns"]) > 0 and all(map(_turn_ok, c["turns"]))),
        _str(c.get("description", "")),
        "category" not in c or (_str(c["category"]) and c["category"] in _CATEGORIES),
        _strs(c.get("tags", [])),
        "tools" not in c or _tools_ok(c["tools"]),
        "use" not in c or _use_ok(c["use"]),
        "tool_choice" not in c or _choice_ok(c["tool_choice"]),
        c.get("order", "any") in ("any", "strict") and _str(c.get("order", "any")),
        c.get("extra_arguments", "forbid") in ("forbid", "allow") and _str(c.get("extra_arguments", "")),
        type(c.get("skip", {})) is dict and all(_str(v) for v in c.get("skip", {}).values()),
        _strs(c.get("only", [])),
        type(c.get("meta", {})) is dict,
    )
    return all(checks)


def file_ok(doc: Any) -> bool:
    """True when `doc` is surely a structurally valid case file."""
    if type(doc) is not dict or not doc.keys() <= {"tools", "use", "cases"}:
        return False
    return (
        ("tools" not in doc or _tools_ok(doc["tools"]))
        and ("use" not in doc or _use_ok(doc["use"]))
        and ("cases" not in doc or (type(doc["cases"]) is list and all(case_ok(c) for c in doc["cases"])))
    )


def tools_file_ok(doc: Any) -> bool:
    """True when `doc` is surely a valid shared tools file (`tools:` only)."""
    return type(doc) is dict and doc.keys() == {"tools"} and _tools_ok(doc["tools"])
