"""`fcharness compare`: a per-case side-by-side of two runs (a model upgrade, a vendor switch).

Providers are paired by id; when the runs share no id and each has one provider (a vendor
switch), those two are paired; `pairs` ("A_ID=B_ID") pairs them explicitly — e.g. a provider
and its `-stream` twin.

Beyond pass/fail, each case's calls and arguments are compared trial by trial
(`harness.reports.parity.call_differences`): a case whose status is unchanged but whose calls
differ is `calls differ`, and every difference is listed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from tabulate import tabulate

from harness.errors import UserError
from harness.reports.metrics import case_status, group_cases, pass_counts, rate
from harness.reports.parity import call_differences
from harness.reports.slim import SlimRow, slim_rows
from harness.run.results import ResultRow

__all__ = ["CHANGE_ORDER", "compare_runs", "render_compare"]

#: Changes in the order a reader wants them.
CHANGE_ORDER = ("broken", "fixed", "changed", "calls differ", "removed", "added", "same")


def _pairs(
    rows_a: Sequence[SlimRow], rows_b: Sequence[SlimRow], pairs: Sequence[str]
) -> list[tuple[str, str]]:
    pa = sorted({r.provider_id for r in rows_a})
    pb = sorted({r.provider_id for r in rows_b})
    if pairs:
        out = []
        for spec in pairs:
            a, sep, b = spec.partition("=")
            if not sep or not a or not b:
                raise UserError(f"--pair {spec!r}: expected A_ID=B_ID")
            if a not in pa:
                raise UserError(f"--pair {spec!r}: run A has no provider {a!r} (has: {', '.join(pa)})")
            if b not in pb:
                raise UserError(f"--pair {spec!r}: run B has no provider {b!r} (has: {', '.join(pb)})")
            out.append((a, b))
        return out
    common = [p for p in pa if p in pb]
    if common:
        return [(p, p) for p in common]
    if len(pa) == 1 and len(pb) == 1:
        return [(pa[0], pb[0])]
    raise UserError(
        f"the runs share no provider id (A: {', '.join(pa) or 'none'}; B: {', '.join(pb) or 'none'}); "
        "pair them with --pair A_ID=B_ID"
    )


def _label(trials: Sequence[SlimRow] | None) -> str:
    if not trials:
        return "–"
    status = case_status(trials)
    counted = [r for r in trials if r.status != "unsupported"]
    if status == "flaky":
        return f"flaky {sum(r.status == 'pass' for r in counted)}/{len(counted)}"
    if status in ("fail", "error", "stale"):
        kinds = sorted({r.kind for r in trials})
        return f"{status}: {', '.join(kinds)}"
    return status


def _calls(a: Sequence[SlimRow] | None, b: Sequence[SlimRow] | None) -> list[str]:
    """Call-level differences of one case, trial by trial (trials named when there are several);
    the turns are read only when the calls' digests differ."""
    if not a or not b:
        return []
    tb = {r.trial: r for r in b}
    several = len(a) > 1 or len(b) > 1
    out: list[str] = []
    for ra in sorted(a, key=lambda r: r.trial):
        rb = tb.get(ra.trial)
        if rb is None or "unsupported" in (ra.status, rb.status) or ra.digest == rb.digest:
            continue  # (equal digests: no difference, or no turn on either side)
        prefix = f"trial {ra.trial}: " if several else ""
        out.extend(prefix + d for d in call_differences(ra.turns, rb.turns))
    return out


def _change(a: Sequence[SlimRow] | None, b: Sequence[SlimRow] | None, calls: Sequence[str] = ()) -> str:
    if not a:
        return "added"
    if not b:
        return "removed"
    sa, sb = case_status(a), case_status(b)
    if sa == sb and _label(a) == _label(b):
        return "calls differ" if calls else "same"
    if sa == "pass":
        return "broken"
    if sb == "pass":
        return "fixed"
    return "changed"


