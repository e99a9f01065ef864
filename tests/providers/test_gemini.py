"""The gemini adapter: google-genai's types, real traffic (both backends), streaming, errors."""

from __future__ import annotations

import inspect
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from google.genai import errors, types

from harness.errors import ProviderError
from harness.model import ModelTurn, Tool, ToolCall
from harness.providers import get_adapter
from harness.providers.base import HistoryStep
from harness.providers.capabilities import UnsupportedCaseError
from harness.providers.gemini import gemini_errors
from harness.providers.portability import translate_schema
from harness.run.config import ProviderProfile
from tests.helpers.vendor_http import TOOL_CHOICES, Reply, local_server, make_case, wire_rows

A = get_adapter("gemini")


def _validate(body: dict[str, Any]) -> None:
    """Validate each part of a generateContent body with google-genai's pydantic types."""
    assert set(body) <= {"contents", "tools", "toolConfig", "systemInstruction", "generationConfig"}
    for content in body["contents"]:
        types.Content.model_validate(content)
    for tool in body.get("tools", []):
        types.Tool.model_validate(tool)
    if "toolConfig" in body:
        types.ToolConfig.model_validate(body["toolConfig"])
    if "systemInstruction" in body:
        types.Content.model_validate(body["systemInstruction"])
    if "generationConfig" in body:
        types.GenerationConfig.model_validate(body["generationConfig"])


@pytest.mark.parametrize("choice", TOOL_CHOICES, ids=str)
@pytest.mark.parametrize("parallel", [None, False])
def test_build_request_fits_the_sdk_types(choice: Any, parallel: bool | None) -> None:
    params: dict[str, Any] = {"temperature": 0, "max_tokens": 100, "seed": 7}
    if parallel is not None:
        params["parallel_tool_calls"] = parallel  # Gemini has no switch: ignored
    body = A.build_request(make_case(choice), 0, (), "gemini-x", params)
    _validate(body)
    assert body["systemInstruction"] == {"parts": [{"text": "Be brief."}]}
    assert body["generationConfig"] == {"temperature": 0, "maxOutputTokens": 100, "seed": 7}
    decls = body["tools"][0]["functionDeclarations"]
    assert [d["name"] for d in decls] == ["get_weather", "math.add"]  # dots are allowed
    assert decls[0]["parametersJsonSchema"]["required"] == ["city"]
    config = body["toolConfig"]["functionCallingConfig"]
    expected = {"auto": {"mode": "AUTO"}, "required": {"mode": "ANY"}, "none": {"mode": "NONE"}}.get(
        str(choice), {"mode": "ANY", "allowedFunctionNames": ["math.add"]}
    )
    assert config == expected


def test_the_sdk_types_catch_a_wrong_body() -> None:
    body = A.build_request(make_case(), 0, (), "gemini-x", {})
    body["tools"][0]["functionDeclarations"][0]["parametersSchema"] = {}
    with pytest.raises(ValueError, match="parametersSchema"):
        _validate(body)


def test_schema_field_parameters_sends_the_openapi_field() -> None:
    body = A.build_request(make_case(), 0, (), "gemini-x", {"schema_field": "parameters"})
    decl = body["tools"][0]["functionDeclarations"][0]
    assert "parametersJsonSchema" not in decl and decl["parameters"]["properties"]["city"]["type"]
    _validate(body)


def test_schema_field_parameters_uses_the_portability_translation() -> None:
    # Given a tool using JSON Schema that Gemini's OpenAPI subset lacks
    schema = {
        "type": "object",
        "properties": {
            "n": {"type": "number", "exclusiveMinimum": 0},
            "tag": {"type": ["string", "null"], "format": "uri"},
            "meta": {"type": "object", "additionalProperties": {"type": "string"}},
        },
        "required": ["n"],
    }
    tool = Tool("measure", "Measure", schema)
    # When the request is built with schema_field = parameters
    case = replace(make_case(), tools=(tool,))
    body = A.build_request(case, 0, (), "gemini-x", {"schema_field": "parameters"})
    sent = body["tools"][0]["functionDeclarations"][0]["parameters"]
    # Then it is exactly harness.providers.portability's translation, which the SDK's Schema accepts
    assert sent == translate_schema(schema, "gemini")[0]
    assert sent["properties"]["n"] == {"type": "number", "minimum": 0}
    assert sent["properties"]["tag"] == {"type": "string", "nullable": True}
    assert "additionalProperties" not in sent["properties"]["meta"]
    types.Schema.model_validate(sent)
    _validate(body)


def test_schema_field_parameters_makes_a_rejected_schema_unsupported() -> None:
    tool = Tool("pick", "Pick", {"type": "object", "properties": {"k": {"type": "integer", "const": 3}}})
    case = replace(make_case(), tools=(tool,))
    with pytest.raises(UnsupportedCaseError, match=r"pick.*gemini.*\$\.properties\.k\.const"):
        A.build_request(case, 0, (), "gemini-x", {"schema_field": "parameters"})
    # the JSON Schema field takes it as written
    body = A.build_request(case, 0, (), "gemini-x", {})
    assert body["tools"][0]["functionDeclarations"][0]["parametersJsonSchema"] == tool.parameters


