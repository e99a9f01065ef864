"""How one job gets its wire responses: record, fast replay, or replay through the SDK.

Each `open_exchange` yields `exchange(turn_index, request) -> WireResponse` for
`harness.run.execute.run_case`. Record and SDK replay go through vcrpy (patched once per run by
`CassetteRouter`; botocore clients through `harness.cassettes.aws_send`, so no send needs a
lock); the fast replay reads the cassette without vcrpy (`harness.cassettes.replay`,
through its parsed-cassette cache) with the same serializer and returns the recorded body
with no HTTP round trip. Both replays first check that today's request equals the recorded
one, so they agree on `stale` verdicts.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from harness.cassettes.layout import (
    RecordMode,
    canonical_json,
    missing_message,
    record_command,
    stale_message,
)
from harness.cassettes.replay import Interaction, InteractionCache, load_interactions, request_digest
from harness.errors import CassetteError, CassetteFileError, ProviderError
from harness.providers.base import WireResponse
from harness.run.execute import Exchange, StaleCassette, error_from_wire

__all__ = ["backoff_delay", "open_exchange", "patched"]


@contextlib.contextmanager
def patched(session: Any) -> Iterator[None]:
    """Patch HTTP libraries once for the run, scrubbing every key the run uses."""
    from harness.cassettes.aws_send import routable, route_botocore
    from harness.cassettes.store import CassetteRouter, make_vcr  # vcrpy: recording and SDK replay only

    mode = session.options.record_mode
    secrets = [k for k in session.keys.values() if k and k != "mock-api-key"]
    session.router = CassetteRouter(make_vcr(mode, secrets))
    with session.router.patched(), contextlib.ExitStack() as stack:
        # botocore clients send through the router themselves (no vcrpy http.client stubs,
        # whose force_reset unpatches every library process-wide): no send needs a lock
        for client in session.clients.values():
            if routable(client):
                stack.enter_context(route_botocore(client, session.router))
        yield


def backoff_delay(exc: ProviderError, attempt: int, base: float, cap: float) -> float:
    """Seconds to wait before retry `attempt` (0-based): `retry-after` when sent, else exponential."""
    if exc.retry_after is not None and exc.retry_after >= 0:
        return min(cap, float(exc.retry_after))
    return min(cap, base * (1 << attempt) * (1 + random.random() / 10))


class _Recorded:
    """Today's requests checked against a cassette's recorded ones (the stale check)."""

    def __init__(
        self, path: Path, job: Any, max_age_days: float | None = None, cache: InteractionCache | None = None
    ) -> None:
        self.path = path
        self.job = job
        if not path.exists():
            raise StaleCassette(
                missing_message(path, job.profile.id, job.case.id, job.case.source), missing=True
            )
        if max_age_days is not None:
            try:
                _check_age(path, job, max_age_days)
            except CassetteError as exc:
                raise self._unreadable(exc) from None
        self.interactions: list[Interaction] = self._load(cache)
        self.used: set[int] = set()

    def _load(self, cache: InteractionCache | None) -> list[Interaction]:
        try:
            return load_interactions(self.path, cache)
        except CassetteError as exc:
            raise self._unreadable(exc) from None

    def _unreadable(self, exc: CassetteError) -> CassetteFileError:
        pid, cid, src = self.job.profile.id, self.job.case.id, self.job.case.source
        return CassetteFileError(
            f"{exc}\n  (case {cid!r}, provider {pid!r}; re-record with: {record_command(pid, cid, src)})"
        )

    def match(self, turn: int, request: dict[str, Any]) -> Interaction:
        """Return the unused recorded interaction whose body equals `request`, or raise StaleCassette."""
        canon = canonical_json(request)
        digest = request_digest(canon) if any(it.text is None for it in self.interactions) else None
        pid, cid, src = self.job.profile.id, self.job.case.id, self.job.case.source
        for i, it in enumerate(self.interactions):
            if i not in self.used and it.matches(canon, digest):
                self.used.add(i)
                self._check_model(it, request, turn)
                return it
        if digest is not None:  # from the cache, which keeps no request bodies: read the cassette
            self.interactions = self._load(None)
            return self.match(turn, request)
        if turn >= len(self.interactions):
            raise StaleCassette(
                f"cassette {self.path} holds {len(self.interactions)} interaction(s) and none for turn "
                f"{turn}; re-record with: {record_command(pid, cid, src)}",
                turn=turn,
            )
        recorded = self.interactions[turn].body
        raise StaleCassette(stale_message(recorded, request, pid, cid, src, turn), turn=turn)

    def _check_model(self, it: Interaction, request: dict[str, Any], turn: int) -> None:
        """Where the model is in the URL, not the body (Gemini, Bedrock), it must match too."""
        model = self.job.profile.model
        if "model" in request or not model or model in unquote(it.uri):
            return
        pid, cid, src = self.job.profile.id, self.job.case.id, self.job.case.source
        raise StaleCassette(
            f"cassette is stale: turn {turn} was recorded at {it.uri}, which does not name the model "
            f"{model!r} of profile {pid!r}; re-record with: {record_command(pid, cid, src)}",
            turn=turn,
        )


def _check_age(path: Path, job: Any, max_age_days: float) -> None:
    """Raise StaleCassette when the cassette is older than `max_age_days` or has no date."""
    from harness.cassettes.provenance import age_days, read_provenance  # YAML: `--max-age` only

    try:
        header = read_provenance(path)
    except (OSError, ValueError) as exc:
        raise CassetteError(f"{path}: unreadable provenance header: {exc}") from None
    again = record_command(job.profile.id, job.case.id, job.case.source)
    limit = f"--max-age {max_age_days:g} day(s)"
    age = age_days(header)
    if age is None:
        raise StaleCassette(
            f"cassette {path} has no recording date (recorded before fc-harness stored provenance), "
            f"so it cannot meet {limit}; re-record with: {again}"
        )
    if age > max_age_days:
        when = (header or {}).get("recorded_at")
        raise StaleCassette(
            f"cassette {path} is too old: recorded {age:.0f} day(s) ago ({when}), beyond {limit}; "
            f"re-record with: {again}"
        )


def _header(job: Any, adapter: Any) -> Callable[[list[dict[str, Any]]], dict[str, Any]]:
    """The provenance header of a cassette recorded for `job` (given its responses)."""
    from harness.cassettes.provenance import build_header  # recording only

    extra: dict[str, Any] = {}
    hook = getattr(adapter, "provenance_extra", None)
    if callable(hook):
        extra.update(hook(job.profile) or {})
    configured = job.profile.options.get("provenance")
    if isinstance(configured, dict):
        extra.update(configured)

    def header(responses: list[dict[str, Any]]) -> dict[str, Any]:
        return build_header(job.profile, responses, extra)

    return header


def _fast(recorded: _Recorded) -> Exchange:
    def exchange(turn: int, request: dict[str, Any]) -> WireResponse:
        return recorded.match(turn, request).response

    return exchange


def _sdk_replay(session: Any, job: Any, recorded: _Recorded) -> Exchange:
    adapter = session.adapters[job.profile.id]
    client = session.clients[job.profile.id]

    def exchange(turn: int, request: dict[str, Any]) -> WireResponse:
        it = recorded.match(turn, request)
        wire: WireResponse = adapter.send(client, request, stream=job.profile.stream)
        return replace(wire, latency_ms=it.response.latency_ms)

    return exchange


def _record(session: Any, job: Any, cassette: Any) -> Exchange:
    """Send through the SDK (vcrpy records); keep only real answers in the cassette.

    Transient failures — 429, 5xx, no answer (connection refused or reset) and an error event
    in the middle of a stream (any stream kind) — are retried with the same bounded
    exponential back-off. Unless `--record-errors` is given, a final error answer (4xx/5xx or
    a stream's error event) is not kept: the row is `provider_error`, and nothing of the case
    is saved (an existing cassette stays as it was).
    """
    adapter = session.adapters[job.profile.id]
    client = session.clients[job.profile.id]
    opts = session.options
    keep_errors = getattr(opts, "record_errors", False)

    def send(request: dict[str, Any]) -> WireResponse:
        wire: WireResponse = adapter.send(client, request, stream=job.profile.stream)
        if wire.status >= 400:
            raise error_from_wire(wire)
        if wire.streaming:
            try:
                adapter.parse_stream(wire.events)
            except ProviderError as exc:  # an error event after HTTP 200
                raise _StreamError(exc) from None
        return wire

    def exchange(turn: int, request: dict[str, Any]) -> WireResponse:
        pid = job.profile.id
        if pid in session.unreachable:  # no answer at all earlier: fail fast, no new retries
            raise ProviderError(session.unreachable[pid], status=None)
        attempt = 0
        while True:
            before = len(cassette.data)
            started = time.perf_counter()
            try:
                wire = send(request)
            except (ProviderError, _StreamError) as raised:
                in_stream = isinstance(raised, _StreamError)
                exc = raised.error if isinstance(raised, _StreamError) else raised
                if exc.retryable and attempt < opts.max_retries:
                    del cassette.data[before:]  # keep only the final answer in the cassette
                    time.sleep(backoff_delay(exc, attempt, opts.backoff_base, opts.max_backoff))
                    attempt += 1
                    continue
                if not in_stream and exc.status is None and len(cassette.data) == before:
                    session.unreachable[pid] = _unreachable(job.profile, exc)
                if keep_errors:
                    _stamp(cassette, before, started)
                    _drop_unanswered(cassette, before, exc.status)
                else:  # a fault is not the vendor's answer: save nothing of this case
                    del cassette.data[:]
                    cassette.dirty = False
                raise exc from None
            latency = _stamp(cassette, before, started)
            _drop_unanswered(cassette, before, wire.status)
            return replace(wire, latency_ms=latency)

    return exchange


class _StreamError(Exception):
    """A stream that carried an error event after HTTP 200 (the parser's ProviderError)."""

    def __init__(self, error: ProviderError) -> None:
        super().__init__(str(error))
        self.error = error


def _drop_unanswered(cassette: Any, before: int, status: int | None) -> None:
    """Record nothing for this job when the emulator answered 404 for a case it cannot answer."""
    from harness.emulator.common import UNANSWERED_MARK

    if status != 404 or len(cassette.data) <= before:
        return
    body = (cassette.data[-1][1].get("body") or {}).get("string") or b""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    if UNANSWERED_MARK in text:
        cassette.data.clear()
        cassette.dirty = False


def _unreachable(profile: Any, exc: ProviderError) -> str:
    where = profile.base_url or "the vendor's default URL"
    hint = " (is the emulator running? `fcharness emulator`)" if profile.is_emulator else ""
    return f"{profile.id} is unreachable at {where}{hint}: {exc.vendor_message}"


def _stamp(cassette: Any, before: int, started: float) -> float:
    latency = round((time.perf_counter() - started) * 1000, 1)
    if len(cassette.data) > before:
        cassette.data[-1][1]["latency_ms"] = latency
    return latency


@contextlib.contextmanager
def open_exchange(session: Any, job: Any, path: Path) -> Iterator[Exchange]:
    """Yield the exchange for one job (the cassette is saved atomically on exit when recording)."""
    mode = session.options.record_mode
    max_age = getattr(session.options, "max_age_days", None)
    replaying = mode is RecordMode.NONE or (mode is RecordMode.ONCE and path.exists())
    if replaying and not session.options.replay_via_sdk and mode is RecordMode.NONE:
        yield _fast(_Recorded(path, job, max_age, getattr(session, "cache", None)))
        return
    if replaying:
        recorded = _Recorded(path, job, max_age)
        with session.router.use(path):
            yield _sdk_replay(session, job, recorded)
        return
    header = _header(job, session.adapters[job.profile.id])
    with session.router.use(path, header) as cassette:
        yield _record(session, job, cassette)
