"""BFCL end to end: import → load → validate → grade (both profiles) → record and replay on vendor adapters.

Uses BFCL's 2024-08-11 data and outputs (`../shared/fixtures/bfcl-2024-08-11`, skipped when
absent) and, for the current data, the installed bfcl-eval (skipped when absent). The
record/replay test drives `fcharness record` against the local emulator (a test double
answering with the decoded outputs of one model of that BFCL run, not a vendor's traffic)
and `fcharness run --profile bfcl` on the recorded cassettes with no emulator.
"""

from __future__ import annotations

import json
import textwrap
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.bfcl.agreement import OTHER, compare
from harness.cases.loader import load_cases, validate_paths
from harness.cli import main
from harness.commands.grade import parse_outputs
from harness.model import Case

MODELS = (
    "gpt-4o-2024-05-13-FC",
    "claude-3-5-sonnet-20240620-FC",
    "gemini-1.5-pro-preview-0514",
    "mistral-large-2407-FC-Any",
    "gpt-4o-2024-05-13",
)
V1_LABELS = {
    "simple": "Simple Function AST",
    "multiple_function": "Multiple Functions AST",
    "parallel_function": "Parallel Functions AST",
    "parallel_multiple_function": "Parallel Multiple AST",
    "relevance": "Relevance Detection",
}
#: Loader warnings an import may carry, by the start of their message: cases whose first user
#: message is another's (BFCL reuses prompts across categories; only the emulator cares),
#: a category the expectations do not look like (BFCL's `multiple` entries expecting
#: parallel calls...), and required parameters BFCL's answer leaves to the model.
WARNING_KINDS = (
    "same first user message",
    "does not fit the expectations",
    "required parameter",
    "is required by",
)


