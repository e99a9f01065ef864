"""Real llama.cpp traffic: the committed `cassettes/llamacpp-*` recordings, parsed by the adapters.

These are recordings of real models (Qwen2.5-Coder GGUF files) behind llama.cpp's
`llama-server` (docs/local-models.md), not emulator traffic. The tests check what the real
server sends that the emulator never did: `content: ""` beside calls, pretty-printed argument
JSON, random 32-character call ids, `timings` and `system_fingerprint` in every body, a first
streamed chunk with `content: null`, argument pieces as small as one space, the usage chunk
with `timings` and no choices, `prompt_tokens_details.cached_tokens`, and Anthropic-shaped
replies from `/v1/messages`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from harness.cassettes.store import load_interactions
from harness.providers.anthropic import ADAPTER as ANTHROPIC
from harness.providers.openai_chat import make_adapter
from harness.providers.quirks import QUIRKS
from harness.run.config import load_config

REPO = Path(__file__).resolve().parents[2]
CASSETTES = REPO / "cassettes"
CHAT = make_adapter("llamacpp")
ID = re.compile(r"^[A-Za-z0-9]{32}$")


def _profiles(kind: str | None = None) -> list[Any]:
    config = load_config(REPO / "fcharness.toml")
    return [
        p
        for pid, p in config.providers.items()
        if pid.startswith("llamacpp-") and (CASSETTES / pid).is_dir() and (kind is None or p.kind == kind)
    ]


def _responses(kind: str, *, stream: bool) -> Iterator[tuple[str, Any]]:
    for profile in _profiles(kind):
        if profile.stream != stream:
            continue
        for path in sorted((CASSETTES / profile.id).glob("*.yaml")):
            for i, it in enumerate(load_interactions(path)):
                yield f"{profile.id}/{path.name}#{i}", it.response


def _chat_message(body: Mapping[str, Any]) -> Mapping[str, Any]:
    return body["choices"][0]["message"]


def test_at_least_two_real_models_are_recorded_through_the_llamacpp_quirks() -> None:
    chat = _profiles("openai-chat")
    assert len({p.model for p in chat}) >= 2
    assert all(p.quirks == "llamacpp" for p in chat)
    assert False in {p.stream for p in chat}


def test_every_plain_body_carries_llama_cpp_fields_and_parses_to_its_calls() -> None:
    seen = calls = 0
    for where, resp in _responses("openai-chat", stream=False):
        body = resp.body
        seen += 1
        # llama.cpp's own fields: build fingerprint and timings, in every body
        assert re.fullmatch(r"b\d+-[0-9a-f]+", body["system_fingerprint"]), where
        assert body["timings"]["predicted_n"] == body["usage"]["completion_tokens"], where
        assert isinstance(body["usage"]["prompt_tokens_details"]["cached_tokens"], int), where
        message = _chat_message(body)
        turn = CHAT.parse_response(body)
        raw_calls = message.get("tool_calls") or []
        assert [c.name for c in turn.calls] == [c["function"]["name"] for c in raw_calls], where
        for call, raw in zip(turn.calls, raw_calls, strict=True):
            calls += 1
            assert ID.match(raw["id"]) and call.id == raw["id"], where
            assert call.raw_arguments == raw["function"]["arguments"], where
            # the real model pretty-prints its JSON (newlines, indentation): decoded as such
            assert call.arguments == json.loads(raw["function"]["arguments"]), where
        if raw_calls and message.get("content") == "":
            assert turn.text is None, where  # "" beside calls is no answer text
        assert turn.usage.output_tokens == body["usage"]["completion_tokens"], where
    assert seen and calls


def test_every_stream_assembles_to_its_pieces() -> None:
    if not any(p.stream for p in _profiles("openai-chat")):
        pytest.skip("no streamed llamacpp-* cassettes committed")
    seen = 0
    for where, resp in _responses("openai-chat", stream=True):
        seen += 1
        chunks = [e["data"] for e in resp.events if isinstance(e.get("data"), Mapping)]
        assert resp.events[-1].get("data") == "[DONE]", where
        first = chunks[0]["choices"][0]["delta"]
        assert first["role"] == "assistant" and first["content"] is None, where
        # the last chunk: usage and timings, no choices
        last = chunks[-1]
        assert last["choices"] == [] and last["timings"]["predicted_n"] == last["usage"]["completion_tokens"]
        assert all(re.fullmatch(r"b\d+-[0-9a-f]+", c["system_fingerprint"]) for c in chunks), where
        # rebuild every call from its pieces by index, and the text
        pieces: dict[int, dict[str, str]] = {}
        text = ""
        for c in chunks:
            for choice in c["choices"]:
                delta = choice["delta"]
                text += delta.get("content") or ""
                for tc in delta.get("tool_calls") or ():
                    got = pieces.setdefault(tc["index"], {"id": "", "name": "", "arguments": ""})
                    got["id"] += tc.get("id", "")
                    got["name"] += tc.get("function", {}).get("name", "")
                    got["arguments"] += tc.get("function", {}).get("arguments", "")
        turn = CHAT.parse_stream(resp.events)
        assert [c.name for c in turn.calls] == [pieces[i]["name"] for i in sorted(pieces)], where
        for call, i in zip(turn.calls, sorted(pieces), strict=True):
            assert ID.match(pieces[i]["id"]) and call.id == pieces[i]["id"], where
            assert call.arguments == json.loads(pieces[i]["arguments"]), where
        assert turn.text == (text or None), where
        assert turn.usage.output_tokens == last["usage"]["completion_tokens"], where
    assert seen


def test_anthropic_messages_route_answers_in_anthropic_shape() -> None:
    if not _profiles("anthropic"):
        pytest.skip("no llamacpp-*-anthropic cassettes committed")
    seen = 0
    for where, resp in _responses("anthropic", stream=False):
        seen += 1
        body = resp.body
        assert body["type"] == "message" and body["role"] == "assistant", where
        assert "cache_read_input_tokens" in body["usage"], where
        assert body["id"].startswith("chatcmpl-"), where  # llama.cpp's own id, not Anthropic's msg_…
        turn = ANTHROPIC.parse_response(body)
        uses = [b for b in body["content"] if b["type"] == "tool_use"]
        assert [c.name for c in turn.calls] == [b["name"] for b in uses], where
        assert [c.arguments for c in turn.calls] == [b["input"] for b in uses], where
        assert body["stop_reason"] == ("tool_use" if uses else body["stop_reason"]), where
    assert seen


def test_the_quirks_profile_matches_the_recorded_server() -> None:
    q = QUIRKS["llamacpp"]
    assert "named" not in q.tool_choices and {"auto", "none", "required"} <= q.tool_choices
    # no named choice was ever sent to it: such cases are unsupported, not silently auto
    for profile in _profiles("openai-chat"):
        for path in (CASSETTES / profile.id).glob("*.yaml"):
            for it in load_interactions(path):
                assert not isinstance(it.body.get("tool_choice"), Mapping), path
                assert it.body.get("max_tokens"), path  # always bounded (required runs away)
