"""Emulator traffic can be recorded by vcrpy and replayed without the emulator running."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import openai
import vcr
from botocore.config import Config

from harness.emulator.server import start_emulator
from tests.helpers.emulator import PROMPTS, SCRIPTS, WEATHER, cases, openai_tools

BEDROCK_TOOLS = {
    "tools": [{"toolSpec": {"name": "get_weather", "inputSchema": {"json": dict(WEATHER.parameters)}}}]
}


def _openai_stream(base_url: str) -> list[tuple[str, Any]]:
    client = openai.OpenAI(base_url=base_url + "/v1", api_key="sk-fake", max_retries=0)
    stream = client.chat.completions.create(
        model="emulator-gpt",
        messages=[{"role": "user", "content": PROMPTS["parallel"]}],
        tools=openai_tools(),
        stream=True,
    )
    calls: dict[int, list[str]] = {}
    for chunk in stream:
        for frag in chunk.choices[0].delta.tool_calls or [] if chunk.choices else []:
            entry = calls.setdefault(frag.index, ["", ""])
            entry[0] += frag.function.name or ""
            entry[1] += frag.function.arguments or ""
    client.close()
    return [(name, json.loads(args)) for name, args in calls.values()]


def _bedrock_stream(base_url: str) -> list[str]:
    client = boto3.client(
        "bedrock-runtime",
        region_name="us-east-1",
        endpoint_url=base_url,
        aws_access_key_id="AKIDFAKE",
        aws_secret_access_key="fake",
        config=Config(retries={"total_max_attempts": 1}),
    )
    messages = [{"role": "user", "content": [{"text": PROMPTS["weather"]}]}]
    reply = client.converse_stream(modelId="emulator-nova", messages=messages, toolConfig=BEDROCK_TOOLS)
    pieces = [
        e["contentBlockDelta"]["delta"]["toolUse"]["input"]
        for e in reply["stream"]
        if "contentBlockDelta" in e
    ]
    client.close()
    return pieces


def test_record_then_replay_streams(tmp_path: Path) -> None:
    cassette = str(tmp_path / "emulator.yaml")
    recorder = vcr.VCR(record_mode="all", match_on=["method", "path", "body"])
    # Given streams recorded from the emulator
    with start_emulator(SCRIPTS, cases()) as emu:
        base_url = emu.base_url
        with recorder.use_cassette(cassette):
            recorded = (_openai_stream(base_url), _bedrock_stream(base_url))
    # When they are replayed with the emulator stopped
    replayer = vcr.VCR(record_mode="none", match_on=["method", "path", "body"])
    with replayer.use_cassette(cassette) as tape:
        replayed = (_openai_stream(base_url), _bedrock_stream(base_url))
        assert tape.all_played
    # Then the SDKs parse the same calls
    assert recorded == replayed
    assert recorded[0][1] == ("get_weather", {"location": "Rome", "date": "2025-06-22"})
    assert json.loads("".join(recorded[1])) == {"location": "北京", "date": "2025-06-22"}