@pytest.fixture(scope="module")
def imported(bfcl_2024_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 2024-08-11 data imported with `fcharness import bfcl` into a temporary folder."""
    out = tmp_path_factory.mktemp("bfcl2024") / "cases"
    assert main(["import", "bfcl", "--source", str(bfcl_2024_dir / "data"), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def loaded(imported: Path) -> dict[str, Case]:
    """The imported case files loaded back by the case loader."""
    return {c.id: c for c in load_cases([imported])}


def _warning_kinds(problems: Any) -> Counter[str]:
    kinds: Counter[str] = Counter()
    for p in problems:
        assert p.severity == "warning", str(p)
        kind = next((k for k in WARNING_KINDS if k in p.message), None)
        assert kind is not None, f"unexpected loader warning: {p}"
        kinds[kind] += 1
    return kinds


def test_every_imported_entry_loads_back(imported: Path, loaded: dict[str, Case]) -> None:
    assert len(loaded) == 1240
    assert Counter(c.meta["bfcl_category"] for c in loaded.values()) == {
        "simple": 400,
        "multiple_function": 200,
        "parallel_function": 200,
        "parallel_multiple_function": 200,
        "relevance": 240,
    }
    report = validate_paths([imported])
    assert report.errors == ()
    kinds = _warning_kinds(report.problems)
    # measured 2026-11: 103 shared first messages, 9 category mismatches (docs/bfcl.md)
    assert kinds["same first user message"] == 103
    assert sum(kinds.values()) == 112


def test_validate_command_accepts_the_import(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(imported)]) == 0
    assert "0 error(s)" in capsys.readouterr().out


@pytest.mark.parametrize("mode", ["sanitized", "exact"])
def test_grade_reproduces_published_counts(
    mode: str, imported: Path, bfcl_2024_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`fcharness grade --profile bfcl` on the imported files gives BFCL's counts for every model."""
    scores = json.loads((bfcl_2024_dir / "scores.json").read_text())
    models = [m for m in MODELS if scores[m]["tool_names"] == mode]
    outputs = tmp_path / "outputs.jsonl"
    outputs.write_text("".join((bfcl_2024_dir / "outputs" / f"{m}.jsonl").read_text() for m in models))
    argv = ["grade", "--cases", str(imported), "--outputs", str(outputs), "--profile", "bfcl"]
    assert main([*argv, "--tool-names", mode, "--format", "json"]) == 1  # some entries fail
    _assert_published_counts(json.loads(capsys.readouterr().out), models, scores)


def _assert_published_counts(doc: dict[str, Any], models: list[str], scores: dict[str, Any]) -> None:
    """`grade --format json`'s BFCL section gives each model BFCL's own per-category counts."""
    by_provider = {s["provider_id"]: s for s in doc["bfcl"]}
    for model in models:
        got = {c: by_provider[model]["columns"][V1_LABELS[c]]["correct"] for c in V1_LABELS}
        want = {c: v["bfcl_correct"] for c, v in scores[model]["categories"].items()}
        assert got == want, model


def test_grade_every_model_in_one_process(
    imported: Path, bfcl_2024_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One `grade` over all five models, each in its own mode (`--tool-names MODEL=MODE`),
    gives BFCL's counts for every model, as one run per mode does."""
    scores = json.loads((bfcl_2024_dir / "scores.json").read_text())
    outputs = tmp_path / "outputs.jsonl"
    outputs.write_text("".join((bfcl_2024_dir / "outputs" / f"{m}.jsonl").read_text() for m in MODELS))
    argv = ["grade", "--cases", str(imported), "--outputs", str(outputs), "--profile", "bfcl"]
    argv += [f"--tool-names={m}={scores[m]['tool_names']}" for m in MODELS]
    assert main([*argv, "--format", "json"]) == 1
    _assert_published_counts(json.loads(capsys.readouterr().out), list(MODELS), scores)


def test_default_profile_differs_from_bfcl_only_deliberately(
    loaded: dict[str, Case], bfcl_2024_dir: Path
) -> None:
    """Every default-vs-bfcl disagreement on the five models' outputs has a documented reason."""
    scores = json.loads((bfcl_2024_dir / "scores.json").read_text())
    by_id = {c.meta["bfcl_id"]: c for c in loaded.values()}
    figures = {}
    for model in MODELS:
        rows = parse_outputs(bfcl_2024_dir / "outputs" / f"{model}.jsonl", by_id)
        counts, ids = compare(by_id, ((r[0], r[2][0]) for r in rows), tool_names=scores[model]["tool_names"])
        assert counts[OTHER] == 0, (model, ids[OTHER])
        figures[model] = counts
    # the figures docs/bfcl.md quotes for gpt-4o-2024-05-13-FC
    gpt = figures["gpt-4o-2024-05-13-FC"]
    assert (gpt["default_passed"], gpt["bfcl_passed"]) == (1053, 1066)
    assert (gpt["strings"], gpt["int_in_float_list"], gpt["schema"]) == (17, 5, 1)
    total = sum((figures[m] for m in MODELS), Counter())
    assert {k: total[k] for k in ("strings", "int_in_float_list", "schema", "unpassable")} == {
        "strings": 102,
        "int_in_float_list": 23,
        "schema": 7,
        "unpassable": 2,
    }


@pytest.mark.slow
@pytest.mark.bfcl
def test_current_bfcl_eval_data_loads_back(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every entry of the installed bfcl-eval's imported categories loads back with no error."""
    pytest.importorskip("bfcl_eval", reason="bfcl-eval is not installed (bash scripts/install_bfcl.sh)")
    out = tmp_path / "cases"
    assert main(["import", "bfcl", "--out", str(out)]) == 0
    capsys.readouterr()
    report = validate_paths([out])
    assert report.errors == ()
    # 3,475 Python + 100 Java + 50 JavaScript + 16 live_relevance, and 4 x 200 multi-turn
    assert len(report.cases) == 3641 + 800
    kinds = _warning_kinds(report.problems)
    # bfcl-eval 2026.3.23 (docs/bfcl.md): 242 among the single-turn categories, 508 more because
    # the four multi-turn categories mostly share their entries' first user message
    assert kinds["same first user message"] == 242 + 508


# -- record through the emulator, replay with the bfcl profile --------------------------------

#: Imported cases run on the vendor adapters: a dotted parallel call, a no-call entry, a
#: number list BFCL types strictly (default passes, bfcl fails) and a string BFCL
#: standardises (bfcl passes, default fails).
RUN_CASES = ("parallel_function_144", "relevance_155", "simple_103", "simple_151")
EMULATED_MODEL = "gpt-4o-2024-05-13-FC"
PROVIDERS = {"emulator-openai-chat": "openai-chat", "emulator-anthropic": "anthropic"}


@pytest.fixture
def project(imported: Path, bfcl_2024_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder: the imported cases, an fcharness.toml with two emulator profiles."""
    profiles = "".join(
        f'\n[providers.{pid}]\nkind = "{kind}"\nmodel = "emulator-{kind}"\n'
        f'base_url = "http://127.0.0.1:9"\napi_key_env = "FCHARNESS_TEST_KEY"\n'
        for pid, kind in PROVIDERS.items()
    )
    config = textwrap.dedent(
        f"""\
        [harness]
        cases = ["{imported}"]
        cassettes = "cassettes"
        reports = "reports"
        concurrency = 2
        """
    )
    (tmp_path / "fcharness.toml").write_text(config + profiles, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FCHARNESS_TEST_KEY", "sk-test-not-a-real-key")
    return tmp_path


def _scripts(bfcl_2024_dir: Path) -> dict[str, Any]:
    """Emulator scripts answering each run case with the emulated model's decoded BFCL output."""
    scripts = []
    for line in (bfcl_2024_dir / "outputs" / f"{EMULATED_MODEL}.jsonl").read_text().splitlines():
        row = json.loads(line)
        if row["case_id"] in RUN_CASES:
            answer: dict[str, Any] = {"calls": row["calls"]} if row["calls"] else {"text": row["text"]}
            scripts.append({"case": row["case_id"], "turns": [answer]})
    return {"scripts": scripts}


@pytest.fixture
def emulator(project: Path, loaded: dict[str, Case], bfcl_2024_dir: Path) -> Iterator[Any]:
    from harness.emulator.server import start_emulator

    cases = [loaded[c] for c in RUN_CASES]
    with start_emulator(_scripts(bfcl_2024_dir), cases) as handle:
        yield handle


def _results(project: Path, run_id: str) -> dict[tuple[str, str], dict[str, Any]]:
    lines = (project / "reports" / run_id / "results.jsonl").read_text().splitlines()
    return {(r["case_id"], r["provider_id"]): r for r in map(json.loads, lines)}


def _matrix(run_id: str, *extra: str) -> list[str]:
    keyword = " or ".join(RUN_CASES)
    args = ["-k", keyword, "--run-id", run_id, "--no-progress"]
    return [*args, *(a for pid in PROVIDERS for a in ("-p", pid)), *extra]


def test_imported_cases_record_and_replay_on_vendor_adapters(
    project: Path, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    urls = [a for pid in PROVIDERS for a in ("--base-url", f"{pid}={emulator.base_url}")]
    # record (through each vendor SDK, against the emulator) and grade with the bfcl profile
    main(["record", *_matrix("recorded", "--profile", "bfcl", *urls)])
    emulator.stop()
    for pid in PROVIDERS:
        for case_id in RUN_CASES:
            assert (project / "cassettes" / pid / f"{case_id}.yaml").is_file(), (pid, case_id)
    # replay with no emulator: BFCL's verdicts, then the default profile's
    code = main(["run", *_matrix("bfcl", "--profile", "bfcl")])
    assert code == 1  # simple_103 fails under BFCL's nested type rule
    code = main(["run", *_matrix("default", "--profile", "default")])
    assert code == 1  # simple_151 fails: the default profile compares strings exactly
    capsys.readouterr()
    want_bfcl = {
        "parallel_function_144": "pass",
        "relevance_155": "pass",
        "simple_103": "fail",
        "simple_151": "pass",
    }
    want_default = {**want_bfcl, "simple_103": "pass", "simple_151": "fail"}
    for run_id, want in (("recorded", want_bfcl), ("bfcl", want_bfcl), ("default", want_default)):
        rows = _results(project, run_id)
        assert len(rows) == len(RUN_CASES) * len(PROVIDERS), run_id
        for (case_id, pid), row in rows.items():
            assert row["status"] == want[case_id], (run_id, case_id, pid, row)
    # the adapters restored the dotted name BFCL offers (the vendors forbid dots)
    for pid in PROVIDERS:
        (turn,) = _results(project, "bfcl")[("parallel_function_144", pid)]["turns"]
        assert [c["name"] for c in turn["calls"]] == ["math.factorial"] * 4, pid
