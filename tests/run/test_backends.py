"""Executable backends: the allowlist, execution by method name (never eval), BFCL's result
rendering and error texts, state snapshots, and the shipped example under examples/backends/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cases.backends import ENV_VAR, allowed_module
from harness.cases.loader import load_cases
from harness.cli import main
from harness.errors import UserError
from harness.model import Backend
from harness.run.backends import Backends, plain, render_result, replay_states

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "backends"
DESK = "harness.run.example_backends:TravelDesk"


def desk(**init: object) -> Backends:
    return Backends.start([Backend(DESK, "desk", init)])


@pytest.mark.parametrize(
    ("module", "allowed"),
    [
        ("harness.run.example_backends", True),
        ("bfcl_eval.eval_checker.multi_turn_eval.func_source_code.gorilla_file_system", True),
        ("os", False),
        ("subprocess", False),
        ("harness.run.runner", False),
        ("bfcl_eval.eval_checker.multi_turn_eval", False),  # the package itself, not a backend module
        ("bfcl_eval.eval_checker.multi_turn_eval.func_source_code..x", False),
        ("", False),
    ],
)
def test_allowlist(module: str, allowed: bool) -> None:
    assert allowed_module(module) is allowed


def test_user_modules_come_from_the_environment_only(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not allowed_module("mypkg.backends")
    monkeypatch.setenv(ENV_VAR, "mypkg.backends, other.*")
    assert allowed_module("mypkg.backends")
    assert allowed_module("other.deep.module")
    assert not allowed_module("mypkg.backendsx")


def test_a_class_imported_into_an_allowed_module_is_refused() -> None:
    # example_backends imports `Any` from typing: names it did not define are not backends
    with pytest.raises(UserError, match="defines no class 'Any'"):
        Backends.start([Backend("harness.run.example_backends:Any", "x")])
    with pytest.raises(UserError, match="not allowed"):
        Backends.start([Backend("os:system", "x")])


def test_execute_calls_public_methods_and_renders_results_like_bfcl() -> None:
    b = desk(balance=1000, forecast={"北京@2025-06-22": "rain"})
    out = b.execute("get_weather", {"location": "北京", "date": "2025-06-22"})
    assert out == json.dumps(
        {"location": "北京", "date": "2025-06-22", "weather": "rain"}
    )  # ASCII escapes, as BFCL
    assert b.execute("get_weather", {"location": "Paris", "date": "2025-06-22"}) == (
        "Error during execution: no forecast for Paris on 2025-06-22"
    )
    assert b.execute(
        "book_train", {"from_city": "上海", "to_city": "北京", "date": "2025-06-22", "x": 1}
    ).startswith("Error during execution: TravelDesk.book_train() got an unexpected keyword argument 'x'")
    assert b.execute("_book", {}) == "Error during execution: name '_book' is not defined"
    assert b.execute("__init__", {}) == "Error during execution: name '__init__' is not defined"
    assert b.execute("remove", {}) == "Error during execution: Function call remove is not allowed."
    assert b.execute("get_weather", None) == "Error during execution: the arguments are not a JSON object"
    assert b.snapshot() == {"desk": {"balance": 1000.0, "bookings": []}}
    b.execute("book_train", {"from_city": "上海", "to_city": "北京", "date": "2025-06-22"})
    assert b.snapshot()["desk"]["balance"] == 447.0


def test_instances_are_fresh_each_start() -> None:
    a = desk()
    a.execute("book_flight", {"from_city": "A", "to_city": "B", "date": "2025-01-01"})
    assert desk().snapshot()["desk"]["bookings"] == []


def test_render_and_plain() -> None:
    assert render_result("x") == "x"
    assert render_result({"a": 1}) == '{"a": 1}'
    assert render_result({"a": {1, 2}}) == "{'a': {1, 2}}"  # not JSON: str(), as BFCL
    assert render_result([1]) == "[1]"

    class Node:
        def __init__(self) -> None:
            self.children: list[Node] = []
            self.parent: Node | None = None
            self._hidden = 1

    root = Node()
    child = Node()
    child.parent = root
    root.children.append(child)
    assert plain(root) == {"children": [{"children": [], "parent": "<cycle: Node>"}], "parent": None}


def test_example_case_grades_state_with_deepdiff_paths(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["grade", "--cases", str(EXAMPLE), "--outputs", str(EXAMPLE / "outputs.jsonl"), "--format", "json"]
    )
    doc = json.loads(capsys.readouterr().out)
    assert code == 1
    by_provider = {v["provider_id"]: v for v in doc["verdicts"]}
    assert by_provider["example-good"]["passed"]
    flawed = by_provider["example-flawed"]
    assert not flawed["passed"]
    paths = [f["path"] for f in flawed["failures"]]
    assert "root['desk']['bookings'][0]['class']" in paths
    assert "root['desk']['balance']" in paths


def test_replay_states_executes_steps_on_fresh_backends() -> None:
    (case,) = load_cases([EXAMPLE / "travel_desk.yaml"])
    from harness.model import ModelTurn, ToolCall

    weather = ModelTurn(calls=(ToolCall("get_weather", {"location": "北京", "date": "2025-06-22"}),))
    book = ModelTurn(
        calls=(ToolCall("book_train", {"from_city": "上海", "to_city": "北京", "date": "2025-06-22"}),)
    )
    bad = ModelTurn(calls=(ToolCall("book_train", None, "{oops"),))
    states = replay_states(case, [[weather], [bad, book]])
    assert states[0]["desk"]["bookings"] == []
    assert states[1]["desk"]["bookings"] == []  # the undecodable step ends the turn
    states = replay_states(case, [[weather], [book]])
    assert states[1]["desk"]["balance"] == 447.0


def test_steps_outputs_write_a_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["grade", "--cases", str(EXAMPLE), "--outputs", str(EXAMPLE / "outputs.jsonl")]
    assert main([*args, "--report", str(tmp_path)]) == 1
    capsys.readouterr()
    rows = [
        json.loads(x)
        for x in (tmp_path / "latest" / "results.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert sorted(r["provider_id"] for r in rows) == ["example-flawed", "example-good"]
