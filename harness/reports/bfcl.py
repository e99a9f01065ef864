"""The BFCL report section: per-category accuracy in BFCL's column order, and its summaries.

Summaries follow BFCL's own formulas for the categories fc-harness imports:

- current data (bfcl-eval, BFCL v4 `eval_runner_helper.generate_leaderboard_csv`):
  *Non-Live AST* = unweighted mean of simple, multiple, parallel, parallel_multiple
  (BFCL's simple also averages Java and JavaScript, which are not imported: here simple is
  Python only); *Live AST* = mean weighted by entry count of the four live AST
  categories; *Irrelevance* = unweighted mean of irrelevance and live_irrelevance;
  *Overall* = BFCL's weighted total (10/10/10/30/40 over non-live, live, irrelevance,
  multi-turn, agentic) restricted to the first three, i.e. their unweighted mean, since
  multi-turn and agentic are not imported.
- v1 data (the 2024 leaderboard): *AST Summary* = unweighted mean of simple, multiple,
  parallel, parallel_multiple; *Overall* = mean weighted by entry count over every
  imported category (BFCL v1's overall also weighted the executable, Java and JavaScript
  categories in, which are not imported).

A case graded with no verdict for a provider counts as incorrect, as BFCL counts a
missing output.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.model import Case, Verdict

__all__ = ["ProviderScores", "bfcl_scores", "render_bfcl", "scores_to_dict"]

#: (column label, BFCL category names that fill it) in BFCL's column order.
CURRENT_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Simple", ("simple_python", "simple")),
    ("Multiple", ("multiple",)),
    ("Parallel", ("parallel",)),
    ("Parallel Multiple", ("parallel_multiple",)),
    ("Irrelevance", ("irrelevance",)),
    ("Live Simple", ("live_simple",)),
    ("Live Multiple", ("live_multiple",)),
    ("Live Parallel", ("live_parallel",)),
    ("Live Parallel Multiple", ("live_parallel_multiple",)),
    ("Live Irrelevance", ("live_irrelevance",)),
)
V1_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Simple Function AST", ("simple",)),
    ("Multiple Functions AST", ("multiple_function",)),
    ("Parallel Functions AST", ("parallel_function",)),
    ("Parallel Multiple AST", ("parallel_multiple_function",)),
    ("Relevance Detection", ("relevance",)),
)
_V1_CATEGORIES = {c for _, cats in V1_COLUMNS for c in cats}


@dataclass
class ProviderScores:
    """One provider's BFCL figures: per column (correct, total) and the summaries (0..1)."""

    provider_id: str
    era: str
    columns: dict[str, tuple[int, int]] = field(default_factory=dict)
    summaries: dict[str, float | None] = field(default_factory=dict)


def _acc(cell: tuple[int, int] | None) -> float | None:
    return None if cell is None or cell[1] == 0 else cell[0] / cell[1]


def _unweighted(cells: list[tuple[int, int] | None]) -> float | None:
    accs = [_acc(c) for c in cells if c is not None]
    if not accs or any(a is None for a in accs):
        return None
    return sum(a for a in accs if a is not None) / len(accs)


def _weighted(cells: list[tuple[int, int] | None]) -> float | None:
    present = [c for c in cells if c is not None and c[1]]
    return None if not present else sum(c[0] for c in present) / sum(c[1] for c in present)


def _summaries(era: str, cols: Mapping[str, tuple[int, int]]) -> dict[str, float | None]:
    get = cols.get
    if era == "v1":
        ast = _unweighted([get(label) for label, _ in V1_COLUMNS[:4]])
        return {"AST Summary": ast, "Overall (imported categories)": _weighted(list(cols.values()))}
    non_live = _unweighted([get(label) for label, _ in CURRENT_COLUMNS[:4]])
    live = _weighted([get(label) for label, _ in CURRENT_COLUMNS[5:9]])
    irrelevance = _unweighted([get("Irrelevance"), get("Live Irrelevance")])
    parts = [p for p in (non_live, live, irrelevance) if p is not None]
    overall = sum(parts) / len(parts) if parts else None
    return {
        "Non-Live AST": non_live,
        "Live AST": live,
        "Irrelevance (non-live + live)": irrelevance,
        "Overall (imported categories)": overall,
    }


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
        out.append(ProviderScores(provider, era, cols, _summaries(era, cols)))
    return out


def scores_to_dict(scores: Iterable[ProviderScores]) -> list[dict[str, Any]]:
    """JSON-ready figures: per provider, each column's correct/total/accuracy and the summaries."""
    return [
        {
            "provider_id": s.provider_id,
            "era": s.era,
            "columns": {
                label: {"correct": c, "total": n, "accuracy": _acc((c, n))}
                for label, (c, n) in s.columns.items()
            },
            "summaries": dict(s.summaries),
        }
        for s in scores
    ]


def _pct(value: float | None) -> str:
    return "N/A" if value is None else f"{100 * value:.2f}%"


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
        header = ["Provider", *summary_labels, *labels]
        rows: list[list[Any]] = []
        for s in group:
            cells = [_pct(s.summaries[k]) for k in summary_labels]
            for label in labels:
                cell = s.columns.get(label)
                cells.append("N/A" if cell is None else f"{_pct(_acc(cell))} ({cell[0]}/{cell[1]})")
            rows.append([s.provider_id, *cells])
        title = "BFCL (v1 data, 2024 leaderboard columns)" if era == "v1" else "BFCL"
        lines.append(f"## {title}" if fmt == "markdown" else title)
        lines.append("")
        lines.extend(_table(header, rows, fmt))
        lines.append("")
    lines.append(
        "Summaries use BFCL's own formulas (unweighted means of AST categories, count-weighted "
        "live and v1 overall), restricted to the imported categories."
    )
    return "\n".join(lines) + "\n"


def _table(header: list[str], rows: list[list[Any]], fmt: str) -> list[str]:
    if fmt == "markdown":
        out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
        return out
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    fmt_row = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt_row.format(*header), fmt_row.format(*("-" * w for w in widths))]
    return [line.rstrip() for line in lines + [fmt_row.format(*map(str, r)) for r in rows]]