def compare_runs(
    rows_a: Sequence[ResultRow | SlimRow],
    rows_b: Sequence[ResultRow | SlimRow],
    *,
    pairs: Sequence[str] = (),
    keep_same: bool = True,
) -> dict[str, Any]:
    """Return per-case entries (status A, status B, change) and per-pair pass rates.

    With `keep_same` off, unchanged cases are only counted (what `render_compare` shows without
    `show_same`): the entries then grow with the changes, not with the suite."""
    rows_a, rows_b = slim_rows(rows_a), slim_rows(rows_b)
    ga, gb = group_cases(rows_a), group_cases(rows_b)
    entries: list[dict[str, Any]] = []
    providers: list[dict[str, Any]] = []
    same = 0
    for pa, pb in _pairs(rows_a, rows_b, pairs):
        cases = sorted({c for p, c in ga if p == pa} | {c for p, c in gb if p == pb})
        for cid in cases:
            ta, tb = ga.get((pa, cid)), gb.get((pb, cid))
            calls = _calls(ta, tb)
            change = _change(ta, tb, calls)
            if change == "same" and not keep_same:
                same += 1
                continue
            entries.append(
                {
                    "case_id": cid,
                    "provider_a": pa,
                    "provider_b": pb,
                    "status_a": _label(ta),
                    "status_b": _label(tb),
                    "change": change,
                    "calls": calls,
                }
            )
        providers.append(
            {"a": pa, "b": pb, "pass_rate_a": _rate(rows_a, pa), "pass_rate_b": _rate(rows_b, pb)}
        )
    entries.sort(key=lambda e: (CHANGE_ORDER.index(e["change"]), e["provider_a"], e["case_id"]))
    counts = Counter(e["change"] for e in entries)
    counts["same"] += same
    return {"entries": entries, "providers": providers, "counts": {c: counts[c] for c in CHANGE_ORDER}}


def _rate(rows: Sequence[SlimRow], provider_id: str) -> float | None:
    """A provider's pass rate (unsupported rows not counted), as `bucket_metrics` gives it."""
    return rate(*pass_counts(r.status for r in rows if r.provider_id == provider_id))


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{100 * v:.1f}%"


def _calls_section(entries: Sequence[Mapping[str, Any]], md: bool) -> str:
    lines = [("### " if md else "") + f"Call-level differences ({len(entries)} case(s))"]
    for e in entries:
        pair = (
            e["provider_a"]
            if e["provider_a"] == e["provider_b"]
            else f"{e['provider_a']} → {e['provider_b']}"
        )
        if md:
            lines.append(f"\n- `{e['case_id']}` [{pair}]")
            lines.extend("  - `" + d.replace("`", "'") + "`" for d in e["calls"])
        else:
            lines.append(f"\n{e['case_id']} [{pair}]")
            lines.extend(f"  - {d}" for d in e["calls"])
    return "\n".join(lines)


def render_compare(
    result: Mapping[str, Any], *, name_a: str, name_b: str, fmt: str = "table", show_same: bool = False
) -> str:
    """Render a comparison as a terminal table (`table`) or Markdown (`md`)."""
    md = fmt == "md"
    counts = result["counts"]
    summary = ", ".join(f"{c} {counts[c]}" for c in CHANGE_ORDER if counts[c]) or "no cases"
    prov_rows = [
        [
            p["a"] if p["a"] == p["b"] else f"{p['a']} → {p['b']}",
            _pct(p["pass_rate_a"]),
            _pct(p["pass_rate_b"]),
        ]
        for p in result["providers"]
    ]
    shown = [e for e in result["entries"] if show_same or e["change"] != "same"]
    case_rows = [
        [
            e["case_id"],
            e["provider_a"]
            if e["provider_a"] == e["provider_b"]
            else f"{e['provider_a']} → {e['provider_b']}",
            e["status_a"],
            e["status_b"],
            e["change"],
        ]
        for e in shown
    ]
    tablefmt = "github"
    out = []
    if md:
        out.append(f"## Compare: `{name_a}` (A) → `{name_b}` (B)\n")
    else:
        out.append(f"A: {name_a}\nB: {name_b}")
    out.append(f"Changes: {summary}")
    out.append(
        tabulate(
            prov_rows, headers=["provider", "pass A", "pass B"], tablefmt=tablefmt, disable_numparse=True
        )
    )
    if case_rows:
        if md:
            case_rows = [
                [f"`{r[0]}`", *r[1:4], f"**{r[4]}**" if r[4] in ("broken", "fixed") else r[4]]
                for r in case_rows
            ]
        out.append(
            tabulate(
                case_rows,
                headers=["case", "provider", "status A", "status B", "change"],
                tablefmt=tablefmt,
                disable_numparse=True,
            )
        )
    hidden = sum(counts.values()) - len(shown)  # (unchanged cases may have been counted only)
    if hidden:
        out.append(f"{hidden} unchanged case(s) not shown (use --all to list them).")
    differing = [e for e in result["entries"] if e.get("calls")]
    if differing:
        out.append(_calls_section(differing, md))
    return "\n\n".join(out) + "\n"
