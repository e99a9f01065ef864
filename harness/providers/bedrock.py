"""Adapter for AWS Bedrock Converse (`/model/{id}/converse[-stream]`), kind `bedrock-converse`.

Wire facts (WIRE-FORMATS.md §5): tools go in `toolConfig.tools[].toolSpec` with the schema under
`inputSchema.json`; `toolChoice` is `{"any": {}}` or `{"tool": {"name"}}`, and left out for auto
(Converse's default; recorded Llama traffic sends none, as not every model accepts one) —
there is **no none**: a case with `tool_choice: none` is sent without `toolConfig` (as recorded
real traffic does), except that Bedrock demands `toolConfig` whenever the conversation holds
`toolUse`/`toolResult` blocks, where the tools are sent with no `toolChoice` (the model may then
call; the capabilities table marks `none` unsupported for this kind). Converse has no switch for
parallel calls, so `parallel_tool_calls` is ignored.

`build_request` returns the JSON body exactly as it goes on the wire, which has no `modelId`
(boto3 puts it in the path). `make_client` binds the profile's model to the boto3 client and
`send` calls `converse(modelId=..., **body)` / `converse_stream(...)`: boto3 serialises those
keyword arguments back into the same body, SigV4-signs it, and vcrpy records it.

What `send` returns: for `converse`, the raw HTTP body decoded (captured from botocore's
`before-parse` hook, not boto3's parsed dict); for `converse_stream`, botocore's binary event
stream decoded frame by frame into `{"headers": {...}, "payload": <JSON>}` — the same shape as
`fixtures/wire/` (padding field `p` included). Credentials come from the usual AWS chain
(`options.aws_profile`, `options.region`); the API key argument is not used (SigV4). When no
credentials exist (replay), placeholder credentials are used: cassettes need no signature.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from harness.errors import ProviderError
from harness.model import Case, Message, ModelTurn, Tool, ToolCall
from harness.providers._bedrock_parse import (
    ERROR_STATUS,
    parse_converse,
    parse_converse_stream,
)
from harness.providers._convo import conversation, step_results, system_text
from harness.providers._schema import wire_schema
from harness.providers.base import HistoryStep, WireResponse, sanitize_name

__all__ = ["ADAPTER", "BedrockAdapter", "BedrockClient", "boto_errors", "to_boto3_kwargs", "wire_name"]


def wire_name(name: str) -> str:
    """Return the tool name as Bedrock accepts it (`[a-zA-Z0-9_-]+`, at most 64 chars)."""
    return sanitize_name(name, 64)


def _tool(tool: Tool) -> dict[str, Any]:
    schema = wire_schema(tool, "bedrock-converse")  # root `type: object` (harness.providers.portability)
    spec: dict[str, Any] = {"name": wire_name(tool.name), "inputSchema": {"json": schema}}
    if tool.description:
        spec["description"] = tool.description
    return {"toolSpec": spec}


def _result_content(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str):
        return [{"text": value}]
    if isinstance(value, Mapping):
        return [{"json": dict(value)}]
    return [{"text": json.dumps(value, ensure_ascii=False)}]


def _tool_use(call: ToolCall) -> dict[str, Any]:
    args = call.arguments if call.arguments is not None else {}
    return {"toolUse": {"toolUseId": call.id, "name": wire_name(call.name), "input": args}}


def _message(m: Message) -> dict[str, Any]:
    if m.role == "assistant":
        blocks: list[dict[str, Any]] = [{"text": m.content}] if m.content else []
        blocks.extend(_tool_use(c) for c in m.tool_calls)
        return {"role": "assistant", "content": blocks}
    if m.role == "tool":
        content = _result_content(m.content or "")
        result = {"toolUseId": m.tool_call_id, "content": content, "status": "success"}
        return {"role": "user", "content": [{"toolResult": result}]}
    return {"role": "user", "content": [{"text": m.content or ""}]}


def _history(step: HistoryStep) -> list[dict[str, Any]]:
    turn = step.turn
    raw = turn.raw_assistant
    if isinstance(raw, Mapping) and isinstance(raw.get("content"), list):
        content = [dict(b) for b in raw["content"]]
    else:
        content = [{"text": turn.text}] if turn.text else []
        content.extend(_tool_use(c) for c in turn.calls)
    out = [{"role": "assistant", "content": content}]
    results = [
        {
            "toolResult": {
                "toolUseId": r.call_id,
                "content": _result_content(r.value),
                "status": "error" if r.is_error else "success",
            }
        }
        for r in step_results(step)
    ]
    if results:
        out.append({"role": "user", "content": results})
    return out


def _has_tool_blocks(messages: Sequence[Mapping[str, Any]]) -> bool:
    return any("toolUse" in b or "toolResult" in b for m in messages for b in m["content"])


def _tool_config(case: Case, messages: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    choice = case.tool_choice
    tools = {"tools": [_tool(t) for t in case.tools]}
    if choice == "none":
        return tools if _has_tool_blocks(messages) else None
    if isinstance(choice, Mapping):
        return {**tools, "toolChoice": {"tool": {"name": wire_name(str(choice["name"]))}}}
    if choice == "required":
        return {**tools, "toolChoice": {"any": {}}}
    return tools  # auto is the default; some models (Llama on Bedrock) reject an explicit toolChoice


def to_boto3_kwargs(request: Mapping[str, Any], model: str) -> dict[str, Any]:
    """Return boto3 `converse` keyword arguments for a wire body (adds `modelId`)."""
    return {"modelId": model, **{k: v for k, v in request.items() if k != "modelId"}}


@dataclass
class BedrockClient:
    """A boto3 `bedrock-runtime` client bound to the profile's model id."""

    sdk: Any
    model: str


