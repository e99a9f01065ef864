"""OpenAI strict mode: `params.strict = true` sends portability's schemas; the runner drops the
nulls strict mode forces on optional parameters (and only those) before grading."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from harness.cassettes.layout import RecordMode, cassette_path
from harness.cassettes.store import load_interactions
from harness.grading.grader import grade, grade_turn
from harness.model import Case, ExpectedCall, Message, ModelTurn, Tool, ToolCall, Turn
from harness.providers import get_adapter
from harness.providers.base import WireResponse, strip_strict_nulls
from harness.providers.portability import translate_schema
from harness.run import execute as _execute
from harness.run.config import load_config
from harness.run.runner import RunOptions, exit_code, run

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "city": {"type": "string"},
        "unit": {"type": "string", "enum": ["c", "f"]},
        "note": {"type": ["string", "null"]},
        "window": {
            "type": "object",
            "properties": {"start": {"type": "string"}, "end": {"type": "string"}},
            "required": ["start"],
        },
    },
    "required": ["city"],
}
WEATHER = Tool("get_weather", "Weather for a city", SCHEMA)


def _call(args: dict[str, Any], name: str = "get_weather") -> ToolCall:
    return ToolCall(name, args, json.dumps(args), "call_1")


# --- strip_strict_nulls (pure) -----------------------------------------------------------------


def test_nulls_of_optional_parameters_are_dropped_and_raw_text_kept() -> None:
    args = {"city": "Paris", "unit": None, "window": {"start": "9", "end": None}}
    turn = ModelTurn(calls=(_call(args),))
    (out,) = strip_strict_nulls(turn, [WEATHER]).calls
    assert out.arguments == {"city": "Paris", "window": {"start": "9"}}
    assert out.raw_arguments == json.dumps(args)  # echoed as sent in later turns


def test_nulls_stay_where_the_neutral_schema_allows_or_requires_them() -> None:
    args = {"city": None, "note": None, "window": {"start": None, "end": None}}
    (out,) = strip_strict_nulls(ModelTurn(calls=(_call(args),)), [WEATHER]).calls
    # city and window.start are required; note allows null: only window.end goes
    assert out.arguments == {"city": None, "note": None, "window": {"start": None}}


@pytest.mark.parametrize(
    "prop",
    [
        {"anyOf": [{"type": "string"}, {"type": "null"}]},
        {"enum": ["a", None]},
        {"const": None},
        {"description": "anything"},
    ],
)
def test_other_null_allowing_schemas_keep_their_null(prop: dict[str, Any]) -> None:
    tool = Tool("f", "", {"type": "object", "properties": {"x": prop}})
    (out,) = strip_strict_nulls(ModelTurn(calls=(_call({"x": None}, "f"),)), [tool]).calls
    assert out.arguments == {"x": None}


def test_array_items_unknown_tools_and_undecodable_arguments() -> None:
    tool = Tool(
        "g",
        "",
        {
            "type": "object",
            "properties": {
                "stops": {
                    "type": "array",
                    "items": {"type": "object", "properties": {"at": {"type": "string"}}},
                }
            },
        },
    )
    calls = (
        _call({"stops": [{"at": None}, {"at": "x"}]}, "g"),
        _call({"at": None}, "hallucinated"),
        ToolCall("g", None, "{not json"),
    )
    out = strip_strict_nulls(ModelTurn(calls=calls), [tool]).calls
    assert out[0].arguments == {"stops": [{}, {"at": "x"}]}
    assert out[1:] == calls[1:]


def test_a_turn_without_nulls_is_returned_unchanged() -> None:
    turn = ModelTurn(calls=(_call({"city": "Paris"}),))
    assert strip_strict_nulls(turn, [WEATHER]) is turn


# --- the runner path: build → parse → strip → grade ---------------------------------------------

CASE = Case(
    id="wx.strict",
    category="simple",
    messages=(Message("user", "Weather in Paris?"),),
    tools=(WEATHER,),
    turns=(Turn((ExpectedCall("get_weather", {"city": "Paris"}),)),),
)
NULL_ARGS = {"city": "Paris", "unit": None, "window": None}


def _chat_body(args: dict[str, Any]) -> dict[str, Any]:
    call = {
        "id": "c1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": json.dumps(args)},
    }
    message = {"role": "assistant", "content": None, "tool_calls": [call]}
    return {"choices": [{"index": 0, "message": message, "finish_reason": "tool_calls"}]}


def _responses_body(args: dict[str, Any]) -> dict[str, Any]:
    item = {"type": "function_call", "id": "fc1", "call_id": "c1", "name": "get_weather"}
    return {"status": "completed", "output": [{**item, "arguments": json.dumps(args)}]}


@pytest.mark.parametrize(
    ("kind", "body"), [("openai-chat", _chat_body), ("openai-responses", _responses_body)]
)
def test_strict_nulls_for_optional_parameters_grade_as_a_pass(kind: str, body: Any) -> None:
    adapter = get_adapter(kind)
    sent: list[dict[str, Any]] = []

    answer = dict(NULL_ARGS)

    def exchange(turn: int, request: dict[str, Any]) -> WireResponse:
        sent.append(request)
        return WireResponse(200, body=body(answer))

    def go(params: dict[str, Any]) -> Any:
        return _execute.run_case(
            CASE, "p", adapter, "m", params, exchange, grade=grade, grade_turn=grade_turn
        )

    # Given strict mode: the schema is portability's translation and the nulls are dropped
    verdict = go({"strict": True}).verdict
    assert verdict.passed, verdict.failures
    tools = sent[-1]["tools"]
    parameters = tools[0]["function"]["parameters"] if kind == "openai-chat" else tools[0]["parameters"]
    assert parameters == translate_schema(SCHEMA, "openai-strict")[0]
    assert tools[0]["function"]["strict"] if kind == "openai-chat" else tools[0]["strict"]
    # But without strict the very same answer fails: the nulls are the model's own
    assert not go({}).verdict.passed
    # And a null for a parameter whose neutral schema allows null is kept (and graded)
    answer["note"] = None
    outcome = go({"strict": True})
    assert outcome.turns[0].calls[0].arguments == {"city": "Paris", "note": None}
    assert [f.kind for f in outcome.verdict.failures] == ["unexpected_argument"]


# --- end to end: record through the emulator, then replay ----------------------------------------

SUITE = """\
tools:
  - name: get_weather
    description: Weather for a city
    parameters:
      type: object
      properties:
        city: {type: string}
        unit: {type: string, enum: [c, f]}
      required: [city]
