"""The cassette file format: vcrpy's interactions, with bodies stored readable.

A vcrpy serializer (`serialize(dict) -> str`, `deserialize(str) -> dict`) registered as
`"fcharness"`. On disk each body is stored decoded so a cassette diff is reviewable:

- a JSON body (request or response) becomes `parsed_body:` (structured YAML, Unicode kept);
- a server-sent-events body becomes `events:` — one item per event, in order, with its
  `event:` name and its data: JSON data as one line of JSON under `json:` (a stream is many
  small JSON documents; one line per event mirrors the wire, keeps a diff line-per-event and
  loads about twice as fast as nested YAML), other data as text under `data:` (`[DONE]`);
  loading gives `{event, data}` items with `data` decoded, as `parse_stream` expects;
- Bedrock's binary event stream (`application/vnd.amazon.eventstream`) becomes `events:` —
  `{headers, payload}` items, re-encoded (with their CRCs) on load; when a frame cannot be
  re-encoded byte for byte the raw body is kept as `body_base64:` beside the readable events;
- a `provenance:` header (when the recorder gives one, `harness.cassettes.provenance`) is
  written after `version:` and before the interactions; loading keeps it, vcrpy ignores it;
- `content-length` is dropped and recomputed on load (bodies are re-encoded); response
  headers are stored sorted by name, so a re-recording does not reorder them.

Loading restores vcrpy's own shape (`body: {string: ...}`) so vcrpy replays it through the
SDK; the decoded form stays available on the response dict (`parsed_body` / `events`) so
the fast replay path hands it straight to the adapter's parser.
"""

from __future__ import annotations

import base64
import binascii
import json
import struct
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import yaml

from harness.cassettes.safe_yaml import load_yaml

try:  # libyaml when available
    from yaml import CSafeDumper as _Dumper
except ImportError:  # pragma: no cover
    from yaml import SafeDumper as _Dumper  # type: ignore[assignment]

__all__ = [
    "EVENTSTREAM",
    "decode_eventstream",
    "decode_sse",
    "deserialize",
    "encode_eventstream",
    "encode_sse",
    "header",
    "serialize",
]

EVENTSTREAM = "application/vnd.amazon.eventstream"
_NO_FOLD = 1 << 20  # never fold long strings: one SSE event stays on one line


class _CassetteDumper(_Dumper):
    """Safe dumper writing multi-line strings as literal blocks, and no anchors or aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        """Write shared values out in full: the cassette loader refuses anchors and aliases."""
        return True


def _str_representer(dumper: Any, data: str) -> yaml.Node:
    style = "|" if "\n" in data and not data.startswith(" ") else None
    node: yaml.Node = dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)
    return node


_CassetteDumper.add_representer(str, _str_representer)


def header(headers: Mapping[str, Any], name: str) -> str | None:
    """Return the first value of header `name` (case-insensitive) from vcrpy's header dict."""
    lname = name.lower()
    for key, value in headers.items():
        if key.lower() == lname:
            if isinstance(value, list):
                return str(value[0]) if value else None
            return str(value)
    return None


def _drop_header(headers: dict[str, Any], name: str) -> None:
    for key in [k for k in headers if k.lower() == name]:
        del headers[key]


# --- server-sent events -------------------------------------------------------------------


def decode_sse(text: str) -> list[dict[str, Any]]:
    """Split an SSE body into `{event, data}` items (data JSON-decoded when it is JSON)."""
    events: list[dict[str, Any]] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        name: str | None = None
        data_lines: list[str] = []
        extra: dict[str, str] = {}
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "event":
                name = value
            elif field == "data":
                data_lines.append(value)
            else:
                extra[field] = value
        if name is None and not data_lines and not extra:
            continue
        raw = "\n".join(data_lines)
        data: Any = raw
        try:
            decoded = json.loads(raw)
        except ValueError:
            pass
        else:
            if not isinstance(decoded, str):
                data = decoded
        item: dict[str, Any] = {"event": name, "data": data}
        if extra:
            item["fields"] = extra
        events.append(item)
    return events


