"""The pytest plugin, driven through pytester: ids, -k, markers, options, failure text, xdist."""

from __future__ import annotations

import copy
import importlib.metadata
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from harness.cassettes.layout import RecordMode
from harness.run.config import load_config
from harness.run.runner import RunOptions, run
from tests.helpers.spine import SCRIPTS, SECRET, write_project

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[1]


def _plugin_args() -> list[str]:
    """`-p harness.pytest_plugin` unless the installed entry point already loads it."""
    names = {ep.name for ep in importlib.metadata.entry_points(group="pytest11")}
    return [] if "fcharness" in names else ["-p", "harness.pytest_plugin"]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny suite recorded once against the emulator (then stopped)."""
    from harness.cases.loader import load_cases
    from harness.emulator.server import start_emulator

    root = tmp_path_factory.mktemp("recorded")
    write_project(root)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FCHARNESS_TEST_KEY", SECRET)
        with start_emulator(copy.deepcopy(SCRIPTS), load_cases([root / "cases"])) as emu:
            config = load_config(root / "fcharness.toml")
            urls = dict.fromkeys(config.providers, emu.base_url + "/v1")
            opts = RunOptions(
                record_mode=RecordMode.ALL, base_urls=urls, write_reports=False, print_table=False
            )
            run(config, opts)
    return root


@pytest.fixture
def recorded(pytester: pytest.Pytester, template: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A pytester folder holding a copy of the recorded suite (no key in the environment)."""
    shutil.copytree(template, pytester.path, dirs_exist_ok=True)
    monkeypatch.delenv("FCHARNESS_TEST_KEY", raising=False)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    return pytester.path


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(*_plugin_args(), "-p", "no:cacheprovider", *args)


def test_items_are_case_times_provider_with_readable_ids(pytester: pytest.Pytester, recorded: Path) -> None:
    # Given the suite and its cassettes, when collecting with --fc-cases
    result = _run(pytester, "--fc-cases", "cases", "--collect-only", "-q")
    # Then there is an item per case × provider, named file::case[provider]
    result.stdout.fnmatch_lines(
        [
            "cases/suite.yaml::wx.beijing[[]emulator-openai-chat[]]",
            "cases/suite.yaml::wx.beijing[[]emulator-openai-chat-stream[]]",
            "cases/suite.yaml::trip.rain-train[[]emulator-openai-chat-stream[]]",
            "*8 tests collected*",
        ]
    )


def test_case_files_are_not_collected_unless_enabled(pytester: pytest.Pytester, recorded: Path) -> None:
    # Given no --fc-cases and no fc_cases ini, a plain run collects no case
    result = _run(pytester, "cases", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["*no tests collected*"])


def test_the_ini_option_enables_collection(pytester: pytest.Pytester, recorded: Path) -> None:
    pytester.makeini("[pytest]\nfc_cases = cases\n")
    result = _run(pytester, "--collect-only", "-q")
    result.stdout.fnmatch_lines(["*8 tests collected*"])


def test_outcomes_and_the_failure_text_is_the_verdict(pytester: pytest.Pytester, recorded: Path) -> None:
    # When the suite replays
    result = _run(pytester, "--fc-cases", "cases")
    # Then wx.shanghai fails on both providers with the grader's explanation, no traceback
    result.assert_outcomes(passed=6, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*wx.shanghai [[]emulator-openai-chat[]]: fail*",
            "*wrong_value (turn 0, call 0)*root[[]'date'[]]*2025-06-21*2025-06-22*",
            "*case file: *suite.yaml*",
        ]
    )
    assert "Traceback" not in result.stdout.str()
    assert "def runtest" not in result.stdout.str()
    assert result.ret == 1


def test_keyword_selection(pytester: pytest.Pytester, recorded: Path) -> None:
    result = _run(pytester, "--fc-cases", "cases", "-k", "beijing and not stream")
    result.assert_outcomes(passed=1)
    result = _run(pytester, "--fc-cases", "cases", "-k", "irrelevance")  # a category
    result.assert_outcomes(passed=2)


def test_category_markers(pytester: pytest.Pytester, recorded: Path) -> None:
    result = _run(pytester, "--fc-cases", "cases", "-m", "fc_multi_turn", "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*trip.rain-train*PASSED*"])
    result = _run(pytester, "--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.fc_simple: fc-harness cases of category simple"])


def test_provider_option(pytester: pytest.Pytester, recorded: Path) -> None:
    result = _run(pytester, "--fc-cases", "cases", "--fc-provider", "emulator-openai-chat", "-v")
    result.assert_outcomes(passed=3, failed=1)
    assert "chat-stream" not in result.stdout.str()


