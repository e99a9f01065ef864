"""The emulator core and the OpenAI chat wire, through the real `openai` SDK."""

from __future__ import annotations

import gzip
import json
import time
import urllib.request
from typing import Any

import openai
import pytest

from harness.emulator.server import EmulatorHandle, start_emulator
from harness.errors import UserError
from tests.helpers import emulator as _emulator
from tests.helpers.emulator import CIRCLE, PROMPTS, SCRIPTS, TRAIN, WEATHER, cases, openai_tools

# the shared fixtures (a module-scoped emulator, reset per test)
emulator = _emulator.emulator
emu = _emulator.emu
close_clients = _emulator.close_clients

CHAT_PATHS = ["/v1", "", "/openai/v1", "/compatible-mode/v1", "/api/paas/v4"]


def client(emu: EmulatorHandle, prefix: str = "/v1", retries: int = 0) -> openai.OpenAI:
    """An OpenAI client pointed at the emulator."""
    return _emulator.tracked(
        openai.OpenAI(base_url=emu.base_url + prefix, api_key="sk-emulator-test", max_retries=retries)
    )


def chat(emu: EmulatorHandle, case: str, **kwargs: Any) -> Any:
    """Send a chat request whose first user message is the case's prompt."""
    messages = kwargs.pop("messages", [{"role": "user", "content": PROMPTS[case]}])
    tools = kwargs.pop("tools", openai_tools())
    return client(emu, kwargs.pop("prefix", "/v1"), kwargs.pop("retries", 0)).chat.completions.create(
        model=kwargs.pop("model", "emulator-gpt"), messages=messages, tools=tools, **kwargs
    )


def calls_of(message: Any) -> list[tuple[str, Any]]:
    """Name and decoded arguments of each tool call of an SDK message."""
    return [(c.function.name, json.loads(c.function.arguments)) for c in message.tool_calls or []]


# --- OpenAI chat, plain and streamed --------------------------------------------------------


@pytest.mark.parametrize("prefix", CHAT_PATHS)
def test_chat_plain_on_every_compatible_path(emu: EmulatorHandle, prefix: str) -> None:
    reply = chat(emu, "weather", prefix=prefix)
    message = reply.choices[0].message
    assert calls_of(message) == [("get_weather", {"location": "北京", "date": "2025-06-22"})]
    assert message.content is None
    assert message.tool_calls[0].id.startswith("call_")
    assert message.tool_calls[0].type == "function"
    assert reply.choices[0].finish_reason == "tool_calls"
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens
    assert emu.requests[-1].path == f"{prefix}/chat/completions"


def test_chat_parallel_calls_streamed_in_pieces(emu: EmulatorHandle) -> None:
    stream = chat(emu, "parallel", stream=True, stream_options={"include_usage": True})
    chunks = list(stream)
    fragments = [tc for ch in chunks if ch.choices for tc in ch.choices[0].delta.tool_calls or []]
    by_index: dict[int, dict[str, str]] = {}
    for frag in fragments:
        entry = by_index.setdefault(frag.index, {"name": "", "arguments": ""})
        entry["name"] += frag.function.name or ""
        entry["arguments"] += frag.function.arguments or ""
    assert {i: (e["name"], json.loads(e["arguments"])) for i, e in by_index.items()} == {
        0: ("get_weather", {"location": "Paris", "date": "2025-06-22"}),
        1: ("get_weather", {"location": "Rome", "date": "2025-06-22"}),
    }
    assert len(fragments) > 4  # arguments arrive in several pieces after each call's header
    assert [ch.choices[0].finish_reason for ch in chunks if ch.choices][-1] == "tool_calls"
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens > 0


def test_chat_stream_helper_assembles_calls(emu: EmulatorHandle) -> None:
    api = client(emu).chat.completions
    with api.stream(
        model="emulator-gpt", messages=[{"role": "user", "content": PROMPTS["weather"]}], tools=openai_tools()
    ) as s:
        final = s.get_final_completion()
    assert calls_of(final.choices[0].message) == [("get_weather", {"location": "北京", "date": "2025-06-22"})]


def test_chat_text_answer_streamed(emu: EmulatorHandle) -> None:
    text = "".join(
        ch.choices[0].delta.content or "" for ch in chat(emu, "irrelevant", stream=True) if ch.choices
    )
    assert text.startswith("Why did the cat")
    plain = chat(emu, "irrelevant").choices[0]
    assert plain.message.tool_calls is None and plain.finish_reason == "stop"


