"""Import the Berkeley Function Calling Leaderboard (BFCL) suite as fc-harness cases.

Reads BFCL's question files and possible answers from the installed `bfcl-eval` package
(`bfcl_eval/data/`) or a folder (`source`). Two naming eras:

- current: `BFCL_v<N>_<category>.json` (+ `possible_answer/` of the same name), where
  `question` is a list of turns of messages and `function` a list;
- v1 (e.g. the 2024-08-11 leaderboard): `gorilla_openfunctions_v1_test_<category>.json`,
  where `question` is a string, `function` a dict or a list, the categories are called
  `multiple_function`, `parallel_function`, `parallel_multiple_function`, and the no-call
  category is `relevance`.

`simple_java` and `simple_javascript` entries are offered as BFCL offers them (every
parameter a string holding Java / JavaScript source, `harness.bfcl.languages`).

Each entry becomes a `Case` whose id is BFCL's id (lower-cased only if needed), with
BFCL's types translated to JSON Schema, its possible answers as matchers, and in `meta`
what the `bfcl` grading profile needs: `bfcl_id`, `bfcl_category`, `bfcl_functions` (the
raw function docs) and `bfcl_answer` (the raw possible answer, None for no-call entries).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from harness.bfcl import ast_checker as _bfcl_ast
from harness.bfcl import multi_turn as _multi_turn
from harness.bfcl.convert import answer_to_expect, to_json_schema
from harness.bfcl.languages import language_of, language_tool_doc, source_matcher
from harness.errors import Problem, UserError
from harness.model import Case, ExpectedCall, Message, Tool, Turn

__all__ = [
    "CATEGORIES",
    "REFUSED",
    "SCHEMA_NOTE",
    "BfclFile",
    "case_id_for",
    "default_source",
    "entry_to_case",
    "find_files",
    "import_cases",
    "load_file",
    "skipped_files",
]

#: Categories in BFCL's column order: (short name, current file stem, v1 file stem or None).
CATEGORIES: tuple[tuple[str, str, str | None], ...] = (
    ("simple", "simple_python", "simple"),
    ("simple_java", "simple_java", None),
    ("simple_javascript", "simple_javascript", None),
    ("multiple", "multiple", "multiple_function"),
    ("parallel", "parallel", "parallel_function"),
    ("parallel_multiple", "parallel_multiple", "parallel_multiple_function"),
    ("irrelevance", "irrelevance", "relevance"),
    ("live_simple", "live_simple", None),
    ("live_multiple", "live_multiple", None),
    ("live_parallel", "live_parallel", None),
    ("live_parallel_multiple", "live_parallel_multiple", None),
    ("live_irrelevance", "live_irrelevance", None),
    ("live_relevance", "live_relevance", None),
    ("multi_turn_base", "multi_turn_base", None),
    ("multi_turn_miss_func", "multi_turn_miss_func", None),
    ("multi_turn_miss_param", "multi_turn_miss_param", None),
    ("multi_turn_long_context", "multi_turn_long_context", None),
)
#: Categories graded by whether a call is made at all: no possible answers.
_ANSWERLESS = ("irrelevance", "live_irrelevance", "live_relevance")
#: BFCL v4 categories (file stems) that are not imported, and why; a default import names them.
REFUSED: dict[str, str] = {
    "memory": "BFCL's memory entries first replay a prerequisite conversation per scenario "
    "against an executable memory backend (MemoryAPI kv / vector / rec_sum; vector also needs a "
    "sentence-transformers model and faiss) that persists to files between entries, then grade "
    "the final answer text; fc-harness's executable backends start fresh per case, so these "
    "chained entries are not imported yet",
    "web_search": "needs the internet: BFCL's WebSearchAPI answers the model's calls with live "
    "Google results through SerpAPI (SERPAPI_API_KEY) and fetches the pages it names, so the "
    "tool results change over time and cannot run offline or replay to BFCL's answers",
    "format_sensitivity": "BFCL runs it only for prompting (non-function-calling) models: it "
    "varies the system-prompt format of the function docs (26 configurations) and decodes "
    "the model's text answer; fc-harness offers tools through the vendors' function-calling "
    "APIs, so there is no prompt format to vary (BFCL also skips it for FC models and does "
    "not score it)",
}
_REFUSED_ALIASES = {
    "web_search_base": "web_search",
    "web_search_no_snippet": "web_search",
    "memory_kv": "memory",
    "memory_vector": "memory",
    "memory_rec_sum": "memory",
}
_ALIASES = {stem: short for short, stem, _ in CATEGORIES} | {v1: short for short, _, v1 in CATEGORIES if v1}
#: The prefix of import warnings about possible answers that violate their own function's schema.
SCHEMA_NOTE = "possible answer vs. its own schema"
_CASE_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_V1_PREFIX = "gorilla_openfunctions_v1_test_"
#: Multi-turn function docs read so far, by class (they are the same for every entry).
_DOCS: dict[str, list[dict[str, Any]]] = {}


@dataclass(frozen=True)
class BfclFile:
    """One BFCL question file and its possible answers (None for no-call categories)."""

    category: str
    """BFCL's own category name (`simple_python`, `live_multiple`, v1 `relevance`, ...)."""
    short: str
    """fc-harness's name for it (`simple`, `multiple`, ..., `live_irrelevance`)."""
    questions: Path
    answers: Path | None


