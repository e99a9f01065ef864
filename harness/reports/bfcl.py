"""The BFCL report section: per-category accuracy in BFCL's column order, and BFCL's summaries.

Current data (bfcl-eval, BFCL v4): the summaries are the columns of BFCL's `data_overall.csv`,
computed as `eval_runner_helper.generate_leaderboard_csv` computes them:

- *Non-Live Simple AST* = unweighted mean of Python, Java and JavaScript simple;
- *Non-Live AST Acc* = unweighted mean of Non-Live Simple, multiple, parallel,
  parallel_multiple;
- *Live Acc* = mean weighted by entry count of live simple, multiple, parallel,
  parallel_multiple;
- *Multi Turn Acc* = unweighted mean of the four multi-turn categories;
- *Web Search Acc* / *Memory Acc* = unweighted means of their two / three categories;
- *Relevance Detection* = live_relevance; *Irrelevance Detection* = unweighted mean of
  irrelevance and live_irrelevance;
- *Overall Acc* = 10 / 10 / 10 / 30 / 40 weighted over non-live AST, live, irrelevance,
  multi-turn and agentic (the unweighted mean of web search and memory); relevance is not
  part of it.

Where a category a figure needs is missing from the graded cases, the figure is None (shown
as `N/A`) and `missing` names the categories: BFCL itself would count them as 0, which is not
the leaderboard's figure. v1 data (the 2024 leaderboard): *AST Summary* = unweighted mean of
simple, multiple, parallel, parallel_multiple; *Overall (imported categories)* = mean
weighted by entry count over every imported category (BFCL v1's overall also weighted the
executable, Java and JavaScript categories in, which v1 data here does not hold).

A case graded with no verdict for a provider counts as incorrect, as BFCL counts a
missing output.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.model import Case, Verdict

__all__ = ["ProviderScores", "bfcl_scores", "render_bfcl", "scores_to_dict"]

#: (column label, BFCL category names that fill it) in BFCL's column order.
CURRENT_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Python Simple AST", ("simple_python", "simple")),
    ("Java Simple AST", ("simple_java",)),
    ("JavaScript Simple AST", ("simple_javascript",)),
    ("Multiple AST", ("multiple",)),
    ("Parallel AST", ("parallel",)),
    ("Parallel Multiple AST", ("parallel_multiple",)),
    ("Irrelevance", ("irrelevance",)),
    ("Live Simple AST", ("live_simple",)),
    ("Live Multiple AST", ("live_multiple",)),
    ("Live Parallel AST", ("live_parallel",)),
    ("Live Parallel Multiple AST", ("live_parallel_multiple",)),
    ("Live Irrelevance", ("live_irrelevance",)),
    ("Live Relevance", ("live_relevance",)),
    ("Multi Turn Base", ("multi_turn_base",)),
    ("Multi Turn Miss Func", ("multi_turn_miss_func",)),
    ("Multi Turn Miss Param", ("multi_turn_miss_param",)),
    ("Multi Turn Long Context", ("multi_turn_long_context",)),
    ("Web Search Base", ("web_search_base",)),
    ("Web Search No Snippet", ("web_search_no_snippet",)),
    ("Memory KV", ("memory_kv",)),
    ("Memory Vector", ("memory_vector",)),
    ("Memory Recursive Summarization", ("memory_rec_sum",)),
)
V1_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Simple Function AST", ("simple",)),
    ("Multiple Functions AST", ("multiple_function",)),
    ("Parallel Functions AST", ("parallel_function",)),
    ("Parallel Multiple AST", ("parallel_multiple_function",)),
    ("Relevance Detection", ("relevance",)),
)
_V1_CATEGORIES = {c for _, cats in V1_COLUMNS for c in cats}
#: BFCL's weights of the Overall Acc parts (non-live, live, irrelevance, multi-turn, agentic).
OVERALL_WEIGHTS = (10, 10, 10, 30, 40)


@dataclass
class ProviderScores:
    """One provider's BFCL figures: per column (correct, total) and the summaries (0..1)."""

    provider_id: str
    era: str
    columns: dict[str, tuple[int, int]] = field(default_factory=dict)
    summaries: dict[str, float | None] = field(default_factory=dict)
    missing: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Summary label → the columns it needs that were not graded (its value is then None)."""


@dataclass(frozen=True)
class _Figure:
    value: float | None
    missing: tuple[str, ...] = ()


def _acc(cell: tuple[int, int] | None) -> float | None:
    return None if cell is None or cell[1] == 0 else cell[0] / cell[1]


def _column(cols: Mapping[str, tuple[int, int]], label: str) -> _Figure:
    value = _acc(cols.get(label))
    return _Figure(value) if value is not None else _Figure(None, (label,))


def _missing(parts: Sequence[_Figure]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m for p in parts for m in p.missing))


def _mean(parts: Sequence[_Figure], weights: Sequence[float] | None = None) -> _Figure:
    """BFCL's unweighted (or fixed-weight) mean; None with the missing columns if any is missing."""
    missing = _missing(parts)
    if missing:
        return _Figure(None, missing)
    w = list(weights) if weights is not None else [1.0] * len(parts)
    return _Figure(sum(p.value * k for p, k in zip(parts, w, strict=True) if p.value is not None) / sum(w))


