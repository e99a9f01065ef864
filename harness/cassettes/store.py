"""Cassettes: vcrpy configured for fc-harness (DESIGN.md §6).

- Layout: `cassettes/<provider-id>/<case-id>.yaml`, trial k ≥ 2 in `<case-id>@k.yaml`; the path
  is derived safely (`cassette_path` refuses ids that could leave the folder).
- Record modes as vcrpy names them (`RecordMode`): `none` replays only (default of `run` and
  CI), `once`, `new_episodes`, `all` (default of `record`; re-recording replaces the file).
- Scrubbing happens before anything is written: auth, AWS-signature, organisation/project
  and cookie headers are dropped (only an allowlist of harmless headers is kept at all), key
  query parameters too, and every occurrence of the actual key values (URL, bodies, kept
  headers) becomes `<redacted>`.
- Requests match on method, host, path and the canonical JSON body (`canonical_json`).
- Files go through `AtomicPersister` (a run killed mid-way leaves no truncated cassette)
  and the `fcharness` serializer (`harness.cassettes.format`: readable YAML bodies).

vcrpy patches HTTP libraries globally, so concurrent cases cannot each enter
`use_cassette`; `CassetteRouter` patches once and routes each thread's requests to the
cassette that thread opened.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import vcr
import yaml
from vcr.cassette import Cassette
from vcr.patch import CassettePatcherBuilder
from vcr.persisters.filesystem import CassetteDecodeError, CassetteNotFoundError, FilesystemPersister
from vcr.serialize import deserialize as _vcr_deserialize
from vcr.serialize import serialize as _vcr_serialize

from harness._io import atomic_write_text
from harness.cassettes import format as _cassette_format
from harness.cassettes.layout import (
    RecordMode,
    canonical_json,
    coerce_record_mode,
    decoded_body,
)
from harness.cassettes.provenance import PROVENANCE_KEY, same_recording
from harness.cassettes.replay import Interaction
from harness.cassettes.replay import load_interactions as _load_interactions
from harness.cassettes.scrub import (
    KEEP_REQUEST_HEADERS,
    KEEP_RESPONSE_HEADERS,
    REDACTED,
    SCRUB_HEADERS,
    SCRUB_QUERY_PARAMETERS,
    Scrubber,
)
from harness.errors import CassetteError

__all__ = [
    "KEEP_REQUEST_HEADERS",
    "KEEP_RESPONSE_HEADERS",
    "REDACTED",
    "SCRUB_HEADERS",
    "SCRUB_QUERY_PARAMETERS",
    "AtomicPersister",
    "CassetteRouter",
    "Interaction",
    "load_interactions",
    "make_vcr",
]


def body_matcher(r1: Any, r2: Any) -> None:
    """vcrpy matcher: the canonical JSON bodies are equal (raise AssertionError otherwise)."""
    a, b = decoded_body(r1.body), decoded_body(r2.body)
    if canonical_json(a) != canonical_json(b):
        raise AssertionError("the canonical JSON bodies differ")


class AtomicPersister(FilesystemPersister):  # type: ignore[misc]  # vcrpy ships no types
    """vcrpy's filesystem persister, reading and writing UTF-8 whatever the locale, and writing
    through a temporary file and a rename."""

    @classmethod
    def load_cassette(cls, cassette_path: Any, serializer: Any) -> Any:
        """vcrpy's `load_cassette`, decoding the file as UTF-8 (vcrpy uses the locale's encoding)."""
        path = Path(cassette_path)
        if not path.is_file():
            raise CassetteNotFoundError()
        try:
            data = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            raise CassetteDecodeError("not UTF-8 text") from err
        if not data.strip():
            raise CassetteNotFoundError()
        # Any other problem is a CassetteDecodeError caused by the parser's error: recording
        # (vcrpy) then treats the file as empty and overwrites it; replay reports the cause.
        try:
            if not data.endswith("\n"):  # fcharness writes whole files (atomically), newline-terminated
                raise ValueError("the file does not end with a newline: truncated? re-record it")
            return _vcr_deserialize(data, serializer)
        except (ValueError, KeyError, TypeError, AttributeError, yaml.YAMLError) as err:
            raise CassetteDecodeError(str(err)) from err

    @staticmethod
    def save_cassette(cassette_path: Any, cassette_dict: Any, serializer: Any) -> None:
        """Serialize and write atomically: a killed run never leaves a truncated cassette.

        A file whose exchange is unchanged (only the provenance header, latencies or the
        user-agent differ: `same_recording`) is left as it is, byte for byte.
        """
        text = _vcr_serialize(cassette_dict, serializer)
        path = Path(cassette_path)
        try:
            old = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            old = None
        if old is not None and same_recording(old, text):
            return
        atomic_write_text(path, text)


class _WithHeader:
    """The fcharness serializer, adding the provenance header `header(data)` when saving."""

    def __init__(self, header: Callable[[list[dict[str, Any]]], dict[str, Any]]) -> None:
        self.header = header

    def serialize(self, data: dict[str, Any]) -> str:
        responses = [i["response"] for i in data.get("interactions", ())]
        return _cassette_format.serialize({**data, PROVENANCE_KEY: self.header(responses)})

    @staticmethod
    def deserialize(text: str) -> dict[str, Any]:
        return _cassette_format.deserialize(text)


class _HeaderPersister:
    """`AtomicPersister` for one cassette, saving it with a provenance header."""

    def __init__(self, header: Callable[[list[dict[str, Any]]], dict[str, Any]]) -> None:
        self.serializer = _WithHeader(header)

    def load_cassette(self, cassette_path: Any, serializer: Any) -> Any:
        return AtomicPersister.load_cassette(cassette_path, serializer)

    def save_cassette(self, cassette_path: Any, cassette_dict: Any, serializer: Any) -> None:
        AtomicPersister.save_cassette(cassette_path, cassette_dict, self.serializer)


def make_vcr(record_mode: RecordMode | str = RecordMode.NONE, secrets: Iterable[str] = ()) -> vcr.VCR:
    """Return a VCR configured for fc-harness (serializer, matcher, persister, scrubbing)."""
    mode = coerce_record_mode(record_mode)
    scrubber = Scrubber(secrets)
    v = vcr.VCR(
        serializer="fcharness",
        record_mode=mode.value,
        match_on=("method", "host", "path", "fcharness_body"),
        filter_headers=SCRUB_HEADERS,
        filter_query_parameters=SCRUB_QUERY_PARAMETERS,
        before_record_request=scrubber.request,
        before_record_response=scrubber.response,
        decode_compressed_response=True,
        drop_unused_requests=mode is RecordMode.ALL,
    )
    v.register_serializer("fcharness", _cassette_format)
    v.register_matcher("fcharness_body", body_matcher)
    v.register_persister(AtomicPersister)
    return v


class _RouterState(threading.local):
    cassette: Cassette | None = None


class CassetteRouter:
    """Patches HTTP libraries once and routes each thread's traffic to its own cassette."""

    def __init__(self, vcr_config: vcr.VCR) -> None:
        self.vcr = vcr_config
        self._state = _RouterState()
        self.custom_patches: tuple[Any, ...] = ()
        self.skip_patchers: tuple[Any, ...] = ()

    @property
    def _path(self) -> str:
        cassette = self._state.cassette
        return str(cassette._path) if cassette is not None else "<fcharness cassette router>"

    def __len__(self) -> int:
        cassette = self._state.cassette
        return len(cassette) if cassette is not None else 0

    def can_play_response_for(self, request: Any) -> bool:
        """vcrpy's answer; in record mode `all` it is always no, so the request is not first
        copied, scrubbed and matched against the cassette (one of three copies per send)."""
        cassette = self._state.cassette
        if cassette is not None and cassette.record_mode == "all":
            return False
        return bool(self.__getattr__("can_play_response_for")(request))

    def __getattr__(self, name: str) -> Any:
        cassette = self._state.cassette
        if cassette is None:
            raise CassetteError(f"an HTTP request was made outside any case cassette (wanted {name!r})")
        return getattr(cassette, name)

    @contextlib.contextmanager
    def patched(self) -> Iterator[CassetteRouter]:
        """Install vcrpy's HTTP patches (once per run), routed through this object."""
        with contextlib.ExitStack() as stack:
            for patcher in CassettePatcherBuilder(self).build():
                stack.enter_context(patcher)
            yield self

    @contextlib.contextmanager
    def use(
        self, path: Path, header: Callable[[list[dict[str, Any]]], dict[str, Any]] | None = None
    ) -> Iterator[Cassette]:
        """Open the cassette at `path` for the calling thread; save it (atomically) on exit.

        `header(responses)`, when given, returns the provenance header written with it
        (`harness.cassettes.provenance.build_header`).
        """
        config = self.vcr.get_merged_config(path=str(path))
        for key in ("path_transformer", "func_path_generator", "record_on_exception"):
            config.pop(key, None)
        if header is not None:
            config["persister"] = _HeaderPersister(header)
        cassette = Cassette.load(**config)
        self._state.cassette = cassette
        try:
            yield cassette
        finally:
            self._state.cassette = None
            cassette._save()


# --- loading for the fast replay path: `harness.cassettes.replay` (no vcrpy) ------------------


def load_interactions(path: Path) -> list[Interaction]:
    """The cassette's interactions, as vcrpy's persister and the fcharness serializer read them.

    Raises FileNotFoundError when there is none, CassetteError (naming the file, and the line
    where the YAML parser has one) when it cannot be read or is malformed.
    """
    return _load_interactions(path)
