"""BFCL's AST checker rules, re-implemented on plain data (used by `harness.bfcl.checker`).

Written from the behaviour of BFCL's `ast_checker.py` (gorilla repository, Apache-2.0): the
same order of checks, the same error types and messages, the same quirks. Two data eras:

- ``current`` (bfcl-eval, BFCL v2 data and later): a possible answer is a *list* of
  one-key dicts; function names are looked up exactly.
- ``v1`` (``gorilla_openfunctions_v1_test_*.json``, e.g. the 2024-08-11 leaderboard): a
  possible answer is one *dict* whose keys may carry suffixes (``spotify.play_1``,
  ``calculate_bmi 1``); a function description is found by substring (its name *in* the
  key); ``multiple`` and ``parallel`` entries all go through the order-free checker; and a
  dict argument must have exactly as many keys as the answer (nested dicts recurse).

Java and JavaScript categories (`simple_java`, `simple_javascript`) take values as source
text, converted by `harness.bfcl.languages` before the same comparisons. The era is detected
from the answer's form (`era_of`). Outputs are lists of
``(name, arguments)`` pairs, as BFCL's decoder gives them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.bfcl import languages as _languages
from harness.bfcl.values import answer_type, cached, standardize_string, std_list, std_lists, std_strings

__all__ = ["Check", "check_ast", "era_of", "find_description", "standardize_string"]

PYTHON_TYPES: dict[str, type] = {
    "string": str,
    "integer": int,
    "float": float,
    "boolean": bool,
    "array": list,
    "tuple": list,
    "dict": dict,
    "any": str,
}
NESTED_TYPES = ("array", "tuple")

Call = tuple[str, Any]


@dataclass(slots=True)
class Check:
    """The outcome of one check, shaped like BFCL's result dict."""

    valid: bool
    error_type: str = ""
    errors: list[Any] = field(default_factory=list)
    param: str | None = None
    """The argument the failure is about, when there is one."""
    call: int | None = None
    """Index of the output call the failure is about, when known."""
    expected: Any = None
    actual: Any = None
    is_variable: bool = False
    sub_error_type: str | None = None
    """For an order-free match failure: the error type of the first call tried."""


OK = Check(True)


def era_of(answer: Any) -> str:
    """Return ``v1`` for a dict possible answer (old data), else ``current``."""
    return "v1" if isinstance(answer, Mapping) else "current"


def find_description(functions: Any, name: str, era: str) -> Any:
    """Return the offered function an answer key refers to (v1: by substring), or None."""
    if not isinstance(functions, list):
        return functions
    for fn in functions:
        if (fn["name"] in name) if era == "v1" else (fn["name"] == name):
            return fn
    return None


def _type_check(
    param: str, value: Any, acceptable: Any, desc: str, expected: type, nested: type | None
) -> Check:
    res = Check(True, "type_error:simple")
    a_type = answer_type(acceptable)
    is_variable = a_type is not None and a_type != expected
    if type(value) == expected:  # noqa: E721 - BFCL compares exact types (bool is not int)
        if nested is None:
            res.is_variable = is_variable
            return res
        for item in acceptable:
            ok = True
            if type(item) is list:
                elements: Any = value
                for v in elements:
                    if not _type_check(param, v, item, str(nested), nested, None).valid:
                        ok = False
                        break
            if ok:
                return Check(True, is_variable=is_variable)
        res.valid = False
        res.errors = [
            f"Nested type checking failed for parameter {param!r}. Expected outer type {desc} with inner "
            f"type {nested}. Parameter value: {value!r}."
        ]
        res.error_type = "type_error:nested"
    if a_type is not None and type(value) == a_type:  # noqa: E721
        res.is_variable = True
        return res
    res.valid = False
    res.errors.append(
        f"Incorrect type for parameter {param!r}. Expected type {desc}, got {type(value).__name__}. "
        f"Parameter value: {value!r}."
    )
    res.error_type = "type_error:simple"
    return res


def _string_check(param: str, value: str, acceptable: Sequence[Any]) -> Check:
    if standardize_string(value) in cached(acceptable, std_strings):
        return OK
    return Check(
        False,
        "value_error:string",
        [
            f"Invalid value for parameter {param!r}: {value!r}. Expected one of {acceptable}. "
            "Case insensitive."
        ],
    )


def _list_check(param: str, value: list[Any], acceptable: Sequence[Any]) -> Check:
    if std_list(value) in cached(acceptable, std_lists):
        return OK
    return Check(
        False,
        "value_error:list/tuple",
        [f"Invalid value for parameter {param!r}: {value!r}. Expected one of {acceptable}."],
    )


