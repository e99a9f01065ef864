"""Bedrock recording honours the botocore client's proxy (harness.cassettes.aws_send).

The cassette router sends botocore's signed requests itself (httpcore), so it must go where
botocore would have gone: through the proxy the client was configured with (or read from
HTTP_PROXY when it was made), with the proxy's credentials as `Proxy-Authorization`. The
endpoint's host name here does not resolve: only a send through the proxy can reach it.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

boto3 = pytest.importorskip("boto3")
from botocore.config import Config  # noqa: E402

from harness.cassettes.aws_send import route_botocore  # noqa: E402

ENDPOINT = "http://bedrock.fcharness-test.invalid"
ANSWER = {
    "output": {"message": {"role": "assistant", "content": [{"text": "hello from behind the proxy"}]}},
    "stopReason": "end_turn",
    "usage": {"inputTokens": 3, "outputTokens": 5, "totalTokens": 8},
    "metrics": {"latencyMs": 1},
}


class _Proxy(BaseHTTPRequestHandler):
    """A forwarding HTTP proxy that answers for the endpoint itself (and notes what it got)."""

    seen: ClassVar[list[tuple[str, str | None]]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        _Proxy.seen.append((self.path, self.headers.get("Proxy-Authorization")))
        body = json.dumps(ANSWER).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[str]:
    _Proxy.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _Recorder:
    """The part of the run's cassette router `route_botocore` uses: empty, recording."""

    write_protected = False

    def __init__(self) -> None:
        self.appended: list[tuple[Any, dict[str, Any]]] = []

    def can_play_response_for(self, request: Any) -> bool:
        return False

    def filter_request(self, request: Any) -> Any:
        return request

    def append(self, request: Any, response: dict[str, Any]) -> None:
        self.appended.append((request, response))


def _client(**config: Any) -> Any:
    return boto3.client(
        "bedrock-runtime",
        region_name="us-east-1",
        endpoint_url=ENDPOINT,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="not-a-secret",
        config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=5, **config),
    )


def _converse(client: Any) -> Any:
    return client.converse(modelId="m", messages=[{"role": "user", "content": [{"text": "hi"}]}])


def test_recorded_through_the_clients_proxy_with_its_credentials(proxy: str) -> None:
    client = _client(proxies={"http": f"http://user:p%40ss@{proxy}"})
    cassette = _Recorder()
    with route_botocore(client, cassette):
        answer = _converse(client)
    assert answer["output"]["message"]["content"][0]["text"] == "hello from behind the proxy"
    ((path, auth),) = _Proxy.seen
    assert path == f"{ENDPOINT}/model/m/converse"  # forwarded: the absolute URL, to the proxy
    assert auth == "Basic " + base64.b64encode(b"user:p@ss").decode()
    ((request, response),) = cassette.appended
    assert request.uri == f"{ENDPOINT}/model/m/converse"
    assert response["status"]["code"] == 200
    assert not any(k.lower() == "proxy-authorization" for k in request.headers)  # never in a cassette


def test_proxy_from_the_environment(proxy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://{proxy}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    client = _client()  # botocore reads the environment when the client is made
    with route_botocore(client, _Recorder()):
        _converse(client)
    assert [p for p, _ in _Proxy.seen] == [f"{ENDPOINT}/model/m/converse"]


def test_without_a_proxy_the_unresolvable_endpoint_is_not_reached(monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.exceptions import EndpointConnectionError

    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    client = _client()
    with route_botocore(client, _Recorder()), pytest.raises(EndpointConnectionError):
        _converse(client)


def test_forwarding_https_through_the_proxy_is_refused_clearly(proxy: str) -> None:
    from botocore.exceptions import InvalidProxiesConfigError

    client = _client(
        proxies={"http": f"http://{proxy}"}, proxies_config={"proxy_use_forwarding_for_https": True}
    )
    with (
        route_botocore(client, _Recorder()),
        pytest.raises(InvalidProxiesConfigError, match="CONNECT tunnel"),
    ):
        _converse(client)
