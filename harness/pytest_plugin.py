"""pytest plugin: each case × provider as a test item (DESIGN.md §8).

Enabled only when cases are named (`--fc-cases PATH` or the ini option `fc_cases`), so it
never hijacks a project's own test collection. `pytest --fc-cases cases` alone runs just the
cases; with test paths on the command line, or with the ini option, the cases are collected
alongside the tests. Items look like
`cases/travel/weather.yaml::weather.beijing.tomorrow[emulator-openai-chat]` (a trial k ≥ 2
adds `@k` to the provider); `-k` matches case ids, categories, tags and provider ids; each
item carries the marker `fc_<category>`.

Options (precedence: command line > ini > `fcharness.toml` > defaults):
`--fc-provider ID` (repeatable; default: every profile with a cassette folder),
`--fc-record-mode MODE` (default `none`: replay), `--fc-profile`, `--fc-config`,
`--fc-report DIR` (writes `DIR/<run-id>/` and `DIR/latest/` at the end of the session),
`--fc-max-age DAYS` (older or undated cassettes fail as stale; default `[cassettes] max_age_days`).

Under pytest-xdist each worker sends its result rows to the controller
(`workeroutput`), which writes the one report. With `--fc-report`, rows wait for the report
in a temporary file of JSON lines (secrets redacted), not in memory; without it, none is kept.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from harness.cassettes.layout import RECORD_MODES, RecordMode, coerce_record_mode, trials_by_case
from harness.model import CATEGORIES, Case
from harness.run.results import ResultRow

__all__ = ["FcCaseFile", "FcCaseItem", "FcVerdictFailure"]

_STATE = pytest.StashKey["_FcState"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the fc-harness options (all in one group, `default=None` = not given)."""
    group = parser.getgroup("fcharness", "fc-harness function-calling cases")
    group.addoption(
        "--fc-cases", action="append", default=None, metavar="PATH", help="collect cases from PATH"
    )
    group.addoption(
        "--fc-provider", action="append", default=None, metavar="ID", help="provider id (repeatable)"
    )
    group.addoption(
        "--fc-record-mode", choices=RECORD_MODES, default=None, help="vcrpy record mode (default: none)"
    )
    group.addoption(
        "--fc-profile", choices=("default", "strict", "bfcl"), default=None, help="grading profile"
    )
    group.addoption("--fc-config", default=None, metavar="FILE", help="fcharness.toml to use")
    group.addoption("--fc-report", default=None, metavar="DIR", help="write reports to DIR at the end")
    group.addoption(
        "--fc-max-age",
        type=float,
        default=None,
        metavar="DAYS",
        help="cassettes recorded more than DAYS ago fail as stale (default: [cassettes] max_age_days)",
    )
    parser.addini("fc_cases", type="paths", default=[], help="case files or folders to collect")


class _FcState:
    """Per-pytest-session state: config, the runner session, the rows produced here."""

    def __init__(self, config: pytest.Config, paths: list[Path]) -> None:
        from harness.run.config import load_config
        from harness.run.runner import RunOptions

        self.pytest_config = config
        self.paths = [p.resolve() for p in paths]
        self.config = load_config(config.getoption("fc_config"))
        mode = config.getoption("fc_record_mode")
        max_age = config.getoption("fc_max_age")
        if max_age is not None and not max_age > 0:
            raise pytest.UsageError(f"--fc-max-age must be a positive number of days, got {max_age:g}")
        self.options = RunOptions(
            providers=tuple(config.getoption("fc_provider") or ()),
            record_mode=coerce_record_mode(mode) if mode else RecordMode.NONE,
            profile=config.getoption("fc_profile"),
            write_reports=False,
            print_table=False,
            max_age_days=max_age if max_age is not None else self.config.max_age_days,
        )
        self.root = self.config.resolve(self.config.cassettes)
        self.report_dir = config.getoption("fc_report")
        self._profiles: list[Any] | None = None
        self.session: Any = None
        self.stack = contextlib.ExitStack()
        self.rows = _Spool() if self.report_dir else None
        """The rows produced here (with `--fc-report` only: nothing else reads them)."""
        self.run_id = "pytest"
        self._trials: dict[str, dict[str, list[int]]] = {}

    def profiles(self) -> list[Any]:
        """The provider profiles items are made for."""
        if self._profiles is None:
            from harness.run.runner import select_providers

            self._profiles = select_providers(self.config, self.options, self.root)
        return self._profiles

    def runner_session(self) -> Any:
        """The runner's Session, built on first use (adapters, clients, HTTP patches)."""
        if self.session is None:
            from harness.cassettes.exchanges import patched
            from harness.run.runner import Session

            session = Session(self.config, self.options, self.root)
            session.prepare(self.profiles())
            if self.options.record_mode is not RecordMode.NONE:
                self.stack.enter_context(patched(session))
            self.session = session
        return self.session

    def trials(self, provider_id: str) -> dict[str, list[int]]:
        """Case id → recorded trial numbers for a provider (one folder listing per session)."""
        if provider_id not in self._trials:
            self._trials[provider_id] = trials_by_case(self.root, provider_id)
        return self._trials[provider_id]

    def covers(self, path: Path) -> bool:
        """Whether `path` lies in one of the case paths (and not in a `_`/`.` folder)."""
        path = path.resolve()
        for root in self.paths:
            if path == root:
                return True
            if root in path.parents:
                inner = path.relative_to(root).parts[:-1]
                return not any(part.startswith(("_", ".")) for part in inner)
        return False


