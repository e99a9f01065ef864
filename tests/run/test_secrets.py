"""Secrets never reach any output: a vendor echoing the key in a 401 body, a mid-stream error and
the answer text, recorded through the CLI; then every written file and the captured output are
searched for the key. Before issue 10 the key reached results.jsonl, every report and stdout.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.cli import main
from tests.helpers.fake_vendor import cases_yaml, fake_vendor, project_toml

KEY = "sk-proj-SeCrEt0123456789abcdefXYZ"


def test_an_echoed_key_is_redacted_everywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with fake_vendor() as vendor:
        (tmp_path / "fcharness.toml").write_text(project_toml(vendor.url), encoding="utf-8")
        (tmp_path / "cases").mkdir()
        (tmp_path / "cases" / "c.yaml").write_text(
            cases_yaml("echo-401", "echo-stream-error", "echo-text"), encoding="utf-8"
        )
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("FAKE_VENDOR_KEY", KEY)
        code = main(["record", "-p", "fake", "-p", "fake-stream", "--no-progress", "--retries", "0"])
        assert code == 1
        # replaying, re-reporting and gating print and write the same rows again
        assert main(["run", "-p", "fake", "-p", "fake-stream", "--no-progress"]) == 1
        assert main(["report", str(tmp_path / "reports" / "latest")]) == 0
        assert main(["gate", "--update-baseline", "--baseline", str(tmp_path / "b.json")]) == 0
    assert vendor.requests["echo-401"] == 2 and vendor.requests["echo-text"] == 2
    out = capsys.readouterr()
    assert "<redacted>" in out.out  # the echoes were there, and were redacted
    assert KEY not in out.out and KEY not in out.err
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"results.jsonl", "report.md", "report.html", "junit.xml", "summary.json", "b.json"} <= names
    assert [p for p in files if KEY.encode() in p.read_bytes()] == []
    rows = "".join(p.read_text(encoding="utf-8") for p in files if p.name == "results.jsonl")
    assert "Incorrect API key provided: <redacted>" in rows and "interrupted for key <redacted>" in rows


@pytest.mark.parametrize(
    "value",
    ["sk-proj-abcdefghijklmnop0123", "AKIAABCDEFGHIJKLMNOP", "AIzaSyA-0123456789abcdefghij", "aB3" * 10],
)
def test_a_key_pasted_into_api_key_env_is_refused_without_echo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    (tmp_path / "fcharness.toml").write_text(
        project_toml("http://127.0.0.1:9/v1", env=value), encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--no-progress"]) == 2
    out = capsys.readouterr()
    assert value not in out.out + out.err
    assert "api_key_env must be the NAME of an environment variable" in out.err
    assert "[providers.fake]" in out.err and "fcharness.toml" in out.err
