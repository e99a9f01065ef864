"""Reading a cassette for the fast replay: no vcrpy, and a cache of what the YAML parsed to.

`load_interactions(path, cache)` returns the cassette's `Interaction`s exactly as vcrpy's
persister and the `fcharness` serializer would (the same `harness.cassettes.format.deserialize`
runs on a miss), so the fast replay imports no vcrpy and no SDK.

The cache (`InteractionCache`, like mypy's or pytest's) keeps, per cassette, the parsed
interactions as compact JSON under `<cache dir>/cassettes/<sha256 of the file's bytes>.json`
(each recorded request as the sha256 of its canonical JSON, which is all the stale check
compares; a mismatch reads the cassette itself to show the difference):
- keyed by content, so an edited, renamed or re-recorded cassette is simply a miss;
- versioned by the fc-harness version, the entry format and a fingerprint of the code that
  parses cassettes (`format.py`, `safe_yaml.py`, this file), so nothing parsed by other code
  is ever used; a generation's first write removes the folders of the others
  (`harness._io.prune_generations`: only `v<format>-<fingerprint>` folders, never through a
  link, never failing the run), so an upgrade does not leave the old entries behind (the
  folder is always safe to delete, and gitignored);
- JSON only (it cannot run code), read as untrusted input: bounded in size, its shape checked
  field by field; anything unexpected is a miss, and the entry is rewritten atomically;
- values JSON cannot hold exactly (a YAML date, a non-string key, bytes) are never cached:
  those cassettes are parsed every time.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness import __version__
from harness._io import CacheGeneration, InputLimitError
from harness.cassettes.layout import canonical_json, decoded_body
from harness.errors import CassetteError, json_type
from harness.providers.base import WireResponse

__all__ = [
    "CACHE_FORMAT",
    "Interaction",
    "InteractionCache",
    "cache_dir_for",
    "load_interactions",
    "request_digest",
]

#: Bumped when an entry's layout changes.
CACHE_FORMAT = 2
#: An entry larger than this is not read (a cassette this large is parsed instead).
MAX_ENTRY_BYTES = 64 << 20
#: `FCHARNESS_CACHE=off` disables the cache, any other value names its folder.
CACHE_ENV = "FCHARNESS_CACHE"
DEFAULT_CACHE_DIR = ".fcharness_cache"


class Interaction:
    """One recorded request/response pair, decoded (the request body lazily)."""

    __slots__ = ("_body", "_canonical", "_digest", "method", "response", "text", "uri")

    def __init__(
        self, method: str, uri: str, text: str | None, response: WireResponse, digest: str | None = None
    ) -> None:
        self.method = method
        self.uri = uri
        self.text = text
        """The request body as loaded (canonical JSON when it was stored as `parsed_body`); None
        when it came from the cache, which keeps only its `digest`."""
        self.response = response
        self._body: Any = _UNSET
        self._canonical: str | None = None
        self._digest = digest

    @property
    def body(self) -> Any:
        """The decoded JSON request body (not kept by the cache: parse the cassette for it)."""
        if self.text is None:
            raise ValueError("the request body of a cached interaction is not kept (only its digest)")
        if self._body is _UNSET:
            self._body = decoded_body(self.text)
        return self._body

    @property
    def canonical(self) -> str:
        """`canonical_json(body)`."""
        if self._canonical is None:
            self._canonical = canonical_json(self.body)
        return self._canonical

    @property
    def digest(self) -> str:
        """`request_digest(canonical)`: what the cache keeps of the request."""
        if self._digest is None:
            self._digest = request_digest(self.canonical)
        return self._digest

    def matches(self, canonical: str, digest: str | None = None) -> bool:
        """Whether this request's canonical JSON body is `canonical` (cheap when it is); `digest`
        is `request_digest(canonical)` when the caller has it."""
        if self.text is None:
            return self.digest == (digest or request_digest(canonical))
        return self.text == canonical or self.canonical == canonical


def request_digest(canonical: str) -> str:
    """The sha256 (hex) of a request's canonical JSON."""
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