_captured = threading.local()


def _capture_body(response_dict: Mapping[str, Any], **_: Any) -> None:
    _captured.body = response_dict.get("body")
    _captured.headers = dict(response_dict.get("headers") or {})


class BedrockAdapter:
    """The `bedrock-converse` kind: boto3 Converse / ConverseStream."""

    kind = "bedrock-converse"

    def build_request(
        self,
        case: Case,
        turn_index: int,
        history: Sequence[HistoryStep],
        model: str,
        params: Mapping[str, Any],
    ) -> dict[str, Any]:
        """Return the Converse JSON body (no `modelId`: it is in the path)."""
        messages = conversation(case, history, turn_index, _message, _history)
        body: dict[str, Any] = {"messages": messages}
        system = system_text(case)
        if system:
            body["system"] = [{"text": system}]
        inference: dict[str, Any] = {}
        for ours, theirs in (("max_tokens", "maxTokens"), ("temperature", "temperature"), ("top_p", "topP")):
            if params.get(ours) is not None:
                inference[theirs] = params[ours]
        if inference:
            body["inferenceConfig"] = inference
        if case.tools:
            config = _tool_config(case, messages)
            if config is not None:
                body["toolConfig"] = config
        return body

    def parse_response(self, body: Mapping[str, Any]) -> ModelTurn:
        """Return the neutral turn of a Converse response body."""
        return parse_converse(body)

    def parse_stream(self, events: Sequence[Mapping[str, Any]]) -> ModelTurn:
        """Return the neutral turn of ConverseStream events."""
        return parse_converse_stream(events)

    def make_client(self, profile: Any, api_key: str | None) -> BedrockClient:
        """Return a boto3 `bedrock-runtime` client bound to the profile's model."""
        import boto3
        from botocore.config import Config

        options = getattr(profile, "options", {}) or {}
        session = boto3.session.Session(
            profile_name=options.get("aws_profile"),
            region_name=options.get("region") or "us-east-1",
        )
        kwargs: dict[str, Any] = {
            "endpoint_url": getattr(profile, "base_url", None) or None,
            "config": Config(
                retries={"total_max_attempts": int(options.get("max_attempts", 1)), "mode": "standard"}
            ),
        }
        if session.get_credentials() is None:
            kwargs.update(aws_access_key_id="fcharness-replay", aws_secret_access_key="fcharness-replay")
        sdk = session.client("bedrock-runtime", **kwargs)
        for op in ("Converse", "ConverseStream"):
            sdk.meta.events.register(f"before-parse.bedrock-runtime.{op}", _capture_body)
        return BedrockClient(sdk=sdk, model=profile.model)

    def send(self, client: Any, request: Mapping[str, Any], *, stream: bool) -> WireResponse:
        """Call converse / converse_stream through boto3; return the wire body or events."""
        kwargs = to_boto3_kwargs(request, client.model)
        start = time.perf_counter()
        _captured.body, _captured.headers = None, {}
        with boto_errors():
            if stream:
                resp = client.sdk.converse_stream(**kwargs)
                events = decode_event_stream(resp["stream"])
                body = None
            else:
                resp = client.sdk.converse(**kwargs)
                events = None
                body = _decoded_body(resp)
        meta = resp.get("ResponseMetadata") or {}
        latency = (time.perf_counter() - start) * 1000
        return WireResponse(
            int(meta.get("HTTPStatusCode", 200)),
            body=body,
            events=events,
            headers=dict(meta.get("HTTPHeaders") or {}),
            latency_ms=latency,
        )


