"""The Bedrock Converse wire: the event stream encoder and boto3 end to end."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.eventstream import ChecksumMismatch, EventStreamBuffer
from botocore.exceptions import ClientError, EventStreamError

from harness.emulator.eventstream import encode_event, encode_exception, encode_message
from harness.emulator.server import EmulatorHandle
from tests.helpers import emulator as _emulator
from tests.helpers.emulator import PROMPTS, WEATHER

# the shared fixtures (a module-scoped emulator, reset per test)
emulator = _emulator.emulator
emu = _emulator.emu
close_clients = _emulator.close_clients

MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0"
TOOL_CONFIG = {
    "tools": [{"toolSpec": {"name": "get_weather", "inputSchema": {"json": dict(WEATHER.parameters)}}}]
}
PARALLEL = [
    ("get_weather", {"location": "Paris", "date": "2025-06-22"}),
    ("get_weather", {"location": "Rome", "date": "2025-06-22"}),
]


def decode(data: bytes) -> list[Any]:
    """Decode event stream bytes with botocore's own decoder."""
    buffer = EventStreamBuffer()
    buffer.add_data(data)
    return list(buffer)


def test_encoder_round_trips_through_botocore() -> None:
    payload = {"contentBlockIndex": 1, "delta": {"toolUse": {"input": '{"location": "北京"'}}}
    frames = encode_event("contentBlockDelta", payload) + encode_event(
        "messageStop", {"stopReason": "tool_use"}
    )
    messages = decode(frames)
    assert [m.headers for m in messages] == [
        {":event-type": "contentBlockDelta", ":content-type": "application/json", ":message-type": "event"},
        {":event-type": "messageStop", ":content-type": "application/json", ":message-type": "event"},
    ]
    assert json.loads(messages[0].payload) == payload
    assert messages[0].prelude.total_length == len(encode_event("contentBlockDelta", payload))


def test_encoder_crcs_are_checked() -> None:
    frame = bytearray(encode_message({":event-type": "x"}, b"{}"))
    frame[-6] ^= 0xFF  # corrupt the payload: botocore must reject the message CRC
    with pytest.raises(ChecksumMismatch, match="Checksum mismatch"):
        decode(bytes(frame))
    exception = decode(encode_exception("throttlingException", "slow down"))[0]
    assert exception.headers[":message-type"] == "exception"
    assert json.loads(exception.payload) == {"message": "slow down"}


@pytest.fixture()
def bedrock(emu: EmulatorHandle) -> Iterator[Any]:
    """A boto3 bedrock-runtime client with fake credentials, pointed at the emulator."""
    client = boto3.client(
        "bedrock-runtime",
        region_name="us-east-1",
        endpoint_url=emu.base_url,
        aws_access_key_id="AKIDEMULATOR",
        aws_secret_access_key="emulator-secret",
        config=Config(retries={"total_max_attempts": 1}),
    )
    yield client
    client.close()


def converse(client: Any, case: str, stream: bool = False) -> Any:
    """Call converse (or converse_stream) with the case's prompt."""
    method = client.converse_stream if stream else client.converse
    messages = [{"role": "user", "content": [{"text": PROMPTS[case]}]}]
    return method(modelId=MODEL, messages=messages, toolConfig=TOOL_CONFIG)


def test_converse_plain(bedrock: Any, emu: EmulatorHandle) -> None:
    reply = converse(bedrock, "parallel")
    uses = [b["toolUse"] for b in reply["output"]["message"]["content"]]
    assert [(u["name"], u["input"]) for u in uses] == PARALLEL
    assert all(u["toolUseId"].startswith("tooluse_") for u in uses)
    assert reply["stopReason"] == "tool_use" and reply["usage"]["totalTokens"] > 0
    assert emu.requests[-1].path == "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse"


def test_converse_stream(bedrock: Any) -> None:
    events = list(converse(bedrock, "parallel", stream=True)["stream"])
    names = [next(iter(e)) for e in events]
    assert names[0] == "messageStart" and names[-2:] == ["messageStop", "metadata"]
    starts = {
        e["contentBlockStart"]["contentBlockIndex"]: e["contentBlockStart"]["start"]["toolUse"]
        for e in events
        if "contentBlockStart" in e
    }
    inputs: dict[int, str] = {}
    for e in events:
        if "contentBlockDelta" in e:
            d = e["contentBlockDelta"]
            inputs[d["contentBlockIndex"]] = (
                inputs.get(d["contentBlockIndex"], "") + d["delta"]["toolUse"]["input"]
            )
    assert [(starts[i]["name"], json.loads(inputs[i])) for i in sorted(starts)] == PARALLEL
    assert names.count("contentBlockDelta") > 2
    assert events[-2]["messageStop"]["stopReason"] == "tool_use"


def test_converse_text_answer(bedrock: Any) -> None:
    reply = converse(bedrock, "irrelevant")
    assert reply["output"]["message"]["content"][0]["text"].startswith("Why did the cat")
    assert reply["stopReason"] == "end_turn"
    text = "".join(
        e["contentBlockDelta"]["delta"]["text"]
        for e in converse(bedrock, "irrelevant", stream=True)["stream"]
        if "contentBlockDelta" in e
    )
    assert text.startswith("Why did the cat")


def test_converse_malformed_arguments(bedrock: Any) -> None:
    streamed = "".join(
        e["contentBlockDelta"]["delta"]["toolUse"]["input"]
        for e in converse(bedrock, "malformed", stream=True)["stream"]
        if "contentBlockDelta" in e
    )
    assert streamed == '{"location": "北京", "date": '
    assert converse(bedrock, "malformed")["output"]["message"]["content"][0]["toolUse"]["input"] == streamed


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("rate-limited", 429, "ThrottlingException"),
        ("broken", 500, "InternalServerException"),
        ("rejected", 400, "ValidationException"),
    ],
)
def test_converse_errors(bedrock: Any, case: str, status: int, code: str) -> None:
    with pytest.raises(ClientError) as info:
        converse(bedrock, case)
    error = info.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == status
    assert error["Error"]["Code"] == code  # read by botocore from the x-amzn-ErrorType header
    assert error["Error"]["Message"]


def test_converse_stream_exception_frame(bedrock: Any) -> None:
    stream = converse(bedrock, "midstream", stream=True)["stream"]
    with pytest.raises(EventStreamError) as info:
        try:
            list(stream)
        finally:
            stream.close()  # botocore leaves the connection open when a frame raises
    assert info.value.response["Error"]["Code"] == "internalServerException"
    assert info.value.response["Error"]["Message"] == "emulated: broke"


def test_provider_prefix_in_the_endpoint_url(emu: EmulatorHandle) -> None:
    client = boto3.client(
        "bedrock-runtime",
        region_name="us-east-1",
        endpoint_url=emu.base_url + "/p/emulator-special",
        aws_access_key_id="AKIDEMULATOR",
        aws_secret_access_key="emulator-secret",
    )
    try:
        reply = client.converse(
            modelId=MODEL, messages=[{"role": "user", "content": [{"text": PROMPTS["variant"]}]}]
        )
    finally:
        client.close()
    assert reply["output"]["message"]["content"] == [{"text": "provider-specific answer"}]
    assert emu.requests[-1].provider == "emulator-special"
