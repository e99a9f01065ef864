"""Bedrock (botocore) traffic recorded and replayed without vcrpy's http.client stubs.

vcrpy records boto3 through its http.client/urllib3 stubs, and those call
`vcr.patch.force_reset()` while they open and write the real connection: for that moment every
HTTP library is unpatched *process-wide*, so an httpx request sent by another thread in that
window went out unrecorded. A global send lock kept them apart, and serialised the run.

Instead, while a run records (or replays through the SDK), each botocore client gets a
`before-send` handler (`route_botocore`). Botocore hands it the signed request; the handler
builds the request vcrpy's stub would have built (method, URL, headers as botocore sent them,
body), answers from the calling thread's cassette when it holds the answer, and otherwise sends
the request itself through httpcore's connection pool (thread-safe; vcrpy patches httpx's
transports, not httpcore) and appends the answer in the shape vcrpy's stub writes (status code
and reason, headers as received, body bytes). `Cassette.append` runs the same scrubbing hooks,
so the cassette file is what vcrpy wrote before, and plain vcrpy still replays it through boto3.
Network failures become botocore's own exceptions (`EndpointConnectionError`, timeouts,
`ConnectionClosedError`), as when botocore sends. The client's proxies are honoured as botocore
honours them (its `proxies` config, or HTTP(S)_PROXY / NO_PROXY as read when the client was
made): the proxy for the request's scheme, its credentials as `Proxy-Authorization`, https
through a CONNECT tunnel, `proxy_ca_bundle` and `proxy_client_cert` for an https proxy.
(`proxy_use_forwarding_for_https` is not supported: such a request fails with a clear error.)
"""

from __future__ import annotations

import contextlib
import ssl
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

__all__ = ["routable", "route_botocore"]

_HANDLER_ID = "fcharness-cassette-route"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def routable(client: Any) -> bool:
    """True for a botocore client (or an adapter's client wrapping one as `.sdk`)."""
    return _botocore_client(client) is not None


def _botocore_client(client: Any) -> Any:
    for obj in (client, getattr(client, "sdk", None)):
        meta = getattr(obj, "meta", None)
        if meta is not None and hasattr(meta, "events") and hasattr(meta, "service_model"):
            return obj
    return None


@contextlib.contextmanager
def route_botocore(client: Any, cassette: Any) -> Iterator[None]:
    """Send `client`'s requests through `cassette` (the run's router) while the block runs."""
    sdk = _botocore_client(client)
    if sdk is None:
        yield
        return
    sender = _Sender(cassette, sdk)
    sdk.meta.events.register_first("before-send", sender, unique_id=_HANDLER_ID)
    try:
        yield
    finally:
        sdk.meta.events.unregister("before-send", unique_id=_HANDLER_ID)
        sender.close()


