"""The pytest plugin's terminal output never shows an API key, even when the vendor echoes it.

The vendor behind `fake_vendor` answers 401 with the key in the body and puts the key in an answer.
Recording through `pytest --fc-record-mode all`, the failure texts (and `--junitxml`, which
carries them) are searched for the key. (Mid-stream errors are retried with back-off, too slow
here; `tests/run/test_secrets.py` covers them for files and the CLI.)
"""

from __future__ import annotations

import importlib.metadata
import os
from pathlib import Path

import pytest

from tests.helpers.fake_vendor import cases_yaml, fake_vendor, project_toml

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[1]
KEY = "sk-proj-PlUgInSeCrEt0123456789abc"


def test_failure_texts_in_the_terminal_are_redacted(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = {ep.name for ep in importlib.metadata.entry_points(group="pytest11")}
    plugin = [] if "fcharness" in names else ["-p", "harness.pytest_plugin"]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("FAKE_VENDOR_KEY", KEY)
    with fake_vendor() as vendor:
        (pytester.path / "fcharness.toml").write_text(project_toml(vendor.url), encoding="utf-8")
        (pytester.path / "cases").mkdir()
        (pytester.path / "cases" / "c.yaml").write_text(cases_yaml("echo-401", "echo-text"), encoding="utf-8")
        result = pytester.runpytest_subprocess(
            *plugin,
            "-p",
            "no:cacheprovider",
            "--fc-cases",
            "cases",
            "--fc-provider",
            "fake",
            "--fc-provider",
            "fake-stream",
            "--fc-record-mode",
            "all",
            "--junitxml",
            "junit.xml",
            "-rA",
            "-v",
        )
    text = "\n".join(result.outlines + result.errlines)
    assert vendor.requests["echo-401"] >= 1 and vendor.requests["echo-text"] >= 1
    assert "failed" in text and "<redacted>" in text  # the echoes were shown, redacted
    assert KEY not in text
    assert KEY not in (pytester.path / "junit.xml").read_text(encoding="utf-8")
    assert [p for p in pytester.path.rglob("*") if p.is_file() and KEY.encode() in p.read_bytes()] == []
