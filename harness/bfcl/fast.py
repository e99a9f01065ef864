"""A compiled fast path for BFCL's AST check: validity only, decided per entry once.

`compile_entry` turns one entry (function docs, possible answer, category) into a function
`valid(calls) -> bool` that follows `harness.bfcl.ast_checker.check_ast` rule for rule but with
the per-entry work (type lookups, standardised answers) done once. When it says False,
the caller runs `check_ast` for BFCL's error details and final word; entries it cannot
compile (unknown types, malformed answers, nested array/dict parameters use the full
checker per parameter) fall back the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from harness.bfcl.ast_checker import NESTED_TYPES, PYTHON_TYPES, _check_param, era_of, find_description
from harness.bfcl.languages import language_of
from harness.bfcl.values import answer_type, standardize_string, std_list, std_lists, std_strings

__all__ = ["EntryCheck", "compile_entry"]

Call = tuple[str, Any]
CallCheck = Callable[[str, Any], bool]
EntryCheck = Callable[[Sequence[Call]], bool]


def _param(param: str, details: Mapping[str, Any], acceptable: list[Any], era: str) -> Callable[[Any], bool]:
    desc = details["type"]
    expected = PYTHON_TYPES[desc]
    a_type = answer_type(acceptable)
    is_variable = a_type is not None and a_type != expected
    if desc in NESTED_TYPES:
        return _array(param, details, acceptable, era, a_type, is_variable)
    if expected is dict:
        return lambda v: _check_param(param, v, details, acceptable, era).valid
    to_float = desc == "float"
    if expected is str and not is_variable:
        std = std_strings(acceptable)

        def check_str(v: Any) -> bool:
            if type(v) is str:
                return standardize_string(v) in std
            return a_type is not None and type(v) == a_type and v in acceptable  # noqa: E721

        return check_str

    def check(v: Any) -> bool:
        if to_float and type(v) is int:
            v = float(v)
        tv = type(v)
        return (tv == expected or (a_type is not None and tv == a_type)) and v in acceptable

    return check


def _array(
    param: str, details: Mapping[str, Any], acceptable: list[Any], era: str, a_type: Any, is_variable: bool
) -> Callable[[Any], bool]:
    nested = PYTHON_TYPES[details["items"]["type"]]
    try:
        if nested is dict:
            raise TypeError("lists of dicts take the full checker")
        answers = std_lists(acceptable)
    except (TypeError, KeyError):
        return lambda v: _check_param(param, v, details, acceptable, era).valid
    # BFCL's one-level nested type check passes if some answer is not a list, or if every
    # element has the items' type or the type of that answer's first element.
    trivially_typed = any(type(item) is not list for item in acceptable)
    item_types = [answer_type(item) for item in acceptable if type(item) is list]
    from_tuple = details["type"] == "tuple"

    def elements_ok(v: list[Any]) -> bool:
        for ia in item_types:
            for e in v:
                te = type(e)
                if te != nested and (ia is None or te != ia):
                    break
            else:
                return True
        return False

    def check(v: Any) -> bool:
        if from_tuple and type(v) is tuple:
            v = list(v)
        if type(v) is list:
            if not trivially_typed and not elements_ok(v):
                return False
            return v in acceptable if is_variable else std_list(v) in answers
        return a_type is not None and type(v) == a_type and v in acceptable  # noqa: E721

    return check


def _call(description: Mapping[str, Any], params: Mapping[str, Any], offered: str, era: str) -> CallCheck:
    props = description["parameters"]["properties"]
    required = list(description["parameters"]["required"])
    checks = {p: _param(p, props[p], acc, era) for p, acc in params.items() if p in props}
    # Required by the doc, or by the answer (no `""` among its values): must be present.
    present = tuple(dict.fromkeys([*required, *(p for p, acc in params.items() if "" not in acc)]))
    get = checks.get

    def check(name: str, args: Any) -> bool:
        if name != offered:
            return False
        for p in present:
            if p not in args:
                return False
        for p, v in args.items():
            c = get(p)
            if c is None or not c(v):
                return False
        return True

    return check


def _offered(description: Mapping[str, Any], sanitize: bool) -> str:
    name: str = description["name"]
    return name.replace(".", "_") if sanitize else name


def _no_order(plans: list[CallCheck]) -> EntryCheck:
    def check(calls: Sequence[Call]) -> bool:
        if len(calls) != len(plans):
            return False
        matched: set[int] = set()
        for plan in plans:
            for i, (name, args) in enumerate(calls):
                if i not in matched and plan(name, args):
                    matched.add(i)
                    break
            else:
                return False
        return True

    return check


def _single(plan: CallCheck) -> EntryCheck:
    return lambda calls: len(calls) == 1 and plan(*calls[0])


_PLAIN = {"type", "description", "default", "optional", "format"}


def _param_implies_schema(details: Mapping[str, Any], acceptable: list[Any]) -> bool:
    desc = details.get("type")
    if desc not in PYTHON_TYPES or desc == "dict" or not isinstance(acceptable, list):
        return False
    expected = PYTHON_TYPES[desc]
    a_type = answer_type(acceptable)
    if a_type is not None and a_type != expected:  # BFCL accepts the answer's type too
        return False
    if desc not in NESTED_TYPES:
        return set(details) <= _PLAIN
    items = details.get("items")
    if not set(details) <= _PLAIN | {"items"} or not isinstance(items, Mapping) or not set(items) <= _PLAIN:
        return False
    nested = PYTHON_TYPES.get(items.get("type", ""))
    if nested is None or nested is dict or any(type(item) is not list for item in acceptable):
        return False
    return all(answer_type(item) in (None, nested) for item in acceptable)


def schema_implied(description: Mapping[str, Any], params: Mapping[str, Any]) -> bool:
    """Whether BFCL passing a call to `description` proves it valid against the tool's JSON Schema.

    True when every answered parameter is a scalar or a flat array whose type BFCL checks at
    least as strictly as JSON Schema (no enum, bounds or pattern; no answer-typed
    "variables"; no `""` escaping the nested type check), and the doc has only `type`,
    `properties` and `required`.
    """
    parameters = description.get("parameters", {})
    required = parameters.get("required", [])
    if not set(parameters) <= {"type", "properties", "required", "description"}:
        return False
    if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
        return False
    props = parameters.get("properties", {})
    return all(_param_implies_schema(props[p], acc) for p, acc in params.items() if p in props)


def compile_entry(
    functions: Any, answer: Any, category: str, sanitize: bool
) -> tuple[EntryCheck, bool] | None:
    """The fast validity check of one BFCL entry and whether a pass implies schema validity.

    None when the entry cannot be compiled (the full checker then grades it).
    """
    if language_of(category) != "python":
        return None  # Java / JavaScript values are source text: the full checker converts them
    try:
        era = era_of(answer)
        funcs = functions if isinstance(functions, list) else [functions]
        if era == "v1" and ("multiple" in category or "parallel" in category):
            items = [(k, {k: v}) for k, v in answer.items()]
        elif era == "v1":
            description, params = funcs[0], next(iter(answer.values()))
            plan = _call(description, params, _offered(description, sanitize), era)
            return _single(plan), schema_implied(description, params)
        elif "parallel" in category or "multiple" in category:
            items = [(next(iter(a)), a) for a in answer]
        else:
            params = next(iter(answer[0].values()))
            plan = _call(funcs[0], params, _offered(funcs[0], sanitize), era)
            return _single(plan), schema_implied(funcs[0], params)
        plans = []
        implied = True
        for key, one in items:
            description = find_description(funcs, key, era)
            if description is None:
                return None
            params = next(iter(one.values()))
            plans.append(_call(description, params, _offered(description, sanitize), era))
            implied = implied and schema_implied(description, params)
        if era != "v1" and "parallel" not in category:  # current `multiple`: count, then the first call
            first = plans[0]
            return (lambda calls: len(calls) == len(plans) and first(*calls[0])), implied and len(plans) == 1
        return _no_order(plans), implied
    except (KeyError, TypeError, AttributeError, IndexError, StopIteration, ValueError):
        return None
