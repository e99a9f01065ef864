"""Mistral chat completions (`mistral`) through the `mistralai` SDK.

Wire facts: WIRE-FORMATS.md §6. The chat shape with four differences handled here: required is
`"any"`; calls carry no `type` (none are sent back either); ids sent back must be exactly nine
alphanumerics (deterministic ones replace any other); `content` is `""` or a list of
`text`/`thinking` chunks, of which only `text` is answer text.

The SDK has no raw-response API, so `send` reads the HTTP body through a response event hook on
the SDK's own httpx client: what the parser sees is the body as it was on the wire.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from harness.errors import ConfigError, ProviderError
from harness.model import Case, ModelTurn, ToolCall
from harness.providers._common import (
    call_ids,
    extra_params,
    parse_retry_after,
    sse_events_from_text,
    stable_id,
    vendor_message,
)
from harness.providers._openai_common import (
    chat_history,
    chat_prefix,
    chat_tool_choice,
    chat_tools,
    parse_chat_body,
    parse_chat_stream,
    wire_namer,
)
from harness.providers.base import HistoryStep, WireResponse

__all__ = ["ADAPTER", "MistralAdapter", "mistral_errors"]

_ID_OK = re.compile(r"^[a-zA-Z0-9]{9}$")
_captured = threading.local()


def mistral_ids(calls: Sequence[ToolCall], turn: int) -> list[str]:
    """Return ids Mistral accepts back: the call's own when 9 alphanumerics, else a stable one."""
    return call_ids(calls, turn, prefix="", valid=lambda cid: bool(_ID_OK.match(cid)))


class MistralAdapter:
    """Adapter for `POST /v1/chat/completions` on api.mistral.ai."""

    kind = "mistral"

    def __init__(self) -> None:
        self.name = wire_namer(True)

    def build_request(
        self,
        case: Case,
        turn_index: int,
        history: Sequence[HistoryStep],
        model: str,
        params: Mapping[str, Any],
    ) -> dict[str, Any]:
        """Return the chat body for turn `turn_index` (required → `any`, 9-character ids).

        The body is exactly what the SDK serialises for it (its `type`, `index`, `prefix` and
        `stream` defaults included), so a recorded request compares equal to a rebuilt one.
        """
        messages = chat_prefix(case.messages, self.name, tool_name=True, call_type=False)
        for m in messages:  # prefix ids must be Mistral-shaped too, the same on both sides
            for tc in m.get("tool_calls") or ():
                tc["id"] = _prefix_id(tc["id"])
            if m["role"] == "tool":
                m["tool_call_id"] = _prefix_id(m["tool_call_id"])
        messages += chat_history(
            history[:turn_index], self.name, ids=mistral_ids, tool_name=True, call_type=False
        )
        for m in messages:  # what the SDK itself puts on the wire (its serialised defaults)
            if m["role"] == "assistant":
                m["prefix"] = False
                for i, tc in enumerate(m.get("tool_calls") or ()):
                    tc.update({"type": "function", "index": i})
        body: dict[str, Any] = {"model": model, "messages": messages, "stream": bool(params.get("stream"))}
        if case.tools:
            body["tools"] = chat_tools(case.tools, self.name, kind="mistral", strict=params.get("strict"))
            body["tool_choice"] = chat_tool_choice(case.tool_choice, self.name, required="any")
            if "parallel_tool_calls" in params:
                body["parallel_tool_calls"] = bool(params["parallel_tool_calls"])
        for key in ("temperature", "top_p"):
            if params.get(key) is not None:
                body[key] = float(params[key])
        if params.get("max_tokens") is not None:
            body["max_tokens"] = int(params["max_tokens"])
        if params.get("seed") is not None:
            body["random_seed"] = int(params["seed"])
        body.update(extra_params(params))
        return body

    def parse_response(self, body: Mapping[str, Any]) -> ModelTurn:
        """Return the neutral turn of a Mistral chat body."""
        return parse_chat_body(body)

    def parse_stream(self, events: Sequence[Mapping[str, Any]]) -> ModelTurn:
        """Return the neutral turn of a streamed body (chat-shaped chunks)."""
        return parse_chat_stream(events)

    def make_client(self, profile: Any, api_key: str | None, *, http_client: Any = None) -> Any:
        """Return a `mistralai.Mistral` client whose httpx client records each response body."""
        import httpx2
        from mistralai.client import Mistral

        options: Mapping[str, Any] = getattr(profile, "options", None) or {}
        http = http_client or httpx2.Client(timeout=float(options.get("timeout", 120.0)))
        http.event_hooks = {**http.event_hooks, "response": [*http.event_hooks["response"], _capture]}
        kwargs: dict[str, Any] = {"api_key": api_key or "fcharness-no-key", "client": http}
        if getattr(profile, "base_url", None):
            kwargs["server_url"] = profile.base_url
        return Mistral(**kwargs)

    def send(self, client: Any, request: Mapping[str, Any], *, stream: bool) -> WireResponse:
        """Call `client.chat.complete` / `.stream` and return the body captured off the wire."""
        kwargs = {k: v for k, v in request.items() if k != "stream"}
        method = client.chat.stream if stream else client.chat.complete
        import inspect

        unknown = set(kwargs) - set(inspect.signature(method).parameters)
        if unknown:
            raise ConfigError(f"mistral: the SDK takes no parameter(s) {', '.join(sorted(unknown))}")
        _captured.response = None
        start = time.perf_counter()
        with mistral_errors():
            try:
                result = method(**kwargs)
                if stream:
                    with contextlib.suppress(Exception):
                        result.close()
            except Exception as exc:
                if type(exc).__name__ != "ResponseValidationError":
                    raise
                # the SDK could not model the body; the wire body is still what we grade
        http = _captured.response
        if http is None:
            raise ProviderError("mistral: no HTTP response was captured", status=None)
        latency = (time.perf_counter() - start) * 1000.0
        text = http.content.decode("utf-8", "replace")
        headers = dict(http.headers)
        if stream:
            events = sse_events_from_text(text.splitlines())
            return WireResponse(http.status_code, events=events, headers=headers, latency_ms=latency)
        return WireResponse(http.status_code, body=json.loads(text), headers=headers, latency_ms=latency)


def _prefix_id(cid: Any) -> str:
    text = str(cid or "")
    return text if _ID_OK.match(text) else stable_id("prefix", text)


def _capture(response: Any) -> None:
    response.read()
    _captured.response = response


@contextlib.contextmanager
def mistral_errors() -> Iterator[None]:
    """Map `mistralai` errors (and transport errors) to ProviderError with the vendor's message."""
    import httpx2
    from mistralai.client import errors

    try:
        yield
    except errors.MistralError as exc:
        try:
            body: Any = json.loads(exc.body)
        except (TypeError, ValueError):
            body = exc.body
        raise ProviderError(
            vendor_message(body, exc.message),
            status=exc.status_code,
            body=body,
            retry_after=parse_retry_after(exc.headers),
        ) from exc
    except errors.NoResponseError as exc:
        raise ProviderError(exc.message, status=None) from exc
    except httpx2.TransportError as exc:
        raise ProviderError(f"{type(exc).__name__}: {exc}", status=None) from exc


ADAPTER = MistralAdapter()
