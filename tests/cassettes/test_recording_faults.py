"""Recording keeps only real answers: transient faults are retried on every stream kind, and an
error answer is not saved as the cassette unless `--record-errors` asks for it.

Before issue 10, openai-chat-stream saved a one-off mid-stream error as the recording, and a
case answered with 4xx/5xx was saved with that error.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.cassettes.store import load_interactions
from harness.cli import main
from tests.helpers.fake_vendor import FakeVendor, cases_yaml, fake_vendor, project_toml

KEY = "sk-fake-0123456789abcdefABCDEF"


@pytest.fixture
def vendor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeVendor]:
    """A fake vendor and a project using it, as the working folder."""
    with fake_vendor() as v:
        (tmp_path / "fcharness.toml").write_text(project_toml(v.url), encoding="utf-8")
        (tmp_path / "cases").mkdir()
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("FAKE_VENDOR_KEY", KEY)
        yield v


def _record(tmp_path: Path, words: list[str], *extra: str) -> int:
    (tmp_path / "cases" / "c.yaml").write_text(cases_yaml(*words), encoding="utf-8")
    return main(["record", "--no-progress", "--retries", "2", *extra])


def test_a_mid_stream_error_is_retried_and_not_recorded(tmp_path: Path, vendor: FakeVendor) -> None:
    assert _record(tmp_path, ["flaky-stream-1"], "-p", "fake-stream") == 0
    assert vendor.requests["flaky-stream-1"] == 2
    (it,) = load_interactions(tmp_path / "cassettes" / "fake-stream" / "c.flaky-stream-1.yaml")
    assert it.response.streaming and "error" not in str(it.response.events)


def test_a_5xx_is_retried_and_only_the_answer_recorded(tmp_path: Path, vendor: FakeVendor) -> None:
    assert _record(tmp_path, ["flaky-500-2"], "-p", "fake") == 0
    assert vendor.requests["flaky-500-2"] == 3
    (it,) = load_interactions(tmp_path / "cassettes" / "fake" / "c.flaky-500-2.yaml")
    assert it.response.status == 200


def test_error_answers_are_not_saved_by_default(
    tmp_path: Path, vendor: FakeVendor, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        _record(tmp_path, ["always-500", "echo-401", "echo-stream-error"], "-p", "fake", "-p", "fake-stream")
        == 1
    )
    assert vendor.requests["always-500"] == 6  # 1 + 2 retries, on both profiles
    assert vendor.requests["echo-401"] == 2  # a 4xx is not retried
    saved = sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "cassettes").rglob("*.yaml"))
    assert saved == ["cassettes/fake/c.echo-stream-error.yaml"]  # it answers plainly when not streaming
    out = capsys.readouterr().out
    assert out.count("provider_error") == 5


def test_an_existing_cassette_is_kept_when_re_recording_fails(tmp_path: Path, vendor: FakeVendor) -> None:
    assert _record(tmp_path, ["flaky-500-2"], "-p", "fake") == 0
    path = tmp_path / "cassettes" / "fake" / "c.flaky-500-2.yaml"
    before = path.read_bytes()
    vendor.requests["flaky-500-2"] = -10  # the next requests all fail
    assert _record(tmp_path, ["flaky-500-2"], "-p", "fake") == 1
    assert path.read_bytes() == before


def test_record_errors_keeps_them(tmp_path: Path, vendor: FakeVendor) -> None:
    assert _record(tmp_path, ["echo-401"], "-p", "fake", "--record-errors") == 1
    (it,) = load_interactions(tmp_path / "cassettes" / "fake" / "c.echo-401.yaml")
    assert it.response.status == 401
    assert KEY not in str(it.response.body)  # the scrubber still ran


def test_re_recording_replaces_a_broken_cassette(tmp_path: Path, vendor: FakeVendor) -> None:
    # Given a truncated cassette (the replay error says: re-record it)
    path = tmp_path / "cassettes" / "fake" / "c.hello.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("version: 1\ninteractions:\n- request:\n    method: PO", encoding="utf-8")
    # When it is re-recorded, it is overwritten with a readable one
    assert _record(tmp_path, ["hello"], "-p", "fake") == 0
    (it,) = load_interactions(path)
    assert it.response.status == 200