def test_legacy_functions_reply_with_function_call(emu: EmulatorHandle) -> None:
    functions = [{"name": "get_weather", "parameters": dict(WEATHER.parameters)}]
    messages = [{"role": "user", "content": PROMPTS["parallel"]}]
    api = client(emu).chat.completions
    reply = api.create(model="emulator-gpt", messages=messages, functions=functions)
    choice = reply.choices[0]
    assert choice.finish_reason == "function_call" and choice.message.tool_calls is None
    assert choice.message.function_call.name == "get_weather"  # one call per turn: the first
    assert json.loads(choice.message.function_call.arguments)["location"] == "Paris"
    streamed = list(api.create(model="emulator-gpt", messages=messages, functions=functions, stream=True))
    pieces = [
        ch.choices[0].delta.function_call
        for ch in streamed
        if ch.choices and ch.choices[0].delta.function_call
    ]
    assert pieces[0].name == "get_weather" and len(pieces) > 2
    assert json.loads("".join(p.arguments or "" for p in pieces))["location"] == "Paris"
    assert emu.requests[-1].kind == "openai-functions"


def test_multi_turn_counts_assistant_turns(emu: EmulatorHandle) -> None:
    tools = openai_tools(WEATHER, TRAIN)
    first = chat(emu, "chain", tools=tools).choices[0].message
    assert first.content == "Let me check the weather first."
    assert calls_of(first)[0][0] == "get_weather"
    history = [
        {"role": "user", "content": PROMPTS["chain"]},
        first.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": first.tool_calls[0].id, "content": '{"rain": true}'},
    ]
    second = chat(emu, "chain", tools=tools, messages=history).choices[0].message
    assert calls_of(second) == [("book_train", {"origin": "北京", "destination": "上海"})]
    assert [r.turn for r in emu.requests] == [0, 1]
    history += [second.model_dump(exclude_none=True), {"role": "tool", "tool_call_id": "x", "content": "ok"}]
    with pytest.raises(openai.NotFoundError, match="has 2 turn"):
        chat(emu, "chain", tools=tools, messages=history)


def test_case_prefix_assistant_messages_are_not_turns(emu: EmulatorHandle) -> None:
    messages = [
        {"role": "user", "content": PROMPTS["fewshot"]},
        {"role": "assistant", "content": "Example answer."},
        {"role": "user", "content": "And now?"},
    ]
    assert chat(emu, "fewshot", messages=messages).choices[0].message.content == "No call needed."
    assert emu.requests[-1].turn == 0


def test_cases_sharing_a_prompt_are_told_apart_by_tools(emu: EmulatorHandle) -> None:
    assert calls_of(chat(emu, "weather").choices[0].message)[0][0] == "get_weather"
    with_train = chat(emu, "weather", tools=openai_tools(WEATHER, TRAIN)).choices[0].message
    assert calls_of(with_train)[0][0] == "book_train"
    assert [r.case_id for r in emu.requests] == ["weather", "weather-with-train"]


def test_dotted_names_answer_under_the_offered_wire_name(emu: EmulatorHandle) -> None:
    # the script uses the case's name; the request offered the sanitised one
    tools = [
        {
            "type": "function",
            "function": {"name": "geometry_circle_area", "parameters": dict(CIRCLE.parameters)},
        }
    ]
    assert calls_of(chat(emu, "dotted", tools=tools).choices[0].message) == [
        ("geometry_circle_area", {"radius": 2})
    ]
    dotted = [{"type": "function", "function": {"name": "geometry.circle_area", "parameters": {}}}]
    assert calls_of(chat(emu, "dotted", tools=dotted).choices[0].message)[0][0] == "geometry.circle_area"


def test_variants_by_kind_and_by_model(emu: EmulatorHandle) -> None:
    assert calls_of(chat(emu, "variant").choices[0].message)[0][1]["date"] == "2025-06-22"
    sloppy = chat(emu, "variant", model="emulator-sloppy-1").choices[0].message
    assert calls_of(sloppy)[0][1]["date"] == "3"


