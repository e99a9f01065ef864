"""The shipped demo: `fcharness run` replays every emulator cassette, offline and keyless."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness.cli import main
from harness.run.config import load_config
from harness.run.results import read_results

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from the repository root with no emulator key in the environment."""
    monkeypatch.chdir(REPO)
    monkeypatch.delenv("FCHARNESS_EMULATOR_KEY", raising=False)
    return REPO


def test_every_emulator_profile_ships_cassettes_for_every_case(in_repo: Path) -> None:
    from harness.cases.loader import load_cases
    from harness.run.runner import unsupported_reason_for

    config = load_config()
    cases = load_cases(["cases"])
    emulator = [p for p in config.providers.values() if p.is_emulator]
    assert len(emulator) >= 3
    for profile in emulator:
        for case in cases:
            if (case.only and profile.id not in case.only) or unsupported_reason_for(case, profile):
                continue
            assert (REPO / "cassettes" / profile.id / f"{case.id}.yaml").is_file(), (profile.id, case.id)


def test_no_secret_in_shipped_cassettes() -> None:
    pattern = re.compile(rb"sk-[A-Za-z0-9_-]{16,}|Bearer |AKIA[0-9A-Z]{16}")
    files = list((REPO / "cassettes").rglob("*.yaml"))
    assert files
    assert [str(p) for p in files if pattern.search(p.read_bytes())] == []


def test_fast_replay_and_sdk_replay_give_identical_verdicts_on_the_demo(
    in_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # When the demo is replayed by the fast path and through the SDKs and vcrpy
    fast = main(["run", "--reports", str(tmp_path), "--run-id", "fast", "--no-progress"])
    sdk = main(["run", "--reports", str(tmp_path), "--run-id", "sdk", "--replay-via-sdk", "--no-progress"])
    out = capsys.readouterr().out
    # Then both exit 1 (the demo holds deliberate mistakes) and agree row for row
    assert fast == sdk == 1
    a = read_results(tmp_path / "fast" / "results.jsonl")
    b = read_results(tmp_path / "sdk" / "results.jsonl")
    assert [(r.case_id, r.provider_id) for r in a] == [(r.case_id, r.provider_id) for r in b]
    assert [r.verdict for r in a] == [r.verdict for r in b]
    assert [r.turns for r in a] == [r.turns for r in b]
    statuses = {r.status for r in a}
    assert statuses == {"pass", "fail", "unsupported"}  # never stale, never an error
    assert "(emulator)" in out  # the table names emulator traffic as such


@pytest.mark.parametrize("via_sdk", [False, True])
def test_a_model_named_only_in_the_url_is_checked_too(tmp_path: Path, via_sdk: bool) -> None:
    from harness.run.runner import RunOptions, run

    # Given the Gemini demo cassettes and a profile that now names another model (in the URL only)
    config_file = tmp_path / "fcharness.toml"
    config_file.write_text(
        f"""[harness]
cases = ["{REPO / "cases"}"]
cassettes = "{REPO / "cassettes"}"

[providers.emulator-gemini]
kind = "gemini"
model = "emulator-gemini-2"
base_url = "http://127.0.0.1:8765"
""",
        encoding="utf-8",
    )
    options = RunOptions(
        keyword="weather.beijing.tomorrow", replay_via_sdk=via_sdk, write_reports=False, print_table=False
    )
    (row,) = run(load_config(config_file), options).rows
    # Then the replay is stale, naming the model and the command
    assert row.status == "stale"
    assert "'emulator-gemini-2'" in row.error and "fcharness record" in row.error


def test_demo_replay_holds_the_committed_baseline(in_repo: Path, tmp_path: Path) -> None:
    # Given the committed baseline (written by `fcharness gate --update-baseline` from the demo)
    baseline = REPO / "reports" / "baseline.json"
    assert baseline.is_file()
    # When the demo is replayed and gated against it
    assert main(["run", "--reports", str(tmp_path), "--run-id", "now", "--no-progress"]) == 1
    results = str(tmp_path / "now" / "results.jsonl")
    # Then nothing regressed (exit 0) ...
    assert main(["gate", "--baseline", str(baseline), "--results", results]) == 0
    # ... and a baseline in which a demo failure had passed makes the gate fail (exit 1)
    import json

    data = json.loads(baseline.read_text(encoding="utf-8"))
    data["providers"]["emulator-anthropic"]["cases"]["booking.flight.forced"] = "pass"
    stricter = tmp_path / "stricter.json"
    stricter.write_text(json.dumps(data), encoding="utf-8")
    assert main(["gate", "--baseline", str(stricter), "--results", results]) == 1


def test_the_demo_run_streams_the_same_reports_as_a_list_of_its_rows(
    in_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json
    from dataclasses import replace

    from harness.reports import write_reports
    from harness.reports.table import render_table
    from harness.run.runner import RunOptions, run

    # Given the demo replayed twice: streamed into its run folder, and with its rows kept in memory
    config = load_config()
    streamed = run(config, RunOptions(reports_dir=str(tmp_path), run_id="r", progress=False))
    table = capsys.readouterr().out
    kept = run(config, RunOptions(write_reports=False, print_table=False, progress=False))
    assert streamed.kept is None and kept.kept is not None  # a written run holds no row
    rows = [replace(r, run_id="r") for r in kept.rows]
    # When the kept rows are rendered the old way, as one list, with the same meta
    summary = json.loads((tmp_path / "r" / "summary.json").read_text(encoding="utf-8"))
    keys = ("started_at", "finished_at", "record_mode", "replay", "providers")
    write_reports(
        tmp_path / "list", rows, config=config, meta={"run_id": "r", **{k: summary["meta"][k] for k in keys}}
    )
    # Then every file is byte for byte the same, and so are the table and the exit code
    for name in ("summary.json", "summary.csv", "results.csv", "report.md", "report.html", "junit.xml"):
        assert (tmp_path / "r" / name).read_bytes() == (tmp_path / "list" / name).read_bytes(), name
    assert table == render_table(rows) + "\n"
    assert streamed.exit_code == kept.exit_code == 1
    assert [r.to_dict() for r in streamed.rows] == [
        r.to_dict() for r in read_results(tmp_path / "r" / "results.jsonl")
    ]


def test_a_run_stopped_midway_leaves_no_file(
    in_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from harness.run import runner

    real = runner.run_job
    calls = []

    def flaky(*args: object, **kw: object) -> object:
        calls.append(1)
        if len(calls) == 40:
            raise KeyboardInterrupt
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(runner, "run_job", flaky)
    for run_id in ("named", None):  # an explicit run id, and a reserved one
        with pytest.raises(KeyboardInterrupt):
            runner.run(
                load_config(), runner.RunOptions(reports_dir=str(tmp_path), run_id=run_id, progress=False)
            )
        calls.clear()
        assert [str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")] == []
