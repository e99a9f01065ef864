"""Emulator script loading, validation messages and variant selection; the CLI command."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from harness.emulator.scripts import load_scripts, parse_scripts
from harness.errors import UserError

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    """Write a script file and return its path."""
    path = tmp_path / "scripts.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    """Load a script file that must be invalid; return its problems as text."""
    with pytest.raises(UserError) as info:
        load_scripts([write(tmp_path, text)])
    return [str(p) for p in info.value.problems]


def test_valid_file_with_variants(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
scripts:
  - case: a
    turns:
      - calls: [{name: f, arguments: {x: 1}}, {name: g, arguments_raw: '{"x": '}]
        text: hi
        delay_ms: 5
        fault: {status: 429, retry_after: 0.5, times: 2}
    by_kind:
      gemini: {turns: [{text: gemini says no}]}
    by_model:
      "emulator-qwen*": {turns: [{calls: [{name: f}]}]}
    by_provider:
      emulator-qwen-plus: {turns: [{text: provider}]}
""",
    )
    script = load_scripts([path]).get("a")
    assert script is not None and script.line == 3 and script.source == str(path)
    turn = script.turns[0]
    assert turn.calls[0].arguments_text() == '{"x": 1}' and turn.calls[1].arguments_text() == '{"x": '
    assert turn.fault is not None and (turn.fault.status, turn.fault.retry_after, turn.fault.times) == (
        429,
        0.5,
        2,
    )
    assert script.turns_for("openai-chat", "gpt")[1] == "turns"
    assert script.turns_for("gemini", "gem")[0][0].text == "gemini says no"
    # by_model wins over by_kind
    assert script.turns_for("gemini", "emulator-qwen-max")[1] == "by_model[emulator-qwen*]"
    assert script.turns_for("openai-chat", "emulator-qwen-max")[0][0].calls[0].arguments == {}
    # by_provider wins over both
    assert (
        script.turns_for("gemini", "emulator-qwen-max", "emulator-qwen-plus")[1]
        == "by_provider[emulator-qwen-plus]"
    )
    assert script.turns_for("gemini", "gem", "emulator-other")[1] == "by_kind[gemini]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a typo in a turn key, located by line and field path
        (
            "scripts:\n  - case: a\n    turns:\n      - {calsl: []}\n",
            "scripts.yaml:4: error: case 'a': field scripts[0].turns[0].calsl: unknown key 'calsl'",
        ),
        # a fault status that is not an error
        (
            "scripts:\n  - case: a\n    turns:\n      - fault: {status: 200}\n",
            "field scripts[0].turns[0].fault.status: "
            "fault status must be an HTTP error status 400-599, got 200",
        ),
        # arguments that are not an object
        (
            "scripts:\n  - case: a\n    turns:\n      - calls: [{name: f, arguments: [1, 2]}]\n",
            "field scripts[0].turns[0].calls[0].arguments: arguments must be a mapping",
        ),
        # both arguments forms
        (
            "scripts:\n  - case: a\n    turns:\n"
            "      - calls: [{name: f, arguments: {}, arguments_raw: x}]\n",
            "give either arguments or arguments_raw, not both",
        ),
        # an unknown wire kind in by_kind
        (
            "scripts:\n  - case: a\n    turns: [{text: x}]\n"
            "    by_kind:\n      openai: {turns: [{text: y}]}\n",
            "field scripts[0].by_kind.openai: unknown wire kind 'openai'",
        ),
        # a turn that answers nothing
        (
            "scripts:\n  - case: a\n    turns:\n      - {delay_ms: 3}\n",
            "a turn needs calls, text, or a fault",
        ),
        # a case scripted twice
        (
            "scripts:\n  - case: a\n    turns: [{text: x}]\n  - case: a\n    turns: [{text: y}]\n",
            "scripts.yaml:4: error: case 'a': field scripts[1].case: case scripted twice (first at line 2)",
        ),
        # a missing turns list
        ("scripts:\n  - case: a\n", "field scripts[0].turns: turns must be a non-empty list"),
        # no scripts key at all
        ("- case: a\n", "a script file must be a mapping with a list under `scripts:`"),
        # a negative delay
        (
            "scripts:\n  - case: a\n    turns: [{text: x, delay_ms: -1}]\n",
            "delay_ms must be an integer from 0 to 600000, got -1",
        ),
    ],
)
def test_invalid_scripts_are_located(tmp_path: Path, text: str, expected: str) -> None:
    found = problems(tmp_path, text)
    assert any(expected in p for p in found), found


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        "scripts:\n  - case: a\n    turns: [{texte: x}]\n  - case: b\n    turns: [{fault: {status: 99}}]\n",
    )
    assert len(found) == 3  # the typo, the empty turn and the bad status


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    found = problems(tmp_path, "scripts:\n  - case: a\n    turns: [\n")
    assert len(found) == 1 and "scripts.yaml:4: error: YAML syntax error" in found[0]


