"""Pure metrics over result rows: accuracy, status counts, latency, tokens, cost, trials, disagreement.

Counting rules (documented in every report):

- A row is one case × provider × trial. Its status is pass | fail | error | unsupported | stale.
- `unsupported` rows (the vendor cannot express the case) are left out of every denominator.
- `error` (provider error) and `stale` (cassette no longer matches the case) rows are counted
  and never pass: a broken recording must not raise a pass rate by disappearing.
- Tool-selection accuracy, argument accuracy and the schema-valid rate read the verdict's
  `tool_selection_ok`, `arguments_ok` and `schema_ok` flags; error and stale rows count as not ok.
- Irrelevance accuracy is the pass rate on the `irrelevance` category (None without such cases).
- Latency percentiles use linear interpolation between closest ranks over rows with a latency.
- Cost is tokens × `Config.prices[model]` (USD per million tokens); models without a price
  are listed in `unpriced_models` and their tokens are not costed.
- Repeated trials (same case × provider, several `trial` values): pass@1 is c/n per case,
  pass^k is C(c, k) / C(n, k) per case (τ-bench), both averaged over cases; k is the smallest
  trial count among the provider's cases; a case is flaky when 0 < c < n.
- Disagreement: for each case, each provider contributes its pass@1 (c/n); the case is listed
  when providers disagree, scored min(passing, failing) / providers (0.5 = an even split).
- Parity (`harness.reports.parity`): each provider against its `-stream` twin, call by call.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from harness.reports.parity import stream_parity
from harness.run.config import Price
from harness.run.results import ResultRow

__all__ = [
    "COUNTING_RULES",
    "bucket_metrics",
    "case_status",
    "cost",
    "disagreements",
    "explain_row",
    "failure_kinds",
    "group_cases",
    "is_emulator",
    "is_local_model",
    "multi_trial",
    "pass_counts",
    "pass_hat_k",
    "percentile",
    "rate",
    "row_kind",
    "summarize",
    "trial_figures",
    "trial_stats",
    "with_error",
]

COUNTING_RULES = (
    "unsupported rows are excluded from denominators; provider errors and stale cassettes "
    "are counted and never pass"
)

_NOT_COUNTED = "unsupported"


class Trial(Protocol):
    """What grouping by case reads of a row (a `ResultRow`, or a `reports.slim.SlimRow`)."""

    @property
    def provider_id(self) -> str: ...
    @property
    def case_id(self) -> str: ...
    @property
    def trial(self) -> int: ...
    @property
    def status(self) -> str: ...


T = TypeVar("T", bound=Trial)
_STATUS_KIND = {"error": "provider_error", "stale": "stale_cassette"}


def is_emulator(provider_id: str) -> bool:
    """Whether `provider_id` names recordings of the local emulator (not a real vendor)."""
    return provider_id.startswith("emulator-")


#: Provider-id prefixes naming real open-weight models on a server of one's own (llama.cpp's
#: llama-server, Ollama, vLLM): real model output, but neither the emulator nor a hosted vendor.
LOCAL_MODEL_PREFIXES = ("llamacpp-", "ollama-", "vllm-", "local-")


def is_local_model(provider_id: str) -> bool:
    """Whether `provider_id` names recordings of a real model served locally (see LOCAL_MODEL_PREFIXES)."""
    return provider_id.startswith(LOCAL_MODEL_PREFIXES)


def rate(num: int, den: int) -> float | None:
    """Return num/den, or None when there is nothing to divide by."""
    return num / den if den else None


def pass_counts(statuses: Iterable[str]) -> tuple[int, int]:
    """(passed, counted) of some rows' statuses, as `bucket_metrics` counts them (unsupported
    rows are not counted); `rate(*pass_counts(...))` is their pass rate."""
    passed = counted = 0
    for status in statuses:
        passed += status == "pass"
        counted += status != _NOT_COUNTED
    return passed, counted


def percentile(values: Sequence[float], q: float) -> float | None:
    """Return the q-th percentile (0–100) by linear interpolation, or None for no values."""
    if not values:
        return None
    data = sorted(values)
    pos = (len(data) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = math.ceil(pos)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def row_kind(row: ResultRow) -> str:
    """Return the one label a heatmap cell shows: `pass`, `unsupported` or the first failure kind."""
    if row.status in ("pass", "unsupported"):
        return row.status
    for f in row.verdict.failures:
        return f.kind
    return _STATUS_KIND.get(row.status, "fail")


def explain_row(row: ResultRow) -> str:
    """The verdict's explanation, plus the row's error when the explanation does not hold it."""
    return with_error(row.verdict.explain(), row.error)


def with_error(explanation: str, error: str | None) -> str:
    """`explanation`, plus an `  - error` line when it does not hold `error` already."""
    return explanation + f"\n  - {error}" if error and error not in explanation else explanation


def failure_kinds(rows: Iterable[ResultRow]) -> dict[str, int]:
    """Count rows showing at least one failure of each kind (error/stale rows included)."""
    counts: Counter[str] = Counter()
    for r in rows:
        if r.status in ("pass", "unsupported"):
            continue
        kinds = {f.kind for f in r.verdict.failures} or {row_kind(r)}
        counts.update(kinds)
    return dict(sorted(counts.items()))


def _sum_or_none(values: Iterable[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def bucket_metrics(rows: Sequence[ResultRow]) -> dict[str, Any]:
    """Return the accuracy, status, latency and token metrics of a group of rows."""
    statuses = Counter(r.status for r in rows)
    counted = [r for r in rows if r.status != _NOT_COUNTED]
    graded = [r for r in counted if r.status in ("pass", "fail")]
    n = len(counted)
    irr = [r for r in counted if r.category == "irrelevance"]
    lat = [float(r.latency_ms) for r in rows if r.latency_ms is not None]
    return {
        "total": len(rows),
        "counted": n,
        "passed": statuses["pass"],
        "status_counts": {s: statuses[s] for s in ("pass", "fail", "error", "unsupported", "stale")},
        "pass_rate": rate(statuses["pass"], n),
        "tool_selection_accuracy": rate(sum(r.verdict.tool_selection_ok for r in graded), n),
        "argument_accuracy": rate(sum(r.verdict.arguments_ok for r in graded), n),
        "schema_valid_rate": rate(sum(r.verdict.schema_ok for r in graded), n),
        "irrelevance_accuracy": rate(sum(r.status == "pass" for r in irr), len(irr)),
        "latency_ms": {"p50": percentile(lat, 50), "p95": percentile(lat, 95), "n": len(lat)},
        "tokens": {
            "input": _sum_or_none(r.usage.input_tokens for r in rows),
            "output": _sum_or_none(r.usage.output_tokens for r in rows),
        },
    }


def cost(rows: Iterable[ResultRow], prices: Mapping[str, Price] | None) -> dict[str, Any]:
    """Estimate USD cost from recorded tokens and a model → Price table (USD per 1M tokens)."""
    prices = prices or {}
    usd = 0.0
    priced = False
    unpriced: set[str] = set()
    for r in rows:
        tin, tout = r.usage.input_tokens, r.usage.output_tokens
        if tin is None and tout is None:
            continue
        price = prices.get(r.model)
        if price is None:
            unpriced.add(r.model)
            continue
        priced = True
        usd += (tin or 0) * price.input / 1e6 + (tout or 0) * price.output / 1e6
    return {"usd": round(usd, 6) if priced else None, "unpriced_models": sorted(unpriced)}


def group_cases(rows: Iterable[T]) -> dict[tuple[str, str], list[T]]:
    """Group rows by (provider_id, case_id), trials sorted."""
    groups: dict[tuple[str, str], list[T]] = defaultdict(list)
    for r in rows:
        groups[(r.provider_id, r.case_id)].append(r)
    for g in groups.values():
        g.sort(key=lambda r: r.trial)
    return dict(groups)


def multi_trial(rows: Iterable[ResultRow]) -> set[tuple[str, str]]:
    """Return the (provider_id, case_id) pairs that have more than one trial."""
    seen: Counter[tuple[str, str]] = Counter((r.provider_id, r.case_id) for r in rows)
    return {key for key, n in seen.items() if n > 1}


def case_status(trials: Sequence[Trial]) -> str:
    """Return one status for a case's trials: the common status, or `flaky` when they differ."""
    statuses = {r.status for r in trials}
    if len(statuses) == 1:
        return next(iter(statuses))
    counted = [r for r in trials if r.status != _NOT_COUNTED]
    if counted and {r.status for r in counted} == {counted[0].status}:
        return counted[0].status
    return "flaky"