def _decoded_body(parsed: Mapping[str, Any]) -> Any:
    raw = getattr(_captured, "body", None)
    if isinstance(raw, bytes | bytearray) and raw:
        return json.loads(raw)
    return {k: v for k, v in parsed.items() if k != "ResponseMetadata"}


def decode_event_stream(stream: Any) -> list[dict[str, Any]]:
    """Return a botocore EventStream's frames as `{"headers", "payload"}` dicts, in order.

    The raw frames (botocore's `EventStreamMessage`, read through the stream's private frame
    generator) keep every header and the payload as sent; if that generator is unavailable,
    the parsed events are converted to the same shape (without the `p` padding field).
    """
    out: list[dict[str, Any]] = []
    try:
        frames = getattr(stream, "_event_generator", None)
        if frames is not None:
            for frame in frames:
                payload: Any = frame.payload
                try:
                    payload = json.loads(payload) if payload else {}
                except ValueError:
                    payload = payload.decode("utf-8", "replace")
                out.append({"headers": dict(frame.headers), "payload": payload})
            return out
        for parsed in stream:
            for name, inner in parsed.items():
                headers = {":event-type": name, ":message-type": "event", ":content-type": "application/json"}
                out.append({"headers": headers, "payload": inner})
        return out
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()


def _client_error(e: Any) -> ProviderError:
    response = getattr(e, "response", None) or {}
    error = response.get("Error") or {}
    meta = response.get("ResponseMetadata") or {}
    status = meta.get("HTTPStatusCode") or ERROR_STATUS.get(str(error.get("Code")))
    raw = getattr(_captured, "body", None)
    body: Any = None
    if isinstance(raw, bytes | bytearray) and raw:
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
    if body is None:
        body = {"message": error.get("Message")}
    message = (body.get("message") if isinstance(body, Mapping) else None) or error.get("Message")
    retry = (meta.get("HTTPHeaders") or {}).get("retry-after")
    err = ProviderError(
        str(message or error.get("Code") or e), status=int(status) if status else None, body=body
    )
    try:
        err.retry_after = float(retry) if retry is not None else None
    except ValueError:
        err.retry_after = None
    return err


def _exception_types() -> tuple[type[BaseException], ...]:
    """Every exception class botocore and boto3 define (warnings aside)."""
    import boto3.exceptions
    import botocore.exceptions

    return tuple(
        obj
        for module in (botocore.exceptions, boto3.exceptions)
        for obj in vars(module).values()
        if isinstance(obj, type)
        and issubclass(obj, Exception)
        and not issubclass(obj, Warning)
        and obj.__module__ == module.__name__
    )


@contextmanager
def boto_errors() -> Iterator[None]:
    """Turn every botocore / boto3 exception into a ProviderError (the one boundary)."""
    from botocore.exceptions import ClientError

    try:
        yield
    except ClientError as e:
        raise _client_error(e) from e
    except _exception_types() as e:
        raise ProviderError(f"{type(e).__name__}: {e}", status=None, body=None) from e


ADAPTER = BedrockAdapter()
