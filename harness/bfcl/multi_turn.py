"""BFCL's multi-turn categories as executable-backend cases (import side).

An entry of `multi_turn_base`, `multi_turn_miss_func`, `multi_turn_miss_param` or
`multi_turn_long_context` becomes a `Case` (id kept) whose:

- `backends` are BFCL's simulated API classes named by `involved_classes`, imported from the
  installed `bfcl-eval` at run time (`bfcl_eval.eval_checker.multi_turn_eval.func_source_code`),
  each with its `initial_config` part as the scenario given to `_load_scenario` (none for the
  stateless `MathAPI`), `long_context` for the long-context category;
- `tools` are the function docs of those classes (`multi_turn_func_doc/`), minus the functions
  `missed_function` holds out; the turn that gives them back adds them (`Turn.tools`) and opens
  with BFCL's own user prompt for that case;
- `turns` are BFCL's user turns; each expects BFCL's ground-truth calls of that turn
  (the `default` profile grades them literally), and `meta` keeps what the `bfcl` profile needs:
  `bfcl_id`, `bfcl_category`, `bfcl_ground_truth` (the raw call strings, parsed, never run).

Ground-truth call strings (`cd(folder='document')`) are parsed with `ast` into a name and
literal arguments (`parse_call`); anything else is an error, so no data is ever evaluated.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.bfcl.convert import to_json_schema
from harness.bfcl.schema import compile_schema
from harness.cases.backends import BFCL_BACKEND_PACKAGE
from harness.model import Backend, Case, ExpectedCall, Message, Tool, Turn

__all__ = [
    "CLASS_MODULES",
    "MULTI_TURN_CATEGORIES",
    "USER_PROMPT_FOR_ADDITIONAL_FUNCTION",
    "entry_to_case",
    "is_multi_turn_category",
    "parse_call",
]

#: BFCL's multi-turn categories (file stems; fc-harness uses the same short names).
MULTI_TURN_CATEGORIES = (
    "multi_turn_base",
    "multi_turn_miss_func",
    "multi_turn_miss_param",
    "multi_turn_long_context",
)
#: BFCL's `CLASS_FILE_PATH_MAPPING` for the multi-turn classes: class → (module, func doc file).
CLASS_MODULES: dict[str, tuple[str, str]] = {
    "GorillaFileSystem": ("gorilla_file_system", "gorilla_file_system.json"),
    "MathAPI": ("math_api", "math_api.json"),
    "MessageAPI": ("message_api", "message_api.json"),
    "TwitterAPI": ("posting_api", "posting_api.json"),
    "TicketAPI": ("ticket_api", "ticket_api.json"),
    "TradingBot": ("trading_bot", "trading_bot.json"),
    "TravelAPI": ("travel_booking", "travel_booking.json"),
    "VehicleControlAPI": ("vehicle_control", "vehicle_control.json"),
}
#: BFCL's `STATELESS_CLASSES`: no scenario is loaded into them.
STATELESS = frozenset({"MathAPI"})
#: BFCL's `DEFAULT_USER_PROMPT_FOR_ADDITIONAL_FUNCTION_FC` (bfcl_eval/constants/default_prompts.py).
USER_PROMPT_FOR_ADDITIONAL_FUNCTION = (
    "I have updated some more functions you can choose from. What about now?"
)


def is_multi_turn_category(category: str) -> bool:
    """Whether `category` (BFCL's name) is one of the multi-turn categories."""
    return category.startswith("multi_turn")


def parse_call(text: str) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
    """A ground-truth call string → (name, positional args, keyword args); ValueError if not literal."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            raise ValueError("not a call of a plain function name")
        args = tuple(ast.literal_eval(a) for a in node.args)
        kwargs = {}
        for kw in node.keywords:
            if kw.arg is None:
                raise ValueError("**kwargs are not supported")
            kwargs[kw.arg] = ast.literal_eval(kw.value)
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError) as exc:
        raise ValueError(
            f"ground-truth call {text[:80]!r} is not a call with literal arguments ({exc})"
        ) from None
    return node.func.id, args, kwargs


def _docs(
    source: Path, classes: Sequence[str], cache: dict[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for cls in classes:
        if cls not in CLASS_MODULES:
            raise ValueError(
                f"involved_classes: {cls!r} is not a multi-turn class ({', '.join(CLASS_MODULES)})"
            )
        path = source / "multi_turn_func_doc" / CLASS_MODULES[cls][1]
        if str(path) not in cache:
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except OSError as exc:
                raise ValueError(
                    f"cannot read the function docs of {cls} ({path}): {exc.strerror or exc}"
                ) from None
            try:
                cache[str(path)] = [json.loads(line) for line in lines if line.strip()]
            except ValueError as exc:
                raise ValueError(f"{path}: not JSON lines ({exc})") from None
        docs.extend(cache[str(path)])
    return docs


def _tool(doc: Mapping[str, Any], where: str) -> Tool:
    if not isinstance(doc.get("name"), str):
        raise ValueError(f"{where}: a function doc without a name")
    return Tool(
        doc["name"], str(doc.get("description", "")), to_json_schema(doc.get("parameters", {}), "parameters")
    )


def _expect(calls: Any, docs: Mapping[str, Mapping[str, Any]], turn: int) -> tuple[ExpectedCall, ...]:
    if not isinstance(calls, list) or not all(isinstance(c, str) for c in calls):
        raise ValueError(f"ground_truth[{turn}]: expected a list of call strings")
    out = []
    for text in calls:
        name, args, kwargs = parse_call(text)
        props = list((docs.get(name, {}).get("parameters") or {}).get("properties", {}))
        if len(args) > len(props):
            raise ValueError(
                f"ground_truth[{turn}]: {text!r} has more positional arguments than {name!r} parameters"
            )
        named = dict(zip(props, args, strict=False)) | kwargs
        out.append(ExpectedCall(name, named))
    return tuple(out)


def _unexpressible(expect: Sequence[ExpectedCall], offered: Mapping[str, Tool]) -> str:
    """Why the literal ground truth cannot be a case's `expect` (a BFCL data quirk), or ''."""
    for e in expect:
        tool = offered.get(e.name)
        if tool is None:
            return f"{e.name!r} is called before BFCL offers it"
        if not compile_schema(tool.parameters)(dict(e.arguments)):
            return f"the arguments of {e.name!r} violate its own schema ({dict(e.arguments)!r})"
    return ""


def _messages(turn: Any, where: str) -> tuple[Message, ...]:
    if not isinstance(turn, list):
        raise ValueError(f"{where}: expected a list of messages")
    out = []
    for i, m in enumerate(turn):
        if not isinstance(m, Mapping) or m.get("role") not in ("system", "user", "assistant"):
            raise ValueError(f"{where}[{i}]: expected a message with role system, user or assistant")
        if not isinstance(m.get("content"), str):
            raise ValueError(f"{where}[{i}].content: expected a string")
        out.append(Message(m["role"], m["content"]))
    return tuple(out)


def entry_to_case(
    entry: Mapping[str, Any],
    ground_truth: Any,
    category: str,
    case_id: str,
    source: Path,
    cache: dict[str, list[dict[str, Any]]],
    warnings: list[str] | None = None,
) -> Case:
    """One multi-turn entry → a Case; ValueError names the field."""
    classes = entry.get("involved_classes")
    if not isinstance(classes, list) or not classes or not all(isinstance(c, str) for c in classes):
        raise ValueError("involved_classes: expected a non-empty list of class names")
    config = entry.get("initial_config", {})
    if not isinstance(config, Mapping):
        raise ValueError("initial_config: expected an object")
    question = entry.get("question")
    if not isinstance(question, list) or not question:
        raise ValueError("question: expected a non-empty list of turns")
    if not isinstance(ground_truth, list) or len(ground_truth) != len(question):
        raise ValueError(f"ground_truth: expected a list of {len(question)} turns of call strings")
    docs = _docs(source, classes, cache)
    by_name = {d["name"]: d for d in docs}
    missed_raw = entry.get("missed_function", {}) or {}
    if not isinstance(missed_raw, Mapping):
        raise ValueError("missed_function: expected an object turn index → function names")
    missed: dict[int, list[str]] = {}
    for key, names in missed_raw.items():
        if not str(key).isdigit() or not isinstance(names, list) or int(key) >= len(question):
            raise ValueError(f"missed_function[{key!r}]: expected a turn index → a list of function names")
        missed[int(key)] = [str(n) for n in names]
    held = {n for names in missed.values() for n in names}
    tools = tuple(_tool(d, f"function {d.get('name')!r}") for d in docs if d["name"] not in held)
    long_context = "long_context" in category
    backends = tuple(
        Backend(
            f"{BFCL_BACKEND_PACKAGE}.{CLASS_MODULES[c][0]}:{c}",
            c,
            {},
            None if c in STATELESS else dict(config.get(c, {})),
            long_context and c not in STATELESS,
        )
        for c in classes
    )
    turns = []
    offered = {t.name: t for t in tools}
    for k, raw in enumerate(question):
        added = tuple(_tool(by_name[n], f"missed_function[{k}]") for n in missed.get(k, ()) if n in by_name)
        offered.update({t.name: t for t in added})
        msgs = _messages(raw, f"question[{k}]")
        if k in missed and not msgs:
            msgs = (Message("user", USER_PROMPT_FOR_ADDITIONAL_FUNCTION),)
        expect = _expect(ground_truth[k], by_name, k)
        why = _unexpressible(expect, offered)
        if why and warnings is not None:
            warnings.append(
                f"ground_truth[{k}]: {why}; the turn's calls are left to the bfcl profile "
                "(no literal `expect`)"
            )
        turns.append(Turn(expect=expect, messages=msgs if k else (), tools=added, check_calls=not why))
    first = _messages(question[0], "question[0]")
    if not first:
        raise ValueError("question[0]: the first turn has no message")
    meta = {
        "bfcl_id": entry["id"],
        "bfcl_category": category,
        "bfcl_ground_truth": ground_truth,
    }
    case = Case(
        id=case_id,
        category="multi_turn",
        messages=first,
        tools=tools,
        turns=tuple(turns),
        tags=("bfcl", category.removeprefix("multi_turn_"), "multi_turn"),
        meta=meta,
        backends=backends,
    )
    return case
