"""Recording against the emulator: no 404 is ever saved, a missing emulator is a hint at once,
and provider ids get a "did you mean" or "commented out" message."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from harness.cases.loader import load_cases
from harness.cli import main
from harness.emulator.scripts import ScriptSet
from harness.emulator.server import start_emulator

CASES = """\
tools:
  - name: get_weather
    parameters:
      type: object
      properties: {location: {type: string}, date: {type: string}}
      required: [location, date]
cases:
  - id: weather.one
    messages: [{role: user, content: "Weather in Paris on 2025-06-22?"}]
    expect: [{call: get_weather, arguments: {location: Paris, date: "2025-06-22"}}]
"""


def _project(tmp_path: Path, url: str) -> Path:
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "w.yaml").write_text(CASES, encoding="utf-8")
    cfg = tmp_path / "fcharness.toml"
    cfg.write_text(
        "[providers.emulator-openai-chat]\n"
        'kind = "openai-chat"\nmodel = "emulator-gpt"\n'
        f'base_url = "{url}/v1"\napi_key_env = "FCHARNESS_EMULATOR_KEY"\n'
        '\n# [providers.openai-gpt-4o-mini]\n# kind = "openai-chat"\n',
        encoding="utf-8",
    )
    return cfg


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FCHARNESS_EMULATOR_KEY", "any")
    return tmp_path


def test_an_unanswered_case_is_never_recorded(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = load_cases([str(_project(project, "http://127.0.0.1:1").parent / "cases")])
    with start_emulator(ScriptSet(), cases, answer="none") as emu:
        code = main(["record", "--no-progress", "--base-url", f"emulator-openai-chat={emu.base_url}/v1"])
    # Then the case is a provider error naming the fix, and no cassette holds the 404
    assert code == 1
    assert "--answer expected" in capsys.readouterr().out
    assert not (project / "cassettes" / "emulator-openai-chat" / "weather.one.yaml").exists()
    with start_emulator(ScriptSet(), cases, answer="expected") as emu:
        code = main(["record", "--no-progress", "--base-url", f"emulator-openai-chat={emu.base_url}/v1"])
    assert code == 0
    assert (project / "cassettes" / "emulator-openai-chat" / "weather.one.yaml").is_file()
    assert main(["run", "--no-progress"]) == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_no_emulator_running_is_a_hint_not_retries(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    port = _free_port()
    _project(project, f"http://127.0.0.1:{port}")
    started = time.monotonic()
    code = main(["record", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and time.monotonic() - started < 10
    assert f"nothing listens on 127.0.0.1:{port}" in err
    assert f"fcharness emulator --port {port}" in err
    assert not (project / "cassettes").exists()


def test_provider_id_messages(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _project(project, "http://127.0.0.1:1")
    assert main(["run", "-p", "emulator-openai-caht"]) == 2
    assert "did you mean 'emulator-openai-chat'?" in capsys.readouterr().err
    assert main(["run", "-p", "openai-gpt-4o-mini"]) == 2
    err = capsys.readouterr().err
    assert (
        "provider 'openai-gpt-4o-mini' is commented out; uncomment its [providers.openai-gpt-4o-mini]" in err
    )
