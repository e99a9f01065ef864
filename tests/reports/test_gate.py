"""`fcharness gate`: exit codes on crafted baselines, the baseline format and --update-baseline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main
from harness.reports.gate import baseline_from_rows, write_baseline
from harness.run.results import write_results
from tests.helpers.rows import make_row

A, B = "crafted-openai-chat", "crafted-anthropic"


def _rows(overrides: dict[tuple[str, str], str] | None = None) -> list:
    """Two providers × three cases, all passing unless overridden as {(case, provider): outcome}."""
    plan = {
        (c, p): "pass"
        for c in ("weather.beijing.tomorrow", "irrelevance.joke", "multiple.stock")
        for p in (A, B)
    }
    plan.update(overrides or {})
    return [make_row(c, p, o) for (c, p), o in plan.items()]


@pytest.fixture
def files(tmp_path: Path):
    def make(base_rows, now_rows, baseline: dict | None = None) -> tuple[Path, Path]:
        b = tmp_path / "baseline.json"
        write_baseline(b, baseline or baseline_from_rows(base_rows))
        r = tmp_path / "results.jsonl"
        write_results(r, now_rows)
        return b, r

    return make


def gate(b: Path, r: Path, *extra: str) -> int:
    return main(["gate", "--baseline", str(b), "--results", str(r), *extra])


def test_same_results_pass(files, capsys) -> None:
    b, r = files(_rows(), _rows())
    assert gate(b, r) == 0
    assert capsys.readouterr().out.startswith("gate: PASS")


def test_a_case_that_passed_and_fails_now_is_a_regression(files, capsys) -> None:
    now = _rows({("weather.beijing.tomorrow", A): "wrong_value"})
    b, r = files(_rows(), now)
    assert gate(b, r, "--max-drop", "100") == 1
    out = capsys.readouterr().out
    assert "gate: FAIL" in out
    assert f"{A}: weather.beijing.tomorrow: pass → fail (wrong_value: root['date']" in out


def test_new_failing_cases_never_fail_the_gate(files, capsys) -> None:
    # Given a baseline and three new cases: one failing, two never recorded (stale) for B
    now_rows = [
        *_rows(),
        make_row("weather.shanghai.fahrenheit", A, "missing_argument"),
        make_row("weather.shanghai.fahrenheit", B, "stale"),
        make_row("parallel.two_cities", B, "stale"),
    ]
    b, r = files(_rows(), now_rows)
    # When gated with no allowed drop, Then it passes: rates compare only the cases in both
    assert gate(b, r) == 0
    out = capsys.readouterr().out
    assert "weather.shanghai.fahrenheit (fail)" in out and f"{B}: case parallel.two_cities (stale)" in out


def test_pass_rate_drop_is_over_the_cases_in_both(files, capsys) -> None:
    # Given four cases and a provider that now fails one of them flakily (1 of 2 trials)
    four = ("weather.beijing.tomorrow", "irrelevance.joke", "multiple.stock", "parallel.two_cities")
    base = [make_row(c, A, "pass") for c in four]
    flaky = "parallel.two_cities"
    now = [*base[:3], make_row(flaky, A, "pass", trial=1), make_row(flaky, A, "wrong_value", trial=2)]
    now.append(make_row("weather.shanghai.fahrenheit", A, "missing_argument"))  # new: not in the rate
    b, r = files(base, now)
    # Then the drop is 12.5 points (a half case of four), judged against --max-drop
    assert gate(b, r) == 1
    assert "pass rate 100.00% → 87.50% over the 4 case(s) in both (−12.50 points; allowed 0)" in (
        capsys.readouterr().out
    )
    assert gate(b, r, "--max-drop", "12.5") == 0
    assert gate(b, r, "--max-drop", "50", "--flaky", "fail") == 1
    assert "parallel.two_cities: pass → flaky" in capsys.readouterr().out


def test_min_pass_rate_is_absolute_per_provider(files, capsys) -> None:
    now = _rows({("irrelevance.joke", A): "unexpected_call"})
    base = now  # no regression: the baseline already had the failure
    b, r = files(base, now)
    assert gate(b, r, "--min-pass-rate", "60") == 0
    assert gate(b, r, "--min-pass-rate", "70") == 1
    out = capsys.readouterr().out
    assert f"{A}: pass rate 66.67% over 3 case(s) is below the minimum 70% (--min-pass-rate)" in out
    assert f"{B}: pass rate" not in out.split("Below")[1]
    assert gate(b, r, "--min-pass-rate", "101") == 2


def test_gate_table_in_fcharness_toml(tmp_path: Path, files, capsys) -> None:
    # Given per-provider and per-category thresholds in fcharness.toml
    now = _rows({("irrelevance.joke", A): "unexpected_call"})
    assert {r.category for r in now if r.case_id == "irrelevance.joke"} == {"irrelevance"}
    b, r = files(now, now)
    cfg = tmp_path / "fcharness.toml"
    cfg.write_text(
        "[gate]\nmin_pass_rate = 50\n"
        f"[gate.providers.{B}]\nmin_pass_rate = 100\n"
        "[gate.categories.irrelevance]\nmin_pass_rate = 100\n",
        encoding="utf-8",
    )
    code = main(["--config", str(cfg), "gate", "--baseline", str(b), "--results", str(r)])
    out = capsys.readouterr().out
    # Then A fails the irrelevance floor (0%), B passes its own 100% floor
    assert code == 1
    assert f"{A} [irrelevance]: pass rate 0.00% over 1 case(s) is below the minimum 100% " in out
    assert "[gate.categories.irrelevance]" in out
    assert f"{B}: pass rate" not in out
    cfg.write_text("[gate]\nmin_pass_rate = 500\n", encoding="utf-8")
    assert main(["--config", str(cfg), "gate", "--baseline", str(b), "--results", str(r)]) == 2
    assert "fcharness.toml: [gate] min_pass_rate must be a number of percent" in capsys.readouterr().err


def test_k_limits_both_sides(files, capsys) -> None:
    # Given a filtered run (only weather cases) gated against the full baseline
    now = [x for x in _rows({("weather.beijing.tomorrow", B): "wrong_value"}) if "weather" in x.case_id]
    b, r = files(_rows(), now)
    assert gate(b, r) == 1  # without -k the other cases have disappeared
    assert gate(b, r, "-k", "weather") == 1  # the weather regression is still found
    assert "has no result now" not in capsys.readouterr().out.split("gate: FAIL")[-1]
    now_ok = [x for x in _rows() if "weather" in x.case_id]
    b, r = files(_rows(), now_ok)
    assert gate(b, r, "-k", "weather") == 0
    assert gate(b, r, "-k", "not weather") == 1  # the others disappeared


def test_new_provider_never_fails(files, capsys) -> None:
    now = [*_rows(), make_row("weather.beijing.tomorrow", "crafted-new", "wrong_value")]
    b, r = files(_rows(), now)
    assert gate(b, r) == 0
    assert "provider crafted-new (1 cases; not in the baseline)" in capsys.readouterr().out


def test_disappeared_case_fails(files, capsys) -> None:
    now = [x for x in _rows() if not (x.case_id == "multiple.stock" and x.provider_id == B)]
    b, r = files(_rows(), now)
    assert gate(b, r, "--max-drop", "100") == 1
    assert f"{B}: case multiple.stock (was pass) has no result now" in capsys.readouterr().out


def test_disappeared_provider_fails(files, capsys) -> None:
    now = [x for x in _rows() if x.provider_id == A]
    b, r = files(_rows(), now)
    assert gate(b, r) == 1
    assert f"provider {B}: in the baseline, no results now" in capsys.readouterr().out


def test_improvement_only_passes_and_is_listed(files, capsys) -> None:
    base = _rows({("irrelevance.joke", B): "unexpected_call"})
    b, r = files(base, _rows())
    assert gate(b, r) == 0
    out = capsys.readouterr().out
    assert "Improvements: 2" in out
    assert f"{B}: irrelevance.joke: fail → pass" in out


def test_provider_filter_limits_the_scope(files, capsys) -> None:
    now = _rows({("multiple.stock", B): "error"})
    b, r = files(_rows(), now)
    assert gate(b, r, "-p", A) == 0
    assert gate(b, r, "-p", B) == 1
    assert gate(b, r, "-p", "nobody") == 2
    assert "nobody" in capsys.readouterr().err
    assert gate(b, r, "-p", "crafted-openai-caht") == 2
    assert f"(did you mean '{A}'?)" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"format": 7, "providers": {}}', "field format"),
        ('{"format": 1, "providers": {"x": {"pass_rate": "high", "cases": {}}}}', "providers.x.pass_rate"),
        (
            '{"format": 1, "providers": {"x": {"pass_rate": 1, "cases": {"c": "great"}}}}',
            "providers.x.cases.c",
        ),
    ],
)
def test_bad_baseline_is_exit_2_naming_the_file(tmp_path: Path, capsys, content: str, message: str) -> None:
    b = tmp_path / "baseline.json"
    b.write_text(content, encoding="utf-8")
    r = tmp_path / "results.jsonl"
    write_results(r, _rows())
    assert gate(b, r) == 2
    err = capsys.readouterr().err
    assert str(b) in err and message in err


def test_missing_files_are_exit_2(tmp_path: Path, capsys) -> None:
    r = tmp_path / "results.jsonl"
    write_results(r, _rows())
    assert gate(tmp_path / "none.json", r) == 2
    assert "none.json: baseline not found" in capsys.readouterr().err
    b = tmp_path / "baseline.json"
    write_baseline(b, baseline_from_rows(_rows()))
    assert gate(b, tmp_path / "nothing.jsonl") == 2
    assert "nothing.jsonl: results file not found" in capsys.readouterr().err
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"run_id": 1}\n', encoding="utf-8")
    assert gate(b, bad) == 2
    assert "bad.jsonl:1: malformed result row" in capsys.readouterr().err


def test_update_baseline_writes_sorted_diff_friendly_json(tmp_path: Path) -> None:
    r = tmp_path / "results.jsonl"
    write_results(r, _rows({("irrelevance.joke", B): "unexpected_call"}))
    b = tmp_path / "reports" / "baseline.json"
    assert gate(b, r, "--update-baseline") == 0
    text = b.read_text(encoding="utf-8")
    data = json.loads(text)
    assert text == json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    assert data["format"] == 1
    assert data["providers"][B]["cases"]["irrelevance.joke"] == "fail"
    assert data["providers"][B]["pass_rate"] == pytest.approx(66.67)
    assert '"multiple.stock": "pass"' in text  # one case per line
    assert gate(b, r) == 0
    assert not list(b.parent.glob(".*.tmp"))


def test_update_baseline_for_one_provider_keeps_the_others(tmp_path: Path) -> None:
    b = tmp_path / "baseline.json"
    write_baseline(b, baseline_from_rows(_rows()))
    r = tmp_path / "results.jsonl"
    write_results(r, _rows({("multiple.stock", A): "hallucinated_function"}))
    before = json.loads(b.read_text())["providers"][B]
    assert gate(b, r, "--update-baseline", "-p", A) == 0
    data = json.loads(b.read_text())
    assert data["providers"][A]["cases"]["multiple.stock"] == "fail"
    assert data["providers"][B] == before


def test_trials_make_a_flaky_status(tmp_path: Path, capsys) -> None:
    base = [make_row("weather.beijing.tomorrow", A, "pass", trial=t) for t in (1, 2, 3)]
    now = [
        make_row("weather.beijing.tomorrow", A, o, trial=t)
        for t, o in ((1, "pass"), (2, "wrong_value"), (3, "pass"))
    ]
    b = tmp_path / "b.json"
    write_baseline(b, baseline_from_rows(base))
    r = tmp_path / "r.jsonl"
    write_results(r, now)
    # Then pass → flaky is tolerated by default and counts its passing trials (2/3)
    assert gate(b, r, "--max-drop", "50") == 0
    assert "weather.beijing.tomorrow: pass → flaky (67% of trials pass)" in capsys.readouterr().out
    assert gate(b, r) == 1  # a 33.33-point drop with no drop allowed
    assert gate(b, r, "--max-drop", "50", "--flaky", "fail") == 1
    assert "weather.beijing.tomorrow: pass → flaky" in capsys.readouterr().out
    # and a flaky baseline remembers its trials
    write_baseline(b, baseline_from_rows(now))
    assert json.loads(b.read_text())["providers"][A]["trials"] == {"weather.beijing.tomorrow": "2/3"}
    assert gate(b, r) == 0


def test_default_paths_come_from_the_reports_folder(tmp_path: Path, capsys) -> None:
    cfg = tmp_path / "fcharness.toml"
    cfg.write_text('[harness]\nreports = "out"\n', encoding="utf-8")
    write_results(tmp_path / "out" / "latest" / "results.jsonl", _rows())
    assert main(["--config", str(cfg), "gate", "--update-baseline"]) == 0
    assert (tmp_path / "out" / "baseline.json").exists()
    assert main(["--config", str(cfg), "gate"]) == 0
    out = capsys.readouterr().out
    assert f"baseline {tmp_path / 'out' / 'baseline.json'}" in out
