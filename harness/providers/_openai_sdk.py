"""The one I/O boundary of the OpenAI-SDK adapters (chat, functions, responses).

`openai_errors()` maps every `openai` exception to `ProviderError` in one place; `raw_call`
performs a call through the SDK's raw-response API and returns the body exactly as it was on
the wire, so recording and replay feed the same pure parser.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from harness.errors import ProviderError
from harness.providers._common import parse_retry_after, sse_events_from_text, vendor_message
from harness.providers.base import WireResponse

__all__ = ["NO_KEY", "make_openai_client", "openai_errors", "raw_call", "split_kwargs"]

#: Placeholder key for clients built without one (replay never sends a request that needs it).
NO_KEY = "fcharness-no-key"


def make_openai_client(
    profile: Any,
    api_key: str | None,
    *,
    default_base_url: str | None = None,
    http_client: Any = None,
) -> Any:
    """Return an `openai.OpenAI` client for a profile (SDK retries off: the runner retries)."""
    import openai

    options: Mapping[str, Any] = getattr(profile, "options", None) or {}
    base_url = getattr(profile, "base_url", None) or default_base_url
    kwargs: dict[str, Any] = {
        "api_key": api_key or NO_KEY,
        "max_retries": 0,
        "timeout": float(options.get("timeout", 120.0)),
    }
    if base_url:
        kwargs["base_url"] = base_url
    if http_client is not None:
        kwargs["http_client"] = http_client
    return openai.OpenAI(**kwargs)


def _response_body(response: Any) -> Any:
    try:
        text = response.text
    except Exception:  # a streamed error body that was never read
        try:
            text = response.read().decode("utf-8", "replace")
        except Exception:
            return None
    try:
        return json.loads(text)
    except ValueError:
        return text


@contextlib.contextmanager
def openai_errors() -> Iterator[None]:
    """Map `openai` SDK exceptions to ProviderError carrying the vendor's own message."""
    import openai

    try:
        yield
    except openai.APIStatusError as exc:
        body = _response_body(exc.response)
        raise ProviderError(
            vendor_message(body, exc.message),
            status=exc.status_code,
            body=body,
            retry_after=parse_retry_after(exc.response.headers),
        ) from exc
    except openai.APIResponseValidationError as exc:
        raise ProviderError(exc.message, status=exc.status_code, body=exc.body) from exc
    except openai.APIConnectionError as exc:  # includes APITimeoutError
        cause = f" ({exc.__cause__})" if exc.__cause__ else ""
        raise ProviderError(f"{exc.message}{cause}", status=None) from exc
    except openai.APIError as exc:
        raise ProviderError(exc.message, status=None, body=exc.body) from exc
    except openai.OpenAIError as exc:
        raise ProviderError(str(exc), status=None) from exc


def split_kwargs(func: Callable[..., Any], request: Mapping[str, Any]) -> dict[str, Any]:
    """Return SDK keyword arguments for `request`: known keys as such, others in `extra_body`."""
    known = set(inspect.signature(func).parameters)
    kwargs: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in request.items():
        (kwargs if key in known and key != "extra_body" else extra)[key] = value
    if extra:
        kwargs["extra_body"] = extra
    return kwargs


def raw_call(create: Callable[..., Any], request: Mapping[str, Any], *, stream: bool) -> WireResponse:
    """Call `<resource>.with_raw_response.create` and return the wire body (SSE decoded)."""
    kwargs = split_kwargs(create, request)
    start = time.perf_counter()
    with openai_errors():
        raw = create(**kwargs)
        http = raw.http_response
        data = http.read()
    latency = (time.perf_counter() - start) * 1000.0
    headers = dict(http.headers)
    text = data.decode("utf-8", "replace")
    if stream:
        events = sse_events_from_text(text.splitlines())
        return WireResponse(status=http.status_code, events=events, headers=headers, latency_ms=latency)
    try:
        body = json.loads(text)
    except ValueError as exc:
        raise ProviderError(
            f"response is not JSON: {text[:200]!r}", status=http.status_code, body=text
        ) from exc
    return WireResponse(status=http.status_code, body=body, headers=headers, latency_ms=latency)
