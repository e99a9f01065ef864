"""Runner: the matrix and its filters, record/replay through the emulator, retries, verdicts."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from harness.cases.selection import keyword_matcher, parse_shard
from harness.cassettes import exchanges as _exchanges
from harness.cassettes.layout import RecordMode, cassette_path
from harness.cassettes.store import load_interactions
from harness.errors import MissingAPIKeyError, ProviderError, UserError
from harness.model import Case, ExpectedCall, Message, Tool, Turn
from harness.run.config import ProviderProfile, load_config
from harness.run.runner import RunOptions, RunResult, apply_base_urls, build_jobs, exit_code, run
from tests.helpers.spine import BEDROCK_PROFILES, SCRIPTS, SECRET, emulator_urls, write_project

# --- the matrix (pure) ---------------------------------------------------------------------


def _case(cid: str, category: str = "simple", tags: tuple[str, ...] = (), **kw: Any) -> Case:
    tool = Tool("f", "", {"type": "object", "properties": {}})
    return Case(
        cid, category, (Message("user", cid),), (tool,), (Turn((ExpectedCall("f", {}),)),), tags=tags, **kw
    )


P1 = ProviderProfile("emulator-a", "openai-chat", "m")
P2 = ProviderProfile("emulator-b", "openai-functions", "m")
CASES = [
    _case("wx.beijing", tags=("zh",)),
    _case("wx.tokyo", tags=("en",)),
    _case("none.poem", "irrelevance"),
    _case("only.b", only=("emulator-b",)),
    _case("skip.a", skip={"emulator-a": "no parallel calls"}),
]


def _ids(jobs: list[Any]) -> list[str]:
    return [f"{j.case.id}[{j.profile.id}]" for j in jobs]


def test_matrix_is_case_times_provider_honouring_only() -> None:
    jobs = build_jobs(CASES, [P1, P2])
    assert len(jobs) == 9  # 5 cases × 2 providers, minus only.b on emulator-a
    assert "only.b[emulator-a]" not in _ids(jobs)


def test_skip_gives_an_unsupported_job_with_the_reason() -> None:
    (job,) = [j for j in build_jobs(CASES, [P1]) if j.case.id == "skip.a"]
    assert job.unsupported == "skipped on emulator-a: no parallel calls"


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("wx", ["wx.beijing[emulator-a]", "wx.tokyo[emulator-a]"]),  # substring of the id
        ("zh", ["wx.beijing[emulator-a]"]),  # a tag
        ("irrelevance", ["none.poem[emulator-a]"]),  # a category
        ("wx and not tokyo", ["wx.beijing[emulator-a]"]),  # not
        ("(poem or tokyo) and emulator-a", ["wx.tokyo[emulator-a]", "none.poem[emulator-a]"]),  # parens
        ("WX.BEIJING", ["wx.beijing[emulator-a]"]),  # case-insensitive
    ],
)
def test_keyword_expressions(expr: str, expected: list[str]) -> None:
    assert _ids(build_jobs(CASES[:3], [P1], keyword=expr)) == expected


@pytest.mark.parametrize("expr", ["wx and", "(wx", "and wx", "wx )"])
def test_bad_keyword_expressions_are_usage_errors(expr: str) -> None:
    with pytest.raises(UserError, match="-k"):
        keyword_matcher(expr)


def test_shards_partition_the_matrix() -> None:
    cases = [_case(f"c{i}") for i in range(40)]
    everything = _ids(build_jobs(cases, [P1, P2]))
    parts = [_ids(build_jobs(cases, [P1, P2], shard=parse_shard(f"{i}/3"))) for i in (1, 2, 3)]
    joined = [job for part in parts for job in part]
    assert sorted(joined) == sorted(everything)
    assert all(parts) and len(set(joined)) == len(everything)


@pytest.mark.parametrize("text", ["0/2", "3/2", "1-2", "a/b"])
def test_bad_shards_are_usage_errors(text: str) -> None:
    with pytest.raises(UserError, match="--shard"):
        parse_shard(text)


def test_backoff_honours_retry_after_then_grows_exponentially() -> None:
    err = ProviderError("slow down", status=429, retry_after=7)
    assert _exchanges.backoff_delay(err, 0, base=1, cap=60) == 7
    assert _exchanges.backoff_delay(err, 0, base=1, cap=2) == 2  # capped
    plain = ProviderError("boom", status=500)
    assert 4 <= _exchanges.backoff_delay(plain, 2, base=1, cap=60) <= 4.4


def test_base_url_override_beats_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FCHARNESS_BASE_URL_EMULATOR_A", "http://env/v1")
    assert apply_base_urls(P1, {}).base_url == "http://env/v1"
    assert apply_base_urls(P1, {"emulator-a": "http://cli/v1"}).base_url == "http://cli/v1"


def test_exit_code() -> None:
    class R:
        def __init__(self, status: str) -> None:
            self.status = status

    assert exit_code([R("pass"), R("unsupported")]) == 0  # type: ignore[list-item]
    for bad in ("fail", "error", "stale"):
        assert exit_code([R("pass"), R(bad)]) == 1  # type: ignore[list-item]


# --- through the emulator ------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with the tiny suite and an fcharness.toml; the cwd for the test."""
    write_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FCHARNESS_TEST_KEY", SECRET)
    return tmp_path