def test_prefix_and_history_become_function_call_and_response_parts() -> None:
    first = A.parse_response(
        {
            "candidates": [
                {
                    "content": {
                        "role": "model",
                        "parts": [
                            {"text": "hmm", "thought": True},
                            {
                                "functionCall": {"name": "get_weather", "args": {"city": "Paris"}},
                                "thoughtSignature": "c2ln",
                            },
                            {"functionCall": {"name": "math.add", "args": {"a": 1, "b": 2}, "id": "g2"}},
                        ],
                    },
                    "finishReason": "STOP",
                }
            ],
            "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 3, "thoughtsTokenCount": 9},
        }
    )
    assert first.text is None and (first.usage.input_tokens, first.usage.output_tokens) == (10, 3)
    step = HistoryStep(first, ((first.calls[0], "sunny"),))
    body = A.build_request(make_case(prefix=True, turns=2), 1, (step,), "gemini-x", {})
    _validate(body)
    contents = body["contents"]
    assert [c["role"] for c in contents] == ["user", "model", "user", "model", "user"]
    assert contents[1]["parts"] == [
        {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}, "id": "c1"}}
    ]
    assert contents[2]["parts"][0] == {
        "functionResponse": {"name": "get_weather", "response": {"temp": 20}, "id": "c1"}
    }
    assert contents[2]["parts"][1] == {"text": "And in London?"}
    assert contents[3]["parts"] == first.raw_assistant["parts"]  # thought signature echoed
    responses = [p["functionResponse"] for p in contents[4]["parts"]]
    assert responses[0] == {"name": "get_weather", "response": {"result": "sunny"}}
    assert responses[1]["id"] == "g2" and "error" in responses[1]["response"]


