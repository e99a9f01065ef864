"""The emulator answers a request the same way every time (re-recording rewrites nothing)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from harness.emulator.engine import Engine
from harness.emulator.scripts import parse_scripts
from tests.helpers.emulator import PROMPTS, SCRIPTS, cases

REPO = Path(__file__).resolve().parents[2]

_P = PROMPTS["parallel"]
_FN = {"name": "get_weather", "parameters": {"type": "object"}}
_CHAT = {"messages": [{"role": "user", "content": _P}], "tools": [{"type": "function", "function": _FN}]}

#: (path, body) per wire kind, plain; each is also sent streamed.
REQUESTS: list[tuple[str, dict[str, Any]]] = [
    ("/v1/chat/completions", {"model": "gpt-x", **_CHAT}),
    ("/v1/chat/completions", {"model": "mistral-large", **_CHAT}),
    ("/v1/chat/completions", {"model": "gpt-x", "messages": _CHAT["messages"], "functions": [_FN]}),
    ("/v1/responses", {"model": "gpt-x", "input": _P, "tools": [{"type": "function", **_FN}]}),
    ("/v1/messages", {"model": "claude-x", "max_tokens": 9, "messages": [{"role": "user", "content": _P}]}),
    ("/v2/chat", {"model": "command-a", "messages": [{"role": "user", "content": _P}]}),
    ("/v1beta/models/gemini-x:generateContent", {"contents": [{"role": "user", "parts": [{"text": _P}]}]}),
    ("/model/amazon.nova/converse", {"messages": [{"role": "user", "content": [{"text": _P}]}]}),
]


def _stream(path: str, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    if path.endswith(":generateContent"):
        return path.replace(":generateContent", ":streamGenerateContent"), body
    if path.endswith("/converse"):
        return path + "-stream", body
    return path, {**body, "stream": True}


def render_all() -> list[tuple[str, int, list[tuple[str, str]], bytes]]:
    """Return each reply (path, status, headers, body bytes) of REQUESTS, plain and streamed."""
    engine = Engine(parse_scripts(SCRIPTS, "<test>"), cases())
    out = []
    for path, body in REQUESTS + [_stream(p, b) for p, b in REQUESTS]:
        query = "alt=sse" if "streamGenerate" in path else ""
        raw = json.dumps(body).encode()
        status, headers, payload = engine.handle(
            "POST", path, query, {"content-type": "application/json"}, raw
        )
        data = payload if isinstance(payload, bytes) else b"".join(payload)
        out.append((path, status, sorted(headers.items()), data))
    return out


def digest() -> str:
    """Return a hash of every reply (compared across processes)."""
    return hashlib.sha256(repr(render_all()).encode()).hexdigest()


def test_every_wire_kind_answers_byte_identically_twice() -> None:
    first, second = render_all(), render_all()
    assert [r[1] for r in first] == [200] * len(first), [r[:2] for r in first if r[1] != 200]
    assert first == second


def test_ids_and_created_are_vendor_shaped_and_differ_per_call() -> None:
    replies = render_all()
    text = "\n".join(r[3].decode("utf-8", "replace") for r in replies)
    for pattern in (r"chatcmpl-\w+", r"call_\w+", r"toolu_\w+", r"msg_\w+", r"fc_\w+", r"resp_\w+"):
        assert re.search(pattern, text), pattern
    chat = json.loads(replies[0][3])
    ids = [c["id"] for c in chat["choices"][0]["message"]["tool_calls"]]
    assert len(ids) == 2 and ids[0] != ids[1]  # the two parallel calls have their own ids
    assert isinstance(chat["created"], int) and chat["created"] >= 1767225600


def test_replies_do_not_depend_on_the_process_hash_seed() -> None:
    # set iteration order changes with PYTHONHASHSEED; the replies must not
    code = "import tests.emulator.test_determinism as t; print(t.digest())"
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == digest()