_UNSET = object()


def _to_wire(resp: dict[str, Any], index: int) -> WireResponse:
    where = f"interaction {index}: response"
    if not isinstance(resp, dict):
        raise ValueError(f"{where} is {json_type(resp)}, not a mapping")
    headers = {k: (v[0] if isinstance(v, list) and v else v) for k, v in (resp.get("headers") or {}).items()}
    code = (resp.get("status") or {}).get("code") if isinstance(resp.get("status"), dict) else None
    if type(code) is not int or not 100 <= code <= 599:
        raise ValueError(f"{where}.status.code must be an HTTP status (an integer 100-599), got {code!r}")
    events = resp.get("events")
    if events is not None:
        if not isinstance(events, list):
            raise ValueError(f"{where}.events must be a list, got {json_type(events)}")
        return WireResponse(code, None, list(events), headers, resp.get("latency_ms"))
    if "parsed_body" in resp:
        body = resp["parsed_body"]
    else:
        raw = (resp.get("body") or {}).get("string") if isinstance(resp.get("body"), dict) else None
        if raw is None:
            raise ValueError(f"{where} has no body (parsed_body, body.string or events): truncated?")
        body = decoded_body(raw)
    if code < 300 and not isinstance(body, dict):
        raise ValueError(f"{where} body is {json_type(body)}, not a JSON object")
    return WireResponse(code, body, None, headers, resp.get("latency_ms"))


def _request_text(body: Any) -> str:
    """The request body as vcrpy's `Request` would hand it back, as text."""
    if isinstance(body, str):
        return body
    if isinstance(body, (bytes, bytearray)):
        return bytes(body).decode("utf-8", "replace")
    return str(body or "")


def _parse(path: Path, data: bytes) -> list[Interaction]:
    """What vcrpy's persister and the fcharness serializer read (same checks, same messages)."""
    import yaml  # on a miss only

    from harness.cassettes import format as _format

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _unreadable(path, exc, yaml) from None
    if not text.strip():
        raise FileNotFoundError(str(path))
    try:
        if not text.endswith("\n"):  # fcharness writes whole files (atomically), newline-terminated
            raise ValueError("the file does not end with a newline: truncated? re-record it")
        cassette = _format.deserialize(text)
        out = []
        for i, it in enumerate(cassette["interactions"]):
            req = it["request"]
            if not isinstance(req, dict):
                raise TypeError(f"interaction {i}: request is {json_type(req)}, not a mapping")
            body = _request_text(req.get("body"))
            out.append(Interaction(req["method"], req["uri"], body, _to_wire(it["response"], i)))
        return out
    except (ValueError, KeyError, TypeError, AttributeError, yaml.YAMLError) as exc:
        raise _unreadable(path, exc, yaml) from None


def _unreadable(path: Path, exc: Exception, yaml: Any) -> CassetteError:
    """A CassetteError naming the file, and the line where the parser has one."""
    if isinstance(exc, UnicodeDecodeError):
        return CassetteError(
            f"{path}: unreadable cassette: not UTF-8 text ({exc.reason} at byte {exc.start})"
        )
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        why = " ".join(str(exc.problem or exc).split())
        return CassetteError(f"{path}{line}: unreadable cassette: YAML syntax error: {why}")
    if isinstance(exc, InputLimitError):
        line = f":{exc.line}" if exc.line else ""
        return CassetteError(f"{path}{line}: unreadable cassette: {exc}")
    why = f"missing key {exc}" if isinstance(exc, KeyError) else " ".join(str(exc).split())
    return CassetteError(f"{path}: unreadable cassette: {why}")