def test_mistral_quirks_on_the_shared_path(emu: EmulatorHandle) -> None:
    # Mistral's shape is chosen by the model name when a generic client calls the chat path.
    raw = client(emu).chat.completions.with_raw_response.create(
        model="emulator-mistral-large",
        messages=[{"role": "user", "content": PROMPTS["weather"]}],
        tools=openai_tools(),
    )
    body = json.loads(raw.text)
    call = body["choices"][0]["message"]["tool_calls"][0]
    assert "type" not in call and len(call["id"]) == 9 and call["id"].isalnum()
    assert body["choices"][0]["message"]["content"] == ""
    assert emu.requests[-1].kind == "mistral"


# --- injected faults and odd answers ----------------------------------------------------------


def test_rate_limit_then_success(emu: EmulatorHandle) -> None:
    with pytest.raises(openai.RateLimitError) as info:
        chat(emu, "rate-limited")
    assert info.value.response.headers["retry-after"] == "1"
    assert info.value.body["code"] == "rate_limit_exceeded"
    assert set(info.value.body) == {"message", "type", "param", "code"}
    assert calls_of(chat(emu, "rate-limited").choices[0].message)[0][0] == "get_weather"
    assert [r.status for r in emu.requests] == [429, 200]


def test_sdk_retry_honours_retry_after(emu: EmulatorHandle) -> None:
    started = time.monotonic()
    reply = chat(emu, "rate-limited", retries=2)
    assert calls_of(reply.choices[0].message)[0][0] == "get_weather"
    assert [r.status for r in emu.requests] == [429, 200]
    assert time.monotonic() - started >= 0.9  # the SDK waited for retry-after: 1


def test_server_error_every_time(emu: EmulatorHandle) -> None:
    for _ in range(2):
        with pytest.raises(openai.InternalServerError) as info:
            chat(emu, "broken")
        assert info.value.status_code == 500
        assert info.value.body["type"] == "server_error"


def test_bad_request_body_shape(emu: EmulatorHandle) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        chat(emu, "rejected")
    assert json.loads(info.value.response.text) == {
        "error": {
            "message": "emulated: tools[0] is invalid",
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        }
    }


def test_malformed_arguments_are_sent_verbatim(emu: EmulatorHandle) -> None:
    call = chat(emu, "malformed").choices[0].message.tool_calls[0]
    assert call.function.arguments == '{"location": "北京", "date": '
    with pytest.raises(json.JSONDecodeError):
        json.loads(call.function.arguments)


def test_hallucinated_function_name(emu: EmulatorHandle) -> None:
    assert calls_of(chat(emu, "hallucinated").choices[0].message) == [("weather_lookup", {"city": "北京"})]


def test_slow_answer(emu: EmulatorHandle) -> None:
    started = time.monotonic()
    chat(emu, "slow")
    elapsed = time.monotonic() - started
    assert elapsed >= 0.4  # the scripted delay is a lower bound; no upper bound to flake on


def test_unknown_prompt_gets_a_vendor_shaped_404(emu: EmulatorHandle) -> None:
    with pytest.raises(openai.NotFoundError) as info:
        chat(emu, "weather", messages=[{"role": "user", "content": "What is the meaning of life?"}])
    message = info.value.body["message"]
    assert "no loaded case has the first user message 'What is the meaning of life?'" in message
    assert "fc-harness emulator" in message


