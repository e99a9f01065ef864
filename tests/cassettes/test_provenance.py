"""Cassette provenance: the header written on recording, stable re-recordings, `--max-age`."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from harness import __version__
from harness.cassettes import provenance
from harness.cassettes.layout import RecordMode, cassette_path
from harness.cassettes.provenance import age_days, read_provenance, same_recording
from harness.cassettes.store import load_interactions
from harness.cli import main
from harness.run.config import load_config
from harness.run.runner import RunOptions, RunResult, run
from tests.helpers.spine import BEDROCK_PROFILES, SCRIPTS, SECRET, emulator_urls, write_project

ANTHROPIC_PROFILE = """
[providers.emulator-anthropic-stream]
kind = "anthropic"
model = "emulator-claude"
base_url = "http://127.0.0.1:9"
api_key_env = "FCHARNESS_TEST_KEY"
stream = true
options = { provenance = { server_build = "b1234", model_sha256 = "abc123" } }
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_project(tmp_path, extra=BEDROCK_PROFILES + ANTHROPIC_PROFILE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FCHARNESS_TEST_KEY", SECRET)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    return tmp_path


@pytest.fixture
def emulator(project: Path) -> Iterator[Any]:
    from harness.cases.loader import load_cases
    from harness.emulator.server import start_emulator

    with start_emulator(copy.deepcopy(SCRIPTS), load_cases([project / "cases"])) as handle:
        yield handle


def _run(emulator: Any, mode: RecordMode = RecordMode.NONE, **kw: Any) -> RunResult:
    config = load_config()
    urls = emulator_urls(emulator.base_url, config.providers) if emulator else {}
    kw.setdefault("print_table", False)
    return run(config, RunOptions(record_mode=mode, base_urls=urls, **kw))


def _cassettes(project: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted((project / "cassettes").rglob("*.yaml"))}


def test_a_fresh_recording_says_where_it_came_from(project: Path, emulator: Any) -> None:
    # When every profile records the suite against the emulator
    before = datetime.now(timezone.utc).replace(microsecond=0)
    result = _run(emulator, RecordMode.ALL)
    after = datetime.now(timezone.utc)
    assert {r.provider_id for r in result.rows} >= {"emulator-openai-chat", "emulator-bedrock-converse"}
    # Then every cassette starts with a provenance header naming date, versions, provider, model
    seen_kinds = set()
    for row in result.rows:
        if row.status == "unsupported":
            continue
        path = cassette_path(project / "cassettes", row.provider_id, row.case_id)
        header = read_provenance(path)
        assert header is not None, path
        when = provenance.parse_recorded_at(header["recorded_at"])
        assert when is not None and before <= when <= after
        assert header["recorded_at"].endswith("Z")  # UTC
        assert header["fc_harness"] == __version__
        assert header["provider_id"] == row.provider_id
        assert header["kind"] == row.kind
        assert header["model"] == row.model
        sdk = provenance.SDK_DISTRIBUTIONS[row.kind]
        assert header["sdk"] == {"name": sdk, "version": metadata.version(sdk)}
        seen_kinds.add(row.kind)
        if row.kind == "bedrock-converse":
            assert header["model_reported"] is None  # Converse does not name the model
        else:
            assert header["model_reported"] == row.model  # the emulator echoes the model asked for
        if row.provider_id == "emulator-anthropic-stream":
            assert header["extra"] == {"server_build": "b1234", "model_sha256": "abc123"}
        else:
            assert "extra" not in header
        # And the header sits before the interactions, which replay still loads
        text = path.read_text(encoding="utf-8")
        assert text.index("provenance:") < text.index("interactions:")
        assert load_interactions(path)
    assert seen_kinds == {"openai-chat", "bedrock-converse", "anthropic"}
    # And no host-specific string is stored: botocore's kernel release and Python build
    bedrock = (project / "cassettes" / "emulator-bedrock-converse").glob("*.yaml")
    for path in bedrock:
        text = path.read_text(encoding="utf-8")
        assert "os/linux#" not in text and "lang/python#3." in text
        assert f"lang/python#{'.'.join(map(str, __import__('sys').version_info[:3]))}" not in text
    # And replay of the fresh recordings still gives the recorded verdicts
    emulator.stop()
    assert [r.verdict for r in _run(None).rows] == [r.verdict for r in result.rows]


def test_re_recording_an_unchanged_exchange_leaves_the_file_byte_identical(
    project: Path, emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the suite recorded once
    _run(emulator, RecordMode.ALL, providers=("emulator-openai-chat", "emulator-bedrock-converse"))
    first = _cassettes(project)
    assert first
    # When it is re-recorded later, by another fc-harness and SDK version, at another latency
    monkeypatch.setattr(provenance, "_now", lambda: "2031-01-01T00:00:00Z")
    monkeypatch.setattr(provenance, "sdk_info", lambda kind: {"name": "x", "version": "99"})
    monkeypatch.setattr(provenance, "__version__", "99", raising=False)
    _run(emulator, RecordMode.ALL, providers=("emulator-openai-chat", "emulator-bedrock-converse"))
    # Then every file is byte for byte what it was (recorded_at included)
    assert _cassettes(project) == first
    # But a changed exchange is rewritten, with a fresh header (a prompt the running emulator
    # still finds: the request's text contains the case's)
    (project / "cases" / "suite.yaml").write_text(
        (project / "cases" / "suite.yaml")
        .read_text(encoding="utf-8")
        .replace("查询北京明天的天气", "查询北京明天的天气，谢谢"),
        encoding="utf-8",
    )
    # (the emulator has no script for the new prompt and answers with an error, kept on request)
    _run(
        emulator,
        RecordMode.ALL,
        providers=("emulator-openai-chat",),
        keyword="wx.beijing",
        record_errors=True,
    )
    path = cassette_path(project / "cassettes", "emulator-openai-chat", "wx.beijing")
    assert path.read_bytes() != first[path]
    header = read_provenance(path)
    assert header is not None and header["recorded_at"] == "2031-01-01T00:00:00Z"
    assert header["sdk"] == {"name": "x", "version": "99"}


def _drop_header(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("provenance:")] + text[text.index("interactions:") :], encoding="utf-8")


def _set_recorded_at(path: Path, when: datetime) -> None:
    text = path.read_text(encoding="utf-8")
    old = read_provenance(path)
    assert old is not None
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    path.write_text(text.replace(str(old["recorded_at"]), stamp, 1), encoding="utf-8")


def test_max_age_marks_old_and_undated_recordings_stale(project: Path, emulator: Any) -> None:
    # Given two recorded cases, one 400 days old and one with no provenance header at all
    _run(emulator, RecordMode.ALL, providers=("emulator-openai-chat",))
    emulator.stop()
    root = project / "cassettes" / "emulator-openai-chat"
    _set_recorded_at(root / "wx.beijing.yaml", datetime.now(timezone.utc) - timedelta(days=400))
    undated = root / "wx.shanghai.yaml"
    text = undated.read_text(encoding="utf-8")
    undated.write_text(
        text[: text.index("provenance:")] + text[text.index("interactions:") :], encoding="utf-8"
    )
    assert read_provenance(undated) is None
    fresh = {r.case_id: r for r in _run(None).rows}
    # When replayed with a maximum age of a year
    rows = {r.case_id: r for r in _run(None, max_age_days=365).rows}
    # Then the old one is stale, saying how old it is and how to re-record it
    old = rows["wx.beijing"]
    assert old.status == "stale" and fresh["wx.beijing"].status == "pass"
    (failure,) = old.verdict.failures
    assert failure.kind == "stale_cassette"
    assert "recorded 400 day(s) ago" in failure.message and "--max-age 365 day(s)" in failure.message
    assert "fcharness record" in failure.message and "-k wx.beijing" in failure.message
    # And the undated one is stale too, and says why
    assert rows["wx.shanghai"].status == "stale"
    assert "has no recording date" in (rows["wx.shanghai"].error or "")
    # And the others replay as before
    assert rows["trip.rain-train"].verdict == fresh["trip.rain-train"].verdict
    # And a generous limit lets the old one pass
    assert {r.case_id: r.status for r in _run(None, max_age_days=500).rows}["wx.beijing"] == "pass"


def test_max_age_from_the_command_line_and_from_fcharness_toml(
    project: Path, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(emulator, RecordMode.ALL, providers=("emulator-openai-chat",), keyword="wx.beijing")
    emulator.stop()
    path = project / "cassettes" / "emulator-openai-chat" / "wx.beijing.yaml"
    _set_recorded_at(path, datetime.now(timezone.utc) - timedelta(days=40))
    argv = ["run", "-p", "emulator-openai-chat", "-k", "wx.beijing", "--no-progress"]
    assert main(argv) == 0
    assert main([*argv, "--max-age", "30"]) == 1
    assert "too old: recorded 40 day(s) ago" in capsys.readouterr().out
    # the config sets the default, the command line overrides it
    cfg = project / "fcharness.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8") + "\n[cassettes]\nmax_age_days = 30\n", encoding="utf-8")
    assert main(argv) == 1
    assert main([*argv, "--max-age", "60"]) == 0
    # and bad values are usage errors naming the option or the key
    assert main([*argv, "--max-age", "0"]) == 2
    assert "--max-age must be a positive number" in capsys.readouterr().err
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("max_age_days = 30", 'max_age_days = "old"'))
    assert main(argv) == 2
    assert "[cassettes] max_age_days must be a positive number" in capsys.readouterr().err


