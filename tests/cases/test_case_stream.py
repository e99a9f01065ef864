"""`CaseStream`: case files one at a time, with `load_cases`'s checks, and nothing kept."""

from __future__ import annotations

import gc
import shutil
import weakref
from pathlib import Path

import pytest

from harness.cases.cache import CaseCache
from harness.cases.loader import load_cases, validate_paths
from harness.cases.stream import CaseStream
from harness.errors import CaseFileError
from harness.model import Case

REPO = Path(__file__).resolve().parents[2]


def _suite(tmp_path: Path) -> Path:
    cases = tmp_path / "cases"
    shutil.copytree(REPO / "cases", cases)
    return cases


@pytest.mark.parametrize("cached", [False, True], ids=["no-cache", "cache"])
def test_the_stream_gives_load_cases_cases_file_by_file(tmp_path: Path, cached: bool) -> None:
    cases = _suite(tmp_path)
    cache = CaseCache(tmp_path / "cache") if cached else None
    expected = load_cases([cases], cache)
    stream = CaseStream([cases], cache)
    batches = list(stream)
    assert len(batches) == len(validate_paths([cases]).files) > 1
    assert [c for b in batches for c in b] == expected
    stream.check()
    assert stream.case_ids() == {c.id for c in expected}


def test_the_stream_keeps_no_case(tmp_path: Path) -> None:
    cases = _suite(tmp_path)
    refs: list[weakref.ref[Case]] = []
    for batch in CaseStream([cases], CaseCache(tmp_path / "cache")):
        gc.collect()
        assert [r for r in refs if r() is not None] == []  # the previous file's cases are gone
        refs += [weakref.ref(c) for c in batch]
        del batch
    assert refs


def _break(cases: Path) -> None:
    """A schema error in the last case file and a case id repeated from the first one."""
    files = sorted(p for p in cases.rglob("*.yaml") if "_tools" not in p.parts)
    first_id = load_cases([files[0]])[0].id
    last = files[-1]
    text = last.read_text(encoding="utf-8")
    last.write_text(text.replace("cases:\n", f"cases:\n  - id: {first_id}\n    category: nope\n", 1), "utf-8")


def test_a_bad_file_raises_what_load_cases_raises_after_every_file(tmp_path: Path) -> None:
    cases = _suite(tmp_path)
    _break(cases)
    with pytest.raises(CaseFileError) as expected:
        load_cases([cases])
    stream = CaseStream([cases])
    failed_at = [stream.failed for _ in stream]
    assert failed_at[-1] and not failed_at[0]  # known at the bad file, not before
    with pytest.raises(CaseFileError) as got:
        stream.check()
    assert str(got.value) == str(expected.value)
    assert got.value.problems == expected.value.problems


def test_check_before_the_end_is_a_bug(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError):
        CaseStream([_suite(tmp_path)]).check()


def test_a_run_stops_using_cases_at_a_bad_file_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from harness.cli import main
    from harness.run import runner

    cases = _suite(tmp_path)
    shutil.copytree(REPO / "cassettes", tmp_path / "cassettes")
    shutil.copyfile(REPO / "fcharness.toml", tmp_path / "fcharness.toml")
    last = sorted(p for p in cases.rglob("*.yaml") if "_tools" not in p.parts)[-1]
    last_ids = {c.id for c in load_cases([last])}
    _break(cases)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FCHARNESS_CACHE", "off")
    ran: list[str] = []
    real = runner.run_job

    def counting(session: object, run_id: str, job: runner.Job) -> object:
        ran.append(job.case.id)
        return real(session, run_id, job)  # type: ignore[arg-type]

    monkeypatch.setattr(runner, "run_job", counting)
    code = main(["run", "--reports", str(tmp_path / "reports"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2
    assert "problem(s) in case files" in err and "duplicate case id" in err and "Traceback" not in err
    assert ran  # the files before the bad one were replayed...
    assert not set(ran) & last_ids  # ...but nothing of the bad file
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").rglob("*"))