def test_max_age_option_fails_old_cassettes(pytester: pytest.Pytester, recorded: Path) -> None:
    args = ("--fc-cases", "cases", "--fc-provider", "emulator-openai-chat", "-k", "beijing")
    _run(pytester, *args, "--fc-max-age", "30").assert_outcomes(passed=1)  # freshly recorded
    cassette = recorded / "cassettes" / "emulator-openai-chat" / "wx.beijing.yaml"
    text = cassette.read_text(encoding="utf-8")
    stamp = re.search(r"recorded_at: '([^']+)'", text)
    assert stamp is not None
    cassette.write_text(text.replace(stamp.group(1), "2020-01-01T00:00:00Z"), encoding="utf-8")
    result = _run(pytester, *args, "--fc-max-age", "30")
    result.assert_outcomes(failed=1)
    assert "is too old: recorded" in result.stdout.str() and "--max-age 30 day(s)" in result.stdout.str()
    _run(pytester, *args).assert_outcomes(passed=1)  # no limit by default
    config = recorded / "fcharness.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[cassettes]\nmax_age_days = 365\n")
    _run(pytester, *args).assert_outcomes(failed=1)  # the limit from fcharness.toml
    bad = _run(pytester, *args, "--fc-max-age", "-1")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    assert "--fc-max-age must be a positive number of days" in bad.stderr.str()


def test_record_mode_option_records_through_the_emulator(
    pytester: pytest.Pytester, recorded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from harness.cases.loader import load_cases
    from harness.emulator.server import start_emulator

    # Given no cassettes, an emulator and its address in the environment
    for p in (recorded / "cassettes").rglob("*.yaml"):
        p.unlink()
    monkeypatch.setenv("FCHARNESS_TEST_KEY", SECRET)
    with start_emulator(copy.deepcopy(SCRIPTS), load_cases([recorded / "cases"])) as emu:
        monkeypatch.setenv("FCHARNESS_BASE_URL_EMULATOR_OPENAI_CHAT", emu.base_url + "/v1")
        # When pytest runs with --fc-record-mode all
        result = _run(
            pytester,
            "--fc-cases",
            "cases",
            "--fc-provider",
            "emulator-openai-chat",
            "--fc-record-mode",
            "all",
        )
    # Then it records every case, and nothing secret reaches disk
    result.assert_outcomes(passed=3, failed=1)
    written = sorted(p.name for p in (recorded / "cassettes" / "emulator-openai-chat").iterdir())
    assert written == ["chat.hello.yaml", "trip.rain-train.yaml", "wx.beijing.yaml", "wx.shanghai.yaml"]
    assert all(SECRET not in p.read_text() for p in (recorded / "cassettes").rglob("*.yaml"))


def test_report_option_writes_the_run(pytester: pytest.Pytester, recorded: Path) -> None:
    result = _run(pytester, "--fc-cases", "cases", "--fc-report", "out")
    result.assert_outcomes(passed=6, failed=2)
    rows = [json.loads(x) for x in (recorded / "out" / "latest" / "results.jsonl").read_text().splitlines()]
    assert len(rows) == 8
    assert {r["status"] for r in rows} == {"pass", "fail"}
    assert (recorded / "out" / "latest" / "junit.xml").is_file()


def test_works_under_xdist_and_merges_the_report(pytester: pytest.Pytester, recorded: Path) -> None:
    # When two workers share the items
    result = pytester.runpytest_subprocess(
        *_plugin_args(), "-n", "2", "--fc-cases", "cases", "--fc-report", "out"
    )
    # Then outcomes are the same and the controller writes one report with every row
    result.assert_outcomes(passed=6, failed=2)
    rows = [json.loads(x) for x in (recorded / "out" / "latest" / "results.jsonl").read_text().splitlines()]
    assert sorted((r["case_id"], r["provider_id"]) for r in rows) == sorted(
        (c, p)
        for c in ("wx.beijing", "wx.shanghai", "chat.hello", "trip.rain-train")
        for p in ("emulator-openai-chat", "emulator-openai-chat-stream")
    )


def test_unsupported_items_are_skipped_with_the_reason(pytester: pytest.Pytester, recorded: Path) -> None:
    suite = recorded / "cases" / "suite.yaml"
    text = suite.read_text().replace(
        "  - id: chat.hello\n", "  - id: chat.hello\n    skip: {emulator-openai-chat: no chat}\n"
    )
    suite.write_text(text)
    result = _run(pytester, "--fc-cases", "cases", "-k", "hello", "-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*skipped on emulator-openai-chat: no chat*"])


def test_an_unknown_provider_is_a_usage_error(pytester: pytest.Pytester, recorded: Path) -> None:
    result = _run(pytester, "--fc-cases", "cases", "--fc-provider", "nope")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*fc-harness:*unknown provider id 'nope'*"])


def test_a_bad_case_file_is_reported_without_a_traceback(pytester: pytest.Pytester, recorded: Path) -> None:
    # Given a case file with a typo in a key
    (recorded / "cases" / "broken.yaml").write_text(
        "cases:\n  - id: bad.case\n    category: simple\n"
        "    messages: [{role: user, content: hi}]\n    expcet: []\n"
    )
    result = _run(pytester, "--fc-cases", "cases")
    # Then collection names the file and the field, not a Python traceback
    result.stdout.fnmatch_lines(["*ERROR collecting cases/broken.yaml*", "*broken.yaml*expcet*"])
    assert "Traceback" not in result.stdout.str()