def encode_sse(events: Sequence[Mapping[str, Any]]) -> str:
    """Inverse of `decode_sse`."""
    out: list[str] = []
    for ev in events:
        lines = [f"{k}: {v}" for k, v in (ev.get("fields") or {}).items()]
        if ev.get("event") is not None:
            lines.append(f"event: {ev['event']}")
        data = ev.get("data")
        text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        lines.extend(f"data: {part}" for part in text.split("\n"))
        out.append("\n".join(lines) + "\n\n")
    return "".join(out)


# --- AWS binary event stream ---------------------------------------------------------------

_STRING = 7


def _frames(raw: bytes) -> Iterator[tuple[bytes, bytes]]:
    pos = 0
    while pos < len(raw):
        if len(raw) - pos < 16:
            raise ValueError("truncated event-stream prelude")
        total, hlen, _crc = struct.unpack_from(">III", raw, pos)
        if total < 16 or pos + total > len(raw):
            raise ValueError("truncated event-stream frame")
        headers = raw[pos + 12 : pos + 12 + hlen]
        payload = raw[pos + 12 + hlen : pos + total - 4]
        yield headers, payload
        pos += total


def _decode_headers(raw: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    pos = 0
    while pos < len(raw):
        nlen = raw[pos]
        name = raw[pos + 1 : pos + 1 + nlen].decode("utf-8")
        pos += 1 + nlen
        htype = raw[pos]
        pos += 1
        if htype != _STRING:
            raise ValueError(f"event-stream header {name!r} has non-string type {htype}")
        (vlen,) = struct.unpack_from(">H", raw, pos)
        headers[name] = raw[pos + 2 : pos + 2 + vlen].decode("utf-8")
        pos += 2 + vlen
    return headers


def decode_eventstream(raw: bytes) -> list[dict[str, Any]]:
    """Decode an AWS event-stream body into `{headers, payload}` items (payload JSON-decoded)."""
    events: list[dict[str, Any]] = []
    for hraw, praw in _frames(raw):
        text = praw.decode("utf-8")
        try:
            payload: Any = json.loads(text) if text else ""
        except ValueError:
            payload = text
        events.append({"headers": _decode_headers(hraw), "payload": payload})
    return events


def _encode_frame(headers: Mapping[str, str], payload: Any) -> bytes:
    hbytes = b""
    for name, value in headers.items():
        n = name.encode("utf-8")
        v = str(value).encode("utf-8")
        hbytes += bytes([len(n)]) + n + bytes([_STRING]) + struct.pack(">H", len(v)) + v
    if isinstance(payload, str):
        pbytes = payload.encode("utf-8")
    else:
        pbytes = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    total = 16 + len(hbytes) + len(pbytes)
    prelude = struct.pack(">II", total, len(hbytes))
    prelude += struct.pack(">I", binascii.crc32(prelude) & 0xFFFFFFFF)
    body = prelude + hbytes + pbytes
    return body + struct.pack(">I", binascii.crc32(body) & 0xFFFFFFFF)


def encode_eventstream(events: Sequence[Mapping[str, Any]]) -> bytes:
    """Inverse of `decode_eventstream` (CRCs recomputed)."""
    return b"".join(_encode_frame(ev.get("headers") or {}, ev.get("payload", "")) for ev in events)


# --- bodies --------------------------------------------------------------------------------


def _as_text(body: Any) -> str | None:
    if isinstance(body, str):
        return body
    if isinstance(body, bytes):
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return None


def _try_json(text: str | None) -> tuple[bool, Any]:
    if not text or text[0] not in "{[":
        return False, None
    try:
        return True, json.loads(text)
    except ValueError:
        return False, None


def _pack_request(req: dict[str, Any]) -> dict[str, Any]:
    out = dict(req)
    ok, parsed = _try_json(_as_text(req.get("body")))
    if ok:
        del out["body"]
        out["parsed_body"] = parsed
    return out


def _pack_response(resp: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in resp.items() if k not in ("body", "parsed_body", "events")}
    headers = dict(resp.get("headers") or {})
    _drop_header(headers, "content-length")
    headers = dict(sorted(headers.items(), key=lambda kv: str(kv[0]).lower()))  # botocore's vary
    out["headers"] = headers
    body = (resp.get("body") or {}).get("string")
    ctype = (header(headers, "content-type") or "").lower()
    if EVENTSTREAM in ctype and isinstance(body, (bytes, str)):
        raw = body if isinstance(body, bytes) else body.encode("utf-8")
        try:
            events = decode_eventstream(raw)
        except (ValueError, UnicodeDecodeError, IndexError, struct.error):
            out["body_base64"] = base64.b64encode(raw).decode("ascii")
            return out
        out["events"] = events
        if encode_eventstream(events) != raw:
            out["body_base64"] = base64.b64encode(raw).decode("ascii")
        return out
    text = _as_text(body)
    if "text/event-stream" in ctype and text is not None:
        out["events"] = [_pack_event(ev) for ev in decode_sse(text)]
        return out
    ok, parsed = _try_json(text)
    if ok:
        out["parsed_body"] = parsed
    elif isinstance(body, bytes) and text is None:
        out["body_base64"] = base64.b64encode(body).decode("ascii")
    else:
        out["body"] = {"string": text if text is not None else body}
    return out


def _pack_event(ev: dict[str, Any]) -> dict[str, Any]:
    """One SSE event as stored: JSON data on one line under `json:`, other data as text."""
    data = ev.get("data")
    if isinstance(data, str):
        return ev
    packed = {k: v for k, v in ev.items() if k != "data"}
    packed["json"] = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return packed


def _unpack_event(ev: dict[str, Any]) -> dict[str, Any]:
    if "json" not in ev:
        return ev
    out = {k: v for k, v in ev.items() if k != "json"}
    out["data"] = json.loads(ev["json"])
    return out


def _unpack_request(req: dict[str, Any]) -> dict[str, Any]:
    if "parsed_body" in req:
        # canonical JSON (sorted keys, no spaces): the replay's stale check compares it as text
        body = json.dumps(req["parsed_body"], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return {"method": req["method"], "uri": req["uri"], "body": body, "headers": req.get("headers") or {}}
    return {
        "method": req["method"],
        "uri": req["uri"],
        "body": req.get("body"),
        "headers": req.get("headers") or {},
    }


def _unpack_response(resp: dict[str, Any]) -> dict[str, Any]:
    out = dict(resp)
    headers = dict(resp.get("headers") or {})
    ctype = (header(headers, "content-type") or "").lower()
    raw: bytes | str
    if "body_base64" in resp:
        raw = base64.b64decode(resp["body_base64"])
    elif "events" in resp and EVENTSTREAM in ctype:
        raw = encode_eventstream(resp["events"])
    elif "events" in resp:
        out["events"] = [_unpack_event(ev) for ev in resp["events"]]
        # the stored `json:` lines are already the wire's data lines: no re-encoding
        raw = encode_sse([{**ev, "data": ev["json"]} if "json" in ev else ev for ev in resp["events"]])
    elif "parsed_body" in resp:
        raw = json.dumps(resp["parsed_body"], ensure_ascii=False, separators=(",", ":"))
    else:
        raw = (resp.get("body") or {}).get("string") or ""
    size = len(raw.encode("utf-8")) if isinstance(raw, str) else len(raw)
    _drop_header(headers, "content-length")
    _drop_header(headers, "transfer-encoding")
    headers["content-length"] = [str(size)]
    out["headers"] = headers
    out["body"] = {"string": raw}
    return out


def serialize(cassette: dict[str, Any]) -> str:
    """Return the YAML text of vcrpy's cassette dict, bodies decoded and Unicode kept."""
    data = {k: v for k, v in cassette.items() if k not in ("interactions", "provenance")}
    if cassette.get("provenance"):  # the header goes before the interactions (read_provenance)
        data["provenance"] = cassette["provenance"]
    data["interactions"] = [
        {"request": _pack_request(i["request"]), "response": _pack_response(i["response"])}
        for i in cassette.get("interactions", ())
    ]
    return yaml.dump(
        data,
        Dumper=_CassetteDumper,
        allow_unicode=True,
        sort_keys=False,
        width=_NO_FOLD,
        default_flow_style=False,
    )


def deserialize(text: str) -> dict[str, Any]:
    """Inverse of `serialize`: vcrpy's cassette dict (plus the decoded bodies on responses)."""
    data = load_yaml(text)
    if not isinstance(data, dict) or not isinstance(data.get("interactions"), list):
        raise ValueError("not a cassette: expected a mapping with an 'interactions' list")
    data["interactions"] = [
        {"request": _unpack_request(i["request"]), "response": _unpack_response(i["response"])}
        for i in data["interactions"]
    ]
    return data