def pytest_configure(config: pytest.Config) -> None:
    """Register the category markers; enable collection when case paths are given."""
    for category in CATEGORIES:
        config.addinivalue_line("markers", f"fc_{category}: fc-harness cases of category {category}")
    given = config.getoption("fc_cases")
    paths = [Path(p) for p in given] if given else list(config.getini("fc_cases"))
    if not paths:
        return
    from harness.errors import UserError

    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        raise pytest.UsageError(f"fc-harness: case path not found: {', '.join(missing)} (--fc-cases PATH)")
    try:
        state = _FcState(config, paths)
        state.profiles()  # unknown provider ids or no cassettes: a usage error, before collection
        if state.options.record_mode is not RecordMode.NONE:
            state.runner_session()  # a missing key or SDK: a usage error too
    except UserError as exc:
        from harness._io import redact

        raise pytest.UsageError(redact(f"fc-harness: {exc}")) from None
    config.stash[_STATE] = state
    if given and config.args_source is not pytest.Config.ArgsSource.ARGS:
        # `pytest --fc-cases cases` with no test paths: run the cases, not the project's tests
        config.args[:] = [str(p) for p in state.paths]
        return
    args = [Path(a.split("::")[0]).resolve() for a in config.args]
    for p in state.paths:
        if not any(a == p or a in p.parents or p in a.parents for a in args):
            config.args.append(str(p))


def pytest_report_header(config: pytest.Config) -> str | None:
    """One line: how many cases, which providers, which record mode and grading profile."""
    state = config.stash.get(_STATE, None)
    if state is None:
        return None
    from harness.cases.stream import CaseStream
    from harness.errors import UserError

    try:  # counted one case file at a time
        stream = CaseStream(state.paths)
        n = sum(len(batch) for batch in stream)
        stream.check()
        cases = f"{n} case(s)"
    except UserError:
        cases = "cases (some files do not load: see the collection errors)"
    ids = [p.id for p in state.profiles()]
    here = config.invocation_params.dir
    where = ", ".join(str(p.relative_to(here)) if here in p.parents else str(p) for p in state.paths)
    profile = state.options.profile or state.config.profile
    return (
        f"fc-harness: {cases} from {where} × {len(ids)} provider(s) ({', '.join(ids)}); "
        f"record mode {state.options.record_mode.value}, grading profile {profile}"
    )


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Collect case files under the case paths."""
    state = parent.config.stash.get(_STATE, None)
    if state is None or file_path.suffix not in (".yaml", ".yml") or not state.covers(file_path):
        return None
    return FcCaseFile.from_parent(parent, path=file_path)


class FcCaseFile(pytest.File):
    """One case file: yields an item per case × provider × trial."""

    def collect(self) -> Iterator[pytest.Item]:
        """Load the file's cases with the harness loader (errors name file, line, field)."""
        from harness.cases.loader import load_cases
        from harness.errors import UserError

        state: _FcState = self.config.stash[_STATE]
        try:
            cases = load_cases([self.path])
        except UserError as exc:  # the loader's located problems, without a traceback
            raise self.CollectError(str(exc)) from None
        for case in cases:
            for profile in state.profiles():
                if case.only and profile.id not in case.only:
                    continue
                trials = [1]
                if state.options.record_mode is RecordMode.NONE:
                    trials = state.trials(profile.id).get(case.id) or [1]
                for k in trials:
                    suffix = "" if k == 1 else f"@{k}"
                    item = FcCaseItem.from_parent(
                        self, name=f"{case.id}[{profile.id}{suffix}]", case=case, profile=profile, trial=k
                    )
                    yield item


class FcVerdictFailure(Exception):
    """A case did not pass; carries its result row."""

    def __init__(self, row: ResultRow) -> None:
        from harness._io import redact

        super().__init__(redact(row.verdict.explain()))  # a vendor may echo the API key
        self.row = row


