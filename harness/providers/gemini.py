"""Adapter for Google Gemini `generateContent` through google-genai, kind `gemini`.

Wire facts (WIRE-FORMATS.md §4): tools are `[{"functionDeclarations": [{name, description,
parametersJsonSchema}]}]` (real JSON Schema; with `schema_field = "parameters"` in the
profile's params the OpenAPI-subset `parameters` is sent instead, translated by
`harness.providers.portability.translate_schema(schema, "gemini")`, a rejected construct making the case
`unsupported`); tool_choice is
`toolConfig.functionCallingConfig.mode` AUTO / ANY / NONE, a named choice being ANY plus
`allowedFunctionNames`; there is no parallel-call switch. Multi-turn: the model's content is
echoed unchanged (thought signatures included), then a `user` turn of `functionResponse` parts
whose `response` is an object (non-objects wrapped as `{"result": value}`).

Endpoints: API key `POST /v1beta/models/{m}:generateContent` (streaming
`:streamGenerateContent?alt=sse`); Vertex AI (profile options `vertex = true`, `project`,
`location`) `POST /v1beta1/projects/{p}/locations/{l}/publishers/google/models/{m}:...`.

`send` posts the body through the SDK's own HTTP layer (`client._api_client.request` /
`request_streamed`: the calls `models.generate_content` makes internally, private API of
google-genai 3.x) so the body on the wire is exactly `build_request`'s, the key travels in the
`x-goog-api-key` header, vcrpy records it, and the raw JSON comes back instead of typed objects.
The model id is bound to the client by `make_client` (it is in the URL, not the body). The API
version is pinned to `v1beta` / `v1beta1` (what the recorded traffic and the emulator use;
google-genai 3.6 would otherwise pick `v1`); `options.api_version` overrides it.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from harness.errors import ProviderError
from harness.model import Case, Message, ModelTurn, Tool, ToolCall
from harness.providers._convo import NO_RESULT, conversation, step_results, system_text
from harness.providers._gemini_parse import parse_generate, parse_generate_stream
from harness.providers._schema import neutral_schema, wire_schema
from harness.providers.base import HistoryStep, WireResponse, sanitize_name

__all__ = ["ADAPTER", "GeminiAdapter", "GeminiClient", "gemini_errors", "model_path", "wire_name"]

_GEMINI_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}$")


def wire_name(name: str) -> str:
    """Return the name as Gemini accepts it (letters, digits, `_ . : -`, at most 64)."""
    return name if _GEMINI_NAME.match(name) else sanitize_name(name, 64)


def _tool(tool: Tool, schema_field: str) -> dict[str, Any]:
    decl: dict[str, Any] = {"name": wire_name(tool.name), "description": tool.description}
    if schema_field == "parameters":  # the OpenAPI subset: harness.providers.portability's translation
        decl["parameters"] = wire_schema(tool, "gemini")
    else:  # full JSON Schema, sent as the case wrote it
        decl["parametersJsonSchema"] = neutral_schema(tool)
    return decl


def _tool_config(case: Case) -> dict[str, Any]:
    choice = case.tool_choice
    if isinstance(choice, Mapping):
        config: dict[str, Any] = {"mode": "ANY", "allowedFunctionNames": [wire_name(str(choice["name"]))]}
    else:
        config = {"mode": {"required": "ANY", "none": "NONE"}.get(str(choice), "AUTO")}
    return {"functionCallingConfig": config}


def _response_object(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {"result": value}


def _call_part(call: ToolCall) -> dict[str, Any]:
    fc: dict[str, Any] = {"name": wire_name(call.name), "args": call.arguments or {}}
    if call.id:
        fc["id"] = call.id
    return {"functionCall": fc}


def _response_part(name: str, call_id: str | None, response: dict[str, Any]) -> dict[str, Any]:
    fr: dict[str, Any] = {"name": wire_name(name), "response": response}
    if call_id:
        fr["id"] = call_id
    return {"functionResponse": fr}


def _content(m: Message) -> dict[str, Any]:
    if m.role == "assistant":
        parts: list[dict[str, Any]] = [{"text": m.content}] if m.content else []
        parts.extend(_call_part(c) for c in m.tool_calls)
        return {"role": "model", "parts": parts}
    if m.role == "tool":
        text = m.content or ""
        try:
            decoded: Any = json.loads(text)
        except ValueError:
            decoded = text
        part = _response_part(m.name or "", m.tool_call_id, _response_object(decoded))
        return {"role": "user", "parts": [part]}
    return {"role": "user", "parts": [{"text": m.content or ""}]}


def _history(step: HistoryStep) -> list[dict[str, Any]]:
    turn = step.turn
    raw = turn.raw_assistant
    if isinstance(raw, Mapping) and isinstance(raw.get("parts"), list):
        model = {"role": "model", "parts": [dict(p) for p in raw["parts"]]}
    else:
        parts: list[dict[str, Any]] = [{"text": turn.text}] if turn.text else []
        parts.extend(_call_part(c) for c in turn.calls)
        model = {"role": "model", "parts": parts}
    out = [model]
    responses = [
        _response_part(r.name, r.call_id, {"error": NO_RESULT} if r.is_error else _response_object(r.value))
        for r in step_results(step)
    ]
    if responses:
        out.append({"role": "user", "parts": responses})
    return out


def model_path(model: str, vertex: bool) -> str:
    """Return the SDK path of a model (`models/m` or, on Vertex, `publishers/google/models/m`)."""
    if model.startswith(("models/", "publishers/", "projects/", "tunedModels/")):
        return model
    return f"publishers/google/models/{model}" if vertex else f"models/{model}"


@dataclass
class GeminiClient:
    """A `google.genai.Client` bound to the profile's model."""

    sdk: Any
    model: str
    vertex: bool = False