def test_missing_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="cannot read emulator scripts"):
        load_scripts([tmp_path / "absent.yaml"])


def test_same_case_in_two_files(tmp_path: Path) -> None:
    one, two = tmp_path / "one.yaml", tmp_path / "two.yaml"
    for p in (one, two):
        p.write_text("scripts:\n  - case: a\n    turns: [{text: x}]\n")
    with pytest.raises(UserError) as info:
        load_scripts([one, two])
    assert "case scripted twice (also in" in str(info.value) and "two.yaml" in str(info.value)


def test_in_memory_documents_are_validated_too() -> None:
    with pytest.raises(UserError, match="call name must be a non-empty string"):
        parse_scripts({"scripts": [{"case": "a", "turns": [{"calls": [{"arguments": {}}]}]}]})


def test_cli_serves_until_interrupted(tmp_path: Path) -> None:
    # Given a script file and a case file the loader can read (or the loader is absent)
    pytest.importorskip("harness.cases.loader", reason="the case loader has not landed in this checkout")
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "one.yaml").write_text(
        "tools:\n  - name: get_weather\n    description: weather\n    parameters:\n"
        "      type: object\n      properties: {location: {type: string}}\n      required: [location]\n"
        "cases:\n  - id: one\n    category: simple\n    messages:\n      - {role: user, content: 北京天气}\n"
        "    expect:\n      - call: get_weather\n        arguments: {location: 北京}\n",
        encoding="utf-8",
    )
    scripts = write(
        tmp_path,
        "scripts:\n  - case: one\n    turns: [{calls: [{name: get_weather, arguments: {location: 北京}}]}]\n",
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [
        sys.executable,
        "-m",
        "harness",
        "emulator",
        "--port",
        "0",
        "--scripts",
        str(scripts),
        "--cases",
        str(cases),
    ]
    # When the emulator is started from the command line
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        try:
            first = proc.stdout.readline()
            assert "test double" in first, first + (proc.stderr.read() if proc.poll() is not None else "")
            base_url = first.rsplit(" on ", 1)[1].strip()
            body = {"model": "m", "messages": [{"role": "user", "content": "北京天气"}]}
            request = urllib.request.Request(
                base_url + "/v1/chat/completions", data=json.dumps(body).encode(), method="POST"
            )
            with urllib.request.urlopen(request, timeout=60) as response:
                reply = json.loads(response.read())
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=60)
        # (read through the buffered pipes: communicate() would skip what readline() buffered)
        out, err = proc.stdout.read(), proc.stderr.read()
    # Then it answered from the script, and Ctrl-C stopped it cleanly
    assert reply["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "get_weather"
    assert proc.returncode == 0, err
    assert "/v1/chat/completions" in out and "/model/{modelId}/converse-stream" in out


def test_cli_bad_scripts_exit_2(tmp_path: Path) -> None:
    scripts = write(tmp_path, "scripts:\n  - case: a\n    turns: [{fault: {status: 42}}]\n")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "harness", "emulator", "--port", "0", "--scripts", str(scripts)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert done.returncode == 2
    assert "scripts.yaml:3: error: case 'a': field scripts[0].turns[0].fault.status" in done.stderr
    assert "Traceback" not in done.stderr


def test_cli_run_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the command with hand-built cases (no loader needed) and a captured handle
    import threading

    from harness.commands import emulator as command
    from harness.emulator import server
    from tests.helpers.emulator import SCRIPTS, cases

    handles: list[server.EmulatorHandle] = []
    original = server.start_emulator

    def start(*args: object, **kwargs: object) -> server.EmulatorHandle:
        handles.append(original(*args, **kwargs))  # type: ignore[arg-type]
        return handles[-1]

    scripts = tmp_path / "s.yaml"
    scripts.write_text(json.dumps(SCRIPTS), encoding="utf-8")  # JSON is YAML
    monkeypatch.setattr(command, "_load_cases", lambda paths: cases())
    monkeypatch.setattr(server, "start_emulator", start)
    from harness.cli import build_parser

    args = build_parser().parse_args(["emulator", "--port", "0", "--scripts", str(scripts)])
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(args._run(args)))
    # When it runs and is then stopped
    thread.start()
    for _ in range(200):
        if handles:
            break
        threading.Event().wait(0.02)
    handles[0].stop()
    thread.join(timeout=10)
    # Then it printed its address and endpoints and exited 0
    out = capsys.readouterr().out
    assert result == [0]
    assert (
        handles[0].base_url in out and "POST /v2/chat" in out and f"{len(SCRIPTS['scripts'])} scripted" in out
    )