def pass_hat_k(c: int, n: int, k: int) -> float:
    """τ-bench's pass^k for one case: C(c, k) / C(n, k), the chance k sampled trials all pass."""
    if k < 1 or k > n:
        raise ValueError(f"pass^k needs 1 <= k <= n (k={k}, n={n})")
    return math.comb(c, k) / math.comb(n, k)


def trial_stats(rows: Sequence[ResultRow]) -> dict[str, Any]:
    """Return pass@1, pass^k and flaky cases of one provider's rows (trials grouped by case)."""
    per_case: list[tuple[str, int, int]] = []
    for (_, case_id), trials in sorted(group_cases(rows).items()):
        counted = [r for r in trials if r.status != _NOT_COUNTED]
        if counted:
            per_case.append((case_id, sum(r.status == "pass" for r in counted), len(counted)))
    return trial_figures(per_case)


def trial_figures(per_case: Sequence[tuple[str, int, int]]) -> dict[str, Any]:
    """pass@1, pass^k and flaky cases from (case id, passed trials, counted trials) per case."""
    if not per_case:
        return {"trials": 0, "cases": 0, "k": 0, "mean_pass_at_1": None, "pass_hat_k": None, "flaky": []}
    k = min(n for _, _, n in per_case)
    return {
        "trials": max(n for _, _, n in per_case),
        "cases": len(per_case),
        "k": k,
        "mean_pass_at_1": sum(c / n for _, c, n in per_case) / len(per_case),
        "pass_hat_k": sum(pass_hat_k(c, n, k) for _, c, n in per_case) / len(per_case),
        "flaky": [{"case_id": cid, "passed": c, "trials": n} for cid, c, n in per_case if 0 < c < n],
    }