class GeminiAdapter:
    """The `gemini` kind: generateContent through google-genai (API key or Vertex AI)."""

    kind = "gemini"

    def build_request(
        self,
        case: Case,
        turn_index: int,
        history: Sequence[HistoryStep],
        model: str,
        params: Mapping[str, Any],
    ) -> dict[str, Any]:
        """Return the generateContent body (the model is in the URL)."""
        contents = conversation(case, history, turn_index, _content, _history, key="parts")
        body: dict[str, Any] = {"contents": contents}
        system = system_text(case)
        if system:
            body["systemInstruction"] = {"parts": [{"text": system}]}
        if case.tools:
            field = str(params.get("schema_field") or "parametersJsonSchema")
            body["tools"] = [{"functionDeclarations": [_tool(t, field) for t in case.tools]}]
            body["toolConfig"] = _tool_config(case)
        generation: dict[str, Any] = {}
        for ours, theirs in (
            ("temperature", "temperature"),
            ("top_p", "topP"),
            ("top_k", "topK"),
            ("max_tokens", "maxOutputTokens"),
            ("seed", "seed"),
        ):
            if params.get(ours) is not None:
                generation[theirs] = params[ours]
        if generation:
            body["generationConfig"] = generation
        return body

    def parse_response(self, body: Mapping[str, Any]) -> ModelTurn:
        """Return the neutral turn of a GenerateContentResponse body."""
        return parse_generate(body)

    def parse_stream(self, events: Sequence[Mapping[str, Any]]) -> ModelTurn:
        """Return the neutral turn of streamed SSE chunks."""
        return parse_generate_stream(events)

    def make_client(self, profile: Any, api_key: str | None) -> GeminiClient:
        """Return a google-genai client (API key, or Vertex AI with project/location)."""
        from google import genai
        from google.genai import types

        options = getattr(profile, "options", {}) or {}
        vertex = bool(options.get("vertex"))
        http_options = types.HttpOptions(
            base_url=getattr(profile, "base_url", None) or None,
            api_version=str(options.get("api_version") or ("v1beta1" if vertex else "v1beta")),
            timeout=int(float(options.get("timeout", 600)) * 1000),
        )
        if vertex and options.get("project"):
            credentials = None if api_key or _has_adc() else _placeholder_credentials()
            sdk = genai.Client(
                vertexai=True,
                project=str(options["project"]),
                location=str(options.get("location") or "global"),
                credentials=credentials,
                http_options=http_options,
            )
        else:
            key = api_key or "fcharness-replay-no-key"
            sdk = genai.Client(vertexai=vertex, api_key=key, http_options=http_options)
        return GeminiClient(sdk=sdk, model=profile.model, vertex=vertex)

    def send(self, client: Any, request: Mapping[str, Any], *, stream: bool) -> WireResponse:
        """POST the body through the SDK's HTTP layer; return the JSON body or SSE chunks."""
        path = model_path(client.model, client.vertex)
        api = client.sdk._api_client
        start = time.perf_counter()
        with gemini_errors():
            if stream:
                chunks = api.request_streamed("post", f"{path}:streamGenerateContent?alt=sse", dict(request))
                decoded: list[dict[str, Any]] = []
                headers: dict[str, str] = {}
                for chunk in chunks:
                    headers = dict(chunk.headers or {})
                    decoded.append({"event": None, "data": json.loads(chunk.body)})
                body, events = None, decoded
            else:
                resp = api.request("post", f"{path}:generateContent", dict(request))
                headers = dict(resp.headers or {})
                body, events = (json.loads(resp.body) if resp.body else {}), None
        latency = (time.perf_counter() - start) * 1000
        return WireResponse(200, body=body, events=events, headers=headers, latency_ms=latency)


def _has_adc() -> bool:
    if os.environ.get("GOOGLE_APPLICATION_CREDENTIALS"):
        return True
    home = os.path.expanduser("~/.config/gcloud/application_default_credentials.json")
    return os.path.exists(home)


def _placeholder_credentials() -> Any:
    """Return token credentials that never refresh (replay needs no real token)."""
    from google.oauth2.credentials import Credentials

    return Credentials(token="fcharness-replay-no-token")  # type: ignore[no-untyped-call]


def _exception_types() -> tuple[type[BaseException], ...]:
    from google.genai import errors

    found: list[type[BaseException]] = [
        obj
        for obj in vars(errors).values()
        if isinstance(obj, type) and issubclass(obj, Exception) and obj.__module__ == errors.__name__
    ]
    for module, name in (
        ("google.genai._api_client", "EphemeralTokenAPIKeyError"),
        ("google.auth.exceptions", "GoogleAuthError"),
        ("httpx", "HTTPError"),
        ("httpx2", "HTTPError"),
    ):
        with contextlib.suppress(ImportError, AttributeError):
            found.append(getattr(importlib.import_module(module), name))
    return tuple(found)


@contextmanager
def gemini_errors() -> Iterator[None]:
    """Turn every google-genai (and its transport's) exception into a ProviderError."""
    from google.genai import errors

    try:
        yield
    except errors.APIError as e:
        headers = getattr(getattr(e, "response", None), "headers", None) or {}
        err = ProviderError(str(e.message or e.status or e), status=e.code, body=e.details)
        try:
            retry = headers.get("retry-after")
            err.retry_after = float(retry) if retry is not None else None
        except (TypeError, ValueError, AttributeError):
            err.retry_after = None
        raise err from e
    except _exception_types() as e:
        raise ProviderError(f"{type(e).__name__}: {e}", status=None, body=None) from e


ADAPTER = GeminiAdapter()
