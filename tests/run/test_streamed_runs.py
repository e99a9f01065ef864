"""Every kind of run reads case files one at a time: `--replay-via-sdk`, `--progress` and
recording hold no more cases at once than one file's (and, when recording, the jobs in flight).

Each case the loader builds is watched through a weak reference; when a job starts, the cases
still alive are counted. A run that loaded every case first would hold all 25 of the demo.
"""

from __future__ import annotations

import gc
import shutil
import threading
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.cases import loader, stream
from harness.cases.loader import load_cases
from harness.cli import main
from harness.emulator.server import start_emulator
from harness.model import Case
from harness.run import runner, schedule

REPO = Path(__file__).resolve().parents[2]
PROVIDER = "emulator-openai-chat"


def _largest_file() -> int:
    files = [p for p in (REPO / "cases").rglob("*.yaml") if "_tools" not in p.parts]
    return max(len(load_cases([f])) for f in files)


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(REPO / "cases", tmp_path / "cases")
    shutil.copytree(REPO / "cassettes" / PROVIDER, tmp_path / "cassettes" / PROVIDER)
    shutil.copyfile(REPO / "fcharness.toml", tmp_path / "fcharness.toml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FCHARNESS_CACHE", str(tmp_path / "cache"))
    return tmp_path


class Watch:
    """Weak references to every case loaded; `alive` samples how many live when a job starts."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.refs: list[weakref.ref[Case]] = []
        self.alive: list[int] = []
        self.ran: list[str] = []
        self.lock = threading.Lock()
        for module in (loader, stream):  # the stream's own imports and load_cases' path
            for name in ("_load_cached", "_load_file"):
                monkeypatch.setattr(module, name, self._wrap(getattr(module, name)))
        real = runner.run_job

        def counting(session: Any, run_id: str, job: runner.Job) -> Any:
            with self.lock:
                gc.collect()
                self.alive.append(self.live())
                self.ran.append(job.case.id)
            return real(session, run_id, job)

        monkeypatch.setattr(runner, "run_job", counting)

    def live(self) -> int:
        """Cases alive now (a case loaded on a cache miss is seen by both loader functions)."""
        return len({id(c) for r in self.refs if (c := r()) is not None})

    def _wrap(self, load: Callable[..., Any]) -> Callable[..., Any]:
        def watched(*args: Any, **kwargs: Any) -> Any:
            got, offered = load(*args, **kwargs)
            with self.lock:
                self.refs += [weakref.ref(c) for c in got]
            return got, offered

        return watched


@pytest.mark.parametrize("flag", ["--replay-via-sdk", "--progress"])
def test_a_replay_holds_one_case_file_at_a_time(
    demo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], flag: str
) -> None:
    pytest.importorskip("openai")
    watch = Watch(monkeypatch)
    code = main(["run", "-p", PROVIDER, flag, "--reports", str(demo / "reports")])
    loaded = len(watch.refs)
    assert code == 1  # the demo's deliberate failures
    n = len(load_cases([demo / "cases"]))
    assert len(watch.ran) == n == 25
    # one file's cases, and the last case run before it (its summary is shared by its rows)
    assert 0 < max(watch.alive) <= _largest_file() + 1 < n
    err = capsys.readouterr().err
    if flag == "--progress":  # the total comes from a first pass over the files
        assert f"] {n}/{n}  " in err.replace("\r", "\n")
        assert loaded >= 2 * n  # each case loaded twice (a first pass counts), never all at once
    else:
        assert "[" not in err


def test_recording_holds_one_file_and_its_window_and_keeps_its_concurrency(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from harness.emulator.scripts import load_scripts

    monkeypatch.setenv("FCHARNESS_EMULATOR_KEY", "any")
    monkeypatch.setattr(schedule, "WINDOW_PER_WORKER", 1)  # two jobs taken ahead at concurrency 2
    shutil.rmtree(demo / "cassettes")
    scripts = load_scripts([REPO / "harness" / "emulator" / "scripts" / "demo.yaml"])
    cases = load_cases([demo / "cases"])  # the emulator's own (it answers by them)
    watch = Watch(monkeypatch)
    running = [0, 0, 0]  # now, most at once, started
    together = threading.Barrier(2, timeout=30)  # the first two jobs must be in flight together
    real = runner.run_job

    def overlapping(session: Any, run_id: str, job: runner.Job) -> Any:
        with watch.lock:
            running[0] += 1
            running[1] = max(running[:2])
            running[2] += 1
            first = running[2] <= 2
        if first:
            together.wait()
        try:
            return real(session, run_id, job)
        finally:
            with watch.lock:
                running[0] -= 1

    monkeypatch.setattr(runner, "run_job", overlapping)
    with start_emulator(scripts, cases) as emu:
        code = main(
            [
                "record",
                "-p",
                PROVIDER,
                "--concurrency",
                "2",
                "--no-progress",
                "--base-url",
                f"{PROVIDER}={emu.base_url}/v1",
                "--reports",
                str(demo / "reports"),
            ]
        )
    assert code == 1
    assert len(watch.ran) == 25 and list((demo / "cassettes" / PROVIDER).glob("*.yaml"))
    # one file's cases, two jobs taken ahead from the file before, the last case's summary
    assert max(watch.alive) <= _largest_file() + 3 < 25
    assert running[1] == 2


def test_recording_checks_every_case_file_before_it_sends_anything(
    demo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FCHARNESS_EMULATOR_KEY", "any")
    last = sorted(p for p in (demo / "cases").rglob("*.yaml") if "_tools" not in p.parts)[-1]
    last.write_text(last.read_text(encoding="utf-8") + "  - id: broken\n    category: nope\n", "utf-8")
    watch = Watch(monkeypatch)
    code = main(["record", "-p", PROVIDER, "--base-url", f"{PROVIDER}=http://127.0.0.1:1/v1"])
    err = capsys.readouterr().err
    assert code == 2 and "problem(s) in case files" in err and "Traceback" not in err
    assert watch.ran == []  # not one case sent, and no emulator needed to find out
    assert not (demo / "reports").exists() or not any((demo / "reports").rglob("*.jsonl"))


def _numbers(n: int, taken: list[int]) -> Iterator[int]:
    for i in range(n):
        taken.append(i)
        yield i


def test_the_pool_keeps_a_bounded_window_and_the_job_order() -> None:
    from harness.model import Verdict
    from harness.run.progress import Progress
    from harness.run.results import ResultRow

    taken: list[int] = []
    emitted: list[int] = []
    barrier = threading.Barrier(3, timeout=30)  # the first three jobs must run at the same time

    def work(i: int) -> ResultRow:
        if i < 3:
            barrier.wait()
        if i % 5 == 0:  # finish out of order
            threading.Event().wait(0.01)
        v = Verdict(str(i), "p", True, True, True, True, status="pass")
        return ResultRow("r", str(i), "p", "k", "m", "simple", v)

    def sink(row: ResultRow) -> None:
        emitted.append(int(row.case_id))
        assert len(taken) - len(emitted) <= 6  # never more than the window taken ahead

    schedule.run_pooled(_numbers(200, taken), work, sink, Progress(0, enabled=False), workers=3, window=6)
    assert emitted == list(range(200))
