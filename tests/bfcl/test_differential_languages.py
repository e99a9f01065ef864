"""Differential test: `simple_java` / `simple_javascript` against BFCL's own checker (bfcl-eval).

For every Java and JavaScript entry of the installed data both checkers grade the ground
truth written as source text (the first acceptable value of each parameter: `"42L"`,
`new int[]{1, 2}`, `new HashMap<...>() {{ put(...); }}`, `[1, 2]`, `{k: 'v'}`...) and
mutations of it: source-level ones (quotes added, suffixes `L` `f` `n` dropped or added,
case, spaces, a trailing newline, other collection syntax, empty collections, a value that
is not a string) and value-level ones re-encoded as source (int ↔ float ↔ string, list
order, dict keys), plus call-level ones (drop or add an argument, rename, no call, two
calls). Names are graded both exact and sanitized. Every verdict must agree.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from harness.bfcl import checker as bfcl_checker
from harness.bfcl import importer as bfcl
from harness.model import Case, ModelTurn, ToolCall
from tests.helpers.bfcl_reference import MODELS, reference_ast_checker

pytestmark = pytest.mark.bfcl

pytest.importorskip("bfcl_eval", reason="bfcl-eval is not installed (pip install --no-deps bfcl-eval)")

Output = list[tuple[str, Any]]


def _first(acceptable: Any) -> tuple[bool, Any]:
    if not isinstance(acceptable, list):
        return True, acceptable
    if not acceptable or acceptable[0] == "":
        return False, None
    return True, acceptable[0]


def _concrete_dict(value: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, acc in value.items():
        present, v = _first(acc)
        if present:
            out[k] = v
    return out


def java_source(value: Any, kind: str, item: str | None = None, style: int = 0) -> str:
    """`value` written as Java source for a parameter of BFCL type `kind` (style: syntax variant)."""
    if kind in ("Array", "ArrayList") and isinstance(value, list):
        elems = [java_element(v, item or "any") for v in value]
        if kind == "Array" and style == 0:
            return f"new {_java_elem_type(item)}[]{{{', '.join(elems)}}}"
        if style == 1:
            return f"new ArrayList<>() {{{{ {' '.join(f'add({e});' for e in elems)} }}}}"
        return f"new ArrayList<>(Arrays.asList({', '.join(elems)}))"
    if kind == "HashMap" and isinstance(value, dict):
        puts = " ".join(f'put("{k}", {java_element(v, "any")});' for k, v in _concrete_dict(value).items())
        return f"new HashMap<String, Object>() {{{{ {puts} }}}}"
    return java_scalar(value, kind)


def _java_elem_type(item: str | None) -> str:
    return {"String": "String", "integer": "int", "long": "long", "char": "char"}.get(item or "", "Object")


def java_element(value: Any, kind: str) -> str:
    if isinstance(value, str):
        return f"'{value}'" if kind == "char" else f'"{value}"'
    return java_scalar(value, kind)


def java_scalar(value: Any, kind: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if kind == "long" and isinstance(value, int):
        return f"{value}L"
    if kind == "float" and isinstance(value, (int, float)):
        return f"{value}f"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def js_source(value: Any, kind: str, style: int = 0) -> str:
    if isinstance(value, list):
        body = ", ".join(js_element(v) for v in value)
        return f"new Array({body})" if style == 1 else f"[{body}]"
    if isinstance(value, dict):
        pairs = ", ".join(f"{k}: {js_element(v)}" for k, v in _concrete_dict(value).items())
        return "{" + pairs + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if kind == "Bigint" and isinstance(value, int):
        return f"{value}n"
    return str(value)


def js_element(value: Any) -> str:
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, list | dict):
        return js_source(value, "any")
    return js_source(value, "any")


def _source(language: str, value: Any, details: dict[str, Any], style: int = 0) -> str:
    kind = details["type"]
    item = details.get("items", {}).get("type")
    return java_source(value, kind, item, style) if language == "java" else js_source(value, kind, style)


def _value_mutations(v: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(v, bool):
        yield "bool-flip", not v
        yield "bool->int", int(v)
    elif isinstance(v, int):
        yield "int->float", float(v)
        yield "int+1", v + 1
        yield "int->str", str(v)
    elif isinstance(v, float):
        yield "float->int", int(v)
        yield "float+0.5", v + 0.5
    elif isinstance(v, str):
        yield "upper", v.upper()
        yield "punct", v + ".-_"
        yield "other", v + "!"
    elif isinstance(v, list):
        if len(v) > 1:
            yield "reorder", list(reversed(v))
        if v:
            yield "drop-item", v[:-1]
            for label, m in _value_mutations(v[0]):
                yield f"item0:{label}", [m, *v[1:]]
    elif isinstance(v, dict):
        for k in list(v)[:2]:
            yield "dict-drop-key", {kk: vv for kk, vv in v.items() if kk != k}
        yield "dict-extra-key", {**v, "zz_extra": [1]}


def _source_mutations(text: str) -> Iterator[tuple[str, Any]]:
    yield "double-quoted", f'"{text}"'
    yield "single-quoted", f"'{text}'"
    yield "upper", text.upper()
    yield "spaces", f" {text} "
    yield "newline", text + "\n"
    yield "empty", ""
    yield "not-a-string:int", 1
    yield "not-a-string:bool", True
    for suffix in ("L", "f", "n"):
        if text.endswith(suffix):
            yield f"drop-{suffix}", text[:-1]
        else:
            yield f"add-{suffix}", text + suffix
    yield "decimal", text + ".0"
    yield "new ArrayList<>()", "new ArrayList<>()"
    yield "new HashMap<>()", "new HashMap<>()"
    yield "[]", "[]"
    yield "{}", "{}"


def mutations(case: Case, language: str) -> Iterator[tuple[str, Output]]:
    answer = case.meta["bfcl_answer"][0]
    name, params = next(iter(answer.items()))
    fn = next(f for f in case.meta["bfcl_functions"] if f["name"] == name)
    props = fn["parameters"]["properties"]
    values: dict[str, Any] = {}
    for p, acc in params.items():
        present, v = _first(acc)
        if present and p in props:
            values[p] = v
    args = {p: _source(language, v, props[p]) for p, v in values.items()}
    yield "ground-truth", [(name, args)]
    yield "no-call", []
    yield "two-calls", [(name, args), (name, args)]
    yield "rename", [(name + "_v2", args)]
    yield "extra-arg", [(name, {**args, "zz_unexpected": "x"})]
    for p, v in values.items():
        yield f"drop:{p}", [(name, {k: a for k, a in args.items() if k != p})]
        yield f"{p}:style1", [(name, {**args, p: _source(language, v, props[p], style=1)})]
        for label, m in _value_mutations(v):
            yield f"{p}:{label}", [(name, {**args, p: _source(language, m, props[p])})]
        for label, m in _source_mutations(args[p]):
            yield f"{p}:src:{label}", [(name, {**args, p: m})]
    for p in props:
        if p not in args:
            yield f"add:{p}", [(name, {**args, p: "1"})]


def _bfcl_valid(mod: Any, case: Case, out: Output, mode: str, language: str) -> bool:
    from bfcl_eval.constants.enums import Language

    lang = Language.JAVA if language == "java" else Language.JAVASCRIPT
    try:
        result = mod.ast_checker(
            case.meta["bfcl_functions"],
            [{n: a} for n, a in out],
            case.meta["bfcl_answer"],
            lang,
            case.meta["bfcl_category"],
            MODELS[mode],
        )
    except Exception:  # BFCL's checker raising = the entry is not graded correct
        RAISED[language] += 1
        return False
    return bool(result["valid"])


RAISED: Counter[str] = Counter()


def _ours(case: Case, out: Output, mode: str) -> bool:
    calls = tuple(ToolCall(n, a) for n, a in out)
    return bfcl_checker.grade(case, [ModelTurn(calls=calls)], tool_names=mode).passed


@pytest.mark.parametrize("language", ["java", "javascript"])
def test_every_comparison_agrees(language: str) -> None:
    mod = reference_ast_checker()
    cases = [c for _, cs in bfcl.import_cases(categories=[f"simple_{language}"]) for c in cs]
    stats: Counter[str] = Counter()
    disagreements: list[str] = []
    for case in cases:
        for label, out in mutations(case, language):
            for mode in ("exact", "sanitized"):
                if mode == "sanitized":
                    if not any("." in n for n, _ in out):
                        continue
                    out = [(n.replace(".", "_"), a) for n, a in out]
                theirs = _bfcl_valid(mod, case, out, mode, language)
                ours = _ours(case, out, mode)
                stats["comparisons"] += 1
                stats["bfcl_valid" if theirs else "bfcl_invalid"] += 1
                if ours != theirs:
                    where = f"{case.meta['bfcl_id']} [{mode}:{label}]"
                    disagreements.append(f"{where}: ours={ours} bfcl={theirs} {out}")
    print(
        f"\nBFCL differential ({language}): {stats['comparisons']} comparisons over {len(cases)} entries "
        f"({stats['bfcl_valid']} valid / {stats['bfcl_invalid']} invalid per BFCL), "
        f"{len(disagreements)} disagreements; BFCL's checker raised on {RAISED[language]}"
    )
    assert len(cases) >= 50
    assert stats["bfcl_valid"] > len(cases) and stats["bfcl_invalid"] > 10 * len(cases)
    assert not disagreements, "\n".join(disagreements[:30])


@pytest.mark.parametrize("language", ["java", "javascript"])
def test_ground_truth_passes_both(language: str) -> None:
    """The ground truth written as source passes BFCL's checker and ours on the same entries."""
    mod = reference_ast_checker()
    cases = [c for _, cs in bfcl.import_cases(categories=[f"simple_{language}"]) for c in cs]
    ours = [c.id for c in cases if _ours(c, next(mutations(c, language))[1], "exact")]
    theirs = [c.id for c in cases if _bfcl_valid(mod, c, next(mutations(c, language))[1], "exact", language)]
    assert ours == theirs
    assert len(ours) > 0.8 * len(cases)