def load_interactions(path: Path, cache: InteractionCache | None = None) -> list[Interaction]:
    """The interactions of the cassette at `path` (from `cache` when it holds them).

    Raises FileNotFoundError when there is none, CassetteError when it cannot be read.
    """
    try:
        data = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise FileNotFoundError(str(path)) from None
    except OSError as exc:
        raise CassetteError(f"{path}: unreadable cassette: {exc.strerror or exc}") from None
    if cache is None:
        return _parse(path, data)
    key = hashlib.sha256(data).hexdigest()
    found = cache.get(key)
    if found is not None:
        return found
    interactions = _parse(path, data)
    cache.put(key, interactions)
    return interactions


# --- the cache ------------------------------------------------------------------------------


def _fingerprint() -> str:
    """A hash of the code whose output the cache stores (editable installs change it)."""
    h = hashlib.sha256(f"{__version__}\0{CACHE_FORMAT}".encode())
    here = Path(__file__).parent
    for name in ("format.py", "safe_yaml.py", "replay.py"):
        try:
            h.update((here / name).read_bytes())
        except OSError:
            h.update(name.encode())
    return h.hexdigest()[:16]


def cache_dir_for(root: Path) -> Path | None:
    """The cache folder of a project rooted at `root` (None: disabled by `FCHARNESS_CACHE=off`)."""
    setting = os.environ.get(CACHE_ENV, "").strip()
    if setting.lower() in ("off", "0", "no", "false"):
        return None
    return Path(setting) if setting else root / DEFAULT_CACHE_DIR


def _entry(it: Interaction) -> list[Any]:
    r = it.response
    return [it.method, it.uri, it.digest, r.status, r.body, r.events, r.headers, r.latency_ms]


_DIGEST = re.compile(r"[0-9a-f]{64}")


def _is_str_map(v: Any) -> bool:
    return type(v) is dict and all(type(k) is str and type(x) is str for k, x in v.items())


def _from_entry(e: Any) -> Interaction | None:
    """An interaction from one cached entry, or None when its shape is not what `_entry` writes."""
    if type(e) is not list or len(e) != 8:
        return None
    method, uri, digest, status, body, events, headers, latency = e
    if not (type(method) is str and type(uri) is str and type(digest) is str and type(status) is int):
        return None
    if not _DIGEST.fullmatch(digest):
        return None
    if not 100 <= status <= 599:
        return None
    if events is not None and (type(events) is not list or body is not None):
        return None
    if events is None and status < 300 and type(body) is not dict:  # what `_to_wire` refuses
        return None
    if not _is_str_map(headers) or (latency is not None and type(latency) not in (int, float)):
        return None
    return Interaction(method, uri, None, WireResponse(status, body, events, headers, latency), digest)


class InteractionCache(CacheGeneration):
    """Parsed cassettes keyed by the sha256 of their bytes, as JSON files under `folder`."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder / "cassettes" / f"v{CACHE_FORMAT}-{_fingerprint()}")

    def get(self, key: str) -> list[Interaction] | None:
        """The cached interactions for `key`, or None (missing, too large or malformed)."""
        raw = self.read(key, MAX_ENTRY_BYTES)
        if raw is None:
            return None
        try:
            doc = json.loads(raw)
        except (ValueError, RecursionError):
            return None
        if type(doc) is not dict or doc.get("key") != key or type(doc.get("interactions")) is not list:
            return None
        out = []
        for e in doc["interactions"]:
            it = _from_entry(e)
            if it is None:
                return None
            out.append(it)
        return out

    def put(self, key: str, interactions: Sequence[Interaction]) -> None:
        """Store the interactions when JSON holds them exactly; never fails the run."""
        if not self.writable:
            return
        entries = [_entry(it) for it in interactions]
        if any(_from_entry(e) is None for e in entries):  # e.g. a header that is not text
            return
        try:
            doc = {"key": key, "interactions": entries}
            text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
            if json.loads(text)["interactions"] != entries:  # a date, an int key, a tuple...
                return
        except (TypeError, ValueError, RecursionError):
            return
        self.write(key, text)
