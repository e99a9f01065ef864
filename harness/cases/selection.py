"""Which case × provider × trial jobs a run covers: `-k` expressions, shards, skip/only.

`-k EXPR` works like pytest's: words joined by `and`, `or`, `not` and parentheses; a word
matches when it is a case-insensitive substring of one of the job's names (case id,
category, tags, provider id, case file).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from harness.errors import UserError

__all__ = ["Shard", "keyword_matcher", "parse_shard", "shard_of"]

_TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")


def _tokens(expr: str) -> list[str]:
    out: list[str] = []
    pos = 0
    expr = expr.strip()
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if not m:
            break
        out.append(m.group(1))
        pos = m.end()
    return out


def keyword_matcher(expr: str | None) -> Callable[[Iterable[str]], bool]:
    """Compile a pytest-like `-k` expression into a predicate over a job's names."""
    if expr is None or not expr.strip():
        return lambda names: True
    tokens = _tokens(expr)
    pos = 0

    def err(msg: str) -> UserError:
        return UserError(f"-k {expr!r}: {msg}")

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        tok = tokens[pos]
        pos += 1
        return tok

    Pred = Callable[[str], bool]

    def parse_or() -> Pred:
        left = parse_and()
        while peek() == "or":
            take()
            right = parse_and()
            left = (lambda a, b: lambda s: a(s) or b(s))(left, right)
        return left

    def parse_and() -> Pred:
        left = parse_not()
        while peek() == "and":
            take()
            right = parse_not()
            left = (lambda a, b: lambda s: a(s) and b(s))(left, right)
        return left

    def parse_not() -> Pred:
        if peek() == "not":
            take()
            inner = parse_not()
            return lambda s: not inner(s)
        return parse_atom()

    def parse_atom() -> Pred:
        tok = peek()
        if tok is None:
            raise err("expected a word, '(' or 'not' at the end")
        if tok == "(":
            take()
            inner = parse_or()
            if peek() != ")":
                raise err("missing ')'")
            take()
            return inner
        if tok in (")", "and", "or"):
            raise err(f"unexpected {tok!r}")
        word = take().lower()
        return lambda s: word in s

    pred = parse_or()
    if pos != len(tokens):
        raise err(f"unexpected {tokens[pos]!r}")

    def match(names: Iterable[str]) -> bool:
        return pred("\x00".join(n.lower() for n in names if n))

    return match


@dataclass(frozen=True)
class Shard:
    """Shard `index` (1-based) of `count`."""

    index: int
    count: int


def parse_shard(text: str | None) -> Shard | None:
    """Parse `I/N` (1 ≤ I ≤ N) or raise a UserError."""
    if text is None:
        return None
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not m or not (1 <= int(m.group(1)) <= int(m.group(2))):
        raise UserError(f"--shard {text!r}: expected I/N with 1 ≤ I ≤ N, e.g. 1/4")
    return Shard(int(m.group(1)), int(m.group(2)))


def shard_of(key: str, count: int) -> int:
    """Return the 1-based shard a job key belongs to (stable across runs and machines)."""
    return zlib.crc32(key.encode("utf-8")) % count + 1


def in_shard(key: str, shard: Shard | None) -> bool:
    """Whether the job `key` belongs to `shard` (all jobs when there is none)."""
    return shard is None or shard_of(key, shard.count) == shard.index


def case_names(case_id: str, category: str, tags: Sequence[str], extra: Sequence[str] = ()) -> list[str]:
    """The names `-k` matches against."""
    return [case_id, category, *tags, *extra]
