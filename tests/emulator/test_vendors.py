"""Each non-OpenAI-chat wire of the emulator, plain and streamed, through the vendor's real SDK."""

from __future__ import annotations

import contextlib
import json
import re
import urllib.request
from collections.abc import Iterator
from typing import Any

import anthropic
import cohere
import httpx
import openai
import pytest
from google import genai
from google.genai import errors as genai_errors
from google.genai import types as genai_types
from mistralai.client import Mistral

from harness.emulator.server import EmulatorHandle
from tests.helpers import emulator as _emulator
from tests.helpers.emulator import PROMPTS, TRAIN, WEATHER, openai_tools

# the shared fixtures (a module-scoped emulator, reset per test)
emulator = _emulator.emulator
emu = _emulator.emu
close_clients = _emulator.close_clients

BEIJING = ("get_weather", {"location": "北京", "date": "2025-06-22"})
PARALLEL = [
    ("get_weather", {"location": "Paris", "date": "2025-06-22"}),
    ("get_weather", {"location": "Rome", "date": "2025-06-22"}),
]

# --- OpenAI Responses ---------------------------------------------------------------------------


def responses(emu: EmulatorHandle) -> Any:
    """The Responses resource of an OpenAI client pointed at the emulator."""
    return _emulator.tracked(
        openai.OpenAI(base_url=emu.base_url + "/v1", api_key="sk-test", max_retries=0)
    ).responses


RESP_TOOLS = [
    {"type": "function", "name": "get_weather", "parameters": dict(WEATHER.parameters), "strict": False}
]


def test_responses_plain(emu: EmulatorHandle) -> None:
    reply = responses(emu).create(model="emulator-gpt", input=PROMPTS["parallel"], tools=RESP_TOOLS)
    calls = [(o.name, json.loads(o.arguments)) for o in reply.output if o.type == "function_call"]
    assert calls == PARALLEL
    assert reply.status == "completed"
    assert all(o.id.startswith("fc_") and o.call_id.startswith("call_") for o in reply.output)
    assert reply.usage.total_tokens == reply.usage.input_tokens + reply.usage.output_tokens


def test_responses_stream_events_and_helper(emu: EmulatorHandle) -> None:
    events = list(
        responses(emu).create(model="emulator-gpt", input=PROMPTS["parallel"], tools=RESP_TOOLS, stream=True)
    )
    types = [e.type for e in events]
    assert types[0] == "response.created" and types[-1] == "response.completed"
    assert types.count("response.output_item.added") == 2 and types.count("response.output_item.done") == 2
    args: dict[str, str] = {}
    for e in events:
        if e.type == "response.function_call_arguments.delta":
            args[e.item_id] = args.get(e.item_id, "") + e.delta
    assert [json.loads(a) for a in args.values()] == [c[1] for c in PARALLEL]
    assert types.count("response.function_call_arguments.delta") > 2
    assert [e.sequence_number for e in events] == list(range(len(events)))
    with responses(emu).stream(model="emulator-gpt", input=PROMPTS["irrelevant"], tools=RESP_TOOLS) as stream:
        final = stream.get_final_response()
    assert final.output_text.startswith("Why did the cat")


def test_responses_multi_turn_counts_item_runs(emu: EmulatorHandle) -> None:
    tools = [*RESP_TOOLS, {"type": "function", "name": "book_train", "parameters": dict(TRAIN.parameters)}]
    first = responses(emu).create(model="emulator-gpt", input=PROMPTS["chain"], tools=tools)
    echoed = [o.model_dump(exclude_none=True) for o in first.output]
    call = next(o for o in first.output if o.type == "function_call")
    history = [
        {"role": "user", "content": [{"type": "input_text", "text": PROMPTS["chain"]}]},
        *echoed,
        {"type": "function_call_output", "call_id": call.call_id, "output": '{"rain": true}'},
    ]
    second = responses(emu).create(model="emulator-gpt", input=history, tools=tools)
    assert [(o.name, json.loads(o.arguments)) for o in second.output] == [
        ("book_train", {"origin": "北京", "destination": "上海"})
    ]
    assert [r.turn for r in emu.requests] == [0, 1]


