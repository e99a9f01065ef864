"""Each adapter's `send` through its real SDK to a local HTTP server, recorded and replayed by vcrpy.

The server on 127.0.0.1 is hand-written test traffic (not a real provider's). Recording and
replaying must hand the same wire body to the pure parsers, plain and streamed.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import vcr

from harness.providers import get_adapter
from tests.helpers.providers import make_case

ARGS = '{"location": "x"}'
CALL = {"id": "abcDEF123", "type": "function", "function": {"name": "get_weather", "arguments": ARGS}}
CHAT = {
    "id": "c",
    "object": "chat.completion",
    "created": 1,
    "model": "m",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": None, "tool_calls": [CALL]},
            "finish_reason": "tool_calls",
        }
    ],
    "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
}
CHAT_SSE = [{"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, **CALL}]}}]}]
FC_ITEM = {
    "type": "function_call",
    "id": "fc_1",
    "call_id": "call_1",
    "name": "get_weather",
    "arguments": ARGS,
}
RESP = {"id": "r", "object": "response", "status": "completed", "output": [FC_ITEM], "usage": {}}
RESP_SSE = [
    {"type": "response.output_item.added", "output_index": 0, "item": {**FC_ITEM, "arguments": ""}},
    {"type": "response.function_call_arguments.delta", "output_index": 0, "item_id": "fc_1", "delta": ARGS},
    {"type": "response.completed", "response": RESP},
]
COHERE = {"id": "r", "finish_reason": "TOOL_CALL", "message": {"role": "assistant", "tool_calls": [CALL]}}
COHERE_SSE = [{"type": "tool-call-start", "index": 0, "delta": {"message": {"tool_calls": CALL}}}]


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        stream = bool(body.get("stream"))
        if self.path.startswith("/v2/"):
            plain, events = COHERE, COHERE_SSE
        elif self.path.endswith("/responses"):
            plain, events = RESP, RESP_SSE
        else:
            plain, events = CHAT, CHAT_SSE
        if stream:
            text = "".join(f"event: {e.get('type', 'x')}\ndata: {json.dumps(e)}\n\n" for e in events)
            data = (text + "data: [DONE]\n\n").encode()
        else:
            data = json.dumps(plain).encode()
        self.send_response(200)
        self.send_header("content-type", "text/event-stream" if stream else "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A local HTTP server answering chat, responses and cohere paths (hand-written traffic)."""
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


@pytest.mark.parametrize(
    ("kind", "suffix"),
    [("openai-chat", "/v1"), ("openai-responses", "/v1"), ("mistral", ""), ("cohere", "")],
)
@pytest.mark.parametrize("stream", [False, True])
def test_record_then_replay_gives_the_same_turn(
    server: str, tmp_path: Path, kind: str, suffix: str, stream: bool
) -> None:
    pytest.importorskip({"mistral": "mistralai", "cohere": "cohere"}.get(kind, "openai"))
    adapter = get_adapter(kind)
    profile = SimpleNamespace(base_url=server + suffix, options={})
    request = adapter.build_request(make_case(), 0, [], "m", {"stream": stream})
    cassette = tmp_path / "c.yaml"
    turns = []
    for mode in ("all", "none"):  # record, then replay with the server unused
        client = adapter.make_client(profile, "sk-test-key")
        with vcr.use_cassette(str(cassette), record_mode=mode) as cass:
            wire = adapter.send(client, request, stream=stream)
        assert wire.streaming == stream and wire.status == 200
        turn = adapter.parse_stream(wire.events or []) if stream else adapter.parse_response(wire.body)
        turns.append([(c.name, c.arguments) for c in turn.calls])
        if mode == "none":
            assert cass.play_count == 1
    assert turns[0] == turns[1] == [("get_weather", {"location": "x"})]
