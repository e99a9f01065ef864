"""Answers made from the cases themselves, for cases no script covers (`--answer`).

- `expected`: every turn answers with the case's expected calls, each argument a value its
  matcher accepts (`$one_of` → the first alternative, `$regex` → a string built from the
  pattern, `$any` → a value from the tool's JSON Schema, `$optional`/`$absent` → left out);
  a turn with `expect: []` answers with text (the `expect_text` value when there is one).
- `mistakes`: the same, except that one turn (chosen from the case id, the wire kind, the
  model and the provider, so the same request always gets the same answer) makes one
  mistake drawn from the failure kinds it can show: `wrong_value`, `missing_argument`,
  `unexpected_argument`, `wrong_type`, `wrong_function`, `hallucinated_function`,
  `missing_call`, `no_call`, `extra_call`, `invalid_arguments_json`, `unexpected_call`,
  `text_mismatch`. The answer's text says which (`fc-harness emulator mistake: …`).
- `none`: no answer (the request gets a 404 naming the case).

Every value is checked with the grader's own matchers, so an `expected` answer passes and a
mistake really is one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from harness.emulator.script_model import Answer, ScriptedCall
from harness.grading.matcher_names import is_matcher
from harness.grading.matchers import match
from harness.model import Case, ExpectedCall, Turn

__all__ = ["ANSWER_MODES", "MISTAKE_LABEL", "answers_for", "expected_arguments", "value_from_schema"]

ANSWER_MODES: tuple[str, ...] = ("expected", "mistakes", "none")
MISTAKE_LABEL = "fc-harness emulator mistake"
#: The text of an `expected` answer to a turn that must not call (no `expect_text`).
PLAIN_TEXT = "fc-harness emulator: an answer without any function call."
_ABSENT = object()
_WRONG_STRING = "fc-harness-wrong-value"


def value_from_schema(schema: Any, depth: int = 0) -> Any:
    """Return a plain value valid for simple JSON Schemas (enum, const, type, format, bounds)."""
    if not isinstance(schema, Mapping) or depth > 8:
        return "x"
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    if isinstance(schema.get("examples"), list) and schema["examples"]:
        return schema["examples"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if isinstance(schema.get(key), list) and schema[key]:
            return value_from_schema(schema[key][0], depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "integer":
        low = schema.get("minimum", schema.get("exclusiveMinimum", -1) + 1)
        return int(low) if isinstance(low, (int, float)) and not isinstance(low, bool) else 0
    if kind == "number":
        low = schema.get("minimum", 0)
        return low if isinstance(low, (int, float)) and not isinstance(low, bool) else 0
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    if kind == "array":
        n = schema.get("minItems", 1)
        n = n if isinstance(n, int) and 0 <= n <= 8 else 1
        return [value_from_schema(schema.get("items"), depth + 1) for _ in range(n)]
    if kind == "object" or "properties" in schema:
        props = _props(schema)
        required = [r for r in schema.get("required") or () if isinstance(r, str)]
        return {r: value_from_schema(props.get(r), depth + 1) for r in required}
    fmt = schema.get("format")
    if fmt == "date":
        return "2025-01-01"
    if fmt == "date-time":
        return "2025-01-01T00:00:00Z"
    n = schema.get("minLength", 1)
    return "x" * (n if isinstance(n, int) and 1 <= n <= 64 else 1)


def _props(schema: Any) -> Mapping[str, Any]:
    props = schema.get("properties") if isinstance(schema, Mapping) else None
    return props if isinstance(props, Mapping) else {}


def _items(schema: Any) -> Any:
    return schema.get("items") if isinstance(schema, Mapping) else None


def _regex_example(pattern: str) -> str | None:
    """A string the pattern matches in full, for the common regex constructs (else None)."""
    try:
        import re._parser as sre  # type: ignore[import-not-found,unused-ignore]
    except ImportError:  # pragma: no cover - Python 3.10
        import sre_parse as sre  # type: ignore[no-redef,unused-ignore]
    from re import _constants as c  # type: ignore[attr-defined,unused-ignore]

    categories = {
        c.CATEGORY_DIGIT: "0",
        c.CATEGORY_WORD: "a",
        c.CATEGORY_SPACE: " ",
        c.CATEGORY_NOT_DIGIT: "a",
        c.CATEGORY_NOT_WORD: "-",
        c.CATEGORY_NOT_SPACE: "a",
    }

    def build(items: Any, depth: int) -> str:
        if depth > 20:
            raise ValueError("too deep")
        out = []
        for op, av in items:
            if op is c.LITERAL:
                out.append(chr(av))
            elif op is c.NOT_LITERAL:
                out.append("a" if chr(av) != "a" else "b")
            elif op is c.ANY:
                out.append("a")
            elif op is c.IN:
                out.append(_first_in(av))
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
                low, _high, sub = av
                out.append(build(sub, depth + 1) * min(int(low), 64))
            elif op is c.SUBPATTERN:
                out.append(build(av[-1], depth + 1))
            elif op is c.BRANCH:
                out.append(build(av[1][0], depth + 1))
            elif op is c.AT:
                continue
            elif op is c.CATEGORY:
                out.append(categories.get(av, "a"))
            else:
                raise ValueError(f"unsupported {op}")
        return "".join(out)

    def _first_in(av: Any) -> str:
        negate = any(op is c.NEGATE for op, _ in av)
        for op, v in av:
            if negate:
                return "\u00a7"  # a character a negated class rarely lists
            if op is c.LITERAL:
                return chr(v)
            if op is c.RANGE:
                return chr(v[0])
            if op is c.CATEGORY:
                return categories.get(v, "a")
        return "a"

    try:
        text = build(sre.parse(pattern), 0)
    except Exception:  # any construct the builder does not know: no example
        return None
    return text if not match({"$regex": pattern}, text) else None


def witness(spec: Any, schema: Any = None) -> Any:
    """A value `spec` accepts (`_ABSENT` for `$absent`/`$optional`: leave the argument out)."""
    if is_matcher(spec):
        op = next((k for k in spec if k != "$tol"), "$any")
        arg = spec[op]
        if op in ("$absent", "$optional"):
            return _ABSENT
        if op == "$one_of":
            return witness(arg[0], schema)
        if op == "$regex":
            return _regex_example(arg) if isinstance(arg, str) else None
        if op in ("$approx", "$normalized", "$date"):
            return arg
        if op == "$contains":
            inner = witness(arg, _items(schema))
            is_array = isinstance(schema, Mapping) and schema.get("type") == "array"
            return inner if isinstance(inner, str) and not is_array else [inner]
        if op == "$unordered":
            return [witness(a, _items(schema)) for a in arg]
        if op == "$subset":
            props = _props(schema)
            found = {k: witness(v, props.get(k)) for k, v in arg.items()}
            return {k: v for k, v in found.items() if v is not _ABSENT}
        if op == "$schema":
            return value_from_schema(arg)
        return value_from_schema(schema)  # $any
    if isinstance(spec, Mapping):
        props = _props(schema)
        found = {k: witness(v, props.get(k)) for k, v in spec.items()}
        return {k: v for k, v in found.items() if v is not _ABSENT}
    if isinstance(spec, (list, tuple)):
        return [witness(v, _items(schema)) for v in spec]
    return spec


def _tool_schema(case: Case, name: str) -> Mapping[str, Any]:
    tool = next((t for t in case.tools if t.name == name), None)
    return tool.parameters if tool is not None else {}


def expected_arguments(case: Case, call: ExpectedCall) -> dict[str, Any]:
    """Arguments that satisfy `call`'s expectation (and its tool's required parameters)."""
    schema = _tool_schema(case, call.name)
    if is_matcher(call.arguments):
        value = witness(call.arguments, schema)
        return dict(value) if isinstance(value, Mapping) else {}
    args = witness(call.arguments, schema)
    if case.extra_arguments == "allow":
        props = _props(schema)
        for name in schema.get("required") or ():
            if isinstance(name, str) and name not in args and name not in call.arguments:
                args[name] = value_from_schema(props.get(name))
    return dict(args)


def _expected_answer(case: Case, turn: Turn) -> Answer:
    if not turn.expect:
        text = witness(turn.expect_text) if turn.expect_text is not None else PLAIN_TEXT
        return Answer(text=text if isinstance(text, str) else PLAIN_TEXT)
    calls = tuple(ScriptedCall(c.name, expected_arguments(case, c)) for c in turn.expect)
    text = witness(turn.expect_text) if turn.expect_text is not None else None
    return Answer(calls=calls, text=text if isinstance(text, str) else None)


def _pick(key: str, n: int) -> int:
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:12], 16) % n


def _wrong_values(value: Any, schema: Any) -> list[Any]:
    """Other values of the same JSON type, nearest first."""
    enum = schema.get("enum") if isinstance(schema, Mapping) else None
    others = [e for e in enum if e != value] if isinstance(enum, list) else []
    if isinstance(value, bool):
        return [*others, not value]
    if isinstance(value, (int, float)):
        return [*others, value + 1, value * 2 + 7, -value - 13]
    if isinstance(value, str):
        return [*others, _WRONG_STRING, "0000-00-00"]
    if isinstance(value, list):
        return [[], [*value, *value]]
    return []


def _wrong_type(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return 0
    return "not-" + type(value).__name__


def _call_mistakes(case: Case, turn: Turn, good: Answer) -> dict[str, Answer]:
    """Each mistake this call turn can show, by failure kind."""
    out: dict[str, Answer] = {}
    calls = list(good.calls)
    first, rest = calls[0], calls[1:]
    spec = turn.expect[0].arguments
    schema = _tool_schema(case, first.name)
    args = dict(first.arguments or {})
    props = _props(schema)

    def with_first(**changes: Any) -> tuple[ScriptedCall, ...]:
        new = ScriptedCall(
            changes.get("name", first.name), changes.get("arguments", args), changes.get("raw")
        )
        if new.arguments_raw is not None:
            new = ScriptedCall(new.name, None, new.arguments_raw)
        return (new, *rest)

    if not is_matcher(spec):
        for name, value in args.items():
            if name not in spec:
                continue
            wrong = next((w for w in _wrong_values(value, props.get(name)) if match(spec[name], w)), _ABSENT)
            if wrong is not _ABSENT:
                out["wrong_value"] = Answer(calls=with_first(arguments={**args, name: wrong}))
                break
        for name in args:
            if name in spec and match(spec[name], _wrong_type(args[name])):
                out["wrong_type"] = Answer(
                    calls=with_first(arguments={**args, name: _wrong_type(args[name])})
                )
                break
        required = [n for n in args if n in spec]
        if required:
            out["missing_argument"] = Answer(
                calls=with_first(arguments={k: v for k, v in args.items() if k != required[0]})
            )
        if case.extra_arguments == "forbid":
            out["unexpected_argument"] = Answer(calls=with_first(arguments={**args, "unexpected_extra": 1}))
    other = next((t for t in case.tools if t.name not in {c.name for c in turn.expect}), None)
    if other is not None:
        out["wrong_function"] = Answer(
            calls=with_first(name=other.name, arguments=value_from_schema(other.parameters))
        )
    out["hallucinated_function"] = Answer(calls=with_first(name=first.name + "_v2"))
    if rest:
        out["missing_call"] = Answer(calls=tuple(calls[:-1]))
    else:
        out["no_call"] = Answer(text=f"{MISTAKE_LABEL}: no_call")
    out["extra_call"] = Answer(calls=(*calls, calls[0]))
    text = json.dumps(args, ensure_ascii=False)
    out["invalid_arguments_json"] = Answer(calls=with_first(raw=text[:-1] if len(text) > 2 else '{"'))
    return out


def _mistakes(case: Case, turn: Turn, good: Answer) -> dict[str, Answer]:
    if turn.expect:
        return _call_mistakes(case, turn, good)
    out: dict[str, Answer] = {}
    if case.tools:
        tool = case.tools[0]
        out["unexpected_call"] = Answer(calls=(ScriptedCall(tool.name, value_from_schema(tool.parameters)),))
    label = f"{MISTAKE_LABEL}: text_mismatch"
    if turn.expect_text is not None and match(turn.expect_text, label):
        out["text_mismatch"] = Answer(text=label)
    return out


def answers_for(
    case: Case, mode: str, key: str = "", *, one_call: bool = False
) -> tuple[tuple[Answer, ...], str]:
    """The turns answering `case` in `mode`, and a label (`expected`, `mistake: wrong_value`).

    `key` (wire kind, model, provider) varies which mistake a case gets, deterministically;
    `one_call` (the legacy functions API) rules out the mistakes that need a second call.
    """
    good = [_expected_answer(case, t) for t in case.turns]
    if mode != "mistakes":
        return tuple(good), "expected"
    at = _pick(f"{case.id}\x00turn\x00{key}", len(case.turns))
    options = _mistakes(case, case.turns[at], good[at])
    if one_call:
        options = {k: v for k, v in options.items() if k not in ("extra_call", "missing_call")}
    if not options:
        return tuple(good), "expected (no mistake possible)"
    kinds: Sequence[str] = sorted(options)
    kind = kinds[_pick(f"{case.id}\x00kind\x00{key}", len(kinds))]
    chosen = options[kind]
    label = f"{MISTAKE_LABEL}: {kind}" + (f" (turn {at})" if len(case.turns) > 1 else "")
    good[at] = Answer(calls=chosen.calls, text=label)
    return tuple(good), f"mistake: {kind}"
