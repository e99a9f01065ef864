"""OpenAI-compatible flavours (Groq, DeepSeek, Ollama) of the chat wire, through the SDK and
the project's quirks adapters."""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai
import pytest

from harness.emulator.openai_wire import REASONING
from harness.emulator.server import EmulatorHandle
from harness.providers import get_adapter
from tests.helpers import emulator as _emulator
from tests.helpers.emulator import PROMPTS, openai_tools

# the shared fixtures (a module-scoped emulator, reset per test)
emulator = _emulator.emulator
emu = _emulator.emu
close_clients = _emulator.close_clients

PARALLEL = [
    ("get_weather", {"location": "Paris", "date": "2025-06-22"}),
    ("get_weather", {"location": "Rome", "date": "2025-06-22"}),
]


def post(emu: EmulatorHandle, model: str, stream: bool) -> Any:
    """POST the parallel case raw; return the decoded body, or the decoded SSE events."""
    body = {
        "model": model,
        "messages": [{"role": "user", "content": PROMPTS["parallel"]}],
        "tools": openai_tools(),
        "stream": stream,
    }
    response = httpx.post(emu.base_url + "/v1/chat/completions", json=body, timeout=10)
    assert response.status_code == 200
    if not stream:
        return response.json()
    events = []
    for block in response.text.split("\n\n"):
        data = "".join(line[6:] for line in block.splitlines() if line.startswith("data: "))
        if data and data != "[DONE]":
            events.append({"event": None, "data": json.loads(data)})
    return events


@pytest.mark.parametrize("service", ["groq", "deepseek", "ollama"])
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_quirks_adapter_reads_the_flavour(emu: EmulatorHandle, service: str, stream: bool) -> None:
    adapter = get_adapter("openai-chat", service)
    wire = post(emu, f"emulator-{service}", stream)
    turn = adapter.parse_stream(wire) if stream else adapter.parse_response(wire)
    assert [(c.name, c.arguments) for c in turn.calls] == PARALLEL
    assert not turn.text  # the emulated reasoning is not answer text


def test_groq_shapes(emu: EmulatorHandle) -> None:
    message = post(emu, "emulator-groq", False)["choices"][0]["message"]
    assert "content" not in message  # a calls-only message
    events = post(emu, "emulator-groq", True)
    whole = [tc for e in events for tc in e["data"]["choices"][0]["delta"].get("tool_calls", [])]
    assert [json.loads(tc["function"]["arguments"]) for tc in whole] == [c[1] for c in PARALLEL]
    assert events[-1]["data"]["x_groq"]["usage"]["total_tokens"] > 0


def test_deepseek_and_ollama_reasoning_through_the_sdk(emu: EmulatorHandle) -> None:
    sdk = _emulator.tracked(openai.OpenAI(base_url=emu.base_url + "/v1", api_key="k", max_retries=0))
    messages = [{"role": "user", "content": PROMPTS["weather"]}]
    deepseek = sdk.chat.completions.create(
        model="emulator-deepseek-chat", messages=messages, tools=openai_tools()
    )
    assert deepseek.choices[0].message.model_extra["reasoning_content"] == REASONING
    assert deepseek.usage.model_extra["prompt_cache_miss_tokens"] == deepseek.usage.prompt_tokens
    stream = sdk.chat.completions.create(
        model="emulator-ollama", messages=messages, tools=openai_tools(), stream=True
    )
    reasoning = "".join(
        (ch.choices[0].delta.model_extra or {}).get("reasoning") or "" for ch in stream if ch.choices
    )
    assert reasoning == REASONING