_ALPHABET = "0123456789-+.eEfFlLn\"' ,[]{}():<>truefalsnewArayListHMpdg\n"
_SAMPLES = [
    "42",
    "-7",
    "4.5",
    "4.5f",
    "3e3F",
    "1e-05",
    "12L",
    "12l",
    "12n",
    "true",
    "false",
    "TRUE",
    "'a'",
    '"a"',
    "a",
    "12\n",
    "new int[]{1, 2}",
    'new String[] {"a", "b"}',
    'new ArrayList<>(Arrays.asList("a", "b"))',
    "new ArrayList<Integer>() {{ add(1); add(2); }}",
    "new ArrayList<>()",
    "new HashMap<>()",
    'new HashMap<String, Object>() {{ put("k", 1); put("s", "v"); }}',
    "[1, 2]",
    "new Array(1, 2)",
    "[[1, 2], [3, 4]]",
    "{a: 1, 'b': 'x', c: [1, 2], d: {e: true}}",
    "{}",
    "[]",
    "",
    " ",
    "[1, 'a'",
]


def _reference_convert(language: str, value: str, kind: str, item: str | None) -> Any:
    if language == "java":
        from bfcl_eval.eval_checker.ast_eval.type_convertor.java_type_converter import java_type_converter

        return java_type_converter(value, kind, item) if item else java_type_converter(value, kind)
    from bfcl_eval.eval_checker.ast_eval.type_convertor.js_type_converter import js_type_converter

    return js_type_converter(value, kind, item) if item else js_type_converter(value, kind)


def _outcome(fn: Any) -> Any:
    try:
        return ("ok", fn())
    except Exception:  # BFCL raising (NotImplementedError for Java's Set...) vs our ValueError
        return ("raised", None)


@pytest.mark.parametrize("language", ["java", "javascript"])
def test_converters_match_bfcl(language: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`languages.convert` gives BFCL's converters' value for every type, on tricky and random text."""
    import random

    from harness.bfcl.languages import TYPES, convert

    rng = random.Random(14)
    texts = _SAMPLES + ["".join(rng.choice(_ALPHABET) for _ in range(rng.randint(1, 14))) for _ in range(400)]
    items: list[str | None] = [None, *TYPES[language]]
    compared = 0
    for kind in TYPES[language]:
        for item in items if kind in ("Array", "ArrayList", "array") else [None]:
            for text in texts:
                ours = _outcome(lambda: convert(language, text, kind, item))  # noqa: B023
                theirs = _outcome(lambda: _reference_convert(language, text, kind, item))  # noqa: B023
                compared += 1
                # repr tells 1, 1.0 and True apart
                assert repr(ours) == repr(theirs), (kind, item, text, ours, theirs)
    capsys.readouterr()  # BFCL's JS dict parser prints its errors
    assert compared > 3000
