"""`fcharness import bfcl` for the multi-turn categories and `fcharness grade --profile bfcl`
on lines of the stable `turns: [{steps: [[call, ...], ...]}]` form (DESIGN.md §9)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.bfcl import importer as bfcl
from harness.bfcl.multi_turn import MULTI_TURN_CATEGORIES, parse_call
from harness.cases.loader import load_cases
from harness.cli import main
from harness.commands.import_ import dump_cases
from harness.model import Case

pytestmark = pytest.mark.bfcl
pytest.importorskip("bfcl_eval", reason="bfcl-eval is not installed (bash scripts/install_bfcl.sh)")
pytest.importorskip("mpmath", reason="BFCL's simulated APIs need mpmath (bash scripts/install_bfcl.sh)")


@pytest.fixture(scope="module")
def imported() -> dict[str, list[Case]]:
    return {f.category: cases for f, cases in bfcl.import_cases(None, MULTI_TURN_CATEGORIES)}


def test_every_multi_turn_entry_is_imported(imported: dict[str, list[Case]]) -> None:
    assert {k: len(v) for k, v in imported.items()} == dict.fromkeys(MULTI_TURN_CATEGORIES, 200)
    miss_func = imported["multi_turn_miss_func"][0]
    added = [(k, [t.name for t in turn.tools]) for k, turn in enumerate(miss_func.turns) if turn.tools]
    assert added == [(3, ["sort"])]
    assert "sort" not in [t.name for t in miss_func.tools]
    assert miss_func.turns[3].messages[0].content.startswith("I have updated some more functions")
    long_context = imported["multi_turn_long_context"][0]
    assert all(b.long_context for b in long_context.backends)
    assert long_context.backends[0].python.startswith(
        "bfcl_eval.eval_checker.multi_turn_eval.func_source_code."
    )


def _steps(case: Case) -> list[dict[str, Any]]:
    return [
        {"steps": [[{"name": e.name, "arguments": dict(e.arguments)} for e in t.expect]] if t.expect else []}
        for t in case.turns
    ]


def test_grade_steps_lines_with_the_bfcl_profile(
    tmp_path: Path, imported: dict[str, list[Case]], capsys: pytest.CaptureFixture[str]
) -> None:
    cases = imported["multi_turn_base"][:3]
    case_file = tmp_path / "bfcl_multi_turn_base.yaml"
    case_file.write_text(dump_cases(cases, "# test\n"), encoding="utf-8")
    assert [c.id for c in load_cases([case_file])] == [c.id for c in cases]
    gt = _steps(cases[0])
    split = json.loads(json.dumps(gt))  # the first turn's calls one per step, with an empty step between
    split[0]["steps"] = [[c] for c in gt[0]["steps"][0]] + [[]]
    wrong = json.loads(json.dumps(gt))
    wrong[0]["steps"][0][-1]["arguments"] = {
        **wrong[0]["steps"][0][-1]["arguments"],
        "destination": "nowhere",
    }
    lines = [
        {"case_id": cases[0].id, "provider_id": "gt", "turns": gt},
        {"case_id": cases[0].id, "provider_id": "split", "turns": split},
        {"case_id": cases[0].id, "provider_id": "short", "turns": gt[:-1]},
        {"case_id": cases[0].id, "provider_id": "wrong", "turns": wrong},
        {"case_id": cases[1].id, "provider_id": "gt", "turns": _steps(cases[1])},
    ]
    outputs = tmp_path / "out.jsonl"
    outputs.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    code = main(
        [
            "grade",
            "--cases",
            str(case_file),
            "--outputs",
            str(outputs),
            "--profile",
            "bfcl",
            "--format",
            "json",
        ]
    )
    doc = json.loads(capsys.readouterr().out)
    assert code == 1
    verdicts = {(v["case_id"], v["provider_id"]): v for v in doc["verdicts"]}
    assert verdicts[(cases[0].id, "gt")]["passed"]
    assert verdicts[(cases[0].id, "split")]["passed"]
    assert verdicts[(cases[1].id, "gt")]["passed"]
    short = verdicts[(cases[0].id, "short")]["failures"][0]
    assert short["message"].startswith("BFCL multi_turn:force_terminated")
    wrong_failure = verdicts[(cases[0].id, "wrong")]["failures"][0]
    assert wrong_failure["message"].startswith("BFCL multi_turn:instance_state_mismatch")
    assert wrong_failure["path"].startswith("root['GorillaFileSystem']")

    # the default profile grades the same lines against the literal ground-truth calls
    code = main(["grade", "--cases", str(case_file), "--outputs", str(outputs), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    verdicts = {(v["case_id"], v["provider_id"]): v for v in doc["verdicts"]}
    assert verdicts[(cases[0].id, "gt")]["passed"] and verdicts[(cases[0].id, "split")]["passed"]
    assert not verdicts[(cases[0].id, "wrong")]["passed"]


def test_steps_lines_are_checked(
    tmp_path: Path, imported: dict[str, list[Case]], capsys: pytest.CaptureFixture[str]
) -> None:
    case_file = tmp_path / "c.yaml"
    case_file.write_text(dump_cases(imported["multi_turn_base"][:1], "# test\n"), encoding="utf-8")
    outputs = tmp_path / "out.jsonl"
    cid = imported["multi_turn_base"][0].id
    outputs.write_text(
        json.dumps({"case_id": cid, "turns": [{"steps": [{"name": "ls"}]}]}) + "\n", encoding="utf-8"
    )
    assert main(["grade", "--cases", str(case_file), "--outputs", str(outputs)]) == 2
    assert "turns[0].steps[0]" in capsys.readouterr().err


@pytest.mark.parametrize(
    "text", ["__import__('os').system('x')", "f(x=g())", "a.b(1)", "f(**{'a': 1})", "f(x=1"]
)
def test_ground_truth_strings_are_parsed_never_run(text: str) -> None:
    with pytest.raises(ValueError, match="literal arguments"):
        parse_call(text)
    assert parse_call("sort('a.txt', reverse=True)") == ("sort", ("a.txt",), {"reverse": True})