@pytest.fixture
def emulator(project: Path) -> Iterator[Any]:
    """The emulator serving the suite's scripts on a free port."""
    from harness.cases.loader import load_cases
    from harness.emulator.server import start_emulator

    with start_emulator(copy.deepcopy(SCRIPTS), load_cases([project / "cases"])) as handle:
        yield handle


def _run(emulator: Any, mode: RecordMode = RecordMode.NONE, **kw: Any) -> RunResult:
    config = load_config()
    urls = emulator_urls(emulator.base_url, config.providers) if emulator else {}
    kw.setdefault("print_table", False)
    return run(config, RunOptions(record_mode=mode, base_urls=urls, **kw))


def _status(result: RunResult) -> dict[str, str]:
    return {f"{r.case_id}[{r.provider_id}]@{r.trial}": r.status for r in result.rows}


def test_record_then_replay_fast_and_via_sdk_agree(project: Path, emulator: Any) -> None:
    # Given every case recorded against the emulator
    recorded = _run(emulator, RecordMode.ALL)
    assert _status(recorded)["wx.beijing[emulator-openai-chat]@1"] == "pass"
    assert _status(recorded)["wx.shanghai[emulator-openai-chat-stream]@1"] == "fail"
    # When replayed with no emulator and no key, by both paths
    emulator.stop()
    fast = _run(None)
    sdk = _run(None, replay_via_sdk=True)
    # Then both give the recorded verdicts, row for row
    assert [r.verdict for r in fast.rows] == [r.verdict for r in recorded.rows]
    assert [r.verdict for r in sdk.rows] == [r.verdict for r in fast.rows]
    assert [r.turns for r in sdk.rows] == [r.turns for r in fast.rows]
    assert [r.latency_ms for r in fast.rows] == [r.latency_ms for r in recorded.rows]
    assert all(r.latency_ms for r in fast.rows)
    assert exit_code(fast.rows) == 1
    # And each run folder holds results and reports; latest/ is a copy of the last run
    assert fast.run_dir != sdk.run_dir
    for name in ("results.jsonl", "results.csv", "summary.json", "summary.csv", "junit.xml"):
        assert (fast.run_dir / name).is_file()
        assert (project / "reports" / "latest" / name).read_bytes() == (sdk.run_dir / name).read_bytes()
    rows = [json.loads(x) for x in (fast.run_dir / "results.jsonl").read_text().splitlines()]
    assert {r["case_id"] for r in rows} == {"wx.beijing", "wx.shanghai", "chat.hello", "trip.rain-train"}


def test_multi_turn_answers_each_call_with_the_scripted_result(project: Path, emulator: Any) -> None:
    # When a two-turn case is recorded and its first turn matches
    result = _run(emulator, RecordMode.ALL, keyword="trip", providers=("emulator-openai-chat",))
    (row,) = result.rows
    assert row.status == "pass" and len(row.turns) == 2
    # Then the second request carries the first call and its scripted result
    inter = load_interactions(cassette_path(project / "cassettes", "emulator-openai-chat", "trip.rain-train"))
    assert len(inter) == 2
    tool_msgs = [m for m in inter[1].body["messages"] if m["role"] == "tool"]
    assert json.loads(tool_msgs[0]["content"]) == {"condition": "中雨"}
    assert tool_msgs[0]["tool_call_id"] == row.turns[0].calls[0].id


def test_the_first_failing_turn_ends_the_case(project: Path) -> None:
    from harness.cases.loader import load_cases
    from harness.emulator.server import start_emulator

    scripts = copy.deepcopy(SCRIPTS)
    scripts["scripts"][3]["turns"][0]["calls"][0]["arguments"]["date"] = "2025-06-30"
    with start_emulator(scripts, load_cases(["cases"])) as emu:
        (row,) = _run(emu, RecordMode.ALL, keyword="trip", providers=("emulator-openai-chat",)).rows
    assert row.status == "fail"
    assert len(row.turns) == 1
    assert {f.turn for f in row.verdict.failures} == {0}
    assert [f.kind for f in row.verdict.failures] == ["wrong_value"]


