"""report.md: summary, sections, and the 65,000-character cap with its truncation note."""

from __future__ import annotations

import re

from harness.model import Failure, Verdict
from harness.reports.markdown import LIMIT
from harness.run.config import Price
from tests.helpers.reports import built_reports
from tests.helpers.rows import demo_rows, make_row


def _md(rows, prices=None, limit=None) -> str:
    return built_reports(rows, prices=prices, md_limit=limit)["report.md"]


def test_sections_of_a_small_report() -> None:
    md = _md(demo_rows(), {"gpt-4o-mini": Price(0.15, 0.6)})
    assert md.startswith("# fc-harness report — run `r1`")
    assert "## Summary" in md and "## Pass rate by category" in md
    assert "## Cross-provider disagreement" in md
    assert "## Repeated trials" in md and "pass^3" in md
    assert "`weather.shanghai.fahrenheit` on `emulator-gemini`: 2/3 trials pass" in md
    assert "<details><summary><b>crafted-openai-chat</b> — 2 failing</summary>" in md
    assert "emulator-gemini (emulator)" in md and "not a real vendor" in md
    assert "$0.0002" in md  # 6 × (120 in, 30 out) at gpt-4o-mini prices
    assert "p50" in md and "500 ms" in md
    assert "No price in `fcharness.toml`" in md  # claude-3-5-haiku and emulator are unpriced
    assert "Truncated" not in md
    assert md.count("<details>") == md.count("</details>") == 3


def test_no_trials_section_for_single_trials() -> None:
    rows = [r for r in demo_rows() if not r.provider_id.startswith("emulator-")]
    md = _md(rows)
    assert "## Repeated trials" not in md
    assert "(emulator)" not in md


def _many_failures(n: int) -> list:
    rows = []
    for i in range(n):
        r = make_row("weather.beijing.tomorrow", f"crafted-p{i % 4}", "wrong_value")
        long = Failure("wrong_value", "root['date']: " + "很长的解释 " * 40, path="root['date']")
        v = Verdict(f"case.{i:05d}", r.provider_id, False, True, False, True, (long,), "fail")
        rows.append(r.__class__(**{**r.__dict__, "case_id": f"case.{i:05d}", "verdict": v}))
    return rows


def test_size_cap_and_truncation_note() -> None:
    rows = _many_failures(1500)
    md = _md(rows)
    assert len(md) <= LIMIT
    m = re.search(r"\*\*Truncated:\*\* (\d+) of 1500 failing results were left out", md)
    assert m, md[-500:]
    shown = md.count("**`case.")
    assert shown > 0
    assert shown + int(m.group(1)) == 1500
    assert md.count("<details>") == md.count("</details>")


def test_tiny_limit_still_holds() -> None:
    md = _md(_many_failures(50), limit=3000)
    assert len(md) <= 3000
    assert "Truncated" in md


def test_failures_by_kind_table() -> None:
    md = _md(demo_rows())
    section = md.split("## Failures by kind", 1)[1].split("##", 1)[0]
    line = next(x for x in section.splitlines() if x.startswith("| `hallucinated_function`"))
    # providers in order: crafted-anthropic, crafted-openai-chat, emulator-gemini (3 trials)
    assert [c.strip() for c in line.strip("|").split("|")][1:] == ["", "", "3"]


def test_trial_shown_only_for_repeated_cases() -> None:
    md = _md(demo_rows())
    assert "**`weather.beijing.tomorrow`** · simple · `cases/travel/weather.yaml`\n" in md
    assert "**`multiple.stock`** · multiple · `cases/finance.yaml` · trial 2" in md


def test_local_models_are_labelled() -> None:
    rows = [
        make_row("weather.beijing.tomorrow", pid, "pass") for pid in ("llamacpp-qwen", "crafted-anthropic")
    ]
    md = _md(rows)
    assert "`llamacpp-qwen (local model)`" in md
    assert "real open-weight model served locally" in md and "not the emulator" in md
    assert "*(local model)*" not in _md(rows[1:])
