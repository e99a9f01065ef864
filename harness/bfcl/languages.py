"""BFCL's Java and JavaScript rules: values are source text, converted as BFCL converts them.

In `simple_java` and `simple_javascript` BFCL offers every parameter as a string (its
language-specific function-doc processing, `language_tool_doc`) and the model writes the
value as Java or JavaScript source (`"42L"`, `"new int[]{1, 2}"`, `"{key: 'v'}"`). The
checker (`harness.bfcl.ast_checker`) then converts each string the way BFCL's
`java_type_converter` / `js_type_converter` do (`convert`) and compares the result with the
possible answer by the usual Python rules. Written from the behaviour of those converters
(gorilla repository, Apache-2.0), regular expressions and quirks included: a value that
does not parse stays a string, BFCL's `char` pattern never matches, unsupported Java
collections make BFCL's checker raise (here: ValueError, graded as BFCL's crash).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "COLLECTIONS",
    "JAVA_TYPES",
    "JS_TYPES",
    "TYPES",
    "convert",
    "language_of",
    "language_tool_doc",
    "source_matcher",
]

JAVA_TYPES: dict[str, type] = {
    "byte": int,
    "short": int,
    "integer": int,
    "float": float,
    "double": float,
    "long": int,
    "boolean": bool,
    "char": str,
    "Array": list,
    "ArrayList": list,
    "Set": set,
    "HashMap": dict,
    "Hashtable": dict,
    "Queue": list,
    "Stack": list,
    "String": str,
    "any": str,
}
JS_TYPES: dict[str, type] = {
    "String": str,
    "integer": int,
    "float": float,
    "Bigint": int,
    "Boolean": bool,
    "dict": dict,
    "array": list,
    "any": str,
}
#: Language → BFCL's type conversion table.
TYPES: dict[str, dict[str, type]] = {"java": JAVA_TYPES, "javascript": JS_TYPES}
#: Types whose values are converted with their items' type (BFCL's NESTED_CONVERSION_TYPE_LIST).
COLLECTIONS = ("Array", "ArrayList", "array")

_HINT = {
    "java": " Note that the provided function is in Java 8 SDK syntax.",
    "javascript": " Note that the provided function is in JavaScript syntax.",
}
_NAME = {"java": "Java", "javascript": "JavaScript"}


def language_of(category: str) -> str:
    """`java`, `javascript` or `python`, from a BFCL category name (BFCL's is_java / is_js)."""
    if "javascript" in category:
        return "javascript"
    return "java" if "java" in category else "python"


# --- Java (java_type_converter) ---------------------------------------------------------


def _java(value: str, expected: str, nested: str | None = None) -> Any:
    if expected not in JAVA_TYPES:
        raise ValueError(f"Unsupported type: {expected}")
    if expected in ("byte", "short", "integer"):
        return int(value) if re.match(r"^-?\d+$", value) else str(value)
    if expected == "float":
        if not re.match(r"^-?\d+(\.\d+)?([eE][+-]?\d+)?[fF]$", value):
            return str(value)
        return float(re.sub(r"[fF]$", "", value))
    if expected == "double":
        return float(value) if re.match(r"^-?\d+(\.\d+)?([eE][+-]?\d+)?$", value) else str(value)
    if expected == "long":
        return int(re.sub(r"[lL]$", "", value)) if re.match(r"^-?\d+[lL]$", value) else str(value)
    if expected == "boolean":
        return value == "true" if value in ("true", "false") else str(value)
    if expected == "char":
        # BFCL's pattern is r"^\'.$\'", which no string matches: the value stays as written.
        return value if re.match(r"^\'.$\'", value) else str(value)
    if expected == "ArrayList":
        return _java_arraylist(value, nested)
    if expected == "Array":
        return _java_array(value, nested)
    if expected == "HashMap":
        return _java_hashmap(value)
    if expected in ("String", "any"):
        return str(value)
    raise ValueError(f"{expected} conversion is not implemented")  # Set, Hashtable, Queue, Stack


def _java_element(text: str, nested: str | None) -> Any:
    if nested in ("char", "String"):
        return text[1:-1]  # drops the quotes (or whatever the first and last characters are)
    return _java(text, nested) if nested else _java_value(text)


def _java_arraylist(text: str, nested: str | None) -> Any:
    m = re.search(r"new\s+ArrayList<\w*>\(Arrays\.asList\((.+?)\)\)", text)
    if m:
        return [_java_element(e.strip(), nested) for e in m.group(1).split(",")]
    m = re.search(r"new\s+ArrayList<\w*>\(\)\s*\{\{\s*(.+?)\s*\}\}", text, re.DOTALL)
    if m:
        return [_java_element(e.strip(), nested) for e in re.findall(r"add\((.+?)\)", m.group(1))]
    if re.search(r"new\s+ArrayList<\w*>\(\)", text):
        return []
    return text


def _java_array(text: str, nested: str | None) -> Any:
    m = re.search(r"new\s+\w+\[\]\s*\{(.*?)\}", text)
    if not m:
        return text
    items = [x.strip() for x in m.group(1).split(",") if x.strip()]
    return [_java(x, nested) for x in items] if nested else [_java_value(x) for x in items]


def _java_hashmap(text: str) -> Any:
    m = re.search(r"new\s+HashMap<.*?>\s*\(\)\s*\{\s*\{?\s*(.*?)\s*\}?\s*\}", text, re.DOTALL)
    if m:
        out: dict[str, Any] = {}
        if m.group(1).strip():
            for key, raw in re.findall(r"put\(\"(.*?)\",\s*(.*?)\)", m.group(1)):
                out[key] = _java_value(raw.strip())
        return out
    return {} if re.search(r"new\s+HashMap<.*?>\s*\(\)", text) else text


def _java_value(text: str) -> Any:
    if text == "true":
        return True
    if text == "false":
        return False
    if text.startswith('"') and text.endswith('"'):
        return text[1:-1]
    if re.match(r"^-?\d+[lL]$", text):
        return int(text[:-1])
    if re.match(r"^-?\d+(\.\d+)?([eE][+-]?\d+)?[fF]$", text):
        return float(re.sub(r"[fF]$", "", text))
    return _number_or_text(text)


def _number_or_text(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


# --- JavaScript (js_type_converter) -----------------------------------------------------


def _js(value: str, expected: str, nested: str | None = None) -> Any:
    if expected not in JS_TYPES:
        raise ValueError(f"Unsupported type: {expected}")
    if expected == "String":
        quoted = (value.startswith('"') and value.endswith('"')) or (
            value.startswith("'") and value.endswith("'")
        )
        return value[1:-1] if quoted else str(value)
    if expected == "integer":
        return int(value) if re.match(r"^-?\d+$", value) else str(value)
    if expected == "float":
        return float(value) if re.match(r"^-?\d+(\.\d+)?$", value) else str(value)
    if expected == "Bigint":
        return int(value[:-1]) if re.match(r"^-?\d+n$", value) else str(value)
    if expected == "Boolean":
        return value == "true" if value in ("true", "false") else str(value)
    if expected == "dict":
        return _js_dict(value.strip())
    if expected == "array":
        try:
            return _js_array(value.strip(), nested)
        except Exception:  # BFCL's bare `except:` returns the text
            return value.strip()
    return str(value)  # any


_ARRAY_2D = r"\[\s*\[.*?\]\s*(,\s*\[.*?\]\s*)*\]|\bnew\s+Array\(\s*\[.*?\]\s*(,\s*\[.*?\]\s*)*\)"
_ARRAY = r"\[(.*?)\]|\bnew\s+Array\((.*?)\)"


def _js_array(code: str, nested: str | None) -> Any:
    m2 = re.match(_ARRAY_2D, code)
    if m2:
        rows = []
        for idx, inner in enumerate(re.findall(r"\[(.*?)\]", m2.group(0))):
            inner = inner.strip()
            if idx == 0 and inner.startswith("["):
                inner = inner[1:]
            rows.append([_js_value(e.strip()) for e in inner.split(",")])
        return rows
    m = re.match(_ARRAY, code)
    if not m:
        return code
    body = m.group(1) if m.group(1) is not None else m.group(2)
    body = body.strip() if body is not None else ""
    elements = body.split(",") if body else []
    if not nested:
        return [_js_value(e.strip()) for e in elements]
    return [
        _js(e.strip(), nested, "String") if e.strip().startswith(("'", '"')) else _js(e.strip(), nested)
        for e in elements
    ]


def _js_dict(code: str) -> Any:
    if code == "{}":
        return {}
    m = re.match(r"\{(.*?)\}", code)
    if not m:
        return code
    try:
        out: dict[str, Any] = {}
        for key, raw in re.findall(r"([^:]+):\s*(.*?)(?:,\s*(?=[^,]+:)|$)", m.group(1)):
            key, raw = key.strip().strip("'\""), raw.strip()
            if raw.startswith("[") and raw.endswith("]"):
                out[key] = _js_array_or_text(raw)
            elif raw.startswith("{") and raw.endswith("}"):
                out[key] = _js_dict(raw.strip())
            else:
                out[key] = _js_value(raw.strip("'\""))
        return out
    except Exception:  # BFCL prints the error and returns the text
        return code


def _js_array_or_text(raw: str) -> Any:
    try:
        return _js_array(raw.strip(), None)
    except Exception:  # as BFCL's parse_js_collection
        return raw.strip()


def _js_value(text: str) -> Any:
    text = text.strip()
    if text == "true":
        return True
    if text == "false":
        return False
    if (text.startswith('"') and text.endswith('"')) or (text.startswith("'") and text.endswith("'")):
        return text[1:-1]
    return _number_or_text(text)


def convert(language: str, value: str, expected: str, nested: str | None = None) -> Any:
    """A source-text `value` for a parameter of BFCL type `expected` → the Python value BFCL compares.

    ValueError where BFCL's converter raises (an unsupported type or Java collection).
    """
    return _java(value, expected, nested) if language == "java" else _js(value, expected, nested)


# --- Import: the function docs BFCL shows the model, and default-profile matchers -------


def language_tool_doc(function: Mapping[str, Any], language: str) -> dict[str, Any]:
    """One function doc as BFCL offers it for `language` (its `_func_doc_language_specific_pre_processing`).

    The language hint is appended to the description; every parameter becomes a `string`
    whose description names its Java/JavaScript type; array items (and JavaScript dict
    properties) move into the description.
    """
    doc = copy.deepcopy(dict(function))
    doc["description"] = str(doc.get("description", "")) + _HINT[language]
    name = _NAME[language]
    props = doc.get("parameters", {}).get("properties", {})
    for value in props.values():
        kind = value["type"]
        value.setdefault("description", "")
        if kind == "any":
            value["description"] += (
                f" This parameter can be of any type of {name} object in string representation."
            )
        else:
            value["description"] += f" This is {name} {kind} type parameter in string representation."
        if kind in (("ArrayList", "Array") if language == "java" else ("array",)):
            value["description"] += (
                f" The list elements are of type {value['items']['type']}; "
                "they are not in string representation."
            )
            del value["items"]
        if kind == "dict" and language == "javascript" and "properties" in value:
            value["description"] += (
                " The dictionary entries have the following schema; they are not in string representation. "
                + json.dumps(value["properties"])
            )
            del value["properties"]
        value["type"] = "string"
    return doc


def _source(language: str, kind: str, value: Any) -> str | None:
    """The canonical source text of one answer value, or None when there is none to give."""
    text = _spell(language, kind, value)
    if text is None:
        return None
    back = convert(language, text, kind)
    return text if back == value and isinstance(back, str) == isinstance(value, str) else None


def _spell(language: str, kind: str, value: Any) -> str | None:
    if isinstance(value, bool):
        return ("true" if value else "false") if kind in ("boolean", "Boolean") else None
    if isinstance(value, str):
        return value if kind in ("String", "any", "char") else None
    if not isinstance(value, (int, float)):
        return None
    if kind in ("byte", "short", "integer"):
        return str(value) if isinstance(value, int) else None
    if (language, kind) == ("java", "long"):
        return f"{value}L" if isinstance(value, int) else None
    if (language, kind) == ("javascript", "Bigint"):
        return f"{value}n" if isinstance(value, int) else None
    if kind == "float" and language == "java":
        return f"{float(value)!r}f"
    if kind in ("float", "double"):
        return repr(float(value))
    return None


def source_matcher(language: str, kind: str, acceptable: Any) -> Any:
    """The default-profile matcher for one Java/JavaScript parameter's acceptable values.

    Scalars are expected as their canonical source text (`"42"`, `"42L"`, `"true"`, the
    string itself); collections, and values with no canonical text, only as present
    (`$any`). `""` among the values makes the parameter optional. The `bfcl` profile grades
    from BFCL's data with BFCL's conversions regardless.
    """
    values = acceptable if isinstance(acceptable, list) else [acceptable]
    texts: list[Any] = []
    loose = False
    for v in values:
        if v == "":
            continue
        text = _source(language, kind, v)
        if text is None:
            loose = True
        elif text not in texts:
            texts.append(text)
    matcher: Any = texts[0] if len(texts) == 1 else {"$one_of": texts}
    if loose or not texts:
        matcher = {"$any": True}
    return {"$optional": matcher} if "" in values else matcher
