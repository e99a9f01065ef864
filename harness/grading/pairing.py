"""Pairing expected calls with actual calls, and explaining what stays unpaired.

Used by `harness.grading.grader`; see its docstring for the semantics.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from harness.grading.assignment import min_cost_assignment, ordered_alignment
from harness.grading.matchers import Matcher, Mismatch
from harness.grading.values import short
from harness.model import Failure

__all__ = ["Expected", "args_text", "diff_args", "pair_calls", "selection_failures"]


@dataclass(frozen=True)
class Expected:
    """One compiled expected call."""

    name: str
    args: Matcher
    weight: int
    """The cost of pairing with a call whose arguments are not JSON (worse than any diff)."""


def args_text(c: Any) -> str:
    """A short rendering of a call's arguments (or its raw text)."""
    return short(c.arguments, 80) if c.arguments is not None else short(c.raw_arguments, 80)


def diff_args(matcher: Matcher, value: Any) -> list[Mismatch]:
    """The mismatches of `value` (empty when it matches); explanations built only on failure."""
    if matcher.ok(value):
        return []
    out: list[Mismatch] = []
    matcher.diff(value, "root", out)
    if not out:
        out.append(Mismatch("wrong_value", "root", matcher.spec, value, "root: does not match"))
    return out


def pair_calls(
    order_strict: bool,
    expect: Sequence[Expected],
    names: Sequence[str | None],
    args: Sequence[dict[str, Any] | None],
    diffs: dict[tuple[int, int], list[Mismatch]],
) -> list[int | None]:
    """Pair expected calls with actual calls (see the module docstring)."""

    def cost(i: int, j: int) -> int:
        a = args[j]
        if a is None:
            return expect[i].weight
        found = diffs.get((i, j))
        if found is None:
            found = diffs[(i, j)] = diff_args(expect[i].args, a)
        return len(found)

    n, m = len(expect), len(names)
    if order_strict:
        table = [[cost(i, j) if names[j] == expect[i].name else None for j in range(m)] for i in range(n)]
        return ordered_alignment(table)

    # fast path: a greedy pairing where every expected call matches exactly is optimal
    used = [False] * m
    matches: list[int | None] = [None] * n
    for i, e in enumerate(expect):
        for j in range(m):
            a = args[j]
            if not used[j] and names[j] == e.name and a is not None and e.args.ok(a):
                used[j] = True
                matches[i] = j
                break
        else:
            break
    else:
        return matches

    # optimal assignment, separately per function name (pairs never cross names)
    matches = [None] * n
    for name in dict.fromkeys(e.name for e in expect):
        rows = [i for i in range(n) if expect[i].name == name]
        cols = [j for j in range(m) if names[j] == name]
        if not cols:
            continue
        if len(rows) == 1 and len(cols) == 1:
            matches[rows[0]] = cols[0]
            continue
        costs = [[float(cost(i, j)) for j in cols] for i in rows]
        for r, c in enumerate(min_cost_assignment(costs)):
            if c is not None:
                matches[rows[r]] = cols[c]
    return matches


def selection_failures(
    t: int,
    expect: Sequence[Expected],
    calls: Sequence[Any],
    names: Sequence[str | None],
    matches: Sequence[int | None],
) -> list[Failure]:
    """Explain the calls left unpaired (see `harness.grading.grader`)."""
    paired = {j for j in matches if j is not None}
    left_expected = [i for i, j in enumerate(matches) if j is None]
    failures = []
    for j, c in enumerate(calls):
        if j in paired:
            continue
        offered = names[j] is not None
        same = [i for i in left_expected if expect[i].name == names[j]]
        if same:  # only under `order: strict`: the right function at the wrong place
            i = same[0]
            left_expected.remove(i)
            failures.append(
                Failure(
                    "missing_call",
                    f"expected {expect[i].name} (expected #{i}) here; it came out of order as "
                    f"call #{j} (order: strict)",
                    turn=t,
                    call=i,
                    expected=expect[i].name,
                    actual=c.name,
                )
            )
        elif left_expected:
            i = left_expected.pop(0)
            kind = "wrong_function" if offered else "hallucinated_function"
            what = "" if offered else " (not among the offered tools)"
            failures.append(
                Failure(
                    kind,
                    f"expected {expect[i].name}, got {c.name}{what} (call #{j})",
                    turn=t,
                    call=i,
                    expected=expect[i].name,
                    actual=c.name,
                )
            )
        elif offered:
            failures.append(
                Failure(
                    "extra_call",
                    f"extra call #{j} {c.name}({args_text(c)})",
                    turn=t,
                    call=j,
                    actual=c.name,
                )
            )
        else:
            failures.append(
                Failure(
                    "hallucinated_function",
                    f"call #{j} to {c.name}, which is not among the offered tools",
                    turn=t,
                    call=j,
                    actual=c.name,
                )
            )
    failures.extend(
        Failure(
            "missing_call",
            f"expected call {expect[i].name} was not made (expected #{i})",
            turn=t,
            call=i,
            expected=expect[i].name,
        )
        for i in left_expected
    )
    return failures
