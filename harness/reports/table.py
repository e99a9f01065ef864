"""The terminal comparison table printed after a run: one row per provider, then the failing cases."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tabulate import tabulate

from harness.reports.metrics import is_emulator, is_local_model, multi_trial, summarize, with_error
from harness.run.config import Price
from harness.run.results import ResultRow

__all__ = ["failure_text", "fmt_ms", "fmt_pct", "fmt_usd", "provider_label", "render_table", "table_text"]

#: At most this many failing rows are explained in the terminal; the rest are counted.
MAX_FAILURES = 60


def fmt_pct(value: float | None) -> str:
    """Format a 0–1 fraction as a percentage, `–` when undefined."""
    return "–" if value is None else f"{100 * value:.1f}%"


def fmt_ms(value: float | None) -> str:
    """Format milliseconds, `–` when unknown."""
    return "–" if value is None else f"{value:,.0f} ms"


def fmt_usd(value: float | None) -> str:
    """Format a USD amount, `–` when no price is known."""
    if value is None:
        return "–"
    return f"${value:.4f}" if value < 1 else f"${value:,.2f}"


def provider_label(provider_id: str) -> str:
    """Return the provider id, marked when it names emulator traffic or a local real model."""
    if is_emulator(provider_id):
        return f"{provider_id} (emulator)"
    return f"{provider_id} (local model)" if is_local_model(provider_id) else provider_id


def _provider_rows(summary: Mapping[str, Any]) -> tuple[list[str], list[list[str]]]:
    categories = list(summary["categories"])
    headers = ["provider", "model", "pass", "tool sel.", "args", *categories]
    body: list[list[str]] = []
    for pid, p in summary["providers"].items():
        pass_cell = fmt_pct(p["pass_rate"]) + f" ({p['passed']}/{p['counted']})"
        cats = [fmt_pct(p["categories"][c]["pass_rate"]) if c in p["categories"] else "" for c in categories]
        body.append(
            [
                provider_label(pid),
                p["model"],
                pass_cell,
                fmt_pct(p["tool_selection_accuracy"]),
                fmt_pct(p["argument_accuracy"]),
                *cats,
            ]
        )
    return headers, body


def render_table(rows: Sequence[ResultRow], prices: Mapping[str, Price] | None = None) -> str:
    """Return the per-provider comparison table followed by the failing cases and their explanations."""
    if not rows:
        return "no results"
    failing = [r for r in rows if r.status in ("fail", "error", "stale")]
    failing.sort(key=lambda r: (r.provider_id, r.case_id, r.trial))
    several = multi_trial(rows)
    texts = (
        failure_text(r.case_id, r.trial, (r.provider_id, r.case_id) in several, r.verdict.explain(), r.error)
        for r in failing
    )
    return table_text(summarize(rows, prices), texts, len(failing))


def failure_text(case_id: str, trial: int, several: bool, explanation: str, error: str | None) -> str:
    """A failing row as the table lists it (`case@trial` when the case has several trials)."""
    text = explanation
    if several:
        text = text.replace(f"{case_id} [", f"{case_id}@{trial} [", 1)
    return with_error(text, error)


def table_text(summary: Mapping[str, Any], failing: Iterable[str], n_failing: int) -> str:
    """The table from a summary and the `failure_text`s of the failing rows (sorted by provider,
    case and trial; only the first MAX_FAILURES are drawn)."""
    headers, body = _provider_rows(summary)
    out = [tabulate(body, headers=headers, tablefmt="github", disable_numparse=True)]
    extra = []
    for pid, p in summary["providers"].items():
        sc = p["status_counts"]
        bits = [f"{k} {sc[k]}" for k in ("error", "stale", "unsupported") if sc[k]]
        lat = p["latency_ms"]
        line = f"{provider_label(pid)}: p50 {fmt_ms(lat['p50'])}, p95 {fmt_ms(lat['p95'])}"
        tok = p["tokens"]
        if tok["input"] is not None or tok["output"] is not None:
            line += f", tokens {tok['input'] or 0:,} in / {tok['output'] or 0:,} out"
        if p["cost"]["usd"] is not None:
            line += f", cost {fmt_usd(p['cost']['usd'])}"
        t = p["trials"]
        if t["trials"] > 1:
            line += (
                f", pass@1 {fmt_pct(t['mean_pass_at_1'])}, pass^{t['k']} {fmt_pct(t['pass_hat_k'])},"
                f" flaky {len(t['flaky'])}"
            )
        if bits:
            line += " (" + ", ".join(bits) + ")"
        extra.append(line)
    out.append("\n".join(extra))
    if any(is_emulator(pid) for pid in summary["providers"]):
        out.append("(emulator) = replayed traffic of the local emulator, not a real vendor.")
    if any(is_local_model(pid) for pid in summary["providers"]):
        out.append(
            "(local model) = a real open-weight model on a local server (llama.cpp), "
            "not the emulator and not a hosted vendor."
        )
    if n_failing:
        lines = [f"Failing cases ({n_failing}):"]
        lines += itertools.islice(failing, MAX_FAILURES)
        if n_failing > MAX_FAILURES:
            lines.append(f"... and {n_failing - MAX_FAILURES} more (see report.md / report.html)")
        out.append("\n".join(lines))
    return "\n\n".join(out)
