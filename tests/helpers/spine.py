"""Builders shared by the runner, CLI and pytest-plugin tests: a tiny suite and config."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

SECRET = "sk-test-SECRET-1234567890abcdef"

SUITE = """\
tools:
  - name: get_weather
    description: 获取指定城市的天气
    parameters:
      type: object
      properties:
        location: {type: string}
        date: {type: string}
      required: [location, date]
  - name: book_train
    description: Book a train ticket
    parameters:
      type: object
      properties:
        from_city: {type: string}
        to_city: {type: string}
      required: [from_city, to_city]
cases:
  - id: wx.beijing
    category: simple
    tags: [zh]
    messages:
      - {role: user, content: "查询北京明天的天气"}
    expect:
      - call: get_weather
        arguments: {location: 北京, date: "2025-06-22"}
  - id: wx.shanghai
    category: simple
    tags: [zh, slow]
    messages:
      - {role: user, content: "上海今天天气怎么样？"}
    expect:
      - call: get_weather
        arguments: {location: 上海, date: "2025-06-21"}
  - id: chat.hello
    category: irrelevance
    tags: [en]
    messages:
      - {role: user, content: "Say hello."}
    expect: []
  - id: trip.rain-train
    category: multi_turn
    tags: [zh]
    messages:
      - {role: user, content: "明天北京下雨的话帮我订上海到北京的火车"}
    turns:
      - expect:
          - call: get_weather
            arguments: {location: 北京, date: "2025-06-22"}
        results:
          - {condition: 中雨}
      - expect:
          - call: book_train
            arguments: {from_city: 上海, to_city: 北京}
        results:
          - {ticket: G1}
"""

#: What the emulated model answers: wx.beijing passes, wx.shanghai has a wrong date,
#: chat.hello answers in text, trip.rain-train chains two correct calls.
SCRIPTS: dict[str, Any] = {
    "scripts": [
        {
            "case": "wx.beijing",
            "turns": [
                {"calls": [{"name": "get_weather", "arguments": {"location": "北京", "date": "2025-06-22"}}]}
            ],
        },
        {
            "case": "wx.shanghai",
            "turns": [
                {"calls": [{"name": "get_weather", "arguments": {"location": "上海", "date": "2025-06-22"}}]}
            ],
        },
        {"case": "chat.hello", "turns": [{"text": "Hello!"}]},
        {
            "case": "trip.rain-train",
            "turns": [
                {"calls": [{"name": "get_weather", "arguments": {"location": "北京", "date": "2025-06-22"}}]},
                {"calls": [{"name": "book_train", "arguments": {"from_city": "上海", "to_city": "北京"}}]},
                {"text": "已订好。"},
            ],
        },
    ]
}


def config_text(base_url: str = "http://127.0.0.1:9/v1", extra: str = "") -> str:
    """An fcharness.toml with two emulator profiles (plain and streamed)."""
    return (
        textwrap.dedent(
            f"""\
        [harness]
        cases = ["cases"]
        concurrency = 2

        [providers.emulator-openai-chat]
        kind = "openai-chat"
        model = "emulator-gpt"
        base_url = "{base_url}"
        api_key_env = "FCHARNESS_TEST_KEY"

        [providers.emulator-openai-chat-stream]
        kind = "openai-chat"
        model = "emulator-gpt"
        base_url = "{base_url}"
        api_key_env = "FCHARNESS_TEST_KEY"
        stream = true
        """
        )
        + extra
    )


BEDROCK_PROFILES = """
[providers.emulator-bedrock-converse]
kind = "bedrock-converse"
model = "emulator-bedrock"
base_url = "http://127.0.0.1:9"

[providers.emulator-bedrock-converse-stream]
kind = "bedrock-converse"
model = "emulator-bedrock"
base_url = "http://127.0.0.1:9"
stream = true
"""


def emulator_urls(base_url: str, profile_ids: Any) -> dict[str, str]:
    """`--base-url` overrides pointing every profile at the emulator (OpenAI kinds under /v1)."""
    return {pid: base_url + ("/v1" if "openai" in pid else "") for pid in profile_ids}


def write_project(root: Path, base_url: str = "http://127.0.0.1:9/v1", extra: str = "") -> Path:
    """Write `cases/suite.yaml` and `fcharness.toml` under `root`; return the config path."""
    (root / "cases").mkdir(parents=True, exist_ok=True)
    (root / "cases" / "suite.yaml").write_text(SUITE, encoding="utf-8")
    cfg = root / "fcharness.toml"
    cfg.write_text(config_text(base_url, extra), encoding="utf-8")
    return cfg