cases:
  - id: wx.paris
    category: simple
    messages:
      - {role: user, content: "Weather in Paris?"}
    expect:
      - call: get_weather
        arguments: {city: Paris}
"""
SCRIPTS = {
    "scripts": [
        {
            "case": "wx.paris",
            "turns": [{"calls": [{"name": "get_weather", "arguments": {"city": "Paris", "unit": None}}]}],
        }
    ]
}


def _profiles(base_url: str) -> str:
    out = ["[harness]", 'cases = ["cases"]', ""]
    for pid, kind, quirks in (
        ("emulator-openai-chat-strict", "openai-chat", None),
        ("emulator-openai-responses-strict", "openai-responses", None),
        ("emulator-groq-strict", "openai-chat", "groq"),
    ):
        out += [
            f"[providers.{pid}]",
            f'kind = "{kind}"',
            'model = "emulator-gpt"',
            f'base_url = "{base_url}/v1"',
        ]
        out += ['api_key_env = "FCHARNESS_TEST_KEY"', "params = { strict = true }"]
        out += [f'quirks = "{quirks}"'] if quirks else []
        out.append("")
    return "\n".join(out)


def test_strict_profiles_record_and_replay_through_the_emulator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from harness.cases.loader import load_cases
    from harness.emulator.server import start_emulator

    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "suite.yaml").write_text(SUITE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FCHARNESS_TEST_KEY", "sk-test-strict")
    with start_emulator(SCRIPTS, load_cases([tmp_path / "cases"])) as emu:
        (tmp_path / "fcharness.toml").write_text(textwrap.dedent(_profiles(emu.base_url)), encoding="utf-8")
        recorded = run(load_config(), RunOptions(record_mode=RecordMode.ALL, print_table=False))
    status = {r.provider_id: r.status for r in recorded.rows}
    assert status == {
        "emulator-openai-chat-strict": "pass",
        "emulator-openai-responses-strict": "pass",
        "emulator-groq-strict": "unsupported",
    }
    groq = next(r for r in recorded.rows if r.provider_id == "emulator-groq-strict")
    assert "strict" in (groq.error or "")
    (inter,) = load_interactions(
        cassette_path(tmp_path / "cassettes", "emulator-openai-chat-strict", "wx.paris")
    )
    fn = inter.body["tools"][0]["function"]
    assert fn["strict"] is True and fn["parameters"]["properties"]["unit"]["type"] == ["string", "null"]
    replayed = run(
        load_config(),
        RunOptions(
            print_table=False, providers=("emulator-openai-chat-strict", "emulator-openai-responses-strict")
        ),
    )
    assert [r.status for r in replayed.rows] == ["pass", "pass"]
    assert exit_code(replayed.rows) == 0
