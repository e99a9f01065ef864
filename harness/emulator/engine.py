"""The emulator's brain, without sockets: route a request, find its case and turn, answer.

- The **wire kind** comes from the path (`/v1/messages` → anthropic, `/v2/chat` → cohere, ...);
  on `…/chat/completions` a request with `functions` is `openai-functions`, and a model name
  containing `mistral` (or the Mistral SDK's user agent) is `mistral`.
- The **case** is the loaded case whose first user message has the request's first user text
  (else the longest case prompt that text contains; cases sharing a prompt are told apart by
  the offered function names).
- The **turn** is the number of assistant turns in the request, less those in the case's own
  conversation prefix.
- The **answer** is the script's turn for the provider (`/p/<provider-id>` base URL prefix,
  `by_provider`), else the model (`by_model`), else the wire kind (`by_kind`), else the
  default; a fault answers the first `times` requests of that (case, provider, kind, model,
  turn) with a vendor-shaped error.
"""

from __future__ import annotations

import gzip
import itertools
import json
import re
import threading
import time
import zlib
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from types import ModuleType
from typing import Any
from urllib.parse import unquote

from harness.emulator import (
    anthropic_wire,
    bedrock_wire,
    cohere_wire,
    gemini_wire,
    openai_wire,
    responses_wire,
)
from harness.emulator.answers import answers_for
from harness.emulator.casewatch import CaseWatch
from harness.emulator.common import (
    EMULATOR_HEADER,
    UNANSWERED_HEADER,
    UNANSWERED_MARK,
    Prompt,
    RenderContext,
    WireReply,
    json_reply,
)
from harness.emulator.scripts import Answer, Fault, ScriptSet
from harness.model import Case, sanitize_name

__all__ = [
    "ANSWER_HEADER",
    "ENDPOINTS",
    "REQUEST_LOG_SIZE",
    "UNANSWERED_HEADER",
    "Engine",
    "RequestRecord",
    "Route",
    "route",
]

REQUEST_LOG_SIZE = 5000
#: Response header of an answer made from the case (`expected`, `mistake: wrong_value`, …);
#: scripted answers carry none (the demo cassettes stay as they are).
ANSWER_HEADER = "x-fc-harness-emulator-answer"

_GEMINI = re.compile(
    r"^/(?:v1|v1alpha|v1beta|v1beta1)/(?:projects/[^/]+/locations/[^/]+/)?(?:publishers/[^/]+/)?"
    r"models/(?P<model>[^/:]+):(?P<method>generateContent|streamGenerateContent)$"
)
#: `/p/<provider-id>/…`: a base URL prefix naming the provider (for `by_provider` scripts).
_PROVIDER_PREFIX = re.compile(r"^/p/(?P<provider>[A-Za-z0-9._-]+)(?P<rest>/.*)$")
_BEDROCK = re.compile(r"^/model/(?P<model>[^/]+)/(?P<op>converse|converse-stream)$")

#: The endpoints served, for `fcharness emulator` and the root page.
ENDPOINTS: tuple[tuple[str, str], ...] = (
    (
        "openai-chat / openai-functions / mistral",
        "POST /v1/chat/completions (also /chat/completions, "
        "/openai/v1/…, /compatible-mode/v1/…, /api/paas/v4/…)",
    ),
    ("openai-responses", "POST /v1/responses (also /responses, /openai/v1/responses)"),
    ("anthropic", "POST /v1/messages"),
    (
        "gemini",
        "POST /v1beta/models/{model}:generateContent | :streamGenerateContent?alt=sse "
        "(Vertex: /v1beta1/projects/{p}/locations/{l}/publishers/google/models/{model}:…)",
    ),
    ("bedrock-converse", "POST /model/{modelId}/converse | /model/{modelId}/converse-stream"),
    ("cohere", "POST /v2/chat"),
)


@dataclass(frozen=True)
class Route:
    """Which wire module answers a request, as which kind, for which model."""

    wire: ModuleType
    kind: str
    model: str
    stream: bool
    provider: str | None = None
    """The provider id from a `/p/<provider-id>` base URL prefix, if any."""