def _with_fault(fault: dict[str, Any]) -> dict[str, Any]:
    scripts = copy.deepcopy(SCRIPTS)
    scripts["scripts"][0]["turns"][0]["fault"] = fault
    return scripts


def test_429_is_retried_honouring_retry_after(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.cases.loader import load_cases
    from harness.emulator.server import start_emulator

    slept: list[float] = []
    monkeypatch.setattr(_exchanges.time, "sleep", slept.append)
    with start_emulator(
        _with_fault({"status": 429, "retry_after": 3, "times": 2}), load_cases(["cases"])
    ) as emu:
        (row,) = _run(emu, RecordMode.ALL, keyword="wx.beijing", providers=("emulator-openai-chat",)).rows
    assert row.status == "pass"
    assert slept == [3, 3]  # the vendor's retry-after, twice
    inter = load_interactions(cassette_path(project / "cassettes", "emulator-openai-chat", "wx.beijing"))
    assert [i.response.status for i in inter] == [200]  # failed attempts are not kept


def test_exhausted_retries_give_a_provider_error_verdict(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from harness.cases.loader import load_cases
    from harness.emulator.server import start_emulator

    monkeypatch.setattr(_exchanges.time, "sleep", lambda s: None)
    with start_emulator(_with_fault({"status": 500}), load_cases(["cases"])) as emu:
        result = _run(
            emu, RecordMode.ALL, keyword="wx.beijing", providers=("emulator-openai-chat",), max_retries=2
        )
    (row,) = result.rows
    assert row.status == "error"
    assert [f.kind for f in row.verdict.failures] == ["provider_error"]
    assert "HTTP 500" in row.error
    # nothing is saved: a fault is not the vendor's answer
    assert not cassette_path(project / "cassettes", "emulator-openai-chat", "wx.beijing").exists()
    # unless asked for (--record-errors); then the error replays as the same verdict, offline,
    # by both replay paths
    with start_emulator(_with_fault({"status": 500}), load_cases(["cases"])) as emu:
        kept = _run(
            emu,
            RecordMode.ALL,
            keyword="wx.beijing",
            providers=("emulator-openai-chat",),
            max_retries=2,
            record_errors=True,
        )
    assert kept.rows[0].verdict == row.verdict
    (again,) = _run(None, keyword="wx.beijing", providers=("emulator-openai-chat",)).rows
    assert again.verdict == row.verdict
    (sdk,) = _run(None, keyword="wx.beijing", providers=("emulator-openai-chat",), replay_via_sdk=True).rows
    assert sdk.verdict == row.verdict


def test_a_400_is_not_retried(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.cases.loader import load_cases
    from harness.emulator.server import start_emulator

    slept: list[float] = []
    monkeypatch.setattr(_exchanges.time, "sleep", slept.append)
    with start_emulator(_with_fault({"status": 400, "message": "bad tools"}), load_cases(["cases"])) as emu:
        (row,) = _run(emu, RecordMode.ALL, keyword="wx.beijing", providers=("emulator-openai-chat",)).rows
    assert row.status == "error" and slept == []
    assert row.error == "provider error: HTTP 400: bad tools"


def test_recording_without_the_key_names_the_variable(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FCHARNESS_TEST_KEY")
    with pytest.raises(MissingAPIKeyError, match="FCHARNESS_TEST_KEY"):
        _run(None, RecordMode.ALL)


def test_replay_of_a_missing_cassette_names_path_and_command(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FCHARNESS_TEST_KEY")  # replay never needs a key
    (project / "cassettes" / "emulator-openai-chat").mkdir(parents=True)
    (row,) = _run(None, keyword="wx.beijing", providers=("emulator-openai-chat",)).rows
    assert row.status == "stale"
    assert [f.kind for f in row.verdict.failures] == ["stale_cassette"]
    path = cassette_path(project / "cassettes", "emulator-openai-chat", "wx.beijing")
    assert str(path) in row.error
    assert "fcharness record" in row.error and "-p emulator-openai-chat -k wx.beijing" in row.error


@pytest.mark.parametrize("via_sdk, warm", [(False, False), (False, True), (True, False)])
def test_an_edited_case_is_stale_with_a_diff_and_the_command(
    project: Path, emulator: Any, via_sdk: bool, warm: bool
) -> None:
    from harness.cases.loader import load_cases

    _run(emulator, RecordMode.ALL, keyword="wx.beijing", providers=("emulator-openai-chat",))
    emulator.stop()
    if warm:  # the parsed cassette comes from the cache, which keeps only request digests
        (row,) = _run(None, keyword="wx.beijing", providers=("emulator-openai-chat",)).rows
        assert row.status == "pass" and list((project / ".fcharness_cache" / "cassettes").rglob("*.json"))
    cases = [
        replace(c, messages=(Message("user", "查询北京后天的天气"),)) if c.id == "wx.beijing" else c
        for c in load_cases(["cases"])
    ]
    config = load_config()
    opts = RunOptions(keyword="wx.beijing", providers=("emulator-openai-chat",), print_table=False)
    (row,) = run(config, replace(opts, replay_via_sdk=via_sdk), cases).rows
    assert row.status == "stale"
    assert "root['messages'][0]['content']" in row.error
    assert "查询北京明天的天气" in row.error and "查询北京后天的天气" in row.error
    assert "fcharness record" in row.error and "-p emulator-openai-chat -k wx.beijing" in row.error


def test_unsupported_cases_make_no_call(project: Path) -> None:
    suite = (project / "cases" / "suite.yaml").read_text()
    suite = suite.replace(
        "  - id: chat.hello\n", "  - id: chat.hello\n    skip: {emulator-openai-chat: no chat}\n"
    )
    (project / "cases" / "suite.yaml").write_text(suite)
    # no emulator is running: a call would be a provider error
    result = _run(None, RecordMode.ALL, keyword="chat.hello", providers=("emulator-openai-chat",))
    (row,) = result.rows
    assert row.status == "unsupported" and row.error == "skipped on emulator-openai-chat: no chat"
    assert not cassette_path(project / "cassettes", "emulator-openai-chat", "chat.hello").exists()
    assert exit_code(result.rows) == 0


def test_trials_record_at_k_cassettes_and_replay_all(project: Path, emulator: Any) -> None:
    _run(emulator, RecordMode.ALL, keyword="wx.beijing", providers=("emulator-openai-chat",), trials=3)
    folder = project / "cassettes" / "emulator-openai-chat"
    assert sorted(p.name for p in folder.iterdir()) == [
        "wx.beijing.yaml",
        "wx.beijing@2.yaml",
        "wx.beijing@3.yaml",
    ]
    rows = _run(None, keyword="wx.beijing", providers=("emulator-openai-chat",)).rows
    assert [(r.trial, r.status) for r in rows] == [(1, "pass"), (2, "pass"), (3, "pass")]


def test_concurrent_recording_keeps_every_request_in_its_own_cassette(project: Path) -> None:
    from harness.cases.loader import load_cases
    from harness.emulator.server import start_emulator

    # Given httpx-based and http.client-based (boto3) SDKs recording side by side: vcrpy's
    # http.client stubs briefly unpatch every library, which once lost concurrent requests
    write_project(project, extra=BEDROCK_PROFILES)
    with start_emulator(copy.deepcopy(SCRIPTS), load_cases(["cases"])) as emu:
        for _ in range(3):
            result = _run(emu, RecordMode.ALL, concurrency=4)
            assert len(result.rows) == 16
            for row in result.rows:
                inter = load_interactions(cassette_path(project / "cassettes", row.provider_id, row.case_id))
                # Then each cassette holds exactly one recorded request per turn, of its own case
                assert len(inter) == len(row.turns), (row.case_id, row.provider_id)
                body = json.dumps(inter[0].body, ensure_ascii=False)
                assert row.case["messages"][0]["content"] in body
    for p in (project / "cassettes").rglob("*"):
        assert p.is_dir() or SECRET.encode() not in p.read_bytes()


def test_an_unreachable_provider_fails_fast_after_its_first_retries(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given no emulator listening where the profiles point (and the pre-flight check of local
    # addresses out of the way, as for a remote host)
    slept: list[float] = []
    monkeypatch.setattr(_exchanges.time, "sleep", slept.append)
    monkeypatch.setattr("harness.run.reach._refused", lambda *args: False)
    result = _run(None, RecordMode.ALL, providers=("emulator-openai-chat",), concurrency=1, max_retries=2)
    # Then every row is a provider error naming the address, and only the first job retried
    assert {r.status for r in result.rows} == {"error"}
    assert all("unreachable at http://127.0.0.1:9/v1" in (r.error or "") for r in result.rows[1:])
    assert "fcharness emulator" in (result.rows[-1].error or "")
    assert len(slept) == 2