def default_source() -> Path:
    """The data folder of the installed `bfcl-eval` package (UserError when it is missing)."""
    try:
        import bfcl_eval  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        raise UserError(
            "bfcl-eval is not installed: `pip install 'fc-harness[bfcl]'` (or `pip install --no-deps "
            "bfcl-eval`), or pass --source PATH to a folder of BFCL JSON files"
        ) from None
    return Path(bfcl_eval.__file__).parent / "data"


def _versioned(source: Path, stem: str) -> Path | None:
    best: tuple[int, Path] | None = None
    for path in source.glob(f"BFCL_v*_{stem}.json"):
        m = re.fullmatch(rf"BFCL_v(\d+)_{re.escape(stem)}\.json", path.name)
        if m and (best is None or int(m.group(1)) > best[0]):
            best = (int(m.group(1)), path)
    return best[1] if best else None


def find_files(source: Path, categories: Iterable[str] = ()) -> list[BfclFile]:
    """The BFCL files in `source` for `categories` (default: every one present), in BFCL's order."""
    if not source.is_dir():
        raise UserError(f"BFCL source {source} is not a folder")
    wanted: list[str] = []
    for name in categories:
        short = name if name in {c[0] for c in CATEGORIES} else _ALIASES.get(name)
        refused = _REFUSED_ALIASES.get(name, name)
        if short is None and refused in REFUSED:
            raise UserError(f"BFCL category {name!r} cannot be imported: {REFUSED[refused]}")
        if short is None:
            known = ", ".join(c[0] for c in CATEGORIES)
            raise UserError(f"unknown BFCL category {name!r}; known: {known} (or BFCL's file names)")
        wanted.append(short)
    found: list[BfclFile] = []
    for short, stem, v1 in CATEGORIES:
        if wanted and short not in wanted:
            continue
        path, category = _versioned(source, stem), stem
        if path is None and short == "simple":
            path = _versioned(source, "simple")  # BFCL v2/v3 called it `simple`
        if path is None and v1 is not None and (source / f"{_V1_PREFIX}{v1}.json").is_file():
            path, category = source / f"{_V1_PREFIX}{v1}.json", v1
        if path is None:
            if wanted:
                raise UserError(f"no BFCL file for category {short!r} in {source}")
            continue
        answers = source / "possible_answer" / path.name
        answerless = short in _ANSWERLESS
        if not answerless and not answers.is_file():
            raise UserError(f"{path}: possible answers not found at {answers}")
        found.append(BfclFile(category, short, path, None if answerless else answers))
    if not found:
        raise UserError(f"no BFCL question files found in {source}")
    return found


def skipped_files(source: Path) -> list[tuple[str, Path, str]]:
    """The BFCL question files in `source` a default import leaves out: (category, file, why).

    Refused categories (`REFUSED`) and files of categories this version does not know.
    """
    known = {stem for _, stem, _ in CATEGORIES} | {"simple"}
    out: list[tuple[str, Path, str]] = []
    for path in sorted(source.glob("BFCL_v*_*.json")):
        m = re.fullmatch(r"BFCL_v(\d+)_(.+)\.json", path.name)
        if not m or m.group(2) in known or _versioned(source, m.group(2)) != path:
            continue
        stem = m.group(2)
        why = REFUSED.get(stem, "not a BFCL category this version of fc-harness knows")
        out.append((stem, path, why))
    return out


def case_id_for(bfcl_id: str) -> str:
    """The case id for a BFCL id: itself, lower-cased only when the case id pattern needs it."""
    return bfcl_id if _CASE_ID.match(bfcl_id) else bfcl_id.lower()


def _read_jsonl(path: Path, problems: list[Problem]) -> list[tuple[int, dict[str, Any]]]:
    rows: list[tuple[int, dict[str, Any]]] = []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(f"cannot read: {exc}", file=str(path)))
        return rows
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(
                Problem(f"not valid JSON: {exc.msg} (column {exc.colno})", file=str(path), line=n)
            )
            continue
        if not isinstance(row, dict) or not isinstance(row.get("id"), str):
            problems.append(
                Problem("an entry must be a JSON object with a string `id`", file=str(path), line=n)
            )
            continue
        rows.append((n, row))
    return rows


