"""OpenAI Chat Completions (`openai-chat`) and the OpenAI-compatible quirks profiles.

Wire facts: WIRE-FORMATS.md §1 (chat) and §8 (compatible services). One adapter class; a
`Quirks` record (data, one per vendor) says what each compatible service accepts.

Strict mode: `params.strict = true` sends each tool as `function.strict: true` with its schema
translated by `harness.providers.portability` (kind `openai-strict`: closed objects, every property
required, optional ones nullable); the runner drops the nulls the model then sends for unused
optional parameters (`harness.providers.base.strip_strict_nulls`). A quirks profile without
strict support makes such a case `unsupported`.

Streaming errors: an `event: error` (or an `{"error": ...}` chunk) after HTTP 200, as Groq
sends them, makes `parse_stream` raise `ProviderError` with the vendor's message and the
status it names, so the runner records a `provider_error` verdict exactly as for an HTTP error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from harness.errors import ConfigError
from harness.model import Case, ModelTurn
from harness.providers._common import extra_params
from harness.providers._openai_common import (
    chat_history,
    chat_prefix,
    chat_tool_choice,
    chat_tools,
    choice_mode,
    parse_chat_body,
    parse_chat_stream,
    wire_namer,
)
from harness.providers._openai_sdk import make_openai_client, raw_call
from harness.providers.base import HistoryStep, WireResponse
from harness.providers.capabilities import UnsupportedCaseError
from harness.providers.quirks import QUIRKS, Quirks, unknown_quirks_message

__all__ = ["ADAPTER", "QUIRKS", "OpenAIChatAdapter", "Quirks", "make_adapter"]


class OpenAIChatAdapter:
    """Adapter for `/chat/completions` (OpenAI and compatible services)."""

    kind = "openai-chat"

    def __init__(self, quirks: Quirks | None = None) -> None:
        self.quirks = quirks or QUIRKS["openai"]
        self.name = wire_namer(self.quirks.sanitize_names)

    def build_request(
        self,
        case: Case,
        turn_index: int,
        history: Sequence[HistoryStep],
        model: str,
        params: Mapping[str, Any],
    ) -> dict[str, Any]:
        """Return the `/chat/completions` body for turn `turn_index` of `case`."""
        q = self.quirks
        if case.tools and not self.supports_choice(case):
            raise UnsupportedCaseError(
                f"case {case.id!r}: {q.name} accepts tool_choice {sorted(q.tool_choices)}, "
                f"not {choice_mode(case.tool_choice)[0]!r}"
            )
        messages = chat_prefix(case.messages, self.name)
        messages += chat_history(history[:turn_index], self.name, extra=self._echo_extra)
        body: dict[str, Any] = {"model": model, "messages": messages}
        if case.tools:
            strict = params.get("strict")
            if strict and not q.strict:
                raise UnsupportedCaseError(
                    f"case {case.id!r}: {q.name} does not accept strict function schemas "
                    "(the profile's params set strict = true)"
                )
            body["tools"] = chat_tools(
                case.tools, self.name, strict=bool(strict) if strict is not None and q.strict else None
            )
            body["tool_choice"] = chat_tool_choice(case.tool_choice, self.name)
            if "parallel_tool_calls" in params and q.parallel_tool_calls:
                body["parallel_tool_calls"] = bool(params["parallel_tool_calls"])
        for key in ("temperature", "top_p", "seed"):
            if params.get(key) is not None:
                body[key] = params[key]
        if params.get("max_tokens") is not None:
            body[str(params.get("max_tokens_field") or q.max_tokens_field)] = params["max_tokens"]
        if params.get("stream"):
            body["stream"] = True
            if q.stream_usage_option:
                body["stream_options"] = {"include_usage": True}
        body.update(extra_params(params))
        return body

    def sends_strict_schemas(self, params: Mapping[str, Any]) -> bool:
        """Whether requests carry strict-mode schemas (the runner then drops optional nulls)."""
        return bool(params.get("strict")) and self.quirks.strict

    def _echo_extra(self, step: HistoryStep) -> Mapping[str, Any]:
        raw = step.turn.raw_assistant
        if self.quirks.echo_reasoning_content and isinstance(raw, Mapping) and raw.get("reasoning_content"):
            return {"reasoning_content": raw["reasoning_content"]}
        return {}

    def parse_response(self, body: Mapping[str, Any]) -> ModelTurn:
        """Return the neutral turn of a non-streamed `/chat/completions` body."""
        return parse_chat_body(body)

    def parse_stream(self, events: Sequence[Mapping[str, Any]]) -> ModelTurn:
        """Return the neutral turn of a streamed body; raise ProviderError on an error event."""
        return parse_chat_stream(events)

    def make_client(self, profile: Any, api_key: str | None, *, http_client: Any = None) -> Any:
        """Return an `openai.OpenAI` client (the quirks profile supplies a default base_url)."""
        return make_openai_client(
            profile, api_key, default_base_url=self.quirks.base_url, http_client=http_client
        )

    def send(self, client: Any, request: Mapping[str, Any], *, stream: bool) -> WireResponse:
        """POST the request through `client.chat.completions.with_raw_response.create`."""
        return raw_call(client.chat.completions.with_raw_response.create, request, stream=stream)

    def supports_choice(self, case: Case) -> bool:
        """Whether this quirks profile can express the case's tool_choice."""
        return choice_mode(case.tool_choice)[0] in self.quirks.tool_choices


ADAPTER = OpenAIChatAdapter()


def make_adapter(quirks: str | None = None) -> OpenAIChatAdapter:
    """Return the openai-chat adapter for a quirks profile name (None: plain OpenAI)."""
    if quirks is None:
        return ADAPTER
    try:
        return OpenAIChatAdapter(QUIRKS[quirks])
    except KeyError:
        raise ConfigError(unknown_quirks_message(quirks)) from None