def test_responses_error_shape(emu: EmulatorHandle) -> None:
    with pytest.raises(openai.RateLimitError) as info:
        responses(emu).create(model="emulator-gpt", input=PROMPTS["rate-limited"], tools=RESP_TOOLS)
    assert info.value.response.headers["retry-after"] == "1"
    assert set(json.loads(info.value.response.text)["error"]) == {"message", "type", "param", "code"}


# --- Anthropic ------------------------------------------------------------------------------------


def messages(emu: EmulatorHandle) -> Any:
    """The Messages resource of an Anthropic client pointed at the emulator."""
    return _emulator.tracked(
        anthropic.Anthropic(base_url=emu.base_url, api_key="sk-ant-test", max_retries=0)
    ).messages


ANTH_TOOLS = [
    {"name": "get_weather", "description": WEATHER.description, "input_schema": dict(WEATHER.parameters)}
]


def ask_anthropic(emu: EmulatorHandle, case: str, **kwargs: Any) -> Any:
    """Send a Messages request with the case's prompt."""
    return messages(emu).create(
        model="emulator-claude",
        max_tokens=256,
        messages=[{"role": "user", "content": PROMPTS[case]}],
        tools=ANTH_TOOLS,
        **kwargs,
    )


def test_anthropic_plain(emu: EmulatorHandle) -> None:
    reply = ask_anthropic(emu, "parallel")
    assert [(b.name, b.input) for b in reply.content if b.type == "tool_use"] == PARALLEL
    assert reply.stop_reason == "tool_use"
    assert all(b.id.startswith("toolu_") for b in reply.content)


def test_anthropic_stream_raw_events_and_helper(emu: EmulatorHandle) -> None:
    events = list(ask_anthropic(emu, "parallel", stream=True))
    types = [e.type for e in events]
    assert types[0] == "message_start" and types[-2:] == ["message_delta", "message_stop"]
    partial: dict[int, str] = {}
    for e in events:
        if e.type == "content_block_delta" and e.delta.type == "input_json_delta":
            partial[e.index] = partial.get(e.index, "") + e.delta.partial_json
    assert [json.loads(p) for p in partial.values()] == [c[1] for c in PARALLEL]
    assert events[-2].delta.stop_reason == "tool_use"
    with messages(emu).stream(
        model="emulator-claude",
        max_tokens=256,
        messages=[{"role": "user", "content": PROMPTS["weather"]}],
        tools=ANTH_TOOLS,
    ) as stream:
        final = stream.get_final_message()
    assert [(b.name, b.input) for b in final.content if b.type == "tool_use"] == [BEIJING]


def test_anthropic_variant_and_malformed(emu: EmulatorHandle) -> None:
    # the script gives anthropic a wrong date (a per-kind mistake)
    assert ask_anthropic(emu, "variant").content[0].input["date"] == "2025-06-21"
    assert ask_anthropic(emu, "malformed").content[0].input == '{"location": "北京", "date": '
    pieces = [
        e.delta.partial_json
        for e in ask_anthropic(emu, "malformed", stream=True)
        if e.type == "content_block_delta" and e.delta.type == "input_json_delta"
    ]
    assert "".join(pieces) == '{"location": "北京", "date": '


@pytest.mark.parametrize(
    ("case", "error", "vendor_type"),
    [
        ("rate-limited", anthropic.RateLimitError, "rate_limit_error"),
        ("broken", anthropic.InternalServerError, "api_error"),
        ("rejected", anthropic.BadRequestError, "invalid_request_error"),
    ],
)
def test_anthropic_error_shapes(emu: EmulatorHandle, case: str, error: type, vendor_type: str) -> None:
    with pytest.raises(error) as info:
        ask_anthropic(emu, case)
    body = json.loads(info.value.response.text)
    assert body["type"] == "error" and body["error"]["type"] == vendor_type
    assert isinstance(body["error"]["message"], str)


