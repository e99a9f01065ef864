"""Where a cassette came from: its provenance header, its age, and stable re-recordings.

Every cassette recorded by fc-harness starts with a small `provenance:` mapping (before the
interactions; replay never looks at it for matching):

```yaml
version: 1
provenance:
  recorded_at: '2026-12-07T22:30:00Z'   # UTC, when this exchange was first recorded
  fc_harness: 0.1.0
  provider_id: openai-gpt-4o-mini
  kind: openai-chat
  model: gpt-4o-mini                    # the model the profile asked for
  model_reported: gpt-4o-mini-2024-07-18  # what the vendor said answered (null: not reported)
  sdk: {name: openai, version: 1.57.0}
  extra: {...}                          # optional, free-form (server build, model sha256, ...)
interactions: ...
```

`model_reported` is a list when the turns of a multi-turn case name different models.
`extra` comes from the adapter's optional `provenance_extra(profile) -> Mapping | None` and
from the profile's `options.provenance` table in `fcharness.toml`.

Re-recording keeps a file byte for byte when only volatile values differ
(`same_recording`): the provenance header (recorded_at included), each response's measured
`latency_ms` and the request's `user-agent` (an unpinned SDK changes it on every release).
So `recorded_at` says when the exchange was first seen as it is now.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from harness.cassettes.safe_yaml import load_yaml

__all__ = [
    "PROVENANCE_KEY",
    "SDK_DISTRIBUTIONS",
    "age_days",
    "build_header",
    "parse_recorded_at",
    "read_provenance",
    "reported_model",
    "same_recording",
    "sdk_info",
]

PROVENANCE_KEY = "provenance"

#: kind → the vendor SDK distribution the adapter sends through.
SDK_DISTRIBUTIONS: Mapping[str, str] = {
    "openai-chat": "openai",
    "openai-functions": "openai",
    "openai-responses": "openai",
    "anthropic": "anthropic",
    "gemini": "google-genai",
    "bedrock-converse": "boto3",
    "mistral": "mistralai",
    "cohere": "cohere",
}

#: How much of a file `read_provenance` reads looking for the header (it sits at the top).
_HEAD_BYTES = 16_384


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def sdk_info(kind: str) -> dict[str, str | None]:
    """`{name, version}` of the SDK a kind sends through (version None when not installed)."""
    name = SDK_DISTRIBUTIONS.get(kind)
    if name is None:
        return {"name": None, "version": None}
    return {"name": name, "version": _installed_version(name)}


@functools.cache
def _installed_version(distribution: str) -> str | None:
    """The installed version of `distribution` (looked up once per process: reading the
    package metadata costs milliseconds, and every recorded cassette names its SDK)."""
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


# --- the model the vendor reported ---------------------------------------------------------


def _model_in(obj: Any) -> str | None:
    """The model a decoded body or event names: `model`, Gemini's `modelVersion`, or nested in
    `message` (Anthropic's message_start) / `response` (OpenAI Responses' stream events)."""
    if not isinstance(obj, dict):
        return None
    for key in ("model", "modelVersion", "model_version"):
        value = obj.get(key)
        if isinstance(value, str) and value:
            return value
    for key in ("message", "response"):
        found = _model_in(obj.get(key))
        if found:
            return found
    return None


def _body_text(response: Mapping[str, Any]) -> str | None:
    body = (response.get("body") or {}).get("string")
    if isinstance(body, bytes):
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return body if isinstance(body, str) else None


def reported_model(response: Mapping[str, Any]) -> str | None:
    """The model named in one recorded response (vcrpy's response dict), or None."""
    from harness.cassettes.format import decode_sse, header

    text = _body_text(response)
    if not text:
        return None
    ctype = (header(response.get("headers") or {}, "content-type") or "").lower()
    if "text/event-stream" in ctype:
        for ev in decode_sse(text):
            found = _model_in(ev.get("data"))
            if found:
                return found
        return None
    try:
        return _model_in(json.loads(text))
    except ValueError:
        return None


def build_header(
    profile: Any, responses: Iterable[Mapping[str, Any]], extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The provenance header of a cassette just recorded for `profile` (a ProviderProfile)."""
    from harness import __version__

    models: list[str] = []
    for resp in responses:
        found = reported_model(resp)
        if found and found not in models:
            models.append(found)
    reported: str | list[str] | None = models[0] if len(models) == 1 else (models or None)
    header: dict[str, Any] = {
        "recorded_at": _now(),
        "fc_harness": __version__,
        "provider_id": profile.id,
        "kind": profile.kind,
        "model": profile.model,
        "model_reported": reported,
        "sdk": sdk_info(profile.kind),
    }
    if extra:
        header["extra"] = {str(k): v for k, v in extra.items()}
    return header


# --- reading and age -----------------------------------------------------------------------


def read_provenance(path: Path) -> dict[str, Any] | None:
    """The provenance header of the cassette at `path`, or None when it has none.

    Reads only the top of the file (the header precedes the interactions). Raises OSError
    when the file cannot be read, ValueError when the header is not valid YAML.
    """
    with open(path, "rb") as fh:
        head = fh.read(_HEAD_BYTES)
    text = head.decode("utf-8", "replace")
    start = text.find(f"\n{PROVENANCE_KEY}:")
    if start < 0 and not text.startswith(f"{PROVENANCE_KEY}:"):
        return None
    start = max(start, 0)
    end = text.find("\ninteractions:", start + 1)
    if end < 0:
        raise ValueError(f"provenance header longer than {_HEAD_BYTES} bytes or not followed by interactions")
    try:
        data = load_yaml(text[start:end])
    except yaml.YAMLError as exc:
        raise ValueError(f"provenance header is not valid YAML: {exc}") from None
    header = data.get(PROVENANCE_KEY) if isinstance(data, dict) else None
    if header is None:
        return None
    if not isinstance(header, dict):
        raise ValueError("'provenance' must be a mapping")
    return header


def parse_recorded_at(value: Any) -> datetime | None:
    """`recorded_at` as an aware UTC datetime, or None when absent or not an ISO timestamp."""
    if isinstance(value, datetime):  # YAML may already have decoded a timestamp
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def age_days(header: Mapping[str, Any] | None, now: datetime | None = None) -> float | None:
    """Days since `recorded_at` (None when the header has no valid date)."""
    when = parse_recorded_at((header or {}).get("recorded_at"))
    if when is None:
        return None
    now = now or datetime.now(timezone.utc)
    return (now - when).total_seconds() / 86400.0


# --- stable re-recordings --------------------------------------------------------------------


def _strip_volatile(data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    out = {k: v for k, v in data.items() if k != PROVENANCE_KEY}
    interactions = []
    for item in out.get("interactions") or ():
        if not isinstance(item, dict):
            interactions.append(item)
            continue
        req = dict(item.get("request") or {})
        headers = req.get("headers")
        if isinstance(headers, dict):
            req["headers"] = {k: v for k, v in headers.items() if str(k).lower() != "user-agent"}
        resp = item.get("response")
        if isinstance(resp, dict):
            resp = {k: v for k, v in resp.items() if k != "latency_ms"}
        interactions.append({**item, "request": req, "response": resp})
    out["interactions"] = interactions
    return out


def same_recording(old_text: str, new_text: str) -> bool:
    """Whether two cassette texts differ only in volatile values (header, latency, user-agent).

    A cassette without a provenance header is never the same as one with a header: the first
    re-recording after an upgrade adds it.
    """
    if old_text == new_text:
        return True
    try:
        old, new = load_yaml(old_text), load_yaml(new_text)
    except (ValueError, yaml.YAMLError):
        return False
    if not isinstance(old, dict) or not isinstance(new, dict):
        return False
    if (PROVENANCE_KEY in old) != (PROVENANCE_KEY in new):
        return False
    return bool(_strip_volatile(old) == _strip_volatile(new))
