"""OpenAI Responses API (`openai-responses`): `POST /v1/responses`.

Wire facts: WIRE-FORMATS.md §2. Tools are flat (`{"type":"function","name",...}`); calls are
`function_call` output items whose `call_id` (not `id`) answers a result; later turns echo the
model's output items (`ModelTurn.raw_assistant`) and add `function_call_output` items. Built-in
tool items (`web_search_call`, `mcp_call`, ...) and reasoning are never calls or text.

Streams are typed events keyed by `item_id`; when no item events arrived, the full response in
`response.completed` is read instead. `response.failed` and `error` events raise ProviderError.

`strict` is always sent (the API's default differs from chat's); with `params.strict = true`
the schemas are portability's `openai-strict` translation and the runner drops the nulls sent
for unused optional parameters (`harness.providers.base.strip_strict_nulls`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from harness.errors import ProviderError
from harness.model import Case, ModelTurn, ToolCall, Usage
from harness.providers._common import (
    call_ids,
    decode_arguments,
    encode_arguments,
    encode_result,
    extra_params,
    int_or_none,
    vendor_message,
)
from harness.providers._openai_common import TEXT_PART_TYPES, choice_mode, wire_namer
from harness.providers._openai_sdk import make_openai_client, raw_call
from harness.providers._schema import wire_schema
from harness.providers.base import HistoryStep, WireResponse

__all__ = ["ADAPTER", "OpenAIResponsesAdapter"]


class OpenAIResponsesAdapter:
    """Adapter for the Responses API (OpenAI, Azure, Bedrock Mantle, DeepSeek, OpenRouter)."""

    kind = "openai-responses"

    def __init__(self) -> None:
        self.name = wire_namer(True)

    # --- request -----------------------------------------------------------------------

    def _call_item(self, call: ToolCall, call_id: str) -> dict[str, Any]:
        return {
            "type": "function_call",
            "call_id": call_id,
            "name": self.name(call.name),
            "arguments": encode_arguments(call),
        }

    def _prefix(self, case: Case) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for m in case.messages:
            if m.role == "assistant":
                if m.content:
                    items.append({"role": "assistant", "content": m.content})
                for i, c in enumerate(m.tool_calls):
                    items.append(self._call_item(c, c.id or f"call_prefix_{i}"))
            elif m.role == "tool":
                items.append(
                    {
                        "type": "function_call_output",
                        "call_id": m.tool_call_id or "",
                        "output": m.content or "",
                    }
                )
            else:
                items.append({"role": m.role, "content": m.content or ""})
        return items

    def _history(self, history: Sequence[HistoryStep]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for t, step in enumerate(history):
            calls = step.turn.calls
            ids = call_ids(calls, t)
            raw = step.turn.raw_assistant
            if isinstance(raw, list):
                items.extend(dict(item) for item in raw if isinstance(item, Mapping))
            else:
                if step.turn.text:
                    items.append({"role": "assistant", "content": step.turn.text})
                items.extend(self._call_item(c, cid) for c, cid in zip(calls, ids, strict=True))
            for i, (c, cid) in enumerate(zip(calls, ids, strict=True)):
                value = _result_for(step, c, i)
                if value is not _MISSING:
                    items.append(
                        {"type": "function_call_output", "call_id": cid, "output": encode_result(value)}
                    )
        return items

    def build_request(
        self,
        case: Case,
        turn_index: int,
        history: Sequence[HistoryStep],
        model: str,
        params: Mapping[str, Any],
    ) -> dict[str, Any]:
        """Return the `/responses` body for turn `turn_index` of `case`."""
        body: dict[str, Any] = {
            "model": model,
            "input": self._prefix(case) + self._history(history[:turn_index]),
        }
        if case.tools:
            strict = self.sends_strict_schemas(params)
            body["tools"] = [
                {
                    "type": "function",
                    "name": self.name(t.name),
                    "description": t.description,
                    "parameters": wire_schema(t, self.kind, strict=strict),
                    "strict": strict,  # sent explicitly: the API's default is not the chat API's
                }
                for t in case.tools
            ]
            mode, fn = choice_mode(case.tool_choice)
            body["tool_choice"] = (
                {"type": "function", "name": self.name(fn or "")} if mode == "named" else mode
            )
            if "parallel_tool_calls" in params:
                body["parallel_tool_calls"] = bool(params["parallel_tool_calls"])
        for key in ("temperature", "top_p"):
            if params.get(key) is not None:
                body[key] = params[key]
        if params.get("max_tokens") is not None:
            body["max_output_tokens"] = params["max_tokens"]
        if params.get("stream"):
            body["stream"] = True
        body.update(extra_params(params))  # `seed` does not exist in this API: never sent
        return body

    def sends_strict_schemas(self, params: Mapping[str, Any]) -> bool:
        """Whether requests carry strict-mode schemas (the runner then drops optional nulls)."""
        return bool(params.get("strict", False))

    # --- parsing -----------------------------------------------------------------------

    def parse_response(self, body: Mapping[str, Any]) -> ModelTurn:
        """Return the neutral turn of a `/responses` body (function_call and message items)."""
        if isinstance(body.get("error"), Mapping) and not body.get("output"):
            raise ProviderError(vendor_message(body, "response failed"), status=None, body=body)
        output = [it for it in body.get("output") or () if isinstance(it, Mapping)]
        return _turn(output, body)

    def parse_stream(self, events: Sequence[Mapping[str, Any]]) -> ModelTurn:
        """Return the neutral turn of a typed-event stream, keyed by `item_id`."""
        items: dict[str, dict[str, Any]] = {}
        order: dict[str, int] = {}
        texts: dict[str, list[str]] = {}
        final: Mapping[str, Any] | None = None
        for ev in events:
            data = ev.get("data")
            if not isinstance(data, Mapping):
                continue
            etype = data.get("type") or ev.get("event")
            if etype in ("error", "response.failed"):
                resp = data.get("response") if etype == "response.failed" else None
                err = resp if isinstance(resp, Mapping) else data
                raise ProviderError(vendor_message(err, "stream failed"), status=_status(data), body=data)
            if etype in ("response.completed", "response.incomplete"):
                final = data.get("response")
            elif etype in ("response.output_item.added", "response.output_item.done"):
                item = data.get("item") or {}
                iid = str(item.get("id") or f"#{data.get('output_index')}")
                prev = items.get(iid, {})
                merged = dict(item)
                if etype.endswith("added") or not merged.get("arguments"):
                    merged.setdefault("arguments", prev.get("arguments", ""))
                items[iid] = merged
                order.setdefault(iid, int(data.get("output_index") or len(order)))
            elif etype == "response.function_call_arguments.delta":
                iid = str(data.get("item_id"))
                item = items.setdefault(iid, {"type": "function_call", "id": iid, "arguments": ""})
                order.setdefault(iid, int(data.get("output_index") or len(order)))
                item["arguments"] = (item.get("arguments") or "") + str(data.get("delta") or "")
            elif etype == "response.function_call_arguments.done":
                iid = str(data.get("item_id"))
                items.setdefault(iid, {"type": "function_call", "id": iid})["arguments"] = data.get(
                    "arguments"
                )
            elif etype == "response.output_text.delta":
                texts.setdefault(str(data.get("item_id")), []).append(str(data.get("delta") or ""))
                order.setdefault(str(data.get("item_id")), int(data.get("output_index") or len(order)))
        final_map = final if isinstance(final, Mapping) else {}
        if not items and not texts and final_map:
            return self.parse_response(final_map)
        for iid, pieces in texts.items():
            item = items.setdefault(iid, {"type": "message", "id": iid})
            if not item.get("content"):
                item["content"] = [{"type": "output_text", "text": "".join(pieces)}]
        output = [items[i] for i in sorted(items, key=lambda k: order.get(k, 0))]
        turn = _turn(output, final_map)
        if isinstance(final_map.get("output"), list) and final_map["output"]:
            # echo the items exactly as the service finished them
            turn = replace(turn, raw_assistant=[dict(it) for it in final_map["output"]])
        return turn

    # --- I/O ---------------------------------------------------------------------------

    def make_client(self, profile: Any, api_key: str | None, *, http_client: Any = None) -> Any:
        """Return an `openai.OpenAI` client."""
        return make_openai_client(profile, api_key, http_client=http_client)

    def send(self, client: Any, request: Mapping[str, Any], *, stream: bool) -> WireResponse:
        """POST the request through `client.responses.with_raw_response.create`."""
        return raw_call(client.responses.with_raw_response.create, request, stream=stream)


_MISSING = object()


def _result_for(step: HistoryStep, call: ToolCall, index: int) -> Any:
    for c, value in step.results:
        if c is call or c == call:
            return value
    return step.results[index][1] if index < len(step.results) else _MISSING


def _status(data: Mapping[str, Any]) -> int | None:
    for key in ("status_code", "status"):
        if isinstance(data.get(key), int):
            return int(data[key])
    return None


def _turn(output: Sequence[Mapping[str, Any]], body: Mapping[str, Any]) -> ModelTurn:
    calls: list[ToolCall] = []
    text: list[str] = []
    for item in output:
        kind = item.get("type")
        if kind == "function_call":
            arguments, raw = decode_arguments(item.get("arguments"))
            cid = item.get("call_id") or item.get("id")
            calls.append(ToolCall(str(item.get("name") or ""), arguments, raw, cid or None))
        elif kind == "message":
            content = item.get("content")
            if isinstance(content, str):
                text.append(content)
            for part in content if isinstance(content, list) else ():
                if isinstance(part, Mapping) and part.get("type") in TEXT_PART_TYPES:
                    text.append(str(part.get("text") or ""))
    raw_usage = body.get("usage")
    usage: Mapping[str, Any] = raw_usage if isinstance(raw_usage, Mapping) else {}
    status = body.get("status")
    details = body.get("incomplete_details")
    if status == "incomplete" and isinstance(details, Mapping) and details.get("reason"):
        status = f"incomplete:{details['reason']}"
    return ModelTurn(
        calls=tuple(calls),
        text="".join(text) or None,
        finish_reason=status,
        usage=Usage(int_or_none(usage.get("input_tokens")), int_or_none(usage.get("output_tokens"))),
        raw_assistant=[dict(it) for it in output],
    )


ADAPTER = OpenAIResponsesAdapter()