# --- Gemini (API key and Vertex forms) ----------------------------------------------------------


@contextlib.contextmanager
def gemini(emu: EmulatorHandle, vertex: bool = False) -> Iterator[Any]:
    """The models resource of a google-genai client pointed at the emulator (closed after)."""
    with _gemini_client(emu, vertex) as client:
        yield client.models


def _gemini_client(emu: EmulatorHandle, vertex: bool) -> Any:
    if vertex:
        from google.oauth2.credentials import Credentials

        return genai.Client(
            vertexai=True,
            project="emulator-project",
            location="us-central1",
            credentials=Credentials(token="fake-token"),
            http_options={"base_url": emu.base_url},
        )
    return genai.Client(api_key="fake-key", http_options={"base_url": emu.base_url})


GEMINI_CONFIG = genai_types.GenerateContentConfig(
    tools=[
        genai_types.Tool(
            function_declarations=[
                genai_types.FunctionDeclaration(
                    name="get_weather", parameters_json_schema=dict(WEATHER.parameters)
                )
            ]
        )
    ]
)


@pytest.mark.parametrize("vertex", [False, True], ids=["api-key", "vertex"])
def test_gemini_plain_and_stream(emu: EmulatorHandle, vertex: bool) -> None:
    with gemini(emu, vertex) as models:
        _check_gemini(emu, models, vertex)


def _check_gemini(emu: EmulatorHandle, models: Any, vertex: bool) -> None:
    reply = models.generate_content(
        model="emulator-gemini", contents=PROMPTS["parallel"], config=GEMINI_CONFIG
    )
    assert [(c.name, c.args) for c in reply.function_calls] == PARALLEL
    assert reply.candidates[0].finish_reason == genai_types.FinishReason.STOP
    chunks = list(
        models.generate_content_stream(
            model="emulator-gemini", contents=PROMPTS["parallel"], config=GEMINI_CONFIG
        )
    )
    assert [(c.name, c.args) for ch in chunks for c in ch.function_calls or []] == PARALLEL
    assert len(chunks) == 2  # each call arrives whole, in its own chunk
    assert chunks[-1].usage_metadata.total_token_count > 0
    path = emu.requests[-1].path
    expected = (
        r"/v1beta1/projects/emulator-project/locations/us-central1/publishers/google/models/"
        if vertex
        else r"/v1(beta)?/models/"  # google-genai 3.x defaults to v1 for the API-key form
    )
    assert re.fullmatch(expected + "emulator-gemini:streamGenerateContent", path)
    assert emu.requests[-1].query == "alt=sse"


def test_gemini_text_stream_and_malformed(emu: EmulatorHandle) -> None:
    with gemini(emu) as models:
        _check_gemini_text(models)


def _check_gemini_text(models: Any) -> None:
    chunks = list(
        models.generate_content_stream(
            model="emulator-gemini", contents=PROMPTS["irrelevant"], config=GEMINI_CONFIG
        )
    )
    assert len(chunks) > 1 and "".join(ch.text for ch in chunks).startswith("Why did the cat")
    bad = models.generate_content(
        model="emulator-gemini", contents=PROMPTS["malformed"], config=GEMINI_CONFIG
    )
    assert bad.function_calls is None
    assert bad.candidates[0].finish_reason == genai_types.FinishReason.MALFORMED_FUNCTION_CALL


def test_gemini_wire_is_crlf_sse_with_malformed_finish_message(emu: EmulatorHandle) -> None:
    # the SDK drops finishMessage and the framing: read the wire itself
    body = {"contents": [{"role": "user", "parts": [{"text": PROMPTS["malformed"]}]}]}
    url = emu.base_url + "/v1beta/models/emulator-gemini:streamGenerateContent?alt=sse"
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        raw = response.read().decode()
    frames = [f for f in raw.split("\r\n\r\n") if f]
    assert all(f.startswith("data: ") for f in frames)
    last = json.loads(frames[-1][len("data: ") :])["candidates"][0]
    assert last["finishReason"] == "MALFORMED_FUNCTION_CALL" and '"date": ' in last["finishMessage"]


