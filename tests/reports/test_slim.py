"""`gate` and `compare` read each run once into compact rows (`harness.reports.slim`): they
give what the full rows give, hold no full row while they work, and read calls again only for
cases whose answers differ."""

from __future__ import annotations

import gc
import shutil
import weakref
from pathlib import Path
from typing import Any

import pytest

from harness.cli import main
from harness.reports import compare as compare_mod
from harness.reports import gate as gate_mod
from harness.reports.compare import compare_runs
from harness.reports.gate import baseline_from_rows, load_baseline, run_gate
from harness.reports.parity import call_differences, calls_digest
from harness.reports.slim import read_slim
from harness.run import results
from harness.run.results import ResultRow, read_results

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped demo replayed once (its deliberate failures and stream twins included)."""
    root = tmp_path_factory.mktemp("demo")
    for name in ("cases", "cassettes"):
        shutil.copytree(REPO / name, root / name)
    shutil.copyfile(REPO / "fcharness.toml", root / "fcharness.toml")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        mp.setenv("FCHARNESS_CACHE", "off")
        assert main(["run", "--no-progress", "--run-id", "demo", "--reports", str(root / "reports")]) == 1
    return root / "reports" / "demo" / "results.jsonl"


PAIRS = [
    [],
    ["emulator-openai-chat=emulator-openai-chat-stream", "emulator-gemini=emulator-mistral"],
    ["emulator-anthropic=emulator-cohere"],
]


@pytest.mark.parametrize("pairs", PAIRS, ids=["same-ids", "pairs", "one-pair"])
def test_compare_from_compact_rows_equals_compare_from_full_rows(demo_run: Path, pairs: list[str]) -> None:
    full = read_results(demo_run)
    assert compare_runs(read_slim(demo_run), read_slim(demo_run), pairs=pairs) == compare_runs(
        full, full, pairs=pairs
    )


def test_gate_and_baseline_from_compact_rows_equal_those_from_full_rows(demo_run: Path) -> None:
    full, slim = read_results(demo_run), read_slim(demo_run)
    assert baseline_from_rows(slim) == baseline_from_rows(full)
    baseline = load_baseline(REPO / "reports" / "baseline.json")
    worse = {
        "format": 1,
        "providers": {p: {**e, "pass_rate": 100.0} for p, e in baseline["providers"].items()},
    }
    for cases in (e["cases"] for e in worse["providers"].values()):
        for cid in cases:
            cases[cid] = "pass"  # every failure now is a regression, with its why
    for base, keyword in ((baseline, None), (worse, None), (worse, "weather")):
        got, want = run_gate(base, slim, keyword=keyword), run_gate(base, full, keyword=keyword)
        assert got == want
    assert run_gate(worse, slim).regressions  # (the comparison above saw regressions)


def test_equal_digests_mean_no_call_difference(demo_run: Path) -> None:
    rows = read_results(demo_run)
    answered = [r for r in rows if r.turns]
    seen = 0
    for a in answered[:80]:
        for b in answered[:80]:
            if calls_digest(a.turns) == calls_digest(b.turns):
                seen += a is not b
                assert call_differences(a.turns, b.turns) == []
    assert seen  # some distinct rows share their calls
    assert calls_digest(()) is None


class _Watch:
    """Weak references to every full row parsed from a results file; who read rows again."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.refs: list[weakref.ref[ResultRow]] = []
        self.reread = 0
        parse = results._parse

        def watched(*args: Any) -> ResultRow:
            row = parse(*args)
            self.refs.append(weakref.ref(row))
            return row

        real_at = results.read_result_at

        def again(*args: Any) -> ResultRow:
            self.reread += 1
            return real_at(*args)

        monkeypatch.setattr(results, "_parse", watched)
        monkeypatch.setattr("harness.reports.slim.read_result_at", again)

    def alive(self) -> int:
        gc.collect()
        return sum(r() is not None for r in self.refs)


def test_gate_holds_no_full_row(demo_run: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    watch = _Watch(monkeypatch)
    seen: list[int] = []
    render = gate_mod.render_gate

    def rendering(*args: Any, **kwargs: Any) -> str:
        seen.append(watch.alive())
        return render(*args, **kwargs)

    monkeypatch.setattr("harness.commands.gate.render_gate", rendering)
    monkeypatch.chdir(REPO)
    code = main(["gate", "--results", str(demo_run), "--baseline", str(REPO / "reports" / "baseline.json")])
    assert code == 0 and "gate: PASS" in capsys.readouterr().out
    assert len(watch.refs) == 448  # every row was read ...
    assert seen == [0]  # ... and none is held while the gate reports
    assert watch.reread == 0


def test_compare_holds_no_full_row_and_rereads_only_differing_calls(
    demo_run: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    watch = _Watch(monkeypatch)
    seen: list[int] = []
    render = compare_mod.render_compare

    def rendering(*args: Any, **kwargs: Any) -> str:
        seen.append(watch.alive())
        return render(*args, **kwargs)

    monkeypatch.setattr("harness.commands.compare.render_compare", rendering)
    assert main(["compare", str(demo_run), str(demo_run)]) == 0
    assert seen == [0] and watch.reread == 0  # the same run: every digest equal, nothing read again
    out = capsys.readouterr().out
    assert "Changes: same" in out
    pair = "emulator-gemini=emulator-mistral"
    assert main(["compare", str(demo_run), str(demo_run), "--pair", pair]) == 0
    assert "Call-level differences" in capsys.readouterr().out
    full = read_results(demo_run)
    a = {r.case_id: r for r in full if r.provider_id == "emulator-gemini"}
    b = {r.case_id: r for r in full if r.provider_id == "emulator-mistral"}
    differing = sum(
        calls_digest(a[c].turns) != calls_digest(b[c].turns)
        and "unsupported" not in (a[c].status, b[c].status)
        for c in a
    )
    assert 0 < watch.reread == 2 * differing < 2 * len(a)
    assert seen[1] == 0
