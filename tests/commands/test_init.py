"""The new user's day, end to end on a temporary folder: `fcharness init`, validate, record
against the emulator with no script written, run, `pytest --fc-cases`, add a case, gate (0),
break a case, gate (1)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.cli import main
from harness.run.config import load_config

REPO = Path(__file__).resolve().parents[2]

NEW_CASE = """
  - id: weather.shanghai.today
    category: simple
    tags: [zh]
    messages:
      - {role: system, content: "今天是 2025-06-21（星期六）。"}
      - {role: user, content: "上海今天天气怎么样？"}
    expect:
      - call: get_weather
        arguments:
          location: {$one_of: ["上海", "上海市", "Shanghai"]}
          date: {$date: "2025-06-21"}
"""


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A project made by `fcharness init --no-record`, and `fcharness emulator` serving it."""
    project = tmp_path / "proj"
    assert main(["init", str(project), "--no-record"]) == 0
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "harness", "emulator", "--port", "0"]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=project
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        try:
            first = proc.stdout.readline()
            assert "test double" in first, first + (proc.stderr.read() if proc.poll() is not None else "")
            yield project, first.rsplit(" on ", 1)[1].strip()
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=10)
            proc.stdout.read()
            proc.stderr.read()


def _record(project: Path, base_url: str, *extra: str) -> int:
    config = load_config(project / "fcharness.toml")
    argv = ["record", "--no-progress", *extra]
    for pid, p in config.providers.items():
        argv += ["--base-url", f"{pid}={base_url}{'/v1' if p.kind.startswith('openai') else ''}"]
    return main(argv)


def test_the_new_user_path(
    emulator: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project, base_url = emulator
    monkeypatch.chdir(project)
    monkeypatch.setenv("FCHARNESS_EMULATOR_KEY", "any")
    config = load_config(project / "fcharness.toml")
    emulator_ids = [pid for pid in config.providers if pid.startswith("emulator-")]
    assert len(emulator_ids) >= 2
    # Given a fresh project: its case file validates
    assert main(["validate"]) == 0
    # When its emulator profiles are recorded with no emulator script written
    assert _record(project, base_url) == 0
    for pid in emulator_ids:
        assert (project / "cassettes" / pid / "weather.beijing.tomorrow.yaml").is_file()
    # Then the replay passes, and so does pytest on the same cases
    assert main(["run", "--no-progress"]) == 0
    assert main(["gate", "--update-baseline"]) == 0
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--fc-cases", "cases", "-p", "no:cacheprovider"],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(emulator_ids)} passed" in done.stdout
    assert "fc-harness: 1 case(s)" in done.stdout  # the report header
    capsys.readouterr()
    # When a case is added (the running emulator picks it up) and recorded
    with (project / "cases" / "weather.yaml").open("a", encoding="utf-8") as f:
        f.write(NEW_CASE)
    assert main(["validate"]) == 0
    assert _record(project, base_url, "-k", "weather.shanghai.today") == 0
    assert main(["run", "--no-progress"]) == 0
    # Then the gate passes and lists it as new
    capsys.readouterr()
    assert main(["gate"]) == 0
    assert "weather.shanghai.today (pass)" in capsys.readouterr().out
    # When a case breaks (its expectation no longer holds for what was recorded)
    text = (project / "cases" / "weather.yaml").read_text(encoding="utf-8")
    (project / "cases" / "weather.yaml").write_text(
        text.replace('date: "2025-06-22"', 'date: "2025-06-23"'), encoding="utf-8"
    )
    assert main(["run", "--no-progress"]) == 1
    # Then the gate fails and says which
    capsys.readouterr()
    assert main(["gate"]) == 1
    out = capsys.readouterr().out
    assert "gate: FAIL" in out and "weather.beijing.tomorrow: pass → fail (wrong_value" in out


def test_init_runs_green_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an existing .gitignore
    (tmp_path / ".gitignore").write_text("node_modules/\nreports/*\n", encoding="utf-8")
    monkeypatch.delenv("FCHARNESS_EMULATOR_KEY", raising=False)
    # When `fcharness init` runs (it records against an in-process emulator)
    assert main(["init", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "passed" in out and "reports/baseline.json" in out
    assert "FCHARNESS_EMULATOR_KEY" not in os.environ  # restored
    # Then replay and gate pass straight away
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--no-progress"]) == 0
    assert main(["gate"]) == 0
    # and the project has its workflow and .gitignore lines, each once, the user's kept
    workflow = (tmp_path / ".github" / "workflows" / "fc-harness.yml").read_text(encoding="utf-8")
    assert "fcharness run || test $? -eq 1" in workflow and "fcharness gate" in workflow
    lines = (tmp_path / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert lines.count("reports/*") == 1 and "!reports/baseline.json" in lines and "node_modules/" in lines
    config = (tmp_path / "fcharness.toml").read_text(encoding="utf-8")
    assert "# [providers.openai-gpt-4o-mini]" in config and "demo_scripts = false" in config
    # and a second init is refused, nothing overwritten
    capsys.readouterr()
    assert main(["init", str(tmp_path)]) == 2
    assert "already an fc-harness project" in capsys.readouterr().err