@pytest.mark.parametrize(
    ("case", "code", "status"),
    [
        ("rate-limited", 429, "RESOURCE_EXHAUSTED"),
        ("broken", 500, "INTERNAL"),
        ("rejected", 400, "INVALID_ARGUMENT"),
    ],
)
def test_gemini_error_shapes(emu: EmulatorHandle, case: str, code: int, status: str) -> None:
    with gemini(emu) as models, pytest.raises(genai_errors.APIError) as info:
        models.generate_content(model="emulator-gemini", contents=PROMPTS[case], config=GEMINI_CONFIG)
    assert info.value.code == code and info.value.status == status
    assert set(info.value.details["error"]) == {"code", "message", "status"}


# --- Mistral ------------------------------------------------------------------------------------


def test_mistral_plain_and_stream(emu: EmulatorHandle) -> None:
    client = _emulator.tracked(Mistral(api_key="fake", server_url=emu.base_url))
    msgs = [{"role": "user", "content": PROMPTS["parallel"]}]
    reply = client.chat.complete(model="emulator-mistral", messages=msgs, tools=openai_tools())
    calls = reply.choices[0].message.tool_calls
    assert [(c.function.name, json.loads(c.function.arguments)) for c in calls] == PARALLEL
    assert all(len(c.id) == 9 and c.id.isalnum() for c in calls)
    assert reply.choices[0].message.content == "" and reply.choices[0].finish_reason == "tool_calls"
    streamed = [
        tc
        for ev in client.chat.stream(model="emulator-mistral", messages=msgs, tools=openai_tools())
        for tc in (ev.data.choices[0].delta.tool_calls or [])
    ]
    assert [(c.function.name, json.loads(c.function.arguments)) for c in streamed] == PARALLEL
    assert emu.requests[-1].kind == "mistral"


def test_mistral_error_shape(emu: EmulatorHandle) -> None:
    client = _emulator.tracked(Mistral(api_key="fake", server_url=emu.base_url))
    with pytest.raises(Exception) as info:  # the SDK raises its generic SDKError for 4XX
        client.chat.complete(
            model="emulator-mistral", messages=[{"role": "user", "content": PROMPTS["rejected"]}]
        )
    body = json.loads(info.value.body)
    assert body["object"] == "error" and body["message"] == "emulated: tools[0] is invalid"
    assert info.value.status_code == 400


# --- Cohere ---------------------------------------------------------------------------------------


@pytest.fixture()
def cohere_client(emu: EmulatorHandle) -> Iterator[cohere.ClientV2]:
    """A Cohere v2 client pointed at the emulator, closed after the test."""
    with httpx.Client() as http:
        yield cohere.ClientV2(api_key="fake", base_url=emu.base_url, httpx_client=http)


def test_cohere_plain_and_stream(cohere_client: cohere.ClientV2) -> None:
    client = cohere_client
    msgs = [{"role": "user", "content": PROMPTS["parallel"]}]
    reply = client.chat(model="emulator-command", messages=msgs, tools=openai_tools())
    calls = reply.message.tool_calls
    assert [(c.function.name, json.loads(c.function.arguments)) for c in calls] == PARALLEL
    assert reply.finish_reason == "TOOL_CALL" and reply.message.tool_plan
    events = list(client.chat_stream(model="emulator-command", messages=msgs, tools=openai_tools()))
    kinds = [e.type for e in events]
    assert kinds[0] == "message-start" and kinds[-1] == "message-end" and "tool-plan-delta" in kinds
    args: dict[int, str] = {}
    names: dict[int, str] = {}
    for e in events:
        if e.type == "tool-call-start":
            names[e.index] = e.delta.message.tool_calls.function.name
        if e.type == "tool-call-delta":
            args[e.index] = args.get(e.index, "") + e.delta.message.tool_calls.function.arguments
    assert [(names[i], json.loads(args[i])) for i in sorted(args)] == PARALLEL
    assert events[-1].delta.finish_reason == "TOOL_CALL"