class _Body:
    """A whole response body standing in for urllib3's response (`stream`, `read`, `close`)."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, amt: int | None = None, decode_content: bool | None = None) -> Iterator[bytes]:
        data, self._data = self._data, b""
        if data:
            yield data

    def read(self, amt: int | None = None, decode_content: bool | None = None) -> bytes:
        data, self._data = self._data, b""
        return data

    def close(self) -> None:
        self._data = b""

    def release_conn(self) -> None:
        self._data = b""


class _Sender:
    """botocore `before-send` handler: the cassette's answer, or a real send that it records."""

    def __init__(self, cassette: Any, sdk: Any) -> None:
        self.cassette = cassette
        config = sdk.meta.config
        self.connect_timeout = float(getattr(config, "connect_timeout", None) or 60)
        self.read_timeout = float(getattr(config, "read_timeout", None) or 60)
        session = getattr(getattr(sdk, "_endpoint", None), "http_session", None)
        self.verify: Any = getattr(session, "_verify", True)
        self.max_connections = max(10, int(getattr(config, "max_pool_connections", None) or 10), 64)
        self.proxies: Any = getattr(session, "_proxy_config", None)  # botocore's ProxyConfiguration
        self._pools: dict[str | None, Any] = {}
        self._lock = threading.Lock()

    def __call__(self, request: Any, **kwargs: Any) -> Any:
        from vcr.errors import CannotOverwriteExistingCassetteException
        from vcr.request import Request

        body = request.body
        if hasattr(body, "read"):
            body = body.read()
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers = {str(k): v for k, v in request.headers.items()}
        vcr_request = Request(request.method, request.url, body, headers)
        cassette = self.cassette
        if cassette.can_play_response_for(vcr_request):
            return _aws_response(request.url, cassette.play_response(vcr_request))
        if cassette.write_protected and cassette.filter_request(vcr_request):
            raise CannotOverwriteExistingCassetteException(cassette=cassette, failed_request=vcr_request)
        recorded = self._send(request.method, request.url, headers, body or b"")
        cassette.append(vcr_request, recorded)
        return _aws_response(request.url, recorded)

    def _send(self, method: str, url: str, headers: dict[str, Any], body: bytes) -> dict[str, Any]:
        """Send through httpcore; return the answer as vcrpy's stub records it."""
        import httpcore
        from botocore import exceptions as bx

        wire = [(k, v if isinstance(v, bytes) else str(v)) for k, v in headers.items()]
        names = {k.lower() for k in headers}
        if "host" not in names:
            wire.insert(0, ("Host", _host(url)))
        if body and "content-length" not in names:
            wire.append(("Content-Length", str(len(body))))
        timeout = {"connect": self.connect_timeout, "read": self.read_timeout}
        timeout.update(write=self.read_timeout, pool=self.read_timeout)
        try:
            resp = self._connections(url).request(
                method, url, headers=wire, content=body, extensions={"timeout": timeout}
            )
        except httpcore.ConnectTimeout as exc:
            raise bx.ConnectTimeoutError(endpoint_url=url, error=exc) from exc
        except httpcore.ReadTimeout as exc:
            raise bx.ReadTimeoutError(endpoint_url=url, error=exc) from exc
        except httpcore.ConnectError as exc:
            raise bx.EndpointConnectionError(endpoint_url=url, error=exc) from exc
        except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.TimeoutException) as exc:
            raise bx.ConnectionClosedError(endpoint_url=url, error=exc) from exc
        received: dict[str, list[str]] = {}
        for name, value in resp.headers:
            received.setdefault(name.decode("latin-1"), []).append(value.decode("latin-1"))
        reason = resp.extensions.get("reason_phrase", b"")
        return {
            "status": {"code": resp.status, "message": reason.decode("latin-1", "replace")},
            "headers": received,
            "body": {"string": resp.content},
        }

    def _connections(self, url: str) -> Any:
        """The connection pool for `url`: direct, or through the proxy botocore would use."""
        proxy = self.proxies.proxy_url_for(url) if self.proxies is not None else None
        with self._lock:
            pool = self._pools.get(proxy)
            if pool is None:
                pool = self._pools[proxy] = self._new_pool(proxy)
            return pool

    def _new_pool(self, proxy: str | None) -> Any:
        import httpcore

        ssl_context = _ssl_context(self.verify)
        if proxy is None:
            return httpcore.ConnectionPool(ssl_context=ssl_context, max_connections=self.max_connections)
        settings = self.proxies.settings or {}
        if settings.get("proxy_use_forwarding_for_https"):
            from botocore.exceptions import InvalidProxiesConfigError

            class _Forwarding(InvalidProxiesConfigError):  # type: ignore[misc]  # botocore: untyped
                fmt = (
                    "proxies_config proxy_use_forwarding_for_https is not supported while fc-harness "
                    "records Bedrock (it sends https through a CONNECT tunnel): unset it to record"
                )

            raise _Forwarding()
        parts = urlsplit(proxy)
        bare = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()  # credentials: a header
        proxy_ssl = None
        if parts.scheme == "https":
            proxy_ssl = _ssl_context(settings.get("proxy_ca_bundle") or True)
            cert = settings.get("proxy_client_cert")
            if cert:
                certfile, keyfile = cert if isinstance(cert, tuple) else (cert, None)
                proxy_ssl.load_cert_chain(certfile, keyfile)
        return httpcore.HTTPProxy(
            proxy_url=bare,
            proxy_headers=self.proxies.proxy_headers_for(proxy),
            ssl_context=ssl_context,
            proxy_ssl_context=proxy_ssl,
            max_connections=self.max_connections,
        )

    def close(self) -> None:
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            with contextlib.suppress(Exception):
                pool.close()


def _ssl_context(verify: Any) -> ssl.SSLContext:
    """botocore's `verify`: True (its CA bundle), False (no checks) or a CA bundle path."""
    if verify is False:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    if isinstance(verify, str):
        return ssl.create_default_context(cafile=verify)
    try:
        import certifi

        return ssl.create_default_context(cafile=certifi.where())
    except ImportError:  # pragma: no cover
        return ssl.create_default_context()


def _host(url: str) -> str:
    """The Host header http.client would send (and SigV4 signed): no default port."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port is not None and parts.port != _DEFAULT_PORTS.get(parts.scheme):
        host += f":{parts.port}"
    return host


def _aws_response(url: str, recorded: dict[str, Any]) -> Any:
    """A botocore `AWSResponse` carrying a recorded (or just received) answer."""
    from botocore.awsrequest import AWSResponse

    headers: dict[str, str] = {}
    for name, values in (recorded.get("headers") or {}).items():
        vs = values if isinstance(values, list) else [values]
        headers[name] = ", ".join(str(v) for v in vs)
    body = (recorded.get("body") or {}).get("string") or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    return AWSResponse(url, int(recorded["status"]["code"]), headers, _Body(body))