def _dict_check(param: str, value: Mapping[str, Any], acceptable: Sequence[Any], era: str) -> Check:
    res = Check(False, "dict_checker:unclear")
    for answer in acceptable:
        if answer == "":
            continue
        res = Check(False, "dict_checker:unclear")
        ok = True
        if era == "v1" and len(value.keys()) != len(answer.keys()):
            res.errors.append("Wrong number of parameters for dictionary.")
            res.error_type = "value_error:dict_items"
            continue
        for key, v in value.items():
            if key not in answer:
                res.errors.append(
                    f"Unexpected parameter: '{key}'."
                    if era == "v1"
                    else f"Unexpected dict key parameter: '{key}'."
                )
                res.error_type = "value_error:dict_key"
                ok = False
                break
            if era == "v1" and isinstance(answer[key], dict):
                res = _dict_check(param, v, [answer[key]], era)
                if not res.valid:
                    ok = False
                    break
                continue
            std_answers = cached(answer[key], std_list)
            if (standardize_string(v) if type(v) is str else v) not in std_answers:
                res.errors.append(
                    f"Invalid value for parameter {key!r}: {v!r}. Expected one of {std_answers}."
                )
                res.error_type = "value_error:dict_value"
                ok = False
                break
        if era != "v1":
            for key, vals in answer.items():
                if key not in value and "" not in vals:
                    res.errors.append(f"Missing dict key parameter: '{key}'.")
                    res.error_type = "value_error:dict_key"
                    ok = False
                    break
        if ok:
            return OK
    return res


def _list_dict_check(param: str, value: list[Any], acceptable: Sequence[Any], era: str) -> Check:
    res = Check(False, "list_dict_checker:unclear")
    for answer in acceptable:
        if len(value) != len(answer):
            res = Check(False, "value_error:list_dict_count", ["Wrong number of dictionaries in the list."])
            continue
        ok = True
        for i, item in enumerate(value):
            res = _dict_check(param, item, [answer[i]], era)
            if not res.valid:
                ok = False
                break
        if ok:
            return OK
    return res


def _fail(error_type: str, message: str, **kw: Any) -> Check:
    return Check(False, error_type, [message], **kw)


def _check_param(
    param: str, value: Any, details: Mapping[str, Any], acceptable: Any, era: str, language: str = "python"
) -> Check:
    desc = details["type"]
    if language != "python":
        # Java / JavaScript: the value is source text, converted as BFCL converts it.
        types = _languages.TYPES[language]
        expected = types[desc]
        if type(value) is not str:
            return _fail(
                f"type_error:{'java' if language == 'java' else 'js'}",
                f"Incorrect type for parameter {param!r}. Expected type String, got {type(value).__name__}. "
                f"Parameter value: {value!r}.",
                param=param,
                expected=desc,
                actual=value,
            )
        nested: type | None = None
        if desc in _languages.COLLECTIONS:
            item_type = details["items"]["type"]
            nested = types[item_type]
            value = _languages.convert(language, value, desc, item_type)
        else:
            value = _languages.convert(language, value, desc)
    else:
        expected = PYTHON_TYPES[desc]
        nested = PYTHON_TYPES[details["items"]["type"]] if desc in NESTED_TYPES else None
        if desc == "tuple" and type(value) is tuple:
            value = list(value)
        if desc == "float" and type(value) is int:
            value = float(value)  # int is accepted for float, at the top level only
    tc = _type_check(param, value, acceptable, desc, expected, nested)
    if not tc.valid:
        tc.param, tc.expected, tc.actual = param, desc, value
        return tc
    if not tc.is_variable:
        if expected is dict:
            res = _dict_check(param, value, acceptable, era)
        elif expected is list and nested is dict:
            res = _list_dict_check(param, value, acceptable, era)
        elif expected is str:
            res = _string_check(param, value, acceptable)
        elif expected is list:
            res = _list_check(param, value, acceptable)
        else:
            res = None
        if res is not None:
            if not res.valid:
                res = Check(False, res.error_type, res.errors, param, None, acceptable, value)
            return res
    if value not in acceptable:
        return _fail(
            "value_error:others",
            f"Invalid value for parameter {param!r}: {value!r}. Expected one of {acceptable}.",
            param=param,
            expected=acceptable,
            actual=value,
        )
    return OK