def _count_weighted(cols: Mapping[str, tuple[int, int]], labels: Sequence[str]) -> _Figure:
    """BFCL's mean weighted by entry count; None with the missing columns if any is missing."""
    missing = tuple(label for label in labels if _acc(cols.get(label)) is None)
    if missing:
        return _Figure(None, missing)
    cells = [cols[label] for label in labels]
    return _Figure(sum(c[0] for c in cells) / sum(c[1] for c in cells))


def _current_summaries(cols: Mapping[str, tuple[int, int]]) -> dict[str, _Figure]:
    col = [_column(cols, label) for label, _ in CURRENT_COLUMNS]
    simple = _mean(col[0:3])
    non_live = _mean([simple, *col[3:6]])
    live = _count_weighted(cols, [label for label, _ in CURRENT_COLUMNS[7:11]])
    irrelevance = _mean([col[6], col[11]])
    multi_turn = _mean(col[13:17])
    web_search = _mean(col[17:19])
    memory = _mean(col[19:22])
    agentic = _mean([web_search, memory])
    overall = _mean([non_live, live, irrelevance, multi_turn, agentic], OVERALL_WEIGHTS)
    return {
        "Overall Acc": overall,
        "Non-Live AST Acc": non_live,
        "Non-Live Simple AST": simple,
        "Live Acc": live,
        "Multi Turn Acc": multi_turn,
        "Web Search Acc": web_search,
        "Memory Acc": memory,
        "Relevance Detection": col[12],
        "Irrelevance Detection": irrelevance,
    }


def _v1_summaries(cols: Mapping[str, tuple[int, int]]) -> dict[str, _Figure]:
    ast = _mean([_column(cols, label) for label, _ in V1_COLUMNS[:4]])
    present = [c for c in cols.values() if c[1]]
    overall = _Figure(sum(c[0] for c in present) / sum(c[1] for c in present)) if present else _Figure(None)
    return {"AST Summary": ast, "Overall (imported categories)": overall}


def bfcl_scores(cases: Iterable[Case], verdicts: Iterable[Verdict]) -> list[ProviderScores]:
    """BFCL figures per provider from graded verdicts and the imported cases they grade."""
    by_id = {c.id: c for c in cases if "bfcl_category" in c.meta}
    passed: dict[str, dict[str, set[str]]] = {}
    for v in verdicts:
        if v.case_id in by_id:
            bucket = passed.setdefault(v.provider_id, {})
            ok = bucket.setdefault(by_id[v.case_id].meta["bfcl_category"], set())
            if v.passed:
                ok.add(v.case_id)
            bucket.setdefault("\0graded", set()).add(by_id[v.case_id].meta["bfcl_category"])
    totals: dict[str, int] = {}
    for c in by_id.values():
        totals[c.meta["bfcl_category"]] = totals.get(c.meta["bfcl_category"], 0) + 1
    out = []
    for provider in sorted(passed):
        graded = passed[provider].pop("\0graded", set())
        era = "v1" if graded and graded <= _V1_CATEGORIES else "current"
        cols: dict[str, tuple[int, int]] = {}
        for label, cats in V1_COLUMNS if era == "v1" else CURRENT_COLUMNS:
            hit = [c for c in cats if c in graded]
            if hit:
                correct = sum(len(passed[provider].get(c, ())) for c in hit)
                cols[label] = (correct, sum(totals[c] for c in hit))
        figures = _v1_summaries(cols) if era == "v1" else _current_summaries(cols)
        summaries = {k: f.value for k, f in figures.items()}
        missing = {k: f.missing for k, f in figures.items() if f.missing}
        out.append(ProviderScores(provider, era, cols, summaries, missing))
    return out


