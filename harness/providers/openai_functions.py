"""OpenAI legacy function calling (`openai-functions`): `functions` / `function_call`.

Wire facts: WIRE-FORMATS.md §1 "Legacy". At most one call per turn; `function_call` is
`"none"`, `"auto"` or `{"name": N}` (there is no `required`, so such a case is unsupported);
results go back as `{"role": "function", "name", "content"}` messages after the assistant
message carrying its `function_call`. Nothing of this API was recorded, so the shapes follow
the SDK's types (`openai.types.chat.completion_create_params.Function` / `FunctionCall`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from harness.model import Case, Message, ModelTurn, ToolCall
from harness.providers._common import encode_arguments, encode_result, extra_params
from harness.providers._openai_common import (
    choice_mode,
    parse_chat_body,
    parse_chat_stream,
    wire_namer,
)
from harness.providers._openai_sdk import make_openai_client, raw_call
from harness.providers._schema import wire_schema
from harness.providers.base import HistoryStep, WireResponse
from harness.providers.capabilities import UnsupportedCaseError

__all__ = ["ADAPTER", "OpenAIFunctionsAdapter"]


class OpenAIFunctionsAdapter:
    """Adapter for `/chat/completions` with the deprecated `functions` parameter."""

    kind = "openai-functions"

    def __init__(self) -> None:
        self.name = wire_namer(True)

    def _assistant(self, text: str | None, call: ToolCall | None) -> dict[str, Any]:
        msg: dict[str, Any] = {"role": "assistant", "content": text or None}
        if call is not None:
            msg["function_call"] = {"name": self.name(call.name), "arguments": encode_arguments(call)}
        return msg

    def _prefix(self, case: Case) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for m in case.messages:
            if m.role == "assistant":
                if len(m.tool_calls) > 1:
                    raise UnsupportedCaseError(
                        f"case {case.id!r}: a prefix message makes {len(m.tool_calls)} calls; "
                        "legacy functions allow one per turn"
                    )
                out.append(self._assistant(m.content, m.tool_calls[0] if m.tool_calls else None))
            elif m.role == "tool":
                out.append(self._function_message(case, m))
            else:
                out.append({"role": m.role, "content": m.content or ""})
        return out

    def _function_message(self, case: Case, m: Message) -> dict[str, Any]:
        name = m.name
        if name is None:  # find the call this message answers
            for prev in case.messages:
                for c in prev.tool_calls:
                    if c.id is not None and c.id == m.tool_call_id:
                        name = c.name
        return {"role": "function", "name": self.name(name or "unknown"), "content": m.content or ""}

    def build_request(
        self,
        case: Case,
        turn_index: int,
        history: Sequence[HistoryStep],
        model: str,
        params: Mapping[str, Any],
    ) -> dict[str, Any]:
        """Return the `/chat/completions` body with `functions` and `function_call`."""
        mode, fn = choice_mode(case.tool_choice)
        if mode == "required":
            raise UnsupportedCaseError(f"case {case.id!r}: legacy function_call has no 'required' value")
        messages = self._prefix(case)
        for step in history[:turn_index]:
            calls = step.turn.calls
            if len(calls) > 1:
                raise UnsupportedCaseError(f"case {case.id!r}: legacy functions allow one call per turn")
            call = calls[0] if calls else None
            messages.append(self._assistant(step.turn.text, call))
            if call is not None and step.results:
                messages.append(
                    {
                        "role": "function",
                        "name": self.name(call.name),
                        "content": encode_result(step.results[0][1]),
                    }
                )
        body: dict[str, Any] = {"model": model, "messages": messages}
        if case.tools:
            body["functions"] = [
                {
                    "name": self.name(t.name),
                    "description": t.description,
                    "parameters": wire_schema(t, "openai-functions"),
                }
                for t in case.tools
            ]
            body["function_call"] = {"name": self.name(fn or "")} if mode == "named" else mode
        for key in ("temperature", "top_p", "seed", "max_tokens"):
            if params.get(key) is not None:
                body[key] = params[key]
        if params.get("stream"):
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        body.update(extra_params(params))
        return body

    def parse_response(self, body: Mapping[str, Any]) -> ModelTurn:
        """Return the neutral turn of a body whose message may carry `function_call`."""
        return parse_chat_body(body)

    def parse_stream(self, events: Sequence[Mapping[str, Any]]) -> ModelTurn:
        """Return the neutral turn assembled from streamed `delta.function_call` pieces."""
        return parse_chat_stream(events)

    def make_client(self, profile: Any, api_key: str | None, *, http_client: Any = None) -> Any:
        """Return an `openai.OpenAI` client."""
        return make_openai_client(profile, api_key, http_client=http_client)

    def send(self, client: Any, request: Mapping[str, Any], *, stream: bool) -> WireResponse:
        """POST the request through `client.chat.completions.with_raw_response.create`."""
        return raw_call(client.chat.completions.with_raw_response.create, request, stream=stream)


ADAPTER = OpenAIFunctionsAdapter()