@dataclass(frozen=True)
class RequestRecord:
    """One request the emulator received (for tests)."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: Any
    kind: str | None = None
    provider: str | None = None
    case_id: str | None = None
    turn: int | None = None
    status: int | None = None


def route(path: str, body: Mapping[str, Any], headers: Mapping[str, str]) -> Route | None:
    """Return the route for a POST path, or None when no endpoint matches."""
    if m := _PROVIDER_PREFIX.match(path):
        found = route(m["rest"], body, headers)
        return replace(found, provider=m["provider"]) if found is not None else None
    model = str(body.get("model") or "")
    stream = body.get("stream") is True
    if path.endswith("/chat/completions"):
        agent = headers.get("user-agent", "").lower()
        if "functions" in body and not body.get("tools"):
            kind = "openai-functions"
        elif "mistral" in model.lower() or "mistral-client" in agent:
            kind = "mistral"
        else:
            kind = "openai-chat"
        return Route(openai_wire, kind, model, stream)
    if path.endswith("/responses"):
        return Route(responses_wire, "openai-responses", model, stream)
    if path.endswith("/v1/messages"):
        return Route(anthropic_wire, "anthropic", model, stream)
    if path.endswith("/v2/chat"):
        return Route(cohere_wire, "cohere", model, stream)
    if m := _GEMINI.match(path):
        return Route(gemini_wire, "gemini", m["model"], m["method"] == "streamGenerateContent")
    if m := _BEDROCK.match(path):
        return Route(bedrock_wire, "bedrock-converse", unquote(m["model"]), m["op"] == "converse-stream")
    return None


def decode_body(raw: bytes, encoding: str) -> Any:
    """Decode a request body (gzip/deflate undone); raise ValueError when it is not JSON."""
    encoding = encoding.lower().strip()
    if encoding == "gzip":
        raw = gzip.decompress(raw)
    elif encoding == "deflate":
        raw = zlib.decompress(raw)
    if not raw:
        return {}
    return json.loads(raw.decode("utf-8"))


def _first_user_text(case: Case) -> str | None:
    return next((m.content for m in case.messages if m.role == "user" and m.content is not None), None)


def _norm(text: str | None) -> str:
    return " ".join((text or "").split())


def _offered_names(answer: Answer, offered: tuple[str, ...]) -> Answer:
    """Call a function by the name the request offered it under (`a.b` sent as `a_b`).

    Scripts use the case's names; a vendor that forbids dots sees sanitised names and a real
    model answers with those. A name offered neither way (a hallucination) is kept as written.
    """
    wire = {sanitize_name(n): n for n in offered}
    calls = tuple(
        replace(c, name=wire[sanitize_name(c.name)])
        if c.name not in offered and sanitize_name(c.name) in wire
        else c
        for c in answer.calls
    )
    return replace(answer, calls=calls) if calls != answer.calls else answer


class Engine:
    """Answers decoded requests from scripts (else from the cases, per `answer`); thread-safe.

    `answer` is what an unscripted case gets: `none` (a 404 naming the case), `expected` or
    `mistakes` (`harness.emulator.answers`). With a `watch`, the cases reload when their
    files change.
    """

    def __init__(
        self,
        scripts: ScriptSet,
        cases: Iterable[Case],
        *,
        answer: str = "none",
        watch: CaseWatch | None = None,
    ) -> None:
        self.scripts = scripts
        self.answer = answer
        self.watch = watch
        self._reload_lock = threading.Lock()
        self._set_cases(tuple(cases))
        self._lock = threading.Lock()
        self._local = threading.local()
        self._fault_counts: dict[tuple[str, str, str, str, int], int] = {}
        self.requests: deque[RequestRecord] = deque(maxlen=REQUEST_LOG_SIZE)
        """The most recent requests (a long-running emulator keeps the last few thousand)."""

    def _set_cases(self, cases: tuple[Case, ...]) -> None:
        by_text: dict[str, list[Case]] = {}
        for case in cases:
            by_text.setdefault(_norm(_first_user_text(case)), []).append(case)
        self.cases, self._by_text = cases, by_text

    def refresh(self) -> None:
        """Reload the cases if their files changed (with a watch)."""
        if self.watch is None:
            return
        with self._reload_lock:  # concurrent requests wait until the new cases are in place
            fresh = self.watch.poll()
            if fresh is not None:
                self._set_cases(tuple(fresh))

    def last_record(self) -> RequestRecord | None:
        """Return the record of the request this thread handled last."""
        return getattr(self._local, "record", None)

    def recorded(self) -> list[RequestRecord]:
        """Return a copy of the request log, oldest first."""
        with self._lock:
            return list(self.requests)

    def reset(self) -> None:
        """Forget fault counters and the request log."""
        with self._lock:
            self._fault_counts.clear()
            self.requests.clear()

    def _find_case(self, prompt: Prompt) -> Case | str:
        text = _norm(prompt.user_text)
        by_text = self._by_text
        candidates = by_text.get(text, [])
        if not candidates and text:
            # an adapter may fold the system prompt into the first user message: accept the
            # longest case prompt the request's text contains
            inside = [key for key in by_text if key and key in text]
            candidates = by_text[max(inside, key=len)] if inside else []
        if not candidates:
            shown = (prompt.user_text or "")[:120]
            return (
                f"{UNANSWERED_MARK} no loaded case has the first user message {shown!r} "
                f"({len(self.cases)} cases loaded); start the emulator with the case files"
            )
        if len(candidates) > 1:
            offered = {sanitize_name(n) for n in prompt.tool_names}
            narrowed = [c for c in candidates if {sanitize_name(t.name) for t in c.tools} == offered]
            scripted = [c for c in narrowed or candidates if self.scripts.get(c.id)]
            candidates = scripted or narrowed or candidates
        return candidates[0]

    def handle(self, method: str, path: str, query: str, headers: Mapping[str, str], raw: bytes) -> WireReply:
        """Answer one HTTP request; never raises for bad input (answers an error instead)."""
        headers = {k.lower(): v for k, v in headers.items()}
        try:
            body = decode_body(raw, headers.get("content-encoding", ""))
        except (ValueError, OSError, zlib.error) as exc:
            body = None
            decode_error: str | None = f"fc-harness emulator: the request body is not JSON ({exc})"
        else:
            decode_error = None
        reply, extra = self._answer(method, path, body, headers, decode_error)
        status, out_headers, payload = reply
        out_headers = {**out_headers, EMULATOR_HEADER: "1"}
        if extra.get("answer"):
            out_headers[ANSWER_HEADER] = extra["answer"]
        if extra.get("unanswered"):
            out_headers[UNANSWERED_HEADER] = "1"
        record = RequestRecord(
            method=method,
            path=path,
            query=query,
            headers=headers,
            body=body if body is not None else raw.decode("utf-8", "replace"),
            kind=extra.get("kind"),
            provider=extra.get("provider"),
            case_id=extra.get("case_id"),
            turn=extra.get("turn"),
            status=status,
        )
        self._local.record = record
        with self._lock:
            self.requests.append(record)
        return status, out_headers, payload

    def _answer(
        self, method: str, path: str, body: Any, headers: Mapping[str, str], decode_error: str | None
    ) -> tuple[WireReply, dict[str, Any]]:
        if method == "GET" and path in ("/", ""):
            listing = [{"kind": kind, "endpoint": ep} for kind, ep in ENDPOINTS]
            return json_reply(200, {"emulator": "fc-harness", "endpoints": listing}), {}
        found = route(path, body if isinstance(body, dict) else {}, headers) if method == "POST" else None
        if found is None:
            message = f"fc-harness emulator: no endpoint {method} {path}"
            return json_reply(404, {"error": {"message": message, "code": 404}}), {}
        extra: dict[str, Any] = {"kind": found.kind, "provider": found.provider}
        wire = found.wire
        if decode_error or not isinstance(body, dict):
            err = decode_error or "fc-harness emulator: the request body must be a JSON object"
            return wire.render_error(400, err, kind=found.kind), extra
        prompt = wire.extract_prompt(body)
        self.refresh()
        case = self._find_case(prompt)
        if isinstance(case, str):
            extra["unanswered"] = True
            return wire.render_error(404, case, kind=found.kind), extra
        extra["case_id"] = case.id
        prefix = sum(1 for m in case.messages if m.role == "assistant")
        turn = max(0, prompt.assistant_turns - prefix)
        extra["turn"] = turn
        script = self.scripts.get(case.id)
        if script is not None:
            turns, variant = script.turns_for(found.kind, found.model, found.provider)
        elif self.answer in ("expected", "mistakes"):
            key = f"{found.kind}\x00{found.model}\x00{found.provider or ''}"
            turns, label = answers_for(case, self.answer, key, one_call=found.kind == "openai-functions")
            variant = f"--answer {self.answer}"
            extra["answer"] = label
        else:
            extra["unanswered"] = True
            err = (
                f"{UNANSWERED_MARK} case {case.id!r} has no emulator script (start the emulator "
                "with `--answer expected` or `--answer mistakes` to answer unscripted cases)"
            )
            return wire.render_error(404, err, kind=found.kind), extra
        if turn >= len(turns):
            err = (
                f"fc-harness emulator: the script of case {case.id!r} ({variant}) has {len(turns)} "
                f"turn(s); this request is turn {turn + 1}"
            )
            return wire.render_error(404, err, kind=found.kind), extra
        answer = turns[turn]
        if answer.delay_ms:
            time.sleep(answer.delay_ms / 1000)
        ctx = RenderContext(case.id, turn, found.kind, found.model)
        answer = _offered_names(answer, prompt.tool_names)
        fault = self._fault(case.id, found, turn, answer)
        if fault is not None and fault.mid_stream and found.stream:
            return _broken_stream(
                wire.render(answer, body, stream=True, ctx=ctx), wire, fault, case.id
            ), extra
        if fault is not None:
            return _error_reply(wire, found.kind, fault, case.id), extra
        return wire.render(answer, body, stream=found.stream, ctx=ctx), extra

    def _fault(self, case_id: str, found: Route, turn: int, answer: Answer) -> Fault | None:
        """Return the fault to inject for this request, counting requests for `times`."""
        fault = answer.fault
        if fault is None:
            return None
        key = (case_id, found.provider or "", found.kind, found.model, turn)
        with self._lock:
            seen = self._fault_counts.get(key, 0)
            self._fault_counts[key] = seen + 1
        if fault.times is not None and seen >= fault.times:
            return None
        return fault


def _fault_message(fault: Fault, case_id: str) -> str:
    return fault.message or f"fc-harness emulator: scripted fault {fault.status} for case {case_id!r}"


def _error_reply(wire: ModuleType, kind: str, fault: Fault, case_id: str) -> WireReply:
    headers: dict[str, str] = {}
    if fault.retry_after is not None:
        ra = fault.retry_after
        headers["retry-after"] = str(int(ra)) if float(ra).is_integer() else str(ra)
    message = _fault_message(fault, case_id)
    reply: WireReply = wire.render_error(
        fault.status, message, kind=kind, err_type=fault.type, headers=headers
    )
    return reply


def _broken_stream(reply: WireReply, wire: ModuleType, fault: Fault, case_id: str) -> WireReply:
    """Keep the first event of a streamed answer, then end with the vendor's error event."""
    status, headers, payload = reply
    chunks = iter([payload]) if isinstance(payload, bytes) else payload
    first = next(chunks, b"")
    tail = wire.stream_error(fault.status, _fault_message(fault, case_id), err_type=fault.type)
    return status, headers, itertools.chain([first], tail)