def test_fc_cases_alone_runs_only_the_cases(pytester: pytest.Pytester, recorded: Path) -> None:
    # Given a project with its own tests
    pytester.makepyfile(test_own="def test_own():\n    pass\n")
    # When only --fc-cases is given, only the cases run; with explicit paths or the ini, both do
    _run(pytester, "--fc-cases", "cases", "--collect-only", "-q").stdout.fnmatch_lines(
        ["*8 tests collected*"]
    )
    both = _run(pytester, "--fc-cases", "cases", "test_own.py", "cases", "--collect-only", "-q")
    both.stdout.fnmatch_lines(["*9 tests collected*"])
    pytester.makeini("[pytest]\nfc_cases = cases\n")
    _run(pytester, "--collect-only", "-q").stdout.fnmatch_lines(["*9 tests collected*"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fc-profile", "nope"], "*argument --fc-profile: invalid choice: 'nope'*"),
        (["--fc-provider", "emulator-openai-caht"], "*did you mean 'emulator-openai-chat'?*"),
        (["--fc-config", "missing.toml"], "*fc-harness: missing.toml: config file not found*"),
        (["--fc-record-mode", "all"], "*needs an API key to record: set the environment variable*"),
        (["--fc-cases", "nowhere"], "*fc-harness: case path not found: nowhere*"),
    ],
)
def test_usage_errors_are_one_clean_line(
    pytester: pytest.Pytester, recorded: Path, args: list[str], message: str
) -> None:
    result = _run(pytester, "--fc-cases", "cases", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    output = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in output and "pluggy" not in output
    assert len(result.stderr.lines) < 10


def test_report_header_says_cases_providers_and_mode(pytester: pytest.Pytester, recorded: Path) -> None:
    result = _run(pytester, "--fc-cases", "cases", "--collect-only")
    result.stdout.fnmatch_lines(
        ["fc-harness: * case(s) from cases × * provider(s) (emulator-openai-chat*); record mode none*"]
    )


HELD = """\
import gc, json
import pytest
from harness.pytest_plugin import _STATE
from harness.run.results import ResultRow

@pytest.hookimpl(tryfirst=True)  # before the plugin writes the report
def pytest_sessionfinish(session):
    gc.collect()
    state = session.config.stash[_STATE]
    held = {
        "rows": sum(isinstance(o, ResultRow) for o in gc.get_objects()),
        "spooled": None if state.rows is None else len(getattr(state.rows, "index", state.rows)),
    }
    with open("held.json", "w") as fh:
        json.dump(held, fh)
"""


@pytest.mark.parametrize("report", [True, False], ids=["report", "no-report"])
def test_no_result_row_is_held_in_memory(pytester: pytest.Pytester, recorded: Path, report: bool) -> None:
    # Given a session that counts the result rows alive when it ends
    (recorded / "conftest.py").write_text(HELD, encoding="utf-8")
    args = ["--fc-report", "out"] if report else []
    result = pytester.runpytest_subprocess(
        *_plugin_args(), "-p", "no:cacheprovider", "--fc-cases", "cases", *args
    )
    result.assert_outcomes(passed=6, failed=2)
    held = json.loads((recorded / "held.json").read_text())
    # Then no row is alive: they wait for the report in a file (and without a report, nowhere)
    assert held == {"rows": 0, "spooled": 8 if report else None}
    assert (recorded / "out" / "latest" / "results.jsonl").exists() == report


def test_the_spool_gives_the_rows_back_sorted_and_redacted() -> None:
    import gc
    import weakref
    from dataclasses import replace

    from harness._io import register_secrets
    from harness.pytest_plugin import _Spool
    from tests.helpers.rows import demo_rows

    secret = "sk-spool-test-5e1d0c9b7a"  # unique: registered for the whole process
    register_secrets([secret])
    rows = demo_rows()
    rows[0] = replace(rows[0], error=f"the vendor echoed {secret}\u2028on a new line")  # not a line end
    want = sorted((r.case_id, r.provider_id, r.trial) for r in rows)
    spool, refs = _Spool(), []
    for row in reversed(rows):
        spool.add(row)
        refs.append(weakref.ref(row))
    del rows, row
    gc.collect()
    assert not [r for r in refs if r() is not None]  # the spool holds no row
    assert len(spool.index) == len(want) and secret not in spool.text()
    merged = _Spool()  # as the xdist controller receives a worker's rows
    merged.add_lines(spool.text())
    got = [(r.case_id, r.provider_id, r.trial) for r in merged.sorted_rows()]
    assert got == want
    assert [r.error for r in merged.sorted_rows() if r.error and "<redacted>" in r.error] == [
        "the vendor echoed <redacted>\u2028on a new line"
    ]
    spool.close()
    merged.close()
