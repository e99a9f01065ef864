"""Call-level parity: do two providers (or two runs) make the same calls with the same arguments?

`call_differences(turns_a, turns_b)` lists, turn by turn, every difference between two
answers to one case: a turn reached on one side only, a call made on one side only, an
argument missing on one side, a different value (deepdiff-style paths, `root['date']`),
arguments that are not a JSON object on one side, an answer with text on one side and calls
on the other. Calls of a turn are paired order-free: identical calls first, then calls of the
same function in order. Numbers compare by value (1 == 1.0) but JSON types are JSON's (`true`
is not `1`); text content is not compared (sampling noise), only its presence.

`stream_parity(rows)` applies it to each provider id `P` whose streamed twin `P-stream` is in
the same run — the `parity` section of summary.json, report.md and report.html.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from harness.model import ModelTurn, ToolCall
from harness.run.results import ResultRow


class Answer(Protocol):
    """What `compare_rows` reads of a row."""

    @property
    def status(self) -> str: ...

    @property
    def turns(self) -> Sequence[ModelTurn]: ...


__all__ = [
    "STREAM_SUFFIX",
    "call_differences",
    "calls_digest",
    "compare_rows",
    "stream_pairs",
    "stream_parity",
]

STREAM_SUFFIX = "-stream"
_SHOWN = 200  # differences kept per provider pair in the reports (the count is always exact)


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= 120 else text[:117] + "..."


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def _value_diffs(a: Any, b: Any, path: str, out: list[str]) -> None:
    if _same(a, b):
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            p = f"{path}[{k!r}]"
            if k not in b:
                out.append(f"{p} only in A ({_show(a[k])})")
            elif k not in a:
                out.append(f"{p} only in B ({_show(b[k])})")
            else:
                _value_diffs(a[k], b[k], p, out)
        return
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _value_diffs(x, y, f"{path}[{i}]", out)
        return
    out.append(f"{path}: {_show(a)} (A) ≠ {_show(b)} (B)")


def _shown_call(call: ToolCall) -> str:
    return f"{call.name}({_show(call.arguments if call.arguments is not None else call.raw_arguments)})"


def _key(call: ToolCall) -> str:
    args = call.arguments if call.arguments is not None else {"<raw>": call.raw_arguments}
    return call.name + "\x00" + json.dumps(args, sort_keys=True, ensure_ascii=False, default=str)


def calls_digest(turns: Sequence[ModelTurn]) -> bytes | None:
    """A short digest of what `call_differences` compares (None: no turn). Two answers with the
    same digest have no call-level difference; different digests may still have none."""
    if not turns:
        return None
    shape = [[[_key(c) for c in t.calls], bool(t.text)] for t in turns]
    return hashlib.blake2b(json.dumps(shape, ensure_ascii=False).encode(), digest_size=16).digest()


def _call_diffs(turn: int, a: ToolCall, b: ToolCall, out: list[str]) -> None:
    where = f"turn {turn}, {a.name}"
    if a.arguments is None or b.arguments is None:
        if a.arguments is None and b.arguments is None:
            if a.raw_arguments != b.raw_arguments:
                out.append(
                    f"{where}: arguments (not JSON objects) differ: {_show(a.raw_arguments)} (A) ≠ "
                    f"{_show(b.raw_arguments)} (B)"
                )
            return
        side = "A" if a.arguments is None else "B"
        raw = a.raw_arguments if a.arguments is None else b.raw_arguments
        out.append(f"{where}: arguments are not a JSON object in {side} ({_show(raw)})")
        return
    found: list[str] = []
    _value_diffs(a.arguments, b.arguments, "root", found)
    out.extend(f"{where}: {d}" for d in found)


def _turn_diffs(t: int, a: ModelTurn, b: ModelTurn, out: list[str]) -> None:
    left, right = list(a.calls), list(b.calls)
    if not left and not right:
        if bool(a.text) != bool(b.text):
            out.append(f"turn {t}: text answer in {'A' if a.text else 'B'} only")
        return
    if not left or not right:
        side, calls = ("B", right) if not left else ("A", left)
        names = ", ".join(c.name for c in calls)
        other = "A" if side == "B" else "B"
        out.append(f"turn {t}: calls {names} in {side}; no call in {other}")
        return
    # identical calls pair first, then calls of the same function in order
    rest_b = list(right)
    unmatched_a: list[ToolCall] = []
    for c in left:
        k = _key(c)
        hit = next((i for i, d in enumerate(rest_b) if _key(d) == k), None)
        if hit is None:
            unmatched_a.append(c)
        else:
            rest_b.pop(hit)
    for c in unmatched_a:
        hit = next((i for i, d in enumerate(rest_b) if d.name == c.name), None)
        if hit is None:
            out.append(f"turn {t}: call {_shown_call(c)} only in A")
            continue
        _call_diffs(t, c, rest_b.pop(hit), out)
    for d in rest_b:
        out.append(f"turn {t}: call {_shown_call(d)} only in B")


def call_differences(turns_a: Sequence[ModelTurn], turns_b: Sequence[ModelTurn]) -> list[str]:
    """Every call-level difference between two answers to one case (empty: the same calls)."""
    out: list[str] = []
    for t in range(max(len(turns_a), len(turns_b))):
        if t >= len(turns_a) or t >= len(turns_b):
            out.append(f"turn {t}: reached in {'B' if t >= len(turns_a) else 'A'} only")
            continue
        _turn_diffs(t, turns_a[t], turns_b[t], out)
    return out


def stream_pairs(provider_ids: Sequence[str]) -> list[tuple[str, str]]:
    """`(P, P-stream)` for each provider whose streamed twin is present too."""
    ids = set(provider_ids)
    return [(p, p + STREAM_SUFFIX) for p in sorted(ids) if p + STREAM_SUFFIX in ids]


def compare_rows(a: Mapping[tuple[str, int], Answer], b: Mapping[tuple[str, int], Answer]) -> dict[str, Any]:
    """Compare the rows of two providers keyed by (case id, trial): counts and differences."""
    cases = compared = identical = status_differs = 0
    differences: list[dict[str, Any]] = []
    for key in sorted(set(a) | set(b)):
        ra, rb = a.get(key), b.get(key)
        cases += 1
        if ra is None or rb is None or "unsupported" in (ra.status, rb.status):
            continue
        if not ra.turns and not rb.turns:  # neither answered (error, stale): nothing to compare
            continue
        compared += 1
        diffs = call_differences(ra.turns, rb.turns)
        if ra.status != rb.status:
            status_differs += 1
        if not diffs and ra.status == rb.status:
            identical += 1
            continue
        differences.append(
            {"case_id": key[0], "trial": key[1], "status": [ra.status, rb.status], "differences": diffs}
        )
    return {
        "cases": cases,
        "compared": compared,
        "identical": identical,
        "differing": len(differences),
        "status_differs": status_differs,
        "differences": differences,
    }


def stream_parity(rows: Sequence[ResultRow]) -> list[dict[str, Any]]:
    """The `parity` section: one entry per (P, P-stream) pair present in the run."""
    by_provider: dict[str, dict[tuple[str, int], ResultRow]] = {}
    for r in rows:
        by_provider.setdefault(r.provider_id, {})[(r.case_id, r.trial)] = r
    out = []
    for plain, streamed in stream_pairs(list(by_provider)):
        result = compare_rows(by_provider[plain], by_provider[streamed])
        shown = result["differences"][:_SHOWN]
        out.append({"provider": plain, "stream": streamed, **result, "differences": shown})
    return out
