"""Executable backends in a run: a BFCL multi-turn case recorded against the emulator (scripted
calls) with BFCL's real simulated APIs executing them, replayed and graded; the example
TravelDesk case the same way on two wire kinds; a changed backend makes the replay stale."""

from __future__ import annotations

import gc
import json
import textwrap
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.cases.loader import load_cases
from harness.cassettes.layout import RecordMode, cassette_path
from harness.cassettes.store import load_interactions
from harness.model import Case
from harness.run.config import load_config
from harness.run.runner import RunOptions, run

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "backends" / "travel_desk.yaml"


def _run(
    root: Path, cases: list[Case], scripts: Path | None, mode: RecordMode, profile: str | None = None
) -> Any:
    from harness.emulator.server import start_emulator

    kinds = {"emulator-openai-chat": "openai-chat", "emulator-anthropic": "anthropic"}
    lines = ['[harness]\ncassettes = "cassettes"\nreports = "reports"\n']
    for pid, kind in kinds.items():
        lines.append(
            f'[providers.{pid}]\nkind = "{kind}"\nmodel = "emulator-model"\napi_key_env = "FCH_BACKEND_KEY"\n'
        )
    (root / "fcharness.toml").write_text("\n".join(lines), encoding="utf-8")
    options: dict[str, Any] = {
        "print_table": False,
        "progress": False,
        "write_reports": False,
        "concurrency": 1,
        "profile": profile,
    }
    try:
        if scripts is None:
            return run(load_config(), RunOptions(record_mode=mode, **options), cases)
        with start_emulator(scripts, cases) as emu:
            urls = {"emulator-openai-chat": emu.base_url + "/v1", "emulator-anthropic": emu.base_url}
            return run(load_config(), RunOptions(record_mode=mode, base_urls=urls, **options), cases)
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FCH_BACKEND_KEY", "emulator-test-key")
    return tmp_path


def _tool_messages(path: Path) -> list[str]:
    out = []
    for it in load_interactions(path):
        for m in it.body.get("messages", []):
            if m.get("role") == "tool":
                out.append(m["content"])
            for part in m.get("content", []) if isinstance(m.get("content"), list) else []:
                if isinstance(part, dict) and part.get("type") == "tool_result":
                    out.append(
                        part["content"] if isinstance(part["content"], str) else json.dumps(part["content"])
                    )
    return out


def test_example_backend_case_records_replays_and_goes_stale(workdir: Path) -> None:
    (case,) = load_cases([EXAMPLE])
    scripts = workdir / "scripts.yaml"
    scripts.write_text(
        textwrap.dedent(
            """\
            scripts:
              - case: backend.weather-then-train
                turns:
                  - calls: [{name: get_weather, arguments: {location: 北京, date: "2025-06-22"}}]
                  - text: 北京明天有雨。
                  - calls:
                      - {name: book_train, arguments: {from_city: 上海, to_city: 北京, date: "2025-06-22"}}
                  - text: 已为您预订 G 字头高铁二等座。
            """
        ),
        encoding="utf-8",
    )
    recorded = _run(workdir, [case], scripts, RecordMode.ALL)
    assert {r.provider_id: r.status for r in recorded.rows} == {
        "emulator-openai-chat": "pass",
        "emulator-anthropic": "pass",
    }
    path = cassette_path(workdir / "cassettes", "emulator-openai-chat", case.id)
    assert len(load_interactions(path)) == 4  # two user turns, two responses each
    results = _tool_messages(path)
    assert any('"weather": "rain"' in r for r in results)  # the backend's real answer went back
    assert any('"status": "booked"' in r for r in results)
    replayed = _run(workdir, [case], None, RecordMode.NONE)
    assert [r.status for r in replayed.rows] == ["pass", "pass"]

    # the backend now answers differently: the tool results no longer match the recording
    raw = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    raw["cases"][0]["backends"][0]["init"]["forecast"]["北京@2025-06-22"] = "sunny"
    changed = workdir / "changed.yaml"
    changed.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    (case2,) = load_cases([changed])
    stale = _run(workdir, [case2], None, RecordMode.NONE)
    assert [r.status for r in stale.rows] == ["stale", "stale"]


@pytest.mark.bfcl
def test_bfcl_multi_turn_case_records_replays_and_grades(workdir: Path) -> None:
    pytest.importorskip("bfcl_eval", reason="bfcl-eval is not installed (bash scripts/install_bfcl.sh)")
    pytest.importorskip("mpmath", reason="BFCL's simulated APIs need mpmath")
    from harness.bfcl import importer as bfcl
    from harness.commands.import_ import dump_cases

    ((_, cases),) = bfcl.import_cases(None, ["multi_turn_base"])
    case = cases[0]
    (workdir / "cases").mkdir()
    case_file = workdir / "cases" / "bfcl_multi_turn_base.yaml"
    case_file.write_text(dump_cases([case], "# test\n"), encoding="utf-8")
    (case,) = load_cases([case_file])
    turns: list[dict[str, Any]] = []
    for k, turn in enumerate(case.turns):  # the ground truth of each turn in one response, then an answer
        turns.append({"calls": [{"name": e.name, "arguments": dict(e.arguments)} for e in turn.expect]})
        turns.append({"text": f"Done with request {k}."})
    scripts = workdir / "scripts.yaml"
    scripts.write_text(
        yaml.safe_dump({"scripts": [{"case": case.id, "turns": turns}]}, allow_unicode=True), encoding="utf-8"
    )
    recorded = _run(workdir, [case], scripts, RecordMode.ALL, profile="bfcl")
    assert [r.status for r in recorded.rows] == ["pass", "pass"], [r.verdict.explain() for r in recorded.rows]
    path = cassette_path(workdir / "cassettes", "emulator-openai-chat", case.id)
    assert len(load_interactions(path)) == 2 * len(case.turns)
    results = _tool_messages(path)
    assert any("final_report.pdf" in r for r in results)  # GorillaFileSystem's real output
    for profile in ("bfcl", None):
        replayed = _run(workdir, [case], None, RecordMode.NONE, profile=profile)
        assert [r.status for r in replayed.rows] == ["pass", "pass"], [
            r.verdict.explain() for r in replayed.rows
        ]

    # a model that skips the last turn's calls fails with BFCL's verdict
    turns[-2] = {"text": "I would rather not."}
    scripts.write_text(
        yaml.safe_dump({"scripts": [{"case": case.id, "turns": turns}]}, allow_unicode=True), encoding="utf-8"
    )
    failed = _run(workdir, [case], scripts, RecordMode.ALL, profile="bfcl")
    for row in failed.rows:
        assert row.status == "fail"
        assert row.verdict.failures[0].message.startswith("BFCL multi_turn:empty_turn_model_response")
