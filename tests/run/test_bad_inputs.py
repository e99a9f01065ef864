"""Every bad input is exit 2 with the file named and no traceback (issue 10, points 4, 5 and 8)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli import main
from harness.run.output import new_run_id
from tests.helpers.project import CASE, make_project


def _run(tmp_path: Path, *args: str) -> int:
    return main(["run", "--no-progress", "-k", CASE, *args])


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A one-case project as the working folder."""
    make_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _toml(project: Path, old: str, new: str) -> None:
    path = project / "fcharness.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'base_url = "http://127.0.0.1:8765/v1"',
            'base_url = "http://[::1"',
            "base_url 'http://[::1': not a valid URL",
        ),
        (
            'base_url = "http://127.0.0.1:8765/v1"',
            'base_url = "127.0.0.1:8765"',
            "expected an http:// or https:// URL",
        ),
        (
            'kind = "openai-chat"',
            'kind = "openai-chatt"',
            "unknown kind 'openai-chatt' (did you mean 'openai-chat'?)",
        ),
        (
            'api_key_env = "FCHARNESS_EMULATOR_KEY"',
            'api_key_env = "MY KEY"',
            "not an environment variable name",
        ),
    ],
)
def test_config_problems_name_file_and_profile(
    project: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, message: str
) -> None:
    _toml(project, old, new)
    assert _run(project) == 2
    err = capsys.readouterr().err
    assert "fcharness.toml: [providers.emulator-openai-chat]" in err and message in err
    assert "Traceback" not in err


def test_a_config_that_is_not_utf8(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = project / "fcharness.toml"
    path.write_bytes(path.read_bytes() + b"# caf\xe9\n")
    assert _run(project) == 2
    err = capsys.readouterr().err
    assert "fcharness.toml: not UTF-8 text" in err and "Traceback" not in err


@pytest.mark.parametrize("value", ["nan", "inf", "-1"])
def test_max_drop_must_be_a_finite_number(
    project: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    assert main(["gate", f"--max-drop={value}"]) == 2
    assert "--max-drop" in capsys.readouterr().err


def test_a_300_character_case_id_is_refused_by_validate(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = project / "cases" / "weather.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(f"id: {CASE}", "id: " + "a" * 300), encoding="utf-8"
    )
    assert main(["validate", str(path)]) == 2
    out = capsys.readouterr().out
    assert f"{path}:" in out and "is 300 characters long, at most 128 allowed" in out
    assert _run(project) == 2


@pytest.mark.parametrize("run_id", ["../../x", "/tmp/abs", "a/b", "latest", ".hidden", "x" * 101])
def test_run_id_is_a_plain_name(project: Path, capsys: pytest.CaptureFixture[str], run_id: str) -> None:
    assert _run(project, "--reports", str(project / "r"), "--run-id", run_id) == 2
    assert "--run-id" in capsys.readouterr().err
    assert not (project / "x").exists() and not Path("/tmp/abs").exists()


def test_run_ids_are_unique_within_a_second(tmp_path: Path) -> None:
    ids = {new_run_id(tmp_path) for _ in range(50)}
    assert len(ids) == 50 and all((tmp_path / i).is_dir() for i in ids)


def test_two_runs_at_once_keep_their_rows_and_a_complete_latest(project: Path) -> None:
    reports = project / "reports"
    cmd = [sys.executable, "-m", "harness", "run", "--no-progress", "--reports", str(reports)]
    procs = [
        subprocess.Popen(cmd, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)
    ]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [1, 1], results  # the file holds a scripted mistake
    runs = sorted(p for p in reports.iterdir() if p.name != "latest")
    assert len(runs) == 2
    cases = (project / "cases" / "weather.yaml").read_text(encoding="utf-8").count("  - id: ")
    for run in [*runs, reports / "latest"]:
        lines = (run / "results.jsonl").read_text(encoding="utf-8").splitlines()
        assert len(lines) == cases  # every row of the run, none lost to the other
        assert (run / "summary.json").is_file() and (run / "report.html").is_file()
    assert not [p for p in reports.iterdir() if p.name.startswith(".")]  # no leftovers