def disagreements(rows: Iterable[ResultRow]) -> list[dict[str, Any]]:
    """Return cases where some providers pass and others fail, most disputed first."""
    by_case: dict[str, dict[str, list[ResultRow]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        if r.status in ("pass", "fail"):
            by_case[r.case_id][r.provider_id].append(r)
    out: list[dict[str, Any]] = []
    for case_id, providers in by_case.items():
        if len(providers) < 2:
            continue
        share = {pid: sum(r.status == "pass" for r in rs) / len(rs) for pid, rs in providers.items()}
        passing = sum(share.values())
        failing = len(share) - passing
        if passing == 0 or failing == 0:
            continue
        first = next(iter(providers.values()))[0]
        out.append(
            {
                "case_id": case_id,
                "category": first.category,
                "score": min(passing, failing) / len(share),
                "passing": sorted(p for p, s in share.items() if s == 1.0),
                "failing": {
                    p: sorted({row_kind(r) for r in providers[p] if r.status == "fail"})
                    for p, s in sorted(share.items())
                    if s < 1.0
                },
                "pass_share": dict(sorted(share.items())),
            }
        )
    out.sort(key=lambda d: (-d["score"], d["case_id"]))
    return out


def summarize(rows: Sequence[ResultRow], prices: Mapping[str, Price] | None = None) -> dict[str, Any]:
    """Return every metric per provider, per provider × category and per category (JSON-ready)."""
    by_provider: dict[str, list[ResultRow]] = defaultdict(list)
    by_category: dict[str, list[ResultRow]] = defaultdict(list)
    for r in rows:
        by_provider[r.provider_id].append(r)
        by_category[r.category].append(r)
    providers: dict[str, Any] = {}
    for pid in sorted(by_provider):
        prow = by_provider[pid]
        cats: dict[str, list[ResultRow]] = defaultdict(list)
        for r in prow:
            cats[r.category].append(r)
        providers[pid] = {
            "model": prow[0].model,
            "kind": prow[0].kind,
            "emulator": is_emulator(pid),
            "local_model": is_local_model(pid),
            **bucket_metrics(prow),
            "categories": {c: bucket_metrics(cats[c]) for c in sorted(cats)},
            "failure_kinds": failure_kinds(prow),
            "cost": cost(prow, prices),
            "trials": trial_stats(prow),
        }
    max_trials = max((p["trials"]["trials"] for p in providers.values()), default=0)
    return {
        "counting": COUNTING_RULES,
        "cases": len({r.case_id for r in rows}),
        "rows": len(rows),
        "trials": max_trials,
        "overall": bucket_metrics(rows),
        "providers": providers,
        "categories": {c: bucket_metrics(by_category[c]) for c in sorted(by_category)},
        "failure_kinds": failure_kinds(rows),
        "cost": cost(rows, prices),
        "disagreements": disagreements(rows),
        "parity": stream_parity(rows),
    }
