"""The BFCL report section: BFCL's columns and summary formulas."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.bfcl import checker as bfcl_checker
from harness.bfcl import importer as bfcl
from harness.model import Case, ModelTurn, ToolCall, Turn, Verdict
from harness.reports.bfcl import bfcl_scores, render_bfcl


def _case(cid: str, category: str) -> Case:
    return Case(cid, "simple", (), (), (Turn(()),), meta={"bfcl_category": category, "bfcl_functions": []})


def _v(cid: str, provider: str, passed: bool) -> Verdict:
    return Verdict(cid, provider, passed, passed, passed, True)


def test_current_era_formulas() -> None:
    cases = [_case(f"s{i}", "simple_python") for i in range(4)]
    cases += [_case(f"m{i}", "multiple") for i in range(2)]
    cases += [_case(f"ls{i}", "live_simple") for i in range(3)]
    cases += [_case(f"lm{i}", "live_multiple") for i in range(1)]
    cases += [_case(f"i{i}", "irrelevance") for i in range(2)]
    verdicts = [_v(c.id, "p", c.id in {"s0", "m0", "m1", "ls0", "lm0", "i0"}) for c in cases]
    (s,) = bfcl_scores(cases, verdicts)
    assert s.era == "current"
    assert s.columns["Simple"] == (1, 4) and s.columns["Multiple"] == (2, 2)
    assert s.summaries["Non-Live AST"] == pytest.approx((0.25 + 1.0) / 2)  # unweighted
    assert s.summaries["Live AST"] == pytest.approx(2 / 4)  # weighted by count: (1 + 1) / (3 + 1)
    assert s.summaries["Irrelevance (non-live + live)"] == pytest.approx(0.5)
    assert s.summaries["Overall (imported categories)"] == pytest.approx((0.625 + 0.5 + 0.5) / 3)
    text = render_bfcl([s])
    assert text.index("Simple") < text.index("Multiple") < text.index("Live Simple")
    assert "25.00% (1/4)" in text


def test_missing_verdict_counts_as_incorrect() -> None:
    cases = [_case("a", "multiple"), _case("b", "multiple")]
    (s,) = bfcl_scores(cases, [_v("a", "p", True)])
    assert s.columns["Multiple"] == (1, 2)


def test_v1_fixture_columns(bfcl_2024_dir: Path) -> None:
    cases = [c for _, cs in bfcl.import_cases(bfcl_2024_dir / "data") for c in cs]
    by_bfcl_id = {c.meta["bfcl_id"]: c for c in cases}
    scores = json.loads((bfcl_2024_dir / "scores.json").read_text())
    model = "gpt-4o-2024-05-13-FC"
    verdicts = []
    for line in (bfcl_2024_dir / "outputs" / f"{model}.jsonl").read_text().splitlines():
        row = json.loads(line)
        calls = tuple(ToolCall(c["name"], c["arguments"]) for c in row["calls"])
        case = by_bfcl_id[row["case_id"]]
        verdicts.append(
            bfcl_checker.grade(case, [ModelTurn(calls)], provider_id=model, tool_names="sanitized")
        )
    (s,) = bfcl_scores(cases, verdicts)
    want = scores[model]["categories"]
    assert s.era == "v1"
    assert s.columns["Simple Function AST"] == (want["simple"]["bfcl_correct"], 400)
    ast = [want[c]["bfcl_correct"] / want[c]["total"] for c in list(want)[:4]]
    assert s.summaries["AST Summary"] == pytest.approx(sum(ast) / 4)
    overall = sum(v["bfcl_correct"] for v in want.values()) / sum(v["total"] for v in want.values())
    assert s.summaries["Overall (imported categories)"] == pytest.approx(overall)
    md = render_bfcl([s], "markdown")
    assert md.startswith("## BFCL (v1 data") and "| Provider |" in md