def _messages(question: Any) -> tuple[Message, ...]:
    if isinstance(question, str):
        return (Message("user", question),)
    if not isinstance(question, list) or not question:
        raise ValueError("question: expected a string or a non-empty list of turns")
    if len(question) > 1:
        raise ValueError(f"question: {len(question)} turns; only single-turn BFCL entries can be imported")
    turn = question[0]
    if isinstance(turn, Mapping):
        turn = [turn]
    out = []
    for i, m in enumerate(turn):
        if not isinstance(m, Mapping) or m.get("role") not in ("system", "user", "assistant"):
            raise ValueError(f"question[0][{i}]: expected a message with role system, user or assistant")
        if not isinstance(m.get("content"), str):
            raise ValueError(f"question[0][{i}].content: expected a string")
        out.append(Message(m["role"], m["content"]))
    if not out:
        raise ValueError("question: no messages")
    return tuple(out)


def _tools(functions: Any, language: str = "python") -> tuple[Tool, ...]:
    funcs = functions if isinstance(functions, list) else [functions]
    tools = []
    for i, fn in enumerate(funcs):
        if not isinstance(fn, Mapping) or not isinstance(fn.get("name"), str):
            raise ValueError(f"function[{i}]: expected an object with a string `name`")
        params = fn.get("parameters", {})
        if not isinstance(params, Mapping) or not isinstance(params.get("properties", {}), Mapping):
            raise ValueError(f"function[{i}].parameters: expected an object schema with `properties`")
        if not isinstance(params.get("required", []), list):
            raise ValueError(f"function[{i}].parameters.required: expected a list")
        if language != "python":
            for name, p in params.get("properties", {}).items():
                if not isinstance(p, Mapping) or not isinstance(p.get("type"), str):
                    raise ValueError(f"function[{i}].parameters.properties.{name}.type: expected a string")
                if p["type"] in ("Array", "ArrayList", "array") and not isinstance(p.get("items"), Mapping):
                    raise ValueError(f"function[{i}].parameters.properties.{name}.items: expected an object")
            fn = language_tool_doc(fn, language)
            params = fn["parameters"]
        schema = to_json_schema(params, f"function[{i}].parameters")
        tools.append(Tool(fn["name"], str(fn.get("description", "")), schema))
    return tuple(tools)


def _expected(
    functions: Any, answer: Any, tools: tuple[Tool, ...], warnings: list[str]
) -> tuple[ExpectedCall, ...]:
    era = _bfcl_ast.era_of(answer)
    items = list(answer.items()) if era == "v1" else [next(iter(a.items())) for a in answer]
    funcs = functions if isinstance(functions, list) else [functions]
    calls = []
    for key, params in items:
        if not isinstance(params, Mapping) or not all(isinstance(v, list) for v in params.values()):
            warnings.append(
                f"ground_truth[{key!r}] is not {{parameter: [acceptable values]}}; left out of `expect` "
                "(kept in meta for the bfcl profile, where it counts as an expected call)"
            )
            continue
        fn = _bfcl_ast.find_description(funcs, key, era)
        if fn is None and len(funcs) == 1:
            warnings.append(
                f"ground_truth names {key!r}, not the offered {funcs[0]['name']!r}; expecting the latter"
            )
            fn = funcs[0]
        calls.append((fn["name"] if fn is not None else key, params))
    schemas = {t.name: t.parameters for t in tools}
    notes: list[str] = []
    expect = answer_to_expect(calls, schemas, notes, era)
    warnings.extend(f"{SCHEMA_NOTE}: {n}" for n in notes)
    return tuple(ExpectedCall(e["call"], e["arguments"]) for e in expect)


def _language_expected(
    functions: Any, answer: Any, language: str, warnings: list[str]
) -> tuple[ExpectedCall, ...]:
    """Java/JavaScript answers → calls expecting canonical source text (`source_matcher`)."""
    funcs = functions if isinstance(functions, list) else [functions]
    calls = []
    for item in answer:
        key, params = next(iter(item.items()))
        fn = _bfcl_ast.find_description(funcs, key, "current")
        if fn is None or not isinstance(params, Mapping):
            warnings.append(f"ground_truth[{key!r}] names no offered function; left out of `expect`")
            continue
        props = fn["parameters"].get("properties", {})
        args = {}
        for p, acceptable in params.items():
            if p not in props:
                warnings.append(f"{key}({p}): not a parameter of the function; left out of `expect`")
                continue
            args[p] = source_matcher(language, props[p]["type"], acceptable)
        calls.append(ExpectedCall(fn["name"], args))
    return tuple(calls)


