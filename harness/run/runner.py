"""The case × provider matrix: select, record or replay, grade, write `reports/<run-id>/`.

Flow of a run:

1. load the cases and the provider profiles (`fcharness.toml`, `--base-url ID=URL` /
   `FCHARNESS_BASE_URL_<ID>` overrides); case files are read one at a time
   (`harness.cases.stream.CaseStream`) and their cases let go once run, so memory stays flat.
   Recording, and a run with a progress bar, read them twice: a first pass checks every file
   (nothing is recorded when one is bad) and counts the jobs;
2. build the jobs: case × provider × trial, filtered by case `only`, `-k`, `--shard I/N`;
   case `skip` and `harness.providers.capabilities.unsupported_reason` give `unsupported`
   rows without any call;
3. run each job turn by turn (`harness.run.execute.run_case`) through one of three exchanges:
   - record (`--record-mode` once/new_episodes/all): the vendor SDK through vcrpy, one client
     per provider, `--concurrency N` threads (8 jobs taken ahead per thread), retries with
     exponential backoff on 429/5xx honouring `retry-after`;
   - fast replay (the default): the cassette is read without vcrpy through the fcharness
     serializer and a content-keyed cache of parsed cassettes (`harness.cassettes.replay`);
     today's request must equal the recorded one (canonical JSON; else `stale`), and the
     recorded body goes straight to `parse_response` / `parse_stream`;
   - `--replay-via-sdk`: the same replay through the SDK and vcrpy (record mode `none`);
4. stream each row to `results.jsonl` and the reports (`harness.run.output.RunOutputs`: no row is
   kept), commit them into `reports/<run-id>/`, refresh `reports/latest/`.

Trials: trial k (from 1) is recorded in `<case-id>.yaml` for k = 1 and `<case-id>@k.yaml`
for k ≥ 2; rows carry `trial = k`.
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from harness.cases.selection import Shard, in_shard, keyword_matcher
from harness.cassettes.layout import RecordMode, cassette_path, trials_by_case, warn_orphans
from harness.errors import ConfigError, MissingAPIKeyError, UserError
from harness.model import Case
from harness.run import execute as _execute
from harness.run import stepper as _stepper
from harness.run.config import Config, ProviderProfile
from harness.run.output import RunOutputs, RunResult, check_run_id, exit_code, new_run_id, now_utc
from harness.run.progress import Progress
from harness.run.results import ResultRow, case_summary

__all__ = [
    "Job",
    "RunOptions",
    "RunResult",
    "Session",
    "apply_base_urls",
    "build_jobs",
    "exit_code",
    "run",
    "run_job",
    "select_providers",
    "unsupported_reason_for",
]


@dataclass(frozen=True)
class RunOptions:
    """Everything a run needs besides the config; CLI options map one to one."""

    paths: tuple[str, ...] = ()
    providers: tuple[str, ...] = ()
    keyword: str | None = None
    record_mode: RecordMode = RecordMode.NONE
    concurrency: int | None = None
    shard: Shard | None = None
    profile: str | None = None
    run_id: str | None = None
    reports_dir: str | None = None
    replay_via_sdk: bool = False
    trials: int = 1
    base_urls: Mapping[str, str] = field(default_factory=dict)
    max_retries: int = 4
    """Retries of a transient failure when recording (429, 5xx, no answer, a stream's error event)."""
    record_errors: bool = False
    """Keep a final error answer in the cassette (by default nothing of the case is saved)."""
    backoff_base: float = 1.0
    max_backoff: float = 60.0
    progress: bool | None = None
    """None: a progress bar when stderr is a terminal and traffic is recorded."""
    write_reports: bool = True
    print_table: bool = True
    max_age_days: float | None = None
    """Replay marks recordings older than this `stale` (`--max-age`; None: no limit)."""


@dataclass(frozen=True)
class Job:
    """One case on one provider, one trial (1-based, as in the cassette name)."""

    case: Case
    profile: ProviderProfile
    trial: int = 1
    unsupported: str | None = None


def _env_name(provider_id: str) -> str:
    return "FCHARNESS_BASE_URL_" + re.sub(r"[^A-Za-z0-9]", "_", provider_id).upper()


def apply_base_urls(profile: ProviderProfile, overrides: Mapping[str, str]) -> ProviderProfile:
    """Point a profile at another server: `--base-url ID=URL` beats `FCHARNESS_BASE_URL_<ID>`."""
    url = overrides.get(profile.id) or os.environ.get(_env_name(profile.id))
    return replace(profile, base_url=url) if url else profile


def select_providers(config: Config, options: RunOptions, cassettes_root: Path) -> list[ProviderProfile]:
    """Resolve the provider ids of a run (see the `run` and `record` commands for defaults)."""
    if options.providers:
        ids = list(dict.fromkeys(options.providers))
    elif options.record_mode is RecordMode.NONE:
        ids = [pid for pid in config.providers if (cassettes_root / pid).is_dir()]
    else:
        ids = [pid for pid, p in config.providers.items() if p.is_emulator]
    if not ids:
        where = config.path or "fcharness.toml"
        raise ConfigError(
            f"{where}: no provider to run; pass -p ID (known ids: {', '.join(config.providers) or 'none'})"
        )
    return [apply_base_urls(config.provider(pid), options.base_urls) for pid in ids]


def unsupported_reason_for(case: Case, profile: ProviderProfile) -> str | None:
    """Why a job is not run (case `skip`, or the kind cannot express the case), or None."""
    if profile.id in case.skip:
        return f"skipped on {profile.id}: {case.skip[profile.id]}"
    try:
        from harness.providers.capabilities import unsupported_reason
    except ImportError:
        return None
    return unsupported_reason(case, profile.kind, profile.quirks, profile.params)


def build_jobs(
    cases: Sequence[Case],
    profiles: Sequence[ProviderProfile],
    *,
    keyword: str | None = None,
    shard: Shard | None = None,
    trials: Callable[[Case, ProviderProfile], Sequence[int]] = lambda c, p: (1,),
) -> list[Job]:
    """The matrix: case × provider × trial, filtered by `only`, `-k` and the shard."""
    match = keyword_matcher(keyword)
    jobs: list[Job] = []
    for case in cases:
        for profile in profiles:
            if case.only and profile.id not in case.only:
                continue
            names = [case.id, case.category, *case.tags, profile.id, case.source or ""]
            if not match(names):
                continue
            if not in_shard(f"{case.id}\x00{profile.id}", shard):
                continue
            reason = unsupported_reason_for(case, profile)
            for k in trials(case, profile):
                jobs.append(Job(case, profile, k, reason))
    return jobs


def _api_key(profile: ProviderProfile, recording: bool) -> str | None:
    if not recording:
        return "mock-api-key"  # replay never needs a key; the SDK wants a non-empty one
    if not profile.api_key_env:
        return None
    key = os.environ.get(profile.api_key_env)
    if not key:
        raise MissingAPIKeyError(profile.id, profile.api_key_env)
    return key


#: kind → the pyproject extra that installs its SDK.
_SDK_EXTRAS = {
    "anthropic": "anthropic",
    "gemini": "gemini",
    "bedrock-converse": "bedrock",
    "mistral": "mistral",
    "cohere": "cohere",
}


class Session:
    """Shared state of one run: adapters, clients, the cassette router, graders."""

    def __init__(self, config: Config, options: RunOptions, cassettes_root: Path) -> None:
        from harness.grading import grader as grading
        from harness.providers import get_adapter

        self.config = config
        self.options = options
        self.root = cassettes_root
        self.grading_profile = options.profile or config.profile
        self.grade = grading.grade
        self.grade_turn = grading.grade_turn
        self._get_adapter = get_adapter
        self.adapters: dict[str, Any] = {}
        self.clients: dict[str, Any] = {}
        self.keys: dict[str, str | None] = {}
        self.recording = options.record_mode is not RecordMode.NONE
        self._summary: tuple[Case | None, dict[str, Any]] = (None, {})
        self.root_resolved = config.root.resolve()
        self.unreachable: dict[str, str] = {}
        """provider id → why it gave no answer at all (later jobs fail fast while recording)."""
        self.cache: Any = None
        """The parsed-cassette cache of the fast replay (`harness.cassettes.replay`), if any."""
        if not self.recording and not options.replay_via_sdk:
            from harness.cassettes.replay import InteractionCache, cache_dir_for

            folder = cache_dir_for(self.root_resolved)
            self.cache = InteractionCache(folder) if folder is not None else None

    def prepare(self, profiles: Sequence[ProviderProfile]) -> None:
        """Resolve adapters (and, for SDK paths, keys and one client per provider)."""
        for p in profiles:
            self.adapters[p.id] = self._get_adapter(p.kind, p.quirks)
            if self.recording or self.options.replay_via_sdk:
                self.keys[p.id] = _api_key(p, self.recording)
        for p in profiles:
            if self.recording or self.options.replay_via_sdk:
                try:
                    self.clients[p.id] = self.adapters[p.id].make_client(p, self.keys[p.id])
                except ImportError as exc:
                    extra = _SDK_EXTRAS.get(p.kind, "all")
                    raise ConfigError(
                        f"provider {p.id!r} ({p.kind}) needs its vendor SDK ({exc.name or exc}): "
                        f"pip install 'fc-harness[{extra}]' (the fast replay needs no SDK)"
                    ) from None

    def close(self) -> None:
        """Close the SDK clients (and their connection pools)."""
        for client in self.clients.values():
            for obj in (client, getattr(client, "sdk", None)):
                close = getattr(obj, "close", None)
                if callable(close):
                    with contextlib.suppress(Exception):
                        close()
        self.clients.clear()

    def params(self, profile: ProviderProfile) -> dict[str, Any]:
        """The neutral params handed to `build_request`."""
        params = dict(profile.params)
        if profile.stream:
            params["stream"] = True
        return params

    def summary(self, case: Case) -> dict[str, Any]:
        """`case_summary(case)`, shared by the consecutive rows of a case (only the last is kept)."""
        last, s = self._summary
        if last is not case:
            s = case_summary(case)
            self._summary = (case, s)
        return s


def _row(
    session: Session, run_id: str, job: Job, outcome: _execute.CaseOutcome, cassette: Path | None
) -> ResultRow:
    latency, usage = _execute.totals(outcome.turns)
    rel: str | None = None
    if cassette is not None:
        try:
            rel = str(cassette.relative_to(session.root_resolved))
        except ValueError:
            rel = str(cassette)
    return ResultRow(
        run_id=run_id,
        case_id=job.case.id,
        provider_id=job.profile.id,
        kind=job.profile.kind,
        model=job.profile.model,
        category=job.case.category,
        verdict=outcome.verdict,
        tags=tuple(job.case.tags),
        source=job.case.source,
        trial=job.trial,
        # the vendor's raw message was needed to send the next turn; a row keeps only what
        # results.jsonl holds (at 10,000 rows the raw messages are most of the memory)
        turns=tuple(
            replace(t, raw_assistant=None) if t.raw_assistant is not None else t for t in outcome.turns
        ),
        latency_ms=latency,
        usage=usage,
        error=outcome.error,
        cassette=rel,
        case=session.summary(job.case),
    )


def run_job(session: Session, run_id: str, job: Job) -> ResultRow:
    from harness.cassettes import exchanges as _exchanges

    path = cassette_path(session.root, job.profile.id, job.case.id, job.trial)
    if job.unsupported:
        v = _execute.error_verdict(job.case.id, job.profile.id, "unsupported", None, job.unsupported)
        return _row(session, run_id, job, _execute.CaseOutcome(v, (), job.unsupported), None)
    try:
        with _exchanges.open_exchange(session, job, path) as exchange:
            # executable-backend cases run user turns of steps, calls executed on their backends
            run_case = _stepper.run_steps if job.case.executable else _execute.run_case
            outcome = run_case(
                job.case,
                job.profile.id,
                session.adapters[job.profile.id],
                job.profile.model,
                session.params(job.profile),
                exchange,
                grade=session.grade,
                grade_turn=session.grade_turn,
                profile=session.grading_profile,
            )
    except _execute.StaleCassette as exc:
        v = _execute.error_verdict(
            job.case.id, job.profile.id, "stale", "stale_cassette", exc.message, exc.turn
        )
        outcome = _execute.CaseOutcome(v, (), exc.message)
    except UserError:
        raise
    except Exception as exc:  # a harness or SDK bug must not end the whole run
        msg = f"harness error: {type(exc).__name__}: {exc}"
        v = _execute.error_verdict(job.case.id, job.profile.id, "error", "provider_error", msg)
        outcome = _execute.CaseOutcome(v, (), msg)
    return _row(session, run_id, job, outcome, path)


def _execute_jobs(
    session: Session, run_id: str, jobs: Iterable[Job], sink: Callable[[ResultRow], Any], progress: Progress
) -> None:
    """Run the jobs (a thread pool with a bounded window when recording, `harness.run.schedule`);
    each row goes to `sink` in job order as soon as it and every row before it are done."""
    from harness.run.schedule import run_jobs

    options = session.options

    def work(job: Job) -> ResultRow:
        return run_job(session, run_id, job)

    if session.recording or options.replay_via_sdk:
        from harness.cassettes.exchanges import patched

        workers = (options.concurrency or session.config.concurrency) if session.recording else 1
        with patched(session):
            run_jobs(jobs, work, sink, progress, workers=workers)
    else:
        run_jobs(jobs, work, sink, progress)


def _survey(jobs: Iterable[Job]) -> tuple[int, set[str]]:
    """Count the jobs and the providers with a job to send, holding no job (a first pass)."""
    total, used = 0, set()
    for job in jobs:
        total += 1
        if not job.unsupported:
            used.add(job.profile.id)
    return total, used


def run(config: Config, options: RunOptions, cases: Sequence[Case] | None = None) -> RunResult:
    """Run the matrix and write the reports; return the rows (the caller picks the exit code)."""
    recording = options.record_mode is not RecordMode.NONE
    stream = None
    if cases is None:  # case files are read one at a time, each case dropped once run
        from harness.cases.cache import CaseCache
        from harness.cases.stream import CaseStream
        from harness.cassettes.replay import cache_dir_for

        paths = list(options.paths) or [str(config.resolve(c)) for c in config.cases]
        folder = cache_dir_for(config.root.resolve())
        stream = CaseStream(paths, CaseCache(folder) if folder is not None else None)
    root = config.resolve(config.cassettes)
    profiles = select_providers(config, options, root)
    listings = {p.id: trials_by_case(root, p.id) for p in profiles} if not recording else {}

    def trials(case: Case, profile: ProviderProfile) -> Sequence[int]:
        if recording:
            return range(1, max(1, options.trials) + 1)
        return listings[profile.id].get(case.id) or (1,)

    def streamed(batches: Iterable[Sequence[Case]]) -> Iterator[Job]:
        for batch in batches:
            if stream is None or not stream.failed:  # past a bad case file, only read on (errors)
                yield from build_jobs(
                    batch, profiles, keyword=options.keyword, shard=options.shard, trials=trials
                )

    show = options.progress if options.progress is not None else (recording and sys.stderr.isatty())
    surveyed = stream is None or recording or show
    total, used = 0, set[str]()
    if stream is None:
        jobs: Iterable[Job] = list(streamed([cases or ()]))
        total, used = _survey(jobs)
    else:
        if surveyed:  # a first pass: every case file checked (nothing recorded when one is bad), jobs counted
            total, used = _survey(streamed(stream))
            stream.check()
        jobs = streamed(stream)
    orphans = not recording and not (options.paths or options.keyword or options.shard)
    if orphans and surveyed:
        warn_orphans(root, listings, stream.case_ids() if stream is not None else {c.id for c in cases or ()})
    reports_root = Path(options.reports_dir) if options.reports_dir else config.resolve(config.reports)
    reserved = not options.run_id and options.write_reports
    run_id = check_run_id(options.run_id) if options.run_id else new_run_id(reports_root, reserve=reserved)
    started_at = now_utc()
    session = Session(config, options, root)
    # rows go to results.jsonl and the reports as they are produced; none is kept
    outputs = RunOutputs(reports_root, run_id, config, write=options.write_reports, table=options.print_table)
    try:
        session.prepare(profiles)
        # what is loaded (vendor SDKs; the cases when not streamed) lives as long as the run:
        # out of the GC's scans
        gc.freeze()
        if recording:  # nobody listening on 127.0.0.1: say so at once, not after retries
            from harness.run.reach import check_local_servers

            check_local_servers([p for p in profiles if p.id in used])
        _execute_jobs(session, run_id, jobs, outputs.add, Progress(total if surveyed else 0, enabled=show))
        if stream is not None:
            stream.check()  # a bad case file: the CaseFileError load_cases raises, nothing written
            if orphans and not surveyed:
                warn_orphans(root, listings, stream.case_ids())
    except BaseException:
        outputs.abort()
        if reserved:  # the run folder reserved for this run stays only if the run completes
            with contextlib.suppress(OSError):
                (reports_root / run_id).rmdir()
        raise
    finally:
        gc.unfreeze()
        session.close()
    meta = {
        "started_at": started_at,
        "finished_at": now_utc(),
        "record_mode": options.record_mode.value,
        "replay": "sdk" if options.replay_via_sdk else "fast",
        "providers": [p.id for p in profiles],
    }
    return outputs.finish(meta)