def test_cohere_text_and_errors(cohere_client: cohere.ClientV2) -> None:
    client = cohere_client
    reply = client.chat(
        model="emulator-command", messages=[{"role": "user", "content": PROMPTS["irrelevant"]}]
    )
    assert reply.message.content[0].text.startswith("Why did the cat") and reply.finish_reason == "COMPLETE"
    no_retry = {"max_retries": 0}
    with pytest.raises(cohere.TooManyRequestsError) as info:
        client.chat(
            model="emulator-command",
            messages=[{"role": "user", "content": PROMPTS["rate-limited"]}],
            request_options=no_retry,
        )
    assert info.value.headers["retry-after"] == "1" and "message" in info.value.body
    with pytest.raises(cohere.BadRequestError) as bad:
        client.chat(
            model="emulator-command",
            messages=[{"role": "user", "content": PROMPTS["rejected"]}],
            request_options=no_retry,
        )
    assert bad.value.body["message"] == "emulated: tools[0] is invalid"


# --- errors after HTTP 200, in the middle of a stream ------------------------------------------


def test_mid_stream_errors(emu: EmulatorHandle) -> None:
    prompt = PROMPTS["midstream"]
    # OpenAI chat: `data: {"error": …}` after the first chunk; the SDK raises while iterating
    chat = _emulator.tracked(
        openai.OpenAI(base_url=emu.base_url + "/v1", api_key="k", max_retries=0)
    ).chat.completions
    stream = chat.create(model="emulator-gpt", messages=[{"role": "user", "content": prompt}], stream=True)
    with pytest.raises(openai.APIError, match="emulated: broke"):
        list(stream)
    # ...while a plain request gets the error status
    with pytest.raises(openai.InternalServerError):
        chat.create(model="emulator-gpt", messages=[{"role": "user", "content": prompt}])
    # Responses: a typed `error` event
    events = list(responses(emu).create(model="emulator-gpt", input=prompt, stream=True))
    assert [e.type for e in events] == ["response.created", "error"] and events[
        -1
    ].message == "emulated: broke"
    # Anthropic: `event: error`
    with pytest.raises(anthropic.APIStatusError, match="emulated: broke"):
        list(ask_anthropic(emu, "midstream", stream=True))
    # Gemini: a `{"error": …}` chunk
    with gemini(emu) as models, pytest.raises(genai_errors.APIError, match="emulated: broke"):
        list(models.generate_content_stream(model="emulator-gemini", contents=prompt, config=GEMINI_CONFIG))


def test_mid_stream_error_cohere(cohere_client: cohere.ClientV2) -> None:
    events = list(
        cohere_client.chat_stream(
            model="emulator-command", messages=[{"role": "user", "content": PROMPTS["midstream"]}]
        )
    )
    assert [e.type for e in events] == ["message-start", "message-end"]
    assert events[-1].delta.error == "emulated: broke" and events[-1].delta.finish_reason == "ERROR"


def test_provider_prefix_on_anthropic_and_gemini(emu: EmulatorHandle) -> None:
    sdk = _emulator.tracked(anthropic.Anthropic(base_url=emu.base_url + "/p/emulator-special", api_key="k"))
    reply = sdk.messages.create(
        model="emulator-claude", max_tokens=64, messages=[{"role": "user", "content": PROMPTS["variant"]}]
    )
    assert reply.content[0].text == "provider-specific answer"
    with genai.Client(api_key="k", http_options={"base_url": emu.base_url + "/p/emulator-special"}) as client:
        answer = client.models.generate_content(model="emulator-gemini", contents=PROMPTS["variant"])
    assert answer.text == "provider-specific answer"
    assert [r.provider for r in emu.requests] == ["emulator-special", "emulator-special"]