# --- units -----------------------------------------------------------------------------------

CASSETTE = """\
version: 1
provenance:
  recorded_at: '2025-01-02T03:04:05Z'
  fc_harness: 0.1.0
interactions:
- request:
    method: POST
    uri: http://x/v1/chat/completions
    headers:
      User-Agent:
      - OpenAI/Python 1.0.0
    parsed_body: {model: m}
  response:
    status: {code: 200, message: OK}
    headers: {}
    parsed_body: {id: a}
    latency_ms: 12.5
"""


def test_same_recording_ignores_only_volatile_values() -> None:
    later = (
        CASSETTE.replace("2025-01-02T03:04:05Z", "2026-01-01T00:00:00Z")
        .replace("12.5", "99")
        .replace("OpenAI/Python 1.0.0", "OpenAI/Python 2.0.0")
    )
    assert same_recording(CASSETTE, later)
    assert not same_recording(CASSETTE, CASSETTE.replace("{id: a}", "{id: b}"))
    assert not same_recording(CASSETTE, CASSETTE.replace("{model: m}", "{model: n}"))
    assert not same_recording(CASSETTE, "interactions: [: broken")
    # a cassette recorded before provenance gains the header on its next recording
    undated = CASSETTE.replace(
        "provenance:\n  recorded_at: '2025-01-02T03:04:05Z'\n  fc_harness: 0.1.0\n", ""
    )
    assert "provenance" not in undated
    assert not same_recording(undated, CASSETTE)


