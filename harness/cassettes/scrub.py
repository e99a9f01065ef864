"""What never reaches a cassette: the scrubbing rules and hooks (DESIGN.md §6).

Before anything is written, vcrpy drops `SCRUB_HEADERS` and `SCRUB_QUERY_PARAMETERS`
(`filter_headers` / `filter_query_parameters`), then `Scrubber` keeps only the allowlisted
headers and replaces every occurrence of the actual key values (URL, headers, bodies, in
requests and responses) by `<redacted>`. A kept `user-agent` is made stable
(`stable_user_agent`): botocore lists its feature ids (`m/b,E,e,Z,N`) in set order, which
changes from one Python process to the next, so re-recording would rewrite every Bedrock
cassette for nothing. Host-specific parts are dropped too: the kernel release botocore puts
after `os/linux#`, and the Python patch level and build (`lang/python#3.11.7`,
`gl-python/3.11.7` keep `3.11`); the SDK's own name and version stay (and are recorded in the
cassette's provenance header anyway).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

__all__ = [
    "KEEP_REQUEST_HEADERS",
    "KEEP_RESPONSE_HEADERS",
    "REDACTED",
    "SCRUB_HEADERS",
    "SCRUB_QUERY_PARAMETERS",
    "Scrubber",
    "stable_user_agent",
]

REDACTED = "<redacted>"

#: Request headers dropped before a cassette is written (compared case-insensitively).
SCRUB_HEADERS: tuple[str, ...] = (
    "authorization",
    "proxy-authorization",
    "x-api-key",
    "api-key",
    "x-goog-api-key",
    "x-goog-user-project",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
    "x-amz-user-agent",
    "amz-sdk-invocation-id",
    "openai-organization",
    "openai-project",
    "anthropic-organization-id",
    "cookie",
)

#: Query parameters dropped before a cassette is written.
SCRUB_QUERY_PARAMETERS: tuple[str, ...] = (
    "key",
    "api_key",
    "apikey",
    "api-key",
    "access_token",
    "token",
    "x-amz-security-token",
    "x-amz-signature",
    "x-amz-credential",
)

#: Headers kept in a cassette; every other header is dropped before anything is written.
#: Matching never looks at headers, so an allowlist keeps secrets and per-request noise (SDK
#: telemetry, dates, connection handling) out, keeps diffs small and makes replay cheaper.
KEEP_REQUEST_HEADERS = frozenset(
    {"content-type", "user-agent", "anthropic-version", "anthropic-beta", "openai-beta", "x-amz-target"}
)
KEEP_RESPONSE_HEADERS = frozenset(
    {"content-type", "retry-after", "x-request-id", "request-id", "x-amzn-requestid"}
)


_FEATURE_LIST = re.compile(r"(?<![^ ])m/([^ ]+)")


_OS_RELEASE = re.compile(r"(?<![^ ])(os/[A-Za-z0-9_.-]+)#[^ ]*")
_PYTHON_VERSION = re.compile(r"(?<![^ ])((?:lang/python#|gl-python/|Python/|python/)\d+\.\d+)[^ ]*")


def stable_user_agent(value: str) -> str:
    """Return `value` without host-specific parts and with botocore's `m/` list sorted.

    The kernel release (`os/linux#6.8.0-1019-gcp` → `os/linux`) and the Python patch level
    and build (`lang/python#3.11.7` → `lang/python#3.11`) are dropped; botocore's feature-id
    list (`m/E,N,Z,b,e`) is sorted, its order being a set's.
    """
    value = _OS_RELEASE.sub(r"\1", value)
    value = _PYTHON_VERSION.sub(r"\1", value)
    return _FEATURE_LIST.sub(lambda m: "m/" + ",".join(sorted(m.group(1).split(","))), value)


class Scrubber:
    """Replaces the actual secret values everywhere in a request or response."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def _text(self, value: Any) -> Any:
        if isinstance(value, str):
            for s in self.secrets:
                value = value.replace(s, REDACTED)
        elif isinstance(value, bytes):
            for s in self.secrets:
                value = value.replace(s.encode("utf-8"), REDACTED.encode("utf-8"))
        return value

    def request(self, request: Any) -> Any:
        """before_record_request hook."""
        request.uri = self._text(request.uri)
        if request.body is not None:
            request.body = self._text(request.body)
        for name in list(request.headers):
            if name.lower() not in KEEP_REQUEST_HEADERS:
                del request.headers[name]
                continue
            value = request.headers[name]
            if isinstance(value, bytes):  # botocore sends bytes: store text, not !!binary
                value = value.decode("utf-8", "replace")
            if name.lower() == "user-agent" and isinstance(value, str):
                value = stable_user_agent(value)
            request.headers[name] = self._text(value)
        return request

    def response(self, response: dict[str, Any]) -> dict[str, Any]:
        """before_record_response hook."""
        headers = response.get("headers") or {}
        response["headers"] = {
            k: [self._text(v) for v in (vs if isinstance(vs, list) else [vs])]
            for k, vs in headers.items()
            if k.lower() in KEEP_RESPONSE_HEADERS
        }
        body = response.get("body") or {}
        if "string" in body:
            body["string"] = self._text(body["string"])
        return response