def simple_check(
    description: Mapping[str, Any],
    call: Call,
    answer: Mapping[str, Any],
    offered: str,
    era: str,
    language: str = "python",
) -> Check:
    """BFCL's simple_function_checker: one output call against one answer dict."""
    expected = next(iter(answer.values()))
    props = description["parameters"]["properties"]
    if call[0] != offered:
        return _fail(
            "simple_function_checker:wrong_func_name",
            f"Function name {offered!r} not found in model output.",
            expected=offered,
            actual=call[0],
        )
    args = call[1]
    for param in description["parameters"]["required"]:
        if param not in args:
            return _fail(
                "simple_function_checker:missing_required",
                f"Missing required parameter: {param!r}.",
                param=param,
            )
    for param, value in args.items():
        if param not in props or param not in expected:
            return _fail(
                "simple_function_checker:unexpected_param",
                f"Unexpected parameter: {param!r}.",
                param=param,
                actual=value,
            )
        res = _check_param(param, value, props[param], expected[param], era, language)
        if not res.valid:
            return res
    for param, acceptable in expected.items():
        if param not in args and "" not in acceptable:
            return _fail(
                "simple_function_checker:missing_optional",
                f"Optional parameter {param!r} not provided and not marked as optional.",
                param=param,
                expected=acceptable,
            )
    return OK


def _offered_name(description: Mapping[str, Any], sanitize: bool) -> str:
    name = str(description["name"])
    return name.replace(".", "_") if sanitize and "." in name else name


def _with_call(res: Check, index: int) -> Check:
    if not res.valid and res.call is None:
        res.call = index
    return res


def _no_order(
    functions: Any,
    output: Sequence[Call],
    answers: Sequence[Mapping[str, Any]],
    sanitize: bool,
    era: str,
    language: str = "python",
) -> Check:
    if len(output) != len(answers):
        return _fail(
            "parallel_function_checker_no_order:wrong_count",
            "Wrong number of functions.",
            expected=len(answers),
        )
    matched: list[int] = []
    for i, answer in enumerate(answers):
        description = find_description(functions, next(iter(answer)), era)
        if description is None:
            return _fail(
                "parallel_function_checker_no_order:cannot_find_description",
                f"Function doc description not found for function name: {next(iter(answer))!r}.",
            )
        offered = _offered_name(description, sanitize)
        errors: list[Any] = []
        res = OK
        first_fail: Check | None = None
        for index, call in enumerate(output):
            if index in matched:
                continue
            res = simple_check(description, call, answer, offered, era, language)
            if res.valid:
                matched.append(index)
                break
            first_fail = first_fail or _with_call(res, index)
            errors.append(
                {f"Model Result Index {index}": {"sub_error": res.errors, "sub_error_type": res.error_type}}
            )
        if not res.valid:
            left = [k for k in range(len(output)) if k not in matched]
            errors.insert(
                0,
                f"Could not find a matching function among index {left} of model output "
                f"for index {i} of possible answers.",
            )
            sub = first_fail or res
            return Check(
                False,
                "parallel_function_checker_no_order:cannot_find_match",
                errors,
                sub.param,
                sub.call,
                sub.expected,
                sub.actual,
                sub_error_type=sub.error_type,
            )
    return OK


def check_ast(
    functions: Any, output: Sequence[Call], answer: Any, category: str, *, sanitize: bool = False
) -> Check:
    """Grade decoded `output` against BFCL's possible `answer` for a BFCL `category`."""
    era = era_of(answer)
    if era == "v1":
        if "multiple" in category or "parallel" in category:
            funcs = functions if isinstance(functions, list) else [functions]
            answers = [{k: v} for k, v in answer.items()]
            return _no_order(funcs, output, answers, sanitize, era)
        if len(output) != 1:
            return _fail("simple_function_checker:wrong_count", "Wrong number of functions.", expected=1)
        description = functions[0] if isinstance(functions, list) else functions
        return _with_call(
            simple_check(description, output[0], answer, _offered_name(description, sanitize), era), 0
        )
    language = _languages.language_of(category)
    if "parallel" in category:
        return _no_order(functions, output, answer, sanitize, era, language)
    if "multiple" in category:
        if len(output) != len(answer):
            return _fail(
                "multiple_function_checker:wrong_count", "Wrong number of functions.", expected=len(answer)
            )
        description = find_description(functions, next(iter(answer[0])), era)
        offered = _offered_name(description, sanitize)
        return _with_call(simple_check(description, output[0], answer[0], offered, era, language), 0)
    if len(output) != 1:
        return _fail("simple_function_checker:wrong_count", "Wrong number of functions.", expected=1)
    offered = _offered_name(functions[0], sanitize)
    return _with_call(simple_check(functions[0], output[0], answer[0], offered, era, language), 0)