def scores_to_dict(scores: Iterable[ProviderScores]) -> list[dict[str, Any]]:
    """JSON-ready figures: per provider, each column's correct/total/accuracy, the summaries
    (None where a category they need is missing) and, per such summary, the missing columns."""
    return [
        {
            "provider_id": s.provider_id,
            "era": s.era,
            "columns": {
                label: {"correct": c, "total": n, "accuracy": _acc((c, n))}
                for label, (c, n) in s.columns.items()
            },
            "summaries": dict(s.summaries),
            "missing": {k: list(v) for k, v in s.missing.items()},
        }
        for s in scores
    ]


def _pct(value: float | None) -> str:
    return "N/A" if value is None else f"{100 * value:.2f}%"


def _summary_cell(s: ProviderScores, label: str) -> str:
    if s.summaries.get(label) is None and s.missing.get(label):
        return f"N/A (missing {len(s.missing[label])})"
    return _pct(s.summaries.get(label))


def render_bfcl(scores: list[ProviderScores], fmt: str = "text") -> str:
    """The section as plain text or Markdown (`fmt="markdown"`)."""
    if not scores:
        return "BFCL: no BFCL-imported cases were graded.\n"
    lines: list[str] = []
    for era in ("v1", "current"):
        group = [s for s in scores if s.era == era]
        if not group:
            continue
        columns = V1_COLUMNS if era == "v1" else CURRENT_COLUMNS
        labels = [label for label, _ in columns if any(label in s.columns for s in group)]
        summary_labels = list(group[0].summaries)
        title = "BFCL (v1 data, 2024 leaderboard columns)" if era == "v1" else "BFCL"
        lines.append(f"## {title}" if fmt == "markdown" else title)
        lines.append("")
        header = ["Provider", *summary_labels]
        rows = [[s.provider_id, *(_summary_cell(s, k) for k in summary_labels)] for s in group]
        lines.extend(_table(header, rows, fmt))
        lines.append("")
        rows = []
        for s in group:
            cells = []
            for label in labels:
                cell = s.columns.get(label)
                cells.append("N/A" if cell is None else f"{_pct(_acc(cell))} ({cell[0]}/{cell[1]})")
            rows.append([s.provider_id, *cells])
        lines.extend(_table(["Provider", *labels], rows, fmt))
        lines.append("")
        notes = _missing_notes(group)
        lines.extend(notes + ([""] if notes else []))
    lines.append(
        "Summaries use BFCL's own formulas (unweighted means of AST categories, count-weighted live, "
        "10/10/10/30/40 overall); a summary whose categories were not all graded is N/A rather than "
        "a number the leaderboard would not show."
    )
    return "\n".join(lines) + "\n"


def _missing_notes(group: Sequence[ProviderScores]) -> list[str]:
    seen: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for s in group:
        for label, missing in s.missing.items():
            seen.setdefault((label, missing), []).append(s.provider_id)
    notes = []
    for (label, missing), providers in seen.items():
        who = "" if len(providers) == len(group) else f" ({', '.join(providers)})"
        notes.append(f"{label}{who}: N/A, not graded: {', '.join(missing)}")
    return notes


def _table(header: list[str], rows: list[list[Any]], fmt: str) -> list[str]:
    if fmt == "markdown":
        out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
        return out
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    fmt_row = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt_row.format(*header), fmt_row.format(*("-" * w for w in widths))]
    return [line.rstrip() for line in lines + [fmt_row.format(*map(str, r)) for r in rows]]
