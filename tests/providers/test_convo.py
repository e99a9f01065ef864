"""Shared helpers of the anthropic, gemini and bedrock adapters."""

from __future__ import annotations

from harness.model import Message, ModelTurn, ToolCall
from harness.providers._convo import (
    NO_RESULT,
    encode_result,
    iter_sse,
    json_object_or_none,
    prefix_messages,
    step_results,
)
from harness.providers.base import HistoryStep
from tests.helpers.vendor_http import make_case


def test_iter_sse_handles_crlf_comments_and_multiline_data() -> None:
    lines = [
        ": keep-alive",
        "event: a",
        'data: {"x":',
        "data: 1}",
        "",
        "data: [DONE]",
        "\r",
        'data: {"y": 2}',
    ]
    assert list(iter_sse(lines)) == [
        {"event": "a", "data": {"x": 1}},
        {"event": None, "data": "[DONE]"},
        {"event": None, "data": {"y": 2}},
    ]


def test_json_object_or_none() -> None:
    assert json_object_or_none("") == {} and json_object_or_none(" ") == {}
    assert json_object_or_none('{"a": 1}') == {"a": 1}
    assert json_object_or_none("[1]") is None and json_object_or_none("{") is None


def test_encode_result_keeps_strings() -> None:
    assert encode_result("sunny") == "sunny"
    assert encode_result({"t": 1}) == '{"t": 1}' and encode_result(3) == "3"


def test_prefix_fills_missing_ids_in_order() -> None:
    case = make_case()
    messages = (
        Message("user", "q"),
        Message("assistant", None, (ToolCall("a", {}), ToolCall("b", {}))),
        Message("tool", "1"),
        Message("tool", "2"),
    )
    out = prefix_messages(type(case)(**{**case.__dict__, "messages": messages}))
    assert [c.id for c in out[1].tool_calls] == ["call_1_0", "call_1_1"]
    assert [(m.tool_call_id, m.name) for m in out[2:]] == [("call_1_0", "a"), ("call_1_1", "b")]


def test_step_results_answers_every_call() -> None:
    calls = (ToolCall("a", {}, id="1"), ToolCall("b", {}, id="2"))
    results = step_results(HistoryStep(ModelTurn(calls=calls), ((calls[1], "B"),)))
    assert [(r.call_id, r.value, r.is_error) for r in results] == [("1", NO_RESULT, True), ("2", "B", False)]
