"""The BFCL report section: BFCL's columns and summary formulas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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
    assert s.columns["Python Simple AST"] == (1, 4) and s.columns["Multiple AST"] == (2, 2)
    # Java / JavaScript, parallel... not graded: BFCL's figures that need them are N/A, and say why
    assert s.summaries["Non-Live Simple AST"] is None
    assert s.missing["Non-Live Simple AST"] == ("Java Simple AST", "JavaScript Simple AST")
    assert s.summaries["Non-Live AST Acc"] is None
    assert "Parallel AST" in s.missing["Non-Live AST Acc"]
    assert s.summaries["Live Acc"] is None and s.missing["Live Acc"] == (
        "Live Parallel AST",
        "Live Parallel Multiple AST",
    )
    assert s.summaries["Irrelevance Detection"] is None
    assert s.summaries["Overall Acc"] is None
    text = render_bfcl([s])
    header = next(line for line in text.splitlines() if line.startswith("Provider  Python Simple AST"))
    assert header.index("Multiple AST") < header.index("Irrelevance") < header.index("Live Simple AST")
    assert "25.00% (1/4)" in text
    assert "N/A (missing 2)" in text
    assert "Non-Live Simple AST: N/A, not graded: Java Simple AST, JavaScript Simple AST" in text


def _full(category_counts: dict[str, tuple[int, int]]) -> list[Any]:
    """Cases and verdicts: per category (passed, total)."""
    cases, verdicts = [], []
    for category, (ok, total) in category_counts.items():
        for i in range(total):
            cases.append(_case(f"{category}-{i}", category))
            verdicts.append(_v(f"{category}-{i}", "p", i < ok))
    return [cases, verdicts]


ALL = {
    "simple_python": (3, 4),
    "simple_java": (1, 2),
    "simple_javascript": (0, 2),
    "multiple": (2, 2),
    "parallel": (1, 2),
    "parallel_multiple": (1, 4),
    "irrelevance": (4, 4),
    "live_simple": (1, 3),
    "live_multiple": (2, 3),
    "live_parallel": (0, 1),
    "live_parallel_multiple": (1, 1),
    "live_irrelevance": (1, 2),
    "live_relevance": (1, 1),
    "multi_turn_base": (1, 2),
    "multi_turn_miss_func": (0, 2),
    "multi_turn_miss_param": (2, 2),
    "multi_turn_long_context": (1, 2),
    "web_search_base": (1, 1),
    "web_search_no_snippet": (0, 1),
    "memory_kv": (1, 2),
    "memory_vector": (2, 2),
    "memory_rec_sum": (0, 2),
}


def test_every_category_gives_bfcls_columns() -> None:
    """With every category graded, each summary is BFCL's generate_leaderboard_csv formula."""
    cases, verdicts = _full(ALL)
    (s,) = bfcl_scores(cases, verdicts)
    assert s.missing == {}
    simple = (3 / 4 + 1 / 2 + 0) / 3
    non_live = (simple + 1 + 1 / 2 + 1 / 4) / 4
    live = (1 + 2 + 0 + 1) / (3 + 3 + 1 + 1)
    irrelevance = (1 + 1 / 2) / 2
    multi = (1 / 2 + 0 + 1 + 1 / 2) / 4
    web, memory = 1 / 2, (1 / 2 + 1 + 0) / 3
    agentic = (web + memory) / 2
    overall = (10 * non_live + 10 * live + 10 * irrelevance + 30 * multi + 40 * agentic) / 100
    assert s.summaries["Non-Live Simple AST"] == pytest.approx(simple)
    assert s.summaries["Non-Live AST Acc"] == pytest.approx(non_live)
    assert s.summaries["Live Acc"] == pytest.approx(live)
    assert s.summaries["Irrelevance Detection"] == pytest.approx(irrelevance)
    assert s.summaries["Relevance Detection"] == pytest.approx(1.0)
    assert s.summaries["Multi Turn Acc"] == pytest.approx(multi)
    assert s.summaries["Web Search Acc"] == pytest.approx(web)
    assert s.summaries["Memory Acc"] == pytest.approx(memory)
    assert s.summaries["Overall Acc"] == pytest.approx(overall)
    assert "N/A" not in render_bfcl([s]).split("Summaries use")[0]


def test_bfcls_own_aggregation_agrees() -> None:
    """The same figures from bfcl-eval's own calculate_* helpers (its formulas, not ours)."""
    helper = _bfcl_helper()
    cases, verdicts = _full(ALL)
    (s,) = bfcl_scores(cases, verdicts)

    def cat(name: str) -> dict[str, Any]:
        ok, total = ALL[name]
        return {"accuracy": ok / total, "total_count": total, "display_accuracy": ok / total}

    un, w = helper.calculate_unweighted_accuracy, helper.calculate_weighted_accuracy
    simple = un([cat("simple_python"), cat("simple_java"), cat("simple_javascript")])
    non_live = un([simple, cat("multiple"), cat("parallel"), cat("parallel_multiple")])
    live = w([cat(c) for c in ("live_simple", "live_multiple", "live_parallel", "live_parallel_multiple")])
    irrelevance = un([cat("irrelevance"), cat("live_irrelevance")])
    multi = un([cat(c) for c in ALL if c.startswith("multi_turn")])
    agentic = un(
        [
            un([cat("web_search_base"), cat("web_search_no_snippet")]),
            un([cat("memory_kv"), cat("memory_vector"), cat("memory_rec_sum")]),
        ]
    )
    overall = helper.calculate_percentage_weighted_accuracy(
        [non_live, live, irrelevance, multi, agentic], [10, 10, 10, 30, 40]
    )
    assert s.summaries["Non-Live AST Acc"] == pytest.approx(non_live["accuracy"])
    assert s.summaries["Live Acc"] == pytest.approx(live["accuracy"])
    assert s.summaries["Overall Acc"] == pytest.approx(overall["accuracy"])


def _bfcl_helper() -> Any:
    """bfcl-eval's eval_runner_helper aggregation functions, read from its source (its module
    imports pandas, numpy and the model registry, which the test environment lacks)."""
    import ast

    bfcl_eval = pytest.importorskip("bfcl_eval", reason="bfcl-eval is not installed")
    path = Path(bfcl_eval.__file__).parent / "eval_checker" / "eval_runner_helper.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    wanted = {
        "calculate_weighted_accuracy",
        "calculate_unweighted_accuracy",
        "calculate_percentage_weighted_accuracy",
    }
    module = ast.Module([n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in wanted], [])
    namespace: dict[str, Any] = {}
    exec(compile(module, str(path), "exec"), namespace)  # the installed package: three pure functions
    return type("Helper", (), {k: staticmethod(namespace[k]) for k in wanted})


def test_missing_verdict_counts_as_incorrect() -> None:
    cases = [_case("a", "multiple"), _case("b", "multiple")]
    (s,) = bfcl_scores(cases, [_v("a", "p", True)])
    assert s.columns["Multiple AST"] == (1, 2)


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