def test_history_without_raw_content_is_rebuilt() -> None:
    turn = ModelTurn(calls=(ToolCall("get_weather", {"city": "Paris"}),))
    body = A.build_request(make_case(turns=2), 1, (HistoryStep(turn, ((turn.calls[0], {"t": 1}),)),), "m", {})
    _validate(body)
    assert body["contents"][1] == {
        "role": "model",
        "parts": [{"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}],
    }
    assert body["contents"][2]["parts"][0]["functionResponse"]["response"] == {"t": 1}


@pytest.mark.parametrize(("filename", "count"), [("gemini.jsonl", 98), ("gemini_vertex.jsonl", 40)])
def test_every_recorded_gemini_response_parses(wire_dir: Path, filename: str, count: int) -> None:
    rows = wire_rows(wire_dir, filename, "gemini")
    assert len(rows) == count
    for row in rows:
        resp = row["response"]
        turn = A.parse_stream(resp["body"]) if resp["streaming"] else A.parse_response(resp["body"])
        calls = [{"name": c.name, "arguments": c.arguments} for c in turn.calls]
        assert calls == row["expected_calls"], row["case_id"]
        assert (turn.text or "") == row["expected_text"], row["case_id"]
        assert turn.finish_reason == row["stop_reason"], row["case_id"]
        assert turn.usage.input_tokens is not None, row["case_id"]


def test_snake_case_keys_parse_too() -> None:
    body = {
        "candidates": [
            {
                "content": {"parts": [{"function_call": {"name": "f", "args": {"x": 1}}}, {"text": "hi"}]},
                "finish_reason": "STOP",
            }
        ],
        "usage_metadata": {"prompt_token_count": 4, "candidates_token_count": 2},
    }
    turn = A.parse_response(body)
    assert [(c.name, c.arguments) for c in turn.calls] == [("f", {"x": 1})]
    assert (turn.text, turn.finish_reason, turn.usage.input_tokens) == ("hi", "STOP", 4)


def test_server_side_tools_are_not_calls() -> None:
    parts = [
        {"executableCode": {"language": "PYTHON", "code": "print(1)"}},
        {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "1"}},
        {"toolCall": {"toolType": "GOOGLE_SEARCH"}},
        {"toolResponse": {"response": {}}},
        {"text": "done"},
    ]
    turn = A.parse_response({"candidates": [{"content": {"parts": parts}}]})
    assert turn.calls == () and turn.text == "done"


def _chunk(parts: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"event": None, "data": {"candidates": [{"content": {"role": "model", "parts": parts}, **extra}]}}


def test_stream_concatenates_text_and_keeps_whole_calls() -> None:
    events = [
        _chunk([{"text": "It is "}]),
        _chunk([{"text": "sunny."}]),
        _chunk([{"functionCall": {"name": "f", "args": {"a": 1}}, "thoughtSignature": "eA=="}]),
        {
            "event": None,
            "data": {**_chunk([], finishReason="STOP")["data"], "usageMetadata": {"promptTokenCount": 5}},
        },
    ]
    turn = A.parse_stream(events)
    assert turn.text == "It is sunny." and [c.arguments for c in turn.calls] == [{"a": 1}]
    assert turn.finish_reason == "STOP" and turn.usage.input_tokens == 5
    assert turn.raw_assistant["parts"][0] == {"text": "It is sunny."}


def _client(url: str, **options: Any) -> Any:
    profile = ProviderProfile(id="t", kind="gemini", model="gemini-x", base_url=url, options=options)
    return A.make_client(profile, None if options.get("vertex") else "AIza-test")


OK_BODY = {
    "candidates": [
        {
            "content": {
                "role": "model",
                "parts": [{"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}],
            },
            "finishReason": "STOP",
        }
    ],
    "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 2},
}


def test_send_posts_the_body_through_the_sdk() -> None:
    with local_server() as server:
        server.queue(Reply.json(200, OK_BODY))
        server.queue(
            Reply.sse(
                [(None, {"candidates": [{"content": {"parts": [{"text": "a"}]}}]}), (None, OK_BODY)],
                sep="\r\n\r\n",
            )
        )
        client = _client(server.url)
        request = A.build_request(make_case(), 0, (), "gemini-x", {})
        wire = A.send(client, request, stream=False)
        streamed = A.send(client, request, stream=True)
    assert wire.body == OK_BODY
    first, second = server.seen
    assert first.path == "/v1beta/models/gemini-x:generateContent"
    assert first.json() == request
    assert first.headers["x-goog-api-key"] == "AIza-test" and "key=" not in first.path
    assert second.path == "/v1beta/models/gemini-x:streamGenerateContent?alt=sse"
    assert streamed.events is not None and len(streamed.events) == 2
    turn = A.parse_stream(streamed.events)
    assert turn.text == "a" and turn.calls[0].name == "get_weather"


def test_send_uses_the_vertex_path() -> None:
    with local_server() as server:
        server.queue(Reply.json(200, OK_BODY))
        client = _client(server.url, vertex=True, project="proj", location="us-central1")
        wire = A.send(client, A.build_request(make_case(), 0, (), "gemini-x", {}), stream=False)
    assert wire.body == OK_BODY
    path = server.seen[0].path
    assert path.endswith(
        "/projects/proj/locations/us-central1/publishers/google/models/gemini-x:generateContent"
    )
    assert server.seen[0].headers["authorization"].startswith("Bearer ")


ERRORS = [
    (
        400,
        "INVALID_ARGUMENT",
        "* GenerateContentRequest.tools[0].function_declarations[0].name: Invalid function name.",
    ),
    (400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key."),
    (403, "PERMISSION_DENIED", "Permission denied on resource project."),
    (429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota)."),
    (500, "INTERNAL", "An internal error has occurred."),
    (503, "UNAVAILABLE", "The model is overloaded. Please try again later."),
]


@pytest.mark.parametrize(("status", "code", "message"), ERRORS)
@pytest.mark.parametrize("stream", [False, True])
def test_error_bodies_become_provider_errors(status: int, code: str, message: str, stream: bool) -> None:
    body = {"error": {"code": status, "message": message, "status": code}}
    with local_server() as server:
        server.queue(Reply.json(status, body, **({"retry-after": "3"} if status == 429 else {})))
        with pytest.raises(ProviderError) as info:
            A.send(_client(server.url), A.build_request(make_case(), 0, (), "gemini-x", {}), stream=stream)
    err = info.value
    assert (err.status, err.vendor_message) == (status, message)
    assert err.body == body
    assert err.retry_after == (3.0 if status == 429 else None)


def test_every_public_sdk_exception_is_mapped() -> None:
    classes = [
        obj
        for obj in vars(errors).values()
        if inspect.isclass(obj) and issubclass(obj, Exception) and obj.__module__ == errors.__name__
    ]
    assert len(classes) >= 7
    response = httpx.Response(
        400, json={"error": {"code": 400, "message": "m", "status": "INVALID_ARGUMENT"}}
    )
    for cls in classes:
        if issubclass(cls, errors.APIError):
            exc: BaseException = cls(400, {"error": {"code": 400, "message": "m"}}, response)
        else:
            exc = cls.__new__(cls)
        with pytest.raises(ProviderError) as info, gemini_errors():
            raise exc
        assert isinstance(info.value.__cause__, cls), cls
        if issubclass(cls, errors.APIError):
            assert (info.value.status, info.value.vendor_message) == (400, "m")
    for transport_error in (httpx.ConnectError("refused"),):
        with pytest.raises(ProviderError), gemini_errors():
            raise transport_error
    with pytest.raises(KeyError), gemini_errors():
        raise KeyError("not the SDK's")
    assert json.dumps


def test_an_error_chunk_mid_stream_becomes_a_provider_error() -> None:
    error = {"error": {"code": 500, "message": "An internal error has occurred.", "status": "INTERNAL"}}
    with local_server() as server:
        server.queue(
            Reply.sse([(None, {"candidates": [{"content": {"parts": [{"text": "a"}]}}]}), (None, error)])
        )
        with pytest.raises(ProviderError) as info:
            A.send(_client(server.url), A.build_request(make_case(), 0, (), "gemini-x", {}), stream=True)
    assert (info.value.status, info.value.vendor_message) == (500, "An internal error has occurred.")
