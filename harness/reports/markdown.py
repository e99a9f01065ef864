"""report.md: a pull-request comment — summary, categories, trials, disagreement, then failures.

The whole text stays under `LIMIT` characters (GitHub rejects comments over 65,536): the
failure sections are filled until the budget runs out and a note says what was left out.
`harness.reports.builder.ReportBuilder.markdown` draws the failing results from its spool;
`tests/helpers/report_oracle.py` draws them from a list of rows.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from harness.reports.metrics import COUNTING_RULES, is_emulator, is_local_model
from harness.reports.table import fmt_ms, fmt_pct, fmt_usd, provider_label

__all__ = ["LIMIT", "failure_entry", "markdown_text"]

LIMIT = 65_000
#: Disagreement rows shown before the rest are counted in a note.
MAX_DISAGREEMENTS = 25
MAX_PARITY = 25  # cases listed per provider pair in the streaming-parity section
_RESERVE = 600  # room kept for the closing truncation note


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(_cell(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _fence(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def _tokens(p: Mapping[str, Any]) -> str:
    t = p["tokens"]
    if t["input"] is None and t["output"] is None:
        return "–"
    return f"{t['input'] or 0:,} / {t['output'] or 0:,}"


def _summary_section(summary: Mapping[str, Any]) -> str:
    headers = ["provider", "model", "pass", "tool sel.", "args", "schema", "irrelevance"]
    headers += ["err / stale / unsup.", "p50", "p95", "tokens in / out", "cost"]
    rows = []
    for pid, p in summary["providers"].items():
        sc = p["status_counts"]
        rows.append(
            [
                f"`{provider_label(pid)}`",
                p["model"],
                f"**{fmt_pct(p['pass_rate'])}** ({p['passed']}/{p['counted']})",
                fmt_pct(p["tool_selection_accuracy"]),
                fmt_pct(p["argument_accuracy"]),
                fmt_pct(p["schema_valid_rate"]),
                fmt_pct(p["irrelevance_accuracy"]),
                f"{sc['error']} / {sc['stale']} / {sc['unsupported']}",
                fmt_ms(p["latency_ms"]["p50"]),
                fmt_ms(p["latency_ms"]["p95"]),
                _tokens(p),
                fmt_usd(p["cost"]["usd"]),
            ]
        )
    out = ["## Summary", "", _table(headers, rows), ""]
    unpriced = sorted(
        {m for p in summary["providers"].values() if not p["emulator"] for m in p["cost"]["unpriced_models"]}
    )
    if unpriced:
        out.append(f"No price in `fcharness.toml` `[prices]` for: {', '.join(unpriced)} (cost shown as –).")
    out.append(f"Counting: {COUNTING_RULES}.")
    return "\n".join(out)


def _kinds_section(summary: Mapping[str, Any]) -> str:
    kinds = list(summary["failure_kinds"])
    if not kinds:
        return ""
    pids = list(summary["providers"])
    rows = [[f"`{k}`", *(summary["providers"][p]["failure_kinds"].get(k, "") for p in pids)] for k in kinds]
    return "## Failures by kind\n\nResults showing each kind of failure.\n\n" + _table(
        ["kind", *(f"`{p}`" for p in pids)], rows
    )


def _category_section(summary: Mapping[str, Any]) -> str:
    pids = list(summary["providers"])
    rows = []
    for cat in summary["categories"]:
        row = [cat]
        for pid in pids:
            c = summary["providers"][pid]["categories"].get(cat)
            row.append(f"{fmt_pct(c['pass_rate'])} ({c['passed']}/{c['counted']})" if c else "")
        rows.append(row)
    return "## Pass rate by category\n\n" + _table(["category", *(f"`{p}`" for p in pids)], rows)


def _trials_section(summary: Mapping[str, Any]) -> str:
    rows = []
    flaky_lines = []
    for pid, p in summary["providers"].items():
        t = p["trials"]
        rows.append(
            [
                f"`{provider_label(pid)}`",
                t["trials"],
                fmt_pct(t["mean_pass_at_1"]),
                f"pass^{t['k']} {fmt_pct(t['pass_hat_k'])}",
                len(t["flaky"]),
            ]
        )
        flaky_lines += [
            f"- `{f['case_id']}` on `{pid}`: {f['passed']}/{f['trials']} trials pass" for f in t["flaky"]
        ]
    out = ["## Repeated trials", "", _table(["provider", "trials", "mean pass@1", "pass^k", "flaky"], rows)]
    out.append("\npass^k = C(c, k) / C(n, k) per case (τ-bench): the chance that k trials all pass.")
    if flaky_lines:
        out += ["", "**Flaky cases** (some trials pass, some fail):", "", *flaky_lines]
    return "\n".join(out)


def _disagreement_section(summary: Mapping[str, Any]) -> str:
    dis = summary["disagreements"]
    if not dis:
        return "## Cross-provider disagreement\n\nEvery graded case has the same outcome on every provider."
    rows = []
    for d in dis[:MAX_DISAGREEMENTS]:
        failing = ", ".join(f"`{p}` ({', '.join(k) or 'flaky'})" for p, k in d["failing"].items())
        rows.append(
            [f"`{d['case_id']}`", d["category"], ", ".join(f"`{p}`" for p in d["passing"]) or "–", failing]
        )
    out = [
        "## Cross-provider disagreement",
        "",
        "Cases some providers pass and others fail, most evenly split first.",
        "",
        _table(["case", "category", "passing", "failing (kinds)"], rows),
    ]
    if len(dis) > MAX_DISAGREEMENTS:
        out.append(f"\n… and {len(dis) - MAX_DISAGREEMENTS} more disputed cases (see report.html).")
    return "\n".join(out)


def _code(text: str) -> str:
    return text.replace("`", "'").replace("\n", " ")


def _parity_section(parity: Sequence[Mapping[str, Any]]) -> str:
    out = [
        "## Streaming parity",
        "",
        "Each provider against its `-stream` twin, call by call (arguments compared; text only "
        "for presence).",
        "",
        _table(
            ["providers", "compared", "identical", "differing", "status differs"],
            [
                [
                    f"`{p['provider']}` vs `{p['stream']}`",
                    p["compared"],
                    p["identical"],
                    p["differing"],
                    p["status_differs"],
                ]
                for p in parity
            ],
        ),
    ]
    for p in parity:
        diffs = p["differences"][:MAX_PARITY]
        if not diffs:
            continue
        out.append(f"\n**`{p['provider']}` vs `{p['stream']}`**\n")
        for d in diffs:
            trial = f" (trial {d['trial']})" if d["trial"] > 1 else ""
            status = "" if d["status"][0] == d["status"][1] else f" — {d['status'][0]} vs {d['status'][1]}"
            out.append(f"- `{d['case_id']}`{trial}{status}")
            out.extend(f"  - `{_code(x)}`" for x in d["differences"][:5])
            if len(d["differences"]) > 5:
                out.append(f"  - … and {len(d['differences']) - 5} more")
        if p["differing"] > len(diffs):
            out.append(f"- … and {p['differing'] - len(diffs)} more cases (see summary.json)")
    return "\n".join(out)


def failure_entry(case_id: str, category: str, where: str, trial: int | None, text: str) -> str:
    """One failing result of the Failures section (`trial`: shown when the case has several)."""
    shown = f" · trial {trial}" if trial is not None else ""
    return f"**`{case_id}`** · {category} · `{where}`{shown}\n\n{_fence(text)}\n"


def markdown_text(
    summary: Mapping[str, Any],
    groups: Iterable[tuple[str, int, Iterator[str]]],
    n_failing: int,
    *,
    run_id: str = "",
    limit: int = LIMIT,
) -> str:
    """report.md from the summary and the failing results: per provider (sorted), its count and
    its `failure_entry` texts (sorted by case and trial), drawn only while they fit."""
    head = [f"# fc-harness report — run `{run_id}`" if run_id else "# fc-harness report", ""]
    head.append(
        f"{summary['cases']} cases × {len(summary['providers'])} providers, {summary['rows']} results."
    )
    if any(is_emulator(p) for p in summary["providers"]):
        head.append(
            "\n> Providers marked *(emulator)* replay traffic of fc-harness's local emulator,"
            " not a real vendor."
        )
    if any(is_local_model(p) for p in summary["providers"]):
        head.append(
            "\n> Providers marked *(local model)* replay a real open-weight model served locally"
            " (llama.cpp's llama-server): real model output, not the emulator and not a hosted vendor."
        )
    sections = ["\n".join(head), _summary_section(summary), _category_section(summary)]
    if summary["failure_kinds"]:
        sections.append(_kinds_section(summary))
    if summary["trials"] > 1:
        sections.append(_trials_section(summary))
    sections.append(_disagreement_section(summary))
    if summary.get("parity"):
        sections.append(_parity_section(summary["parity"]))
    text = "\n\n".join(sections) + "\n\n## Failures\n"
    if not n_failing:
        text += "\nNo failures.\n"
    budget = limit - _RESERVE
    left_out = 0
    for pid, count, entries in groups:
        opening = (
            f"\n<details><summary><b>{html.escape(provider_label(pid))}</b> — {count} failing</summary>\n\n"
        )
        closing = "\n</details>\n"
        if len(text) + len(opening) + len(closing) > budget:
            left_out += count
            continue
        text += opening
        for i, entry in enumerate(entries):
            if len(text) + len(entry) + len(closing) > budget:
                left_out += count - i
                break
            text += entry
        text += closing
    if left_out:
        text += (
            f"\n> **Truncated:** {left_out} of {n_failing} failing results were left out to keep this "
            f"report under {limit:,} characters; report.html and results.jsonl hold them all.\n"
        )
    if len(text) > limit:  # the fixed sections alone were too long
        note = (
            f"\n\n> **Truncated** at {limit:,} characters; report.html and results.jsonl hold everything.\n"
        )
        text = text[: limit - len(note)] + note
    return text
