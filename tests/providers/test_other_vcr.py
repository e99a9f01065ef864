"""anthropic, gemini and bedrock `send` traffic is recorded by vcrpy and replays without a server.

The responses are hand-written test data from a local server on 127.0.0.1, not vendor traffic.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import vcr

from harness.providers import get_adapter
from harness.run.config import ProviderProfile
from tests.helpers.vendor_http import Reply, local_server, make_case
from tests.providers.test_bedrock import _frame

_DELTA = {":event-type": "contentBlockDelta", ":content-type": "application/json", ":message-type": "event"}
PLAIN = {
    "anthropic": {"content": [{"type": "text", "text": "hi"}], "stop_reason": "end_turn"},
    "gemini": {"candidates": [{"content": {"parts": [{"text": "hi"}]}}]},
    "bedrock-converse": {"output": {"message": {"role": "assistant", "content": [{"text": "hi"}]}}},
}
STREAMED = {
    "anthropic": Reply.sse(
        [
            (
                "content_block_start",
                {"type": "content_block_start", "index": 0, "content_block": {"type": "text"}},
            ),
            (
                "content_block_delta",
                {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "hi"}},
            ),
        ]
    ),
    "gemini": Reply.sse([(None, {"candidates": [{"content": {"parts": [{"text": "hi"}]}}]})], sep="\r\n\r\n"),
    "bedrock-converse": Reply(
        200,
        _frame(_DELTA, {"contentBlockIndex": 0, "delta": {"text": "hi"}}),
        {"content-type": "application/vnd.amazon.eventstream"},
    ),
}


@pytest.mark.parametrize("kind", sorted(PLAIN))
@pytest.mark.parametrize("stream", [False, True])
def test_recorded_send_replays_identically(
    kind: str, stream: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fake-secret")
    adapter = get_adapter(kind)
    request = adapter.build_request(make_case(), 0, (), "model-x", {"stream": stream} if stream else {})
    cassette = str(tmp_path / "c.yaml")
    with local_server() as server:
        server.queue(STREAMED[kind] if stream else Reply.json(200, PLAIN[kind]))
        profile = ProviderProfile(id="t", kind=kind, model="model-x", base_url=server.url)
        with vcr.use_cassette(cassette, record_mode="once"):
            recorded = adapter.send(adapter.make_client(profile, "k"), request, stream=stream)
    # The server is gone: replay must come from the cassette alone.
    with vcr.use_cassette(cassette, record_mode="none"):
        replayed = adapter.send(adapter.make_client(replace(profile), "k"), request, stream=stream)
    assert replayed.body == recorded.body and replayed.events == recorded.events
    turn = adapter.parse_stream(replayed.events) if stream else adapter.parse_response(replayed.body)
    assert turn.text == "hi"