def entry_to_case(
    entry: Mapping[str, Any], answer: Any, file: BfclFile, line: int, warnings: list[str] | None = None
) -> Case:
    """One BFCL entry (and its raw possible answer) → a Case; ValueError names the field.

    Quirks of published data that BFCL grades anyway (an answer key naming no offered
    function, a stray non-call key) are appended to `warnings`.
    """
    warnings = [] if warnings is None else warnings
    bfcl_id = entry["id"]
    case_id = case_id_for(bfcl_id)
    if not _CASE_ID.match(case_id):
        raise ValueError(f"id: {bfcl_id!r} cannot be a case id ([a-z0-9][a-z0-9._-]*)")
    if _multi_turn.is_multi_turn_category(file.category):
        case = _multi_turn.entry_to_case(
            entry, answer, file.category, case_id, file.questions.parent, _DOCS, warnings
        )
        return replace(case, source=str(file.questions), line=line)
    if "function" not in entry or "question" not in entry:
        raise ValueError("missing `question` or `function`")
    language = language_of(file.category)
    tools = _tools(entry["function"], language)
    short = file.short
    extra: Literal["forbid", "allow"] = "forbid"
    if short.endswith("irrelevance"):
        expect: tuple[ExpectedCall, ...] = ()
    elif short == "live_relevance":
        # BFCL: any call of any function, any arguments. The default profile can only name
        # one function: the first offered, any arguments (`--profile bfcl` applies BFCL's rule).
        props = tools[0].parameters.get("properties", {}) if tools else {}
        if not tools:
            raise ValueError("function: live_relevance needs at least one function")
        expect = (ExpectedCall(tools[0].name, {p: {"$optional": {"$any": True}} for p in props}),)
        extra = "allow"
    else:
        ok_form = isinstance(answer, Mapping) or (
            isinstance(answer, list)
            and answer
            and all(isinstance(a, Mapping) and len(a) == 1 for a in answer)
        )
        if not ok_form or not answer:
            raise ValueError("ground_truth: expected a dict (v1) or a list of one-key dicts")
        if language != "python" and isinstance(answer, list):
            expect = _language_expected(entry["function"], answer, language, warnings)
        else:
            expect = _expected(entry["function"], answer, tools, warnings)
    category = "simple" if language != "python" else short.removeprefix("live_")
    if short == "live_relevance":
        category = "simple" if len(tools) == 1 else "multiple"
    tags = ("bfcl", short) + (("live",) if short.startswith("live_") else ())
    tags += (language,) if language != "python" else ()
    meta = {
        "bfcl_id": bfcl_id,
        "bfcl_category": file.category,
        "bfcl_functions": entry["function"],
        "bfcl_answer": None if short in _ANSWERLESS else answer,
    }
    return Case(
        id=case_id,
        category=category,
        messages=_messages(entry["question"]),
        tools=tools,
        turns=(Turn(expect),),
        extra_arguments=extra,
        tags=tags,
        source=str(file.questions),
        line=line,
        meta=meta,
    )


def load_file(file: BfclFile, problems: list[Problem]) -> list[Case]:
    """Cases of one BFCL file; malformed entries are added to `problems` (file, line, id)."""
    answers: dict[str, Any] = {}
    if file.answers is not None:
        for n, row in _read_jsonl(file.answers, problems):
            if "ground_truth" not in row:
                problems.append(
                    Problem("no `ground_truth`", file=str(file.answers), line=n, case_id=row["id"])
                )
            answers[row["id"]] = row.get("ground_truth")
    cases: list[Case] = []
    seen: dict[str, int] = {}
    for n, entry in _read_jsonl(file.questions, problems):
        where = {"file": str(file.questions), "line": n, "case_id": entry["id"]}
        if file.answers is not None and entry["id"] not in answers:
            problems.append(Problem(f"no possible answer in {file.answers.name}", **where))
            continue
        warnings: list[str] = []
        try:
            case = entry_to_case(entry, answers.get(entry["id"]), file, n, warnings)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            problems.append(Problem(str(exc), **where))
            continue
        problems.extend(Problem(w, severity="warning", **where) for w in warnings)
        if case.id in seen:
            problems.append(Problem(f"duplicate id (first on line {seen[case.id]})", **where))
            continue
        seen[case.id] = n
        cases.append(case)
    return cases


def import_cases(
    source: Path | None = None, categories: Iterable[str] = (), warnings: list[Problem] | None = None
) -> list[tuple[BfclFile, list[Case]]]:
    """Import BFCL categories from `source` (default: the installed bfcl-eval).

    Raises UserError listing every malformed entry (file, line, id); data quirks BFCL
    grades anyway are appended to `warnings`.
    """
    files = find_files(source if source is not None else default_source(), categories)
    problems: list[Problem] = []
    out = [(f, load_file(f, problems)) for f in files]
    errors = tuple(p for p in problems if p.severity == "error")
    if errors:
        raise UserError(f"{len(errors)} malformed BFCL entr{'y' if len(errors) == 1 else 'ies'}", errors)
    if warnings is not None:
        warnings.extend(p for p in problems if p.severity == "warning")
    return out
