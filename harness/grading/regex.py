"""Regular expressions from case files and tool schemas, on a linear-time engine (RE2).

`$regex` matchers and JSON Schema `pattern` / `patternProperties` come from files a pull
request controls, and they run against model output. Python's `re` backtracks: `(a+)+$`
against `"a" * 40 + "!"` runs for hours. RE2 (the `google-re2` package, Google's engine with
its official Python binding) matches in time linear in the input, so no pattern can hang a
gate. The price is syntax RE2 does not have, refused when the case is validated:

- backreferences (`\\1`, `(?P=name)`), lookahead and lookbehind (`(?=`, `(?!`, `(?<=`, `(?<!`),
  atomic groups and possessive quantifiers (`(?>`, `a++`), conditionals, `(?x)` verbose mode;
- `\\W` and `\\S` inside a character class (`[\\W\\d]`).

Python semantics are kept where RE2 differs: `\\d`, `\\w`, `\\s` (and `\\D`, `\\W`, `\\S`) match
Unicode digits, word characters and spaces, as in Python (`"北京"` is `\\w+`), and `\\Z` means
end of text. Two differences remain: `\\b` / `\\B` are ASCII word boundaries, and `$` without
`(?m)` matches only at the very end (Python also accepts a final newline before it).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2

__all__ = ["MAX_PATTERN_LENGTH", "LinearRegex", "RegexError", "compile_regex", "regex_problem"]

#: Longest pattern accepted (characters); a case's patterns are short.
MAX_PATTERN_LENGTH = 2000

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # RE2 would print every refused pattern to stderr
_OPTIONS.max_mem = 8 << 20

_SPACE = (
    r"\t\n\x{0b}\f\r\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}"
    r"\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
)
_WORD = r"\p{L}\p{N}_"
#: Python's Unicode classes, outside / inside a character class (None: not expressible there).
_CLASSES: dict[str, tuple[str, str | None]] = {
    "d": (r"\p{Nd}", r"\p{Nd}"),
    "D": (r"\P{Nd}", r"\P{Nd}"),
    "w": (f"[{_WORD}]", _WORD),
    "W": (f"[^{_WORD}]", None),
    "s": (f"[{_SPACE}]", _SPACE),
    "S": (f"[^{_SPACE}]", None),
    "Z": (r"\z", None),
}
_HINTS = {
    "(?=": "lookahead",
    "(?!": "negative lookahead",
    "(?<=": "lookbehind",
    "(?<!": "negative lookbehind",
    "(?>": "an atomic group",
    "(?P=": "a backreference",
    "(?(": "a conditional",
}


class RegexError(ValueError):
    """A pattern is invalid or uses syntax the linear-time engine does not support."""


class LinearRegex:
    """A compiled pattern with `re`'s `search` / `fullmatch` answers (match or None)."""

    __slots__ = ("_rx", "pattern")

    def __init__(self, pattern: str, rx: Any) -> None:
        self.pattern = pattern
        self._rx = rx

    def search(self, text: str) -> bool:
        """Whether the pattern matches somewhere in `text`."""
        return self._rx.search(text) is not None

    def fullmatch(self, text: str) -> bool:
        """Whether the pattern matches the whole of `text`."""
        return self._rx.fullmatch(text) is not None


def _translate(pattern: str) -> str:
    """Rewrite Python's Unicode-aware escapes into RE2 syntax; RegexError for the unsupported."""
    out: list[str] = []
    i, n, in_class = 0, len(pattern), False
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            e = pattern[i + 1]
            if e in _CLASSES:
                outside, inside = _CLASSES[e]
                if in_class:
                    if inside is None:
                        raise RegexError(f"\\{e} inside a character class is not supported")
                    out.append(inside)
                else:
                    out.append(outside)
            elif e.isdigit() and e != "0":
                raise RegexError(f"backreferences (\\{e}) are not supported")
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            if c == "]" and not _class_start(out):
                in_class = False
        elif c == "[":
            in_class = True
        elif c == "(":
            for opener, what in _HINTS.items():
                if pattern.startswith(opener, i):
                    raise RegexError(f"{what} ({opener}…) is not supported")
        out.append(c)
        i += 1
    return "".join(out)


def _class_start(out: list[str]) -> bool:
    """Whether a `]` just after `[` or `[^` is a literal (it does not close the class)."""
    return bool(out) and (out[-1] == "[" or (out[-1] == "^" and len(out) > 1 and out[-2] == "["))


@lru_cache(maxsize=8192)
def compile_regex(pattern: str) -> LinearRegex:
    """Compile `pattern` (Python syntax, see the module docstring) for RE2; RegexError if refused."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise RegexError(f"the pattern is {len(pattern)} characters long (at most {MAX_PATTERN_LENGTH})")
    translated = _translate(pattern)
    try:
        rx = re2.compile(translated, _OPTIONS)
    except re2.error as exc:
        why = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else exc
        raise RegexError(f"{why} (patterns run on RE2, a linear-time engine: see docs/security.md)") from None
    return LinearRegex(pattern, rx)


def regex_problem(pattern: str) -> str | None:
    """Why `pattern` cannot be used, or None when it compiles."""
    try:
        compile_regex(pattern)
    except RegexError as exc:
        return str(exc)
    return None