def test_gzip_body_and_request_log(emu: EmulatorHandle) -> None:
    body = {
        "model": "emulator-gpt",
        "messages": [{"role": "user", "content": PROMPTS["weather"]}],
        "tools": openai_tools(),
    }
    request = urllib.request.Request(
        emu.base_url + "/v1/chat/completions",
        data=gzip.compress(json.dumps(body).encode()),
        headers={"content-type": "application/json", "content-encoding": "gzip", "authorization": "Bearer k"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["x-fc-harness-emulator"] == "1"
        reply = json.loads(response.read())
    assert reply["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "get_weather"
    logged = emu.requests[-1]
    assert (
        logged.body == body and logged.headers["authorization"] == "Bearer k" and logged.case_id == "weather"
    )


def test_unknown_endpoint_and_root_listing(emu: EmulatorHandle) -> None:
    with urllib.request.urlopen(emu.base_url + "/", timeout=10) as response:
        listing = json.loads(response.read())
    assert any(e["kind"] == "bedrock-converse" for e in listing["endpoints"])
    request = urllib.request.Request(emu.base_url + "/v9/nothing", data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=10)
    with info.value as error:  # an HTTPError holds the open response
        assert error.code == 404 and "no endpoint POST /v9/nothing" in error.read().decode()


def test_unscripted_case_is_named() -> None:
    scripts = {"scripts": [{"case": "weather", "turns": [{"text": "hi"}]}]}
    with (
        start_emulator(scripts, cases()) as handle,
        pytest.raises(openai.NotFoundError, match="'parallel' has no emulator script"),
    ):
        chat(handle, "parallel")


def test_scripts_for_unloaded_cases_are_refused() -> None:
    with pytest.raises(UserError) as info:
        start_emulator({"scripts": [{"case": "nope", "turns": [{"text": "x"}]}]}, cases())
    assert "no loaded case has the id 'nope'" in str(info.value)


UNKNOWN = "What is the meaning of life?"


@pytest.mark.parametrize(
    ("path", "body", "shape"),
    [
        (
            "/v1/chat/completions",
            {"model": "m", "messages": [{"role": "user", "content": UNKNOWN}]},
            "error.message",
        ),
        ("/v1/responses", {"model": "m", "input": UNKNOWN}, "error.message"),
        ("/v1/messages", {"model": "m", "messages": [{"role": "user", "content": UNKNOWN}]}, "error.message"),
        (
            "/v1beta/models/g:generateContent",
            {"contents": [{"role": "user", "parts": [{"text": UNKNOWN}]}]},
            "error.message",
        ),
        ("/model/m/converse", {"messages": [{"role": "user", "content": [{"text": UNKNOWN}]}]}, "message"),
        ("/v2/chat", {"model": "m", "messages": [{"role": "user", "content": UNKNOWN}]}, "message"),
        (
            "/v1/chat/completions",
            {"model": "emulator-mistral", "messages": [{"role": "user", "content": UNKNOWN}]},
            "message",
        ),
    ],
)
def test_unknown_prompt_on_every_wire(
    emu: EmulatorHandle, path: str, body: dict[str, Any], shape: str
) -> None:
    request = urllib.request.Request(emu.base_url + path, data=json.dumps(body).encode(), method="POST")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=10)
    with info.value as error:
        assert error.code == 404
        found: Any = json.loads(error.read())
    for key in shape.split("."):
        found = found[key]
    assert "no loaded case has the first user message 'What is the meaning of life?'" in found


def test_an_emulator_bug_is_a_clear_500(emu: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(emu.engine, "handle", broken)
    with pytest.raises(
        openai.InternalServerError, match=r"fc-harness emulator internal error: RuntimeError\('boom'\)"
    ):
        chat(emu, "weather")


def test_verbose_log_names_case_and_turn(capfd: pytest.CaptureFixture[str]) -> None:
    with start_emulator(SCRIPTS, cases(), verbose=True) as handle, client(handle) as sdk:
        messages = [{"role": "user", "content": PROMPTS["weather"]}]
        sdk.chat.completions.create(model="m", messages=messages, tools=openai_tools())
    err = capfd.readouterr().err
    assert "emulator: POST /v1/chat/completions openai-chat case=weather turn=0 -> 200" in err


def test_variant_by_provider_prefix(emu: EmulatorHandle) -> None:
    # a base URL of /p/<provider-id> selects the script's by_provider turns, on any wire
    special = chat(emu, "variant", prefix="/p/emulator-special/v1").choices[0].message
    assert special.content == "provider-specific answer" and special.tool_calls is None
    assert (emu.requests[-1].path, emu.requests[-1].provider) == (
        "/p/emulator-special/v1/chat/completions",
        "emulator-special",
    )
    other = chat(emu, "variant", prefix="/p/emulator-other/v1").choices[0].message
    assert calls_of(other)[0][1]["date"] == "2025-06-22"  # no variant for that provider


def test_a_system_prompt_folded_into_the_user_message_still_matches(emu: EmulatorHandle) -> None:
    messages = [{"role": "user", "content": "Today is 2025-06-21.\n\n" + PROMPTS["weather"]}]
    assert calls_of(chat(emu, "weather", messages=messages).choices[0].message)[0][0] == "get_weather"
    assert emu.requests[-1].case_id == "weather"
