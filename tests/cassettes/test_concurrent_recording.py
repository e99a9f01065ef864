"""Concurrent recording: httpx SDKs and Bedrock (botocore) together, with no lock between sends.

Before issue 11, Bedrock went through vcrpy's http.client stubs, whose `force_reset` unpatches
every HTTP library process-wide while a real connection is written: an httpx request sent by
another thread then went out unrecorded, so a global lock ran Bedrock sends alone. Now botocore
sends through the cassette router itself (`harness.cassettes.aws_send`). This records the demo
for two httpx and two Bedrock profiles at `--concurrency 16` against the emulator (each answer
held back a little so sends overlap) and checks that every request the emulator answered is in
exactly the cassette of its own provider and case, and that Bedrock and httpx sends overlapped.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.cases.loader import load_cases
from harness.cassettes.layout import canonical_json
from harness.cassettes.store import load_interactions
from harness.cli import main
from harness.commands.emulator import DEMO_SCRIPTS
from harness.emulator import server as _server
from harness.providers import get_adapter
from harness.run.config import load_config

REPO = Path(__file__).resolve().parents[2]
PROFILES = (
    "emulator-openai-chat",
    "emulator-gemini-stream",
    "emulator-bedrock-converse",
    "emulator-bedrock-converse-stream",
)


class _Traffic:
    """What the emulator served: every POST's path, and when it was in flight."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.spans: list[tuple[str, float, float]] = []

    def bedrock_overlapped_httpx(self) -> bool:
        bedrock = [(a, b) for p, a, b in self.spans if p.startswith("/model/")]
        others = [(a, b) for p, a, b in self.spans if not p.startswith("/model/")]
        return any(a < d and c < b for a, b in bedrock for c, d in others)


@pytest.fixture
def traffic(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Traffic]:
    seen = _Traffic()
    original = _server._Handler.do_POST

    def do_post(self: Any) -> None:
        started = time.perf_counter()
        time.sleep(0.02)  # a vendor's think time: sends overlap
        original(self)
        with seen.lock:
            seen.spans.append((self.path, started, time.perf_counter()))

    monkeypatch.setattr(_server._Handler, "do_POST", do_post)
    yield seen


def _first_request(profile: Any, case: Any) -> dict[str, Any]:
    """The turn-0 body this provider sends for this case."""
    params = dict(profile.params)
    if profile.stream:
        params["stream"] = True
    adapter = get_adapter(profile.kind, profile.quirks)
    body: dict[str, Any] = adapter.build_request(case, 0, [], profile.model, params)
    return body


def test_httpx_and_bedrock_record_together_into_their_own_cassettes(
    tmp_path: Path, traffic: _Traffic, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(REPO / "cases", tmp_path / "cases")
    shutil.copyfile(REPO / "fcharness.toml", tmp_path / "fcharness.toml")
    config = load_config(tmp_path / "fcharness.toml")
    cases = {c.id: c for c in load_cases([str(config.resolve(c)) for c in config.cases])}
    monkeypatch.setenv("FCHARNESS_EMULATOR_KEY", "fch-test-key-not-secret")
    monkeypatch.setenv("FCHARNESS_CACHE", "off")
    with _server.start_emulator(DEMO_SCRIPTS, list(cases.values()), port=0) as handle:
        argv = ["--config", str(tmp_path / "fcharness.toml"), "record", "--no-progress"]
        argv += ["--reports", str(tmp_path / "reports"), "--concurrency", "16"]
        for pid in PROFILES:
            url = handle.base_url + ("/v1" if config.providers[pid].kind.startswith("openai") else "")
            argv += ["-p", pid, "--base-url", f"{pid}={url}"]
        assert main(argv) in (0, 1)  # 1: the demo's scripted model mistakes fail
    recorded = 0
    for pid in PROFILES:
        profile = config.providers[pid]
        for path in sorted((tmp_path / "cassettes" / pid).glob("*.yaml")):
            case = cases[path.stem]
            interactions = load_interactions(path)
            recorded += len(interactions)
            # none crossed: the cassette holds this provider's requests for this case
            first = interactions[0]
            assert first.matches(canonical_json(_first_request(profile, case))), path
            for it in interactions:
                bedrock = "/model/emulator-bedrock/converse" in it.uri
                assert bedrock == profile.kind.startswith("bedrock"), (path, it.uri)
    # none unrecorded: every request the emulator answered is in a cassette
    assert recorded == len(traffic.spans) > 4 * 20
    # no lock between sends: a Bedrock request and an httpx one were in flight together
    assert traffic.bedrock_overlapped_httpx()


def test_an_unreachable_bedrock_endpoint_is_a_provider_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given nothing listening where a Bedrock profile points (pre-flight check out of the way)
    shutil.copytree(REPO / "cases", tmp_path / "cases")
    shutil.copyfile(REPO / "fcharness.toml", tmp_path / "fcharness.toml")
    monkeypatch.setattr("harness.run.reach._refused", lambda *args: False)
    monkeypatch.setattr("harness.cassettes.exchanges.time.sleep", lambda s: None)
    pid = "emulator-bedrock-converse"
    argv = ["--config", str(tmp_path / "fcharness.toml"), "record", "--no-progress", "-p", pid]
    argv += ["--base-url", f"{pid}=http://127.0.0.1:9", "-k", "weather.beijing", "--retries", "1"]
    # When it is recorded, the connection error is botocore's, and a provider error
    assert main([*argv, "--reports", str(tmp_path / "reports")]) == 1
    out = capsys.readouterr().out
    assert "no response: EndpointConnectionError" in out
    assert "http://127.0.0.1:9/model/emulator-bedrock/converse" in out
    assert not (tmp_path / "cassettes" / pid).exists() or not any((tmp_path / "cassettes" / pid).iterdir())
