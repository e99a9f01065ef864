"""Answers made from the cases (`--answer expected|mistakes`), script layering, case reloading."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from harness.cases.loader import load_cases
from harness.commands.emulator import compose_scripts
from harness.emulator.answers import MISTAKE_LABEL, answers_for, value_from_schema
from harness.emulator.casewatch import CaseWatch
from harness.emulator.common import UNANSWERED_HEADER
from harness.emulator.engine import ANSWER_HEADER
from harness.emulator.scripts import ScriptSet
from harness.emulator.server import start_emulator
from harness.grading.grader import grade
from harness.model import Case, ModelTurn, ToolCall
from tests.helpers.emulator import PROMPTS, cases

REPO = Path(__file__).resolve().parents[2]
SHIPPED = load_cases([str(REPO / "cases")])


def _turns(case: Case, mode: str, key: str = "") -> tuple[tuple[ModelTurn, ...], str]:
    answers, label = answers_for(case, mode, key)
    turns = []
    for a in answers:
        calls = tuple(
            ToolCall(c.name, dict(c.arguments) if c.arguments is not None else None, c.arguments_raw)
            for c in a.calls
        )
        turns.append(ModelTurn(calls=calls, text=a.text))
    return tuple(turns), label


@pytest.mark.parametrize("case", SHIPPED, ids=[c.id for c in SHIPPED])
def test_expected_answers_pass_every_shipped_case(case: Case) -> None:
    turns, label = _turns(case, "expected")
    verdict = grade(case, turns, provider_id="emulator-x")
    assert label == "expected"
    assert verdict.passed, verdict.explain()


@pytest.mark.parametrize("case", SHIPPED, ids=[c.id for c in SHIPPED])
def test_mistakes_are_real_and_labelled(case: Case) -> None:
    seen = set()
    for key in ("openai-chat", "anthropic", "gemini"):
        turns, label = _turns(case, "mistakes", key)
        verdict = grade(case, turns, provider_id="emulator-x")
        kind = label.removeprefix("mistake: ")
        assert not verdict.passed, label
        assert any(t.text and t.text.startswith(f"{MISTAKE_LABEL}: {kind}") for t in turns)
        # the failure the grader finds is the labelled one (or, for a made-up argument, the
        # schema says so first)
        kinds = {f.kind for f in verdict.failures}
        assert kind in kinds or (kind == "unexpected_argument" and "schema_violation" in kinds), (
            label,
            kinds,
        )
        assert _turns(case, "mistakes", key) == (turns, label)  # deterministic
        seen.add(kind)
    assert seen


def test_mistakes_cover_the_failure_kinds() -> None:
    kinds = {
        _turns(c, "mistakes", k)[1].removeprefix("mistake: ")
        for c in SHIPPED
        for k in ("openai-chat", "anthropic", "gemini", "mistral", "cohere")
    }
    assert {"wrong_value", "missing_argument", "wrong_function", "no_call", "unexpected_call"} <= kinds


def test_value_from_schema() -> None:
    assert value_from_schema({"type": "string", "enum": ["c", "f"]}) == "c"
    assert value_from_schema({"type": "integer", "minimum": 3}) == 3
    assert value_from_schema({"type": "string", "format": "date"}) == "2025-01-01"
    assert value_from_schema(
        {"type": "object", "properties": {"a": {"type": "boolean"}}, "required": ["a"]}
    ) == {"a": True}
    assert value_from_schema({"type": ["null", "number"]}) == 0


def _post(base_url: str, prompt: str) -> tuple[int, dict[str, str], Any]:
    body = {"model": "m", "messages": [{"role": "user", "content": prompt}]}
    request = urllib.request.Request(
        base_url + "/v1/chat/completions", data=json.dumps(body).encode(), method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), json.loads(error.read())


def test_unscripted_cases_get_answers_or_a_marked_404() -> None:
    # Given the emulator with no scripts at all
    with start_emulator(ScriptSet(), cases(), answer="expected") as emu:
        status, headers, reply = _post(emu.base_url, PROMPTS["weather"])
    # Then an unscripted case is answered with its expected call, and says so
    assert status == 200 and headers[ANSWER_HEADER] == "expected"
    call = reply["choices"][0]["message"]["tool_calls"][0]["function"]
    assert call["name"] == "get_weather"
    assert json.loads(call["arguments"]) == {"location": "北京", "date": "2025-06-22"}
    with start_emulator(ScriptSet(), cases(), answer="mistakes") as emu:
        status, headers, reply = _post(emu.base_url, PROMPTS["weather"])
    assert status == 200 and headers[ANSWER_HEADER].startswith("mistake: ")
    assert reply["choices"][0]["message"]["content"].startswith(MISTAKE_LABEL)
    # and with `none`, the 404 carries the marker the recorder refuses to save
    with start_emulator(ScriptSet(), cases(), answer="none") as emu:
        status, headers, reply = _post(emu.base_url, PROMPTS["weather"])
        status2, headers2, _ = _post(emu.base_url, "a prompt no case has")
    assert status == 404 and headers[UNANSWERED_HEADER] == "1"
    assert "--answer expected" in reply["error"]["message"]
    assert status2 == 404 and headers2[UNANSWERED_HEADER] == "1"


def test_edited_case_files_are_reloaded(tmp_path: Path) -> None:
    # Given the emulator watching one case file
    path = tmp_path / "c.yaml"
    text = (
        "tools: [{name: ping, parameters: {type: object, properties: {n: {type: integer}}}}]\n"
        "cases:\n  - id: p\n    messages: [{role: user, content: %s}]\n"
        "    expect: [{call: ping, arguments: {n: %d}}]\n"
    )
    path.write_text(text % ("first prompt", 1), encoding="utf-8")
    watch = CaseWatch([tmp_path], lambda paths: load_cases(paths))
    with start_emulator(ScriptSet(), load_cases([str(tmp_path)]), answer="expected", watch=watch) as emu:
        assert _post(emu.base_url, "first prompt")[0] == 200
        # When the file is edited (new prompt and value) while it runs
        time.sleep(0.01)
        path.write_text(text % ("second prompt", 2), encoding="utf-8")
        status, _, reply = _post(emu.base_url, "second prompt")
        # Then the next request sees the edit, without a restart
        assert status == 200
        args = reply["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
        assert json.loads(args) == {"n": 2}
        assert _post(emu.base_url, "first prompt")[0] == 404
        # and a broken edit keeps the last good cases
        path.write_text("cases: [", encoding="utf-8")
        assert _post(emu.base_url, "second prompt")[0] == 200


def test_scripts_add_to_the_demo(tmp_path: Path) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text(
        "scripts:\n  - case: weather.beijing.tomorrow\n    turns: [{text: mine}]\n"
        "  - case: my.own\n    turns: [{text: own}]\n",
        encoding="utf-8",
    )
    ids = {"weather.beijing.tomorrow", "weather.shanghai.today", "my.own"}
    scripts, sources = compose_scripts([str(mine)], True, ids)
    # Then the demo's scripts of loaded cases stay, yours win where both script a case
    assert set(scripts.scripts) == ids and sources == ["the demo", str(mine)]
    assert scripts.scripts["weather.beijing.tomorrow"].turns[0].text == "mine"
    assert scripts.scripts["weather.shanghai.today"].source.endswith("demo.yaml")  # type: ignore[union-attr]
    alone, _ = compose_scripts([str(mine)], False, ids)
    assert set(alone.scripts) == {"weather.beijing.tomorrow", "my.own"}


def test_concurrent_requests_after_an_edit_all_see_the_new_cases(tmp_path: Path) -> None:
    # Given the emulator watching a case file, edited while it runs
    from concurrent.futures import ThreadPoolExecutor

    path = tmp_path / "c.yaml"
    text = (
        "tools: [{name: ping, parameters: {type: object, properties: {n: {type: integer}}}}]\n"
        "cases:\n  - id: p\n    messages: [{role: user, content: %s}]\n"
        "    expect: [{call: ping, arguments: {n: 1}}]\n"
    )
    path.write_text(text % "old prompt", encoding="utf-8")
    watch = CaseWatch([tmp_path], lambda paths: load_cases(paths))
    with start_emulator(ScriptSet(), load_cases([str(tmp_path)]), answer="expected", watch=watch) as emu:
        engine: Any = emu.engine
        install = engine._set_cases

        def slow_install(cases: tuple[Case, ...]) -> None:
            time.sleep(0.3)  # a loaded machine: other requests run before the new cases are in
            install(cases)

        engine._set_cases = slow_install
        time.sleep(0.01)
        path.write_text(text % "new prompt", encoding="utf-8")
        # When several requests arrive at once, Then none is answered from the old cases
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda _: _post(emu.base_url, "new prompt")[0], range(8)))
    assert statuses == [200] * 8
