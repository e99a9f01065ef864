"""The metrics of `harness.reports.metrics.summarize`, accumulated one row at a time.

`Tally.add(row)` keeps only counters and a few numbers per row, never the row, so reports of a
run of any size are built from a stream of rows (`results.jsonl`) in flat memory.
`Tally.summary()` returns exactly what `summarize(rows, prices)` returns for the same rows in
the same order (floats are summed in the same order; tests compare the two).
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Mapping
from typing import Any

from harness.reports.metrics import (
    COUNTING_RULES,
    is_emulator,
    is_local_model,
    percentile,
    rate,
    row_kind,
    trial_figures,
)
from harness.run.config import Price
from harness.run.results import ResultRow

__all__ = ["Bucket", "Tally"]

_STATUSES = ("pass", "fail", "error", "unsupported", "stale")
# Per (case, provider) slot in `Tally.cases[case_id]`, after the case's first-pass/fail category:
# provider id, passed, counted (not unsupported), pass/fail rows, order of the first pass/fail
# row (for `disagreements`), rows, kinds of its failing rows (a set, or None).
_SLOT = 7
_PID, _PASSED, _COUNTED, _PF, _PF_SEQ, _ROWS, _KINDS = range(_SLOT)


class Bucket:
    """`bucket_metrics` of a group of rows, accumulated."""

    __slots__ = ("args", "irr", "irr_pass", "lat", "schema", "statuses", "tin", "total", "tout", "tsel")

    def __init__(self) -> None:
        self.total = 0
        self.statuses: Counter[str] = Counter()
        self.tsel = self.args = self.schema = 0
        self.irr = self.irr_pass = 0
        self.lat = array("d")
        self.tin: int | None = None
        self.tout: int | None = None

    def add(self, row: ResultRow) -> None:
        """Count one row."""
        status = row.verdict.status
        self.total += 1
        self.statuses[status] += 1
        if status != "unsupported":
            if status in ("pass", "fail"):
                v = row.verdict
                self.tsel += v.tool_selection_ok
                self.args += v.arguments_ok
                self.schema += v.schema_ok
            if row.category == "irrelevance":
                self.irr += 1
                self.irr_pass += status == "pass"
        if row.latency_ms is not None:
            self.lat.append(float(row.latency_ms))
        tin, tout = row.usage.input_tokens, row.usage.output_tokens
        if tin is not None:
            self.tin = tin if self.tin is None else self.tin + tin
        if tout is not None:
            self.tout = tout if self.tout is None else self.tout + tout

    def metrics(self) -> dict[str, Any]:
        """The dict `bucket_metrics` returns."""
        sc = self.statuses
        n = self.total - sc["unsupported"]
        return {
            "total": self.total,
            "counted": n,
            "passed": sc["pass"],
            "status_counts": {s: sc[s] for s in _STATUSES},
            "pass_rate": rate(sc["pass"], n),
            "tool_selection_accuracy": rate(self.tsel, n),
            "argument_accuracy": rate(self.args, n),
            "schema_valid_rate": rate(self.schema, n),
            "irrelevance_accuracy": rate(self.irr_pass, self.irr),
            "latency_ms": {
                "p50": percentile(self.lat, 50),
                "p95": percentile(self.lat, 95),
                "n": len(self.lat),
            },
            "tokens": {"input": self.tin, "output": self.tout},
        }


class _Cost:
    __slots__ = ("priced", "unpriced", "usd")

    def __init__(self) -> None:
        self.usd = 0.0
        self.priced = False
        self.unpriced: set[str] = set()

    def result(self) -> dict[str, Any]:
        return {"usd": round(self.usd, 6) if self.priced else None, "unpriced_models": sorted(self.unpriced)}


class _Provider:
    __slots__ = ("bucket", "categories", "cost", "kind", "kinds", "model")

    def __init__(self, row: ResultRow) -> None:
        self.model, self.kind = row.model, row.kind
        self.bucket = Bucket()
        self.categories: dict[str, Bucket] = {}
        self.kinds: Counter[str] = Counter()
        self.cost = _Cost()


def cost_term(row: ResultRow, prices: Mapping[str, Price]) -> float | str | None:
    """A row's cost in USD (the term `metrics.cost` adds), its model when unpriced, None without tokens."""
    tin, tout = row.usage.input_tokens, row.usage.output_tokens
    if tin is None and tout is None:
        return None
    price = prices.get(row.model)
    if price is None:
        return row.model
    return (tin or 0) * price.input / 1e6 + (tout or 0) * price.output / 1e6


def _add_cost(acc: _Cost, term: float | str | None) -> None:
    if term is None:
        return
    if isinstance(term, str):
        acc.unpriced.add(term)
        return
    acc.priced = True
    acc.usd += term


