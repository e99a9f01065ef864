"""The emulator's HTTP server on 127.0.0.1: a test double speaking the vendors' wire formats.

`start_emulator(scripts, cases)` serves in a daemon thread and returns a handle:

```python
with start_emulator("harness/emulator/scripts/demo.yaml", load_cases(["cases"])) as emu:
    client = openai.OpenAI(base_url=emu.base_url + "/v1", api_key="any")
```

Any API key is accepted. Streamed answers use chunked transfer encoding. Everything it sends
is emulator traffic (header `x-fc-harness-emulator: 1`), never a vendor's.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, cast
from urllib.parse import urlsplit

from harness.emulator.answers import ANSWER_MODES
from harness.emulator.casewatch import CaseWatch
from harness.emulator.common import json_bytes
from harness.emulator.engine import Engine, RequestRecord
from harness.emulator.scripts import ScriptSet, check_scripts, load_scripts, parse_scripts
from harness.errors import UserError
from harness.model import Case

__all__ = ["EmulatorHandle", "start_emulator"]

ScriptsInput = ScriptSet | str | Path | Sequence[str | Path] | Mapping[str, Any]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fc-harness-emulator"
    sys_version = ""
    # Headers and body go out in separate writes: with Nagle's algorithm on, the client's
    # delayed ACK stalls every plain answer by ~40 ms.
    disable_nagle_algorithm = True

    @property
    def engine(self) -> Engine:
        return cast("_Server", self.server).engine

    def log_message(self, format: str, *args: Any) -> None:
        if getattr(self.server, "verbose", False):
            sys.stderr.write(f"emulator: {format % args}\n")

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log one line per request with its case and turn (verbose only)."""
        if not getattr(self.server, "verbose", False):
            return
        rec = self.engine.last_record()
        what = f" {rec.kind} case={rec.case_id} turn={rec.turn}" if rec is not None and rec.kind else ""
        sys.stderr.write(f"emulator: {self.command} {self.path}{what} -> {code}\n")

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        try:
            status, headers, payload = self.engine.handle(
                method, parts.path, parts.query, dict(self.headers), raw
            )
        except Exception as exc:  # an emulator bug: say so instead of dropping the connection
            error = {"error": {"message": f"fc-harness emulator internal error: {exc!r}"}}
            status, headers, payload = 500, {"content-type": "application/json"}, json_bytes(error)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if isinstance(payload, bytes):
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        try:
            for chunk in payload:
                if chunk:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_POST(self) -> None:
        """Answer a POST (every vendor endpoint)."""
        self._serve("POST")

    def do_GET(self) -> None:
        """Answer a GET (the root lists the endpoints)."""
        self._serve("GET")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], engine: Engine, verbose: bool) -> None:
        super().__init__(address, _Handler)
        self.engine = engine
        self.verbose = verbose

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore clients that hang up (closed pools); report anything else."""
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)):
            return
        super().handle_error(request, client_address)


class EmulatorHandle:
    """A running emulator: its address, its request log, and `stop()`."""

    def __init__(self, server: _Server, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread
        self.host: str = str(server.server_address[0])
        self.port: int = int(server.server_address[1])
        self.base_url = f"http://{self.host}:{self.port}"

    @property
    def engine(self) -> Engine:
        """The engine answering requests (scripts, cases, fault counters)."""
        return self._server.engine

    @property
    def requests(self) -> list[RequestRecord]:
        """The requests received so far (path, decoded body, headers, case, turn, status)."""
        return self.engine.recorded()

    def reset(self) -> None:
        """Forget fault counters and the request log."""
        self.engine.reset()

    def serve_forever(self) -> None:
        """Block until the server is stopped (the daemon thread keeps serving)."""
        self._thread.join()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> EmulatorHandle:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _coerce_scripts(scripts: ScriptsInput) -> ScriptSet:
    if isinstance(scripts, ScriptSet):
        return scripts
    if isinstance(scripts, Mapping):
        return parse_scripts(scripts, "<in-memory scripts>")
    if isinstance(scripts, (str, Path)):
        return load_scripts([scripts])
    return load_scripts(scripts)


def start_emulator(
    scripts: ScriptsInput,
    cases: Iterable[Case],
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    verbose: bool = False,
    answer: str = "none",
    watch: CaseWatch | None = None,
) -> EmulatorHandle:
    """Start the emulator in a daemon thread; `port=0` picks a free port.

    `answer` is what a case without a script gets (`none`: a 404; `expected`; `mistakes`);
    with a `watch`, cases reload when their files change.
    """
    if answer not in ANSWER_MODES:
        raise UserError(f"unknown answer mode {answer!r}; expected one of {', '.join(ANSWER_MODES)}")
    script_set = _coerce_scripts(scripts)
    case_list = list(cases)
    problems = check_scripts(script_set, case_list)
    if problems:
        raise UserError("emulator scripts name cases that are not loaded", tuple(problems))
    engine = Engine(script_set, case_list, answer=answer, watch=watch)
    try:
        server = _Server((host, port), engine, verbose)
    except OSError as exc:
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    thread = threading.Thread(target=server.serve_forever, name=f"fc-emulator-{port}", daemon=True)
    thread.start()
    return EmulatorHandle(server, thread)