def test_read_provenance_and_age(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(CASSETTE, encoding="utf-8")
    header = read_provenance(path)
    assert header == {"recorded_at": "2025-01-02T03:04:05Z", "fc_harness": "0.1.0"}
    now = datetime(2025, 1, 12, 3, 4, 5, tzinfo=timezone.utc)
    assert age_days(header, now) == pytest.approx(10.0)
    assert age_days({"recorded_at": "yesterday"}, now) is None
    assert age_days(None, now) is None
    path.write_text("version: 1\ninteractions: []\n", encoding="utf-8")
    assert read_provenance(path) is None
    path.write_text("version: 1\nprovenance: [1, 2]\ninteractions: []\n", encoding="utf-8")
    with pytest.raises(ValueError, match="must be a mapping"):
        read_provenance(path)


@pytest.mark.parametrize(
    ("body", "ctype", "model"),
    [
        ('{"model": "gpt-4o-2024-08-06", "choices": []}', "application/json", "gpt-4o-2024-08-06"),
        ('{"modelVersion": "gemini-2.0-flash-001"}', "application/json", "gemini-2.0-flash-001"),
        (
            'event: message_start\ndata: {"type":"message_start","message":{"model":"claude-x"}}\n\n',
            "text/event-stream",
            "claude-x",
        ),
        (
            'event: response.created\ndata: {"response":{"model":"gpt-4.1"}}\n\n',
            "text/event-stream; charset=utf-8",
            "gpt-4.1",
        ),
        ('{"output": {}}', "application/json", None),
        ("not json", "text/plain", None),
    ],
)
def test_reported_model_from_each_wire_shape(body: str, ctype: str, model: str | None) -> None:
    response = {"headers": {"Content-Type": [ctype]}, "body": {"string": body.encode()}}
    assert provenance.reported_model(response) == model


def test_the_cassettes_command_lists_by_age_provider_and_model(
    project: Path, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(emulator, RecordMode.ALL, providers=("emulator-openai-chat", "emulator-bedrock-converse"))
    root = project / "cassettes"
    _set_recorded_at(
        root / "emulator-openai-chat" / "wx.beijing.yaml", datetime.now(timezone.utc) - timedelta(days=90)
    )
    undated = root / "emulator-bedrock-converse" / "wx.shanghai.yaml"
    text = undated.read_text(encoding="utf-8")
    undated.write_text(
        text[: text.index("provenance:")] + text[text.index("interactions:") :], encoding="utf-8"
    )
    capsys.readouterr()
    # Sorted by age: the undated one first, then the 90-day-old one
    assert main(["cassettes"]) == 0
    lines = capsys.readouterr().out.splitlines()
    body = [line for line in lines[2:] if line.strip() and "cassette(s)" not in line]
    assert body[0].split()[:4] == ["undated", "-", "emulator-bedrock-converse", "wx.shanghai"]
    assert body[1].split()[0] == "90d" and "emulator-openai-chat" in body[1] and "emulator-gpt" in body[1]
    assert f"openai {metadata.version('openai')}" in body[1]
    assert "1 undated" in lines[-1]
    # --older-than keeps the old and the undated ones; JSON for scripts; -p filters
    assert main(["cassettes", "--older-than", "30", "--format", "json", "-p", "emulator-openai-chat"]) == 0
    import json

    listed = json.loads(capsys.readouterr().out)
    assert [(c["provider_id"], c["case_id"]) for c in listed] == [("emulator-openai-chat", "wx.beijing")]
    assert listed[0]["age_days"] == pytest.approx(90, abs=0.1)
    assert listed[0]["trial"] == 1
    from harness.commands.cassettes import list_cassettes

    trial2 = root / "emulator-openai-chat" / "wx.beijing@2.yaml"
    trial2.write_bytes((root / "emulator-openai-chat" / "wx.beijing.yaml").read_bytes())
    found = {(c.case_id, c.trial) for c in list_cassettes(root, ["emulator-openai-chat"])}
    assert ("wx.beijing", 2) in found and ("wx.beijing", 1) in found
    assert main(["cassettes", "-p", "nope"]) == 2
    assert "no cassettes for provider 'nope'" in capsys.readouterr().err