class Tally:
    """Every metric of summary.json, accumulated row by row (see the module docstring)."""

    def __init__(self, prices: Mapping[str, Price] | None = None) -> None:
        self.prices: Mapping[str, Price] = prices or {}
        self.rows = 0
        self.run_id: str | None = None
        self.overall = Bucket()
        self.by_category: dict[str, Bucket] = {}
        self.providers: dict[str, _Provider] = {}
        self.kinds: Counter[str] = Counter()
        self.cost = _Cost()
        self.cases: dict[str, list[Any]] = {}
        """case id → [category of its first pass/fail row, then one `_SLOT` group per provider]."""
        self._pf_seq = 0
        self.ok = True
        """No row failed (every row passed or is unsupported): the run's exit code is 0."""

    def add(self, row: ResultRow) -> float | str | None:
        """Count one row; return its cost term (`cost_term`)."""
        if self.run_id is None:
            self.run_id = row.run_id
        self.rows += 1
        status = row.verdict.status
        pid = row.provider_id
        p = self.providers.get(pid)
        if p is None:
            p = self.providers[pid] = _Provider(row)
        self.overall.add(row)
        p.bucket.add(row)
        for buckets in (p.categories, self.by_category):
            b = buckets.get(row.category)
            if b is None:
                b = buckets[row.category] = Bucket()
            b.add(row)
        if status not in ("pass", "unsupported"):
            self.ok = False
            kinds = {f.kind for f in row.verdict.failures} or {row_kind(row)}
            p.kinds.update(kinds)
            self.kinds.update(kinds)
        term = cost_term(row, self.prices)
        _add_cost(p.cost, term)
        _add_cost(self.cost, term)
        self._add_case(row, status)
        return term

    def _add_case(self, row: ResultRow, status: str) -> None:
        entry = self.cases.get(row.case_id)
        if entry is None:
            entry = self.cases[row.case_id] = [None]
        for i in range(1, len(entry), _SLOT):
            if entry[i] == row.provider_id:
                break
        else:
            i = len(entry)
            entry += [row.provider_id, 0, 0, 0, 0, 0, None]
        entry[i + _ROWS] += 1
        if status != "unsupported":
            entry[i + _COUNTED] += 1
            entry[i + _PASSED] += status == "pass"
        if status in ("pass", "fail"):
            if entry[0] is None:
                entry[0] = row.category
            if not entry[i + _PF]:
                self._pf_seq += 1
                entry[i + _PF_SEQ] = self._pf_seq
            entry[i + _PF] += 1
            if status == "fail":
                kinds = entry[i + _KINDS]
                if kinds is None:
                    kinds = entry[i + _KINDS] = set()
                kinds.add(row_kind(row))

    def multi_trial(self) -> set[tuple[str, str]]:
        """`metrics.multi_trial`: the (provider id, case id) pairs with more than one row."""
        return {
            (entry[i], cid)
            for cid, entry in self.cases.items()
            for i in range(1, len(entry), _SLOT)
            if entry[i + _ROWS] > 1
        }

    def _trials(self) -> dict[str, dict[str, Any]]:
        per: dict[str, list[tuple[str, int, int]]] = {pid: [] for pid in self.providers}
        for cid in sorted(self.cases):
            entry = self.cases[cid]
            for i in range(1, len(entry), _SLOT):
                if entry[i + _COUNTED]:
                    per[entry[i]].append((cid, entry[i + _PASSED], entry[i + _COUNTED]))
        return {pid: trial_figures(per_case) for pid, per_case in per.items()}

    def disagreements(self) -> list[dict[str, Any]]:
        """`metrics.disagreements` of the rows counted so far."""
        out: list[dict[str, Any]] = []
        for case_id, entry in self.cases.items():
            slots = [entry[i : i + _SLOT] for i in range(1, len(entry), _SLOT) if entry[i + _PF]]
            if len(slots) < 2:
                continue
            slots.sort(key=lambda s: s[_PF_SEQ])
            share = {s[_PID]: s[_PASSED] / s[_PF] for s in slots}
            passing = sum(share.values())
            failing = len(share) - passing
            if passing == 0 or failing == 0:
                continue
            kinds = {s[_PID]: s[_KINDS] or set() for s in slots}
            out.append(
                {
                    "case_id": case_id,
                    "category": entry[0],
                    "score": min(passing, failing) / len(share),
                    "passing": sorted(p for p, s in share.items() if s == 1.0),
                    "failing": {p: sorted(kinds[p]) for p, s in sorted(share.items()) if s < 1.0},
                    "pass_share": dict(sorted(share.items())),
                }
            )
        out.sort(key=lambda d: (-d["score"], d["case_id"]))
        return out

    def summary(self, parity: list[dict[str, Any]]) -> dict[str, Any]:
        """What `summarize` returns (`parity`: the `stream_parity` section, computed by the caller)."""
        trials = self._trials()
        providers: dict[str, Any] = {}
        for pid in sorted(self.providers):
            p = self.providers[pid]
            providers[pid] = {
                "model": p.model,
                "kind": p.kind,
                "emulator": is_emulator(pid),
                "local_model": is_local_model(pid),
                **p.bucket.metrics(),
                "categories": {c: p.categories[c].metrics() for c in sorted(p.categories)},
                "failure_kinds": dict(sorted(p.kinds.items())),
                "cost": p.cost.result(),
                "trials": trials[pid],
            }
        max_trials = max((p["trials"]["trials"] for p in providers.values()), default=0)
        return {
            "counting": COUNTING_RULES,
            "cases": len(self.cases),
            "rows": self.rows,
            "trials": max_trials,
            "overall": self.overall.metrics(),
            "providers": providers,
            "categories": {c: self.by_category[c].metrics() for c in sorted(self.by_category)},
            "failure_kinds": dict(sorted(self.kinds.items())),
            "cost": self.cost.result(),
            "disagreements": self.disagreements(),
            "parity": parity,
        }