class FcCaseItem(pytest.Item):
    """One case on one provider (one trial)."""

    def __init__(self, *, case: Case, profile: Any, trial: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.profile = profile
        self.trial = trial
        self.add_marker(f"fc_{case.category}")
        self.extra_keyword_matches.update({case.category, profile.id, *case.tags})

    def runtest(self) -> None:
        """Replay (or record) the case, grade it, and fail with the verdict's explanation."""
        from harness.errors import UserError
        from harness.run.runner import Job, run_job, unsupported_reason_for

        state: _FcState = self.config.stash[_STATE]
        try:
            session = state.runner_session()
        except UserError as exc:  # a missing key or SDK: the same for every item, stop cleanly
            from harness._io import redact

            pytest.exit(redact(f"fc-harness: {exc}"), returncode=pytest.ExitCode.USAGE_ERROR)
        job = Job(self.case, self.profile, self.trial, unsupported_reason_for(self.case, self.profile))
        row = run_job(session, state.run_id, job)
        if state.rows is not None:
            state.rows.add(row)
        if row.status == "unsupported":
            from harness._io import redact

            pytest.skip(redact(row.error or "unsupported"))
        if row.status != "pass":
            raise FcVerdictFailure(row)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        """The verdict's explanation, not a traceback (API keys redacted: vendors echo them)."""
        from harness._io import redact

        return redact(self._failure_text(excinfo, style))

    def _failure_text(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any) -> str:
        if isinstance(excinfo.value, FcVerdictFailure):
            row = excinfo.value.row
            lines = [row.verdict.explain()]
            if self.case.source:
                lines.append(
                    f"  case file: {self.case.source}" + (f":{self.case.line}" if self.case.line else "")
                )
            return "\n".join(lines)
        from harness.errors import UserError

        if isinstance(excinfo.value, UserError):  # bad input met while running: its message only
            return f"fc-harness: {excinfo.value}"
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        """Where the case is: its file and line."""
        line = (self.case.line - 1) if self.case.line else 0
        return self.path, line, f"fc-case: {self.case.id} [{self.profile.id}]"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Workers hand their rows to the controller; the controller (or a plain run) writes reports."""
    state = session.config.stash.get(_STATE, None)
    if state is None:
        return
    state.stack.close()
    if state.session is not None:
        state.session.close()
    spool = state.rows
    if spool is None:
        return
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["fc_lines"] = spool.text()
        spool.close()
        return
    if spool.index:
        from harness.run.output import RunOutputs, new_run_id

        reports_root = Path(state.report_dir)
        run_id = new_run_id(reports_root)
        outputs = RunOutputs(reports_root, run_id, state.config, write=True, table=False)
        try:
            for row in spool.sorted_rows():
                outputs.add(replace(row, run_id=run_id))
        except BaseException:
            outputs.abort()
            raise
        outputs.finish({})
    spool.close()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist controller: collect the rows a worker produced."""
    state = node.config.stash.get(_STATE, None)
    output = getattr(node, "workeroutput", None) or {}
    if state is not None and state.rows is not None and "fc_lines" in output:
        state.rows.add_lines(output["fc_lines"])


class _Spool:
    """Result rows as redacted JSON lines in an anonymous temporary file; in memory, only each
    row's sort key (case, provider, trial) and offset."""

    def __init__(self) -> None:
        import tempfile

        self.fh = tempfile.TemporaryFile()  # noqa: SIM115  (removed when closed, or at exit)
        self.index: list[tuple[str, str, int, int]] = []

    def add(self, row: ResultRow) -> None:
        """Keep one row."""
        from harness._io import redact

        self._line(
            redact(json.dumps(row.to_dict(), ensure_ascii=False)), row.case_id, row.provider_id, row.trial
        )

    def add_lines(self, text: str) -> None:
        """Keep the rows a worker sent (`text()` of its spool), one line at a time."""
        start = 0
        while start < len(text):  # lines end at "\n" only (a row may hold U+2028)
            end = text.find("\n", start)
            end = len(text) if end < 0 else end
            line, start = text[start:end], end + 1
            if line:
                d = json.loads(line)
                self._line(line, d["case_id"], d["provider_id"], int(d.get("trial", 0)))

    def _line(self, line: str, case_id: str, provider_id: str, trial: int) -> None:
        self.index.append((case_id, provider_id, trial, self.fh.seek(0, 2)))
        self.fh.write(line.encode("utf-8") + b"\n")

    def text(self) -> str:
        """Every line kept, in the order added."""
        self.fh.seek(0)
        return self.fh.read().decode("utf-8")

    def sorted_rows(self) -> Iterator[ResultRow]:
        """The rows by case id, provider id and trial (in the order added among equals)."""
        for *_, offset in sorted(self.index, key=lambda k: k[:3]):
            self.fh.seek(offset)
            yield ResultRow.from_dict(json.loads(self.fh.readline()))

    def close(self) -> None:
        """Drop the file."""
        self.fh.close()
        self.index = []
