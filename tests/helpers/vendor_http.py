"""Test helpers for the anthropic, gemini and bedrock adapters.

`LocalServer` is a tiny HTTP server on 127.0.0.1 that answers scripted responses and records
the requests, so `send` is exercised through each vendor's real SDK without any network.
The traffic it serves is hand-written test data, never presented as a vendor's.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from harness.model import Case, ExpectedCall, Message, Tool, ToolCall, Turn

WEATHER = Tool(
    "get_weather",
    "Current weather for a city.",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)
DOTTED = Tool(
    "math.add",
    "Add two integers.",
    {
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
        "required": ["a", "b"],
    },
)


def make_case(tool_choice: Any = "auto", *, prefix: bool = False, turns: int = 1) -> Case:
    """Return a small case; `prefix` adds an earlier call and its result to the conversation."""
    messages = [Message("system", "Be brief."), Message("user", "Weather in Paris?")]
    if prefix:
        messages += [
            Message("assistant", None, (ToolCall("get_weather", {"city": "Paris"}, id="c1"),)),
            Message("tool", '{"temp": 20}', tool_call_id="c1", name="get_weather"),
            Message("user", "And in London?"),
        ]
    expect = Turn((ExpectedCall("get_weather", {"city": "Paris"}),), results=({"temp": 21},))
    return Case(
        id="weather",
        category="multi_turn" if turns > 1 else "simple",
        messages=tuple(messages),
        tools=(WEATHER, DOTTED),
        turns=tuple([expect] * turns),
        tool_choice=tool_choice,
    )


TOOL_CHOICES: list[Any] = ["auto", "required", "none", {"name": "math.add"}]


def wire_rows(wire_dir: Path, filename: str, kind: str) -> list[dict[str, Any]]:
    """Return the fixture rows of `filename` meant for adapter `kind`."""
    path = wire_dir / filename
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r["adapter_kind"] == kind]


@dataclass
class Reply:
    """One scripted HTTP answer."""

    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=lambda: {"content-type": "application/json"})

    @classmethod
    def json(cls, status: int, data: Any, **headers: str) -> Reply:
        """Return a JSON reply."""
        return cls(status, json.dumps(data).encode(), {"content-type": "application/json", **headers})

    @classmethod
    def sse(cls, events: list[tuple[str | None, Any]], sep: str = "\n\n") -> Reply:
        """Return a text/event-stream reply from (event name, data) pairs."""
        chunks = []
        for name, data in events:
            head = f"event: {name}\n" if name else ""
            chunks.append(f"{head}data: {json.dumps(data)}{sep}")
        return cls(200, "".join(chunks).encode(), {"content-type": "text/event-stream"})


@dataclass
class Seen:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """Return the decoded body."""
        return json.loads(self.body)


class LocalServer:
    """Answers queued replies in order; records requests."""

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.seen: list[Seen] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                server.seen.append(
                    Seen("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                reply = server.replies.pop(0) if server.replies else Reply(500, b'{"message":"no reply"}')
                self.send_response(reply.status)
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.send_header("content-length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, *args: Any) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)

    def queue(self, *replies: Reply) -> None:
        """Add replies to answer, in order."""
        self.replies.extend(replies)


@contextmanager
def local_server() -> Iterator[LocalServer]:
    """Run a LocalServer for the duration of the block."""
    server = LocalServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
