"""A hand-written OpenAI-compatible server on 127.0.0.1 for recording tests (not vendor traffic).

Its behaviour is chosen by the last user message of each request:

- `echo-401`: HTTP 401 whose body repeats the bearer key it received;
- `echo-text`: an answer whose text repeats the key (plain or streamed);
- `echo-stream-error`: a stream that breaks off with an error event repeating the key;
- `flaky-stream-N`: the first N requests get a stream with an error event, then an answer;
- `flaky-500-N`: the first N requests get HTTP 500, then an answer;
- `always-500`: HTTP 500 every time;
- anything else: a plain answer.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def _completion(text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": "fake-model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "fake-model",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


class FakeVendor:
    """The server; `requests` counts requests per behaviour."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        vendor = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)))
                key = (self.headers.get("authorization") or "").removeprefix("Bearer ")
                said = str(body["messages"][-1].get("content") or "")
                what = next((w for w in said.split() if w.startswith(("echo-", "flaky-", "always-"))), "ok")
                vendor.requests[what] += 1
                n = vendor.requests[what]
                limit = int(m.group(1)) if (m := re.search(r"-(\d+)$", what)) else 0
                stream = bool(body.get("stream"))
                if what == "echo-401":
                    msg = f"Incorrect API key provided: {key}. You can find your API key at https://example.invalid."
                    return self._json(401, {"error": {"message": msg, "type": "invalid_request_error"}})
                if what == "always-500" or (what.startswith("flaky-500") and n <= limit):
                    return self._json(
                        500, {"error": {"message": "temporary failure", "type": "server_error"}}
                    )
                text = f"Your key is {key}" if what == "echo-text" else "Hello."
                broken = what == "echo-stream-error" or (what.startswith("flaky-stream") and n <= limit)
                if not stream:
                    return self._json(200, _completion(text))
                events = [_chunk({"role": "assistant", "content": ""}), _chunk({"content": text})]
                if broken:
                    events.append(
                        {"error": {"message": f"stream interrupted for key {key}", "type": "server_error"}}
                    )
                else:
                    events.append(_chunk({}, "stop"))
                payload = "".join(f"data: {json.dumps(e)}\n\n" for e in events)
                if not broken:
                    payload += "data: [DONE]\n\n"
                self._send(200, payload.encode(), "text/event-stream")

            def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
                self._send(status, json.dumps(data).encode(), "application/json", headers)

            def _send(
                self, status: int, raw: bytes, ctype: str, headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("content-type", ctype)
                self.send_header("content-length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: Any) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)


@contextmanager
def fake_vendor() -> Iterator[FakeVendor]:
    """Start a FakeVendor; stop it on exit."""
    vendor = FakeVendor()
    vendor.thread.start()
    try:
        yield vendor
    finally:
        vendor.httpd.shutdown()
        vendor.httpd.server_close()


def project_toml(url: str, env: str = "FAKE_VENDOR_KEY") -> str:
    """fcharness.toml with a plain and a streaming profile pointed at `url`."""
    return f"""\
[harness]
cases = ["cases"]
cassettes = "cassettes"
reports = "reports"

[providers.fake]
kind = "openai-chat"
model = "fake-model"
base_url = "{url}"
api_key_env = "{env}"

[providers.fake-stream]
kind = "openai-chat"
model = "fake-model"
base_url = "{url}"
api_key_env = "{env}"
stream = true
"""


def cases_yaml(*words: str) -> str:
    """A case file with one irrelevance case per behaviour word (`echo-401` → case `c.echo-401`)."""
    out = ["cases:"]
    for w in words:
        out += [
            f"  - id: c.{w}",
            f"    messages: [{{role: user, content: 'say hello {w}'}}]",
            "    expect: []",
        ]
    return "\n".join(out) + "\n"
