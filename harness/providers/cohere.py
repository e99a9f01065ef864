"""Cohere v2 chat (`cohere`, `POST /v2/chat`) through the `cohere` SDK's raw-response API.

Wire facts: WIRE-FORMATS.md §7. Tools are chat-shaped; `tool_choice` has only `REQUIRED` and
`NONE`: auto is expressed by leaving it out, and a named choice by sending **only that tool**
with `REQUIRED` (the model must call it; it cannot pick another). `message.tool_plan` is prose,
not answer text; text is `message.content[].text`. Streams are typed events whose
`tool-call-delta` carries `delta.message.tool_calls` as an object, not a list.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from harness.errors import ProviderError
from harness.model import Case, ModelTurn, ToolCall, Usage
from harness.providers._common import (
    decode_arguments,
    extra_params,
    int_or_none,
    parse_retry_after,
    sse_events_from_text,
    vendor_message,
)
from harness.providers._openai_common import (
    chat_history,
    chat_prefix,
    chat_tools,
    choice_mode,
    parse_chat_calls,
    text_from_content,
    wire_namer,
)
from harness.providers.base import HistoryStep, WireResponse

__all__ = ["ADAPTER", "CohereAdapter", "cohere_errors"]


def _usage(usage: Any) -> Usage:
    if not isinstance(usage, Mapping):
        return Usage()
    tokens = usage.get("tokens") if isinstance(usage.get("tokens"), Mapping) else usage.get("billed_units")
    tokens = tokens if isinstance(tokens, Mapping) else {}
    return Usage(int_or_none(tokens.get("input_tokens")), int_or_none(tokens.get("output_tokens")))


def _obj(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


class CohereAdapter:
    """Adapter for Cohere's v2 chat endpoint."""

    kind = "cohere"

    def __init__(self) -> None:
        self.name = wire_namer(True)

    def _echo(self, step: HistoryStep) -> Mapping[str, Any]:
        raw = step.turn.raw_assistant
        return {"tool_plan": raw["tool_plan"]} if isinstance(raw, Mapping) and raw.get("tool_plan") else {}

    def build_request(
        self,
        case: Case,
        turn_index: int,
        history: Sequence[HistoryStep],
        model: str,
        params: Mapping[str, Any],
    ) -> dict[str, Any]:
        """Return the `/v2/chat` body (named choice: only that tool, REQUIRED)."""
        messages = chat_prefix(case.messages, self.name)
        messages += chat_history(history[:turn_index], self.name, extra=self._echo)
        for m in messages:  # Cohere's assistant messages carry no null content
            if m["role"] == "assistant" and m.get("content") is None:
                del m["content"]
        body: dict[str, Any] = {"model": model, "messages": messages}
        if case.tools:
            mode, fn = choice_mode(case.tool_choice)
            tools = [t for t in case.tools if t.name == fn] if mode == "named" else list(case.tools)
            body["tools"] = chat_tools(tools, self.name, kind="cohere")
            if params.get("strict") is not None:
                body["strict_tools"] = bool(params["strict"])
            if mode in ("required", "named"):
                body["tool_choice"] = "REQUIRED"
            elif mode == "none":
                body["tool_choice"] = "NONE"
        for key, wire in (("temperature", "temperature"), ("top_p", "p"), ("max_tokens", "max_tokens")):
            if params.get(key) is not None:
                body[wire] = params[key]
        if params.get("seed") is not None:
            body["seed"] = params["seed"]
        body.update(extra_params(params))
        body["stream"] = bool(params.get("stream"))  # the SDK always sends it
        return body

    def parse_response(self, body: Mapping[str, Any]) -> ModelTurn:
        """Return the neutral turn of a `/v2/chat` body (tool_plan is not text)."""
        if isinstance(body.get("message"), str):  # an error body (`{"message": "..."}`)
            raise ProviderError(vendor_message(body), status=None, body=body)
        message = body.get("message") or {}
        return ModelTurn(
            calls=parse_chat_calls(message),
            text=text_from_content(message.get("content")),
            finish_reason=body.get("finish_reason"),
            usage=_usage(body.get("usage")),
            raw_assistant=dict(message),
        )

    def parse_stream(self, events: Sequence[Mapping[str, Any]]) -> ModelTurn:
        """Return the neutral turn of a v2 chat stream (`tool-call-start/-delta/-end`)."""
        text: list[str] = []
        plan: list[str] = []
        calls: dict[int, dict[str, Any]] = {}
        finish: str | None = None
        usage = Usage()
        for ev in events:
            data = ev.get("data")
            if not isinstance(data, Mapping):
                continue
            etype = data.get("type") or ev.get("event")
            delta: Mapping[str, Any] = _obj(data.get("delta"))
            message: Mapping[str, Any] = _obj(delta.get("message"))
            if etype == "error" or (etype is None and "message" in data and "delta" not in data):
                raise ProviderError(vendor_message(data, "error event in stream"), status=None, body=data)
            if etype == "content-delta":
                content = message.get("content")
                if isinstance(content, Mapping) and isinstance(content.get("text"), str):
                    text.append(content["text"])
            elif etype == "tool-plan-delta":
                plan.append(str(message.get("tool_plan") or ""))
            elif etype in ("tool-call-start", "tool-call-delta"):
                tc = message.get("tool_calls")
                tc = tc[0] if isinstance(tc, list) and tc else tc  # an object, tolerate a list
                if not isinstance(tc, Mapping):
                    continue
                part = calls.setdefault(
                    int(data.get("index") or 0), {"id": None, "name": "", "arguments": ""}
                )
                if tc.get("id"):
                    part["id"] = tc["id"]
                fn = _obj(tc.get("function"))
                if fn.get("name"):
                    part["name"] = fn["name"]
                if isinstance(fn.get("arguments"), str):
                    part["arguments"] += fn["arguments"]
            elif etype == "message-end":
                finish = delta.get("finish_reason") or finish
                usage = _usage(delta.get("usage"))
        out = []
        for key in sorted(calls):
            p = calls[key]
            arguments, raw = decode_arguments(p["arguments"] or None)
            out.append(ToolCall(p["name"], arguments, raw, p["id"]))
        joined = "".join(text) or None
        raw_assistant: dict[str, Any] = {"role": "assistant"}
        if plan:
            raw_assistant["tool_plan"] = "".join(plan)
        return ModelTurn(
            calls=tuple(out), text=joined, finish_reason=finish, usage=usage, raw_assistant=raw_assistant
        )

    def make_client(self, profile: Any, api_key: str | None, *, http_client: Any = None) -> Any:
        """Return a `cohere.ClientV2` (SDK retries off: the runner retries)."""
        import cohere

        options: Mapping[str, Any] = getattr(profile, "options", None) or {}
        kwargs: dict[str, Any] = {
            "api_key": api_key or "fcharness-no-key",
            "timeout": float(options.get("timeout", 120.0)),
            "max_retries": 0,
        }
        if getattr(profile, "base_url", None):
            kwargs["base_url"] = profile.base_url
        if http_client is not None:
            kwargs["httpx_client"] = http_client
        return cohere.ClientV2(**kwargs)

    def send(self, client: Any, request: Mapping[str, Any], *, stream: bool) -> WireResponse:
        """Call `client.with_raw_response.chat` / `.chat_stream` and return the wire body."""
        kwargs = {k: v for k, v in request.items() if k != "stream"}
        kwargs["request_options"] = {"max_retries": 0}
        raw = client.with_raw_response
        start = time.perf_counter()
        with cohere_errors():
            if stream:
                with raw.chat_stream(**kwargs) as resp:
                    http = resp.response
                    text = http.read().decode("utf-8", "replace")
            else:
                http = raw.chat(**kwargs).response
                text = http.text
        latency = (time.perf_counter() - start) * 1000.0
        headers = dict(http.headers)
        if stream:
            events = sse_events_from_text(text.splitlines())
            return WireResponse(http.status_code, events=events, headers=headers, latency_ms=latency)
        return WireResponse(http.status_code, body=json.loads(text), headers=headers, latency_ms=latency)


@contextlib.contextmanager
def cohere_errors() -> Iterator[None]:
    """Map `cohere` SDK errors (every status class is an ApiError) and httpx errors."""
    import httpx
    from cohere.core.api_error import ApiError

    try:
        yield
    except ApiError as exc:
        raise ProviderError(
            vendor_message(exc.body, str(exc)),
            status=exc.status_code,
            body=exc.body,
            retry_after=parse_retry_after(exc.headers or {}),
        ) from exc
    except httpx.HTTPError as exc:
        raise ProviderError(f"{type(exc).__name__}: {exc}", status=None) from exc


ADAPTER = CohereAdapter()
