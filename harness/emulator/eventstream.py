"""Encoder for AWS's binary event stream (`application/vnd.amazon.eventstream`).

One message is:

```
[total length u32][headers length u32][prelude CRC32 u32]   ← prelude, CRC over its 8 bytes
[headers: name length u8, name, value type u8 (7 = string), value length u16, value]...
[payload bytes]
[message CRC32 u32]                                          ← CRC over everything before it
```

All integers are big-endian. botocore's `EventStreamBuffer` decodes what this produces
(tests/test_emulator_bedrock.py checks the round trip).
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Mapping
from typing import Any

__all__ = ["encode_event", "encode_exception", "encode_message"]

_STRING = 7


def _header(name: str, value: str) -> bytes:
    key = name.encode("utf-8")
    val = value.encode("utf-8")
    if len(key) > 255 or len(val) > 0xFFFF:
        raise ValueError(f"event stream header too long: {name!r}")
    return struct.pack(">B", len(key)) + key + struct.pack(">BH", _STRING, len(val)) + val


def encode_message(headers: Mapping[str, str], payload: bytes) -> bytes:
    """Encode one event stream message with string headers and a raw payload."""
    head = b"".join(_header(k, v) for k, v in headers.items())
    total = 12 + len(head) + len(payload) + 4
    prelude = struct.pack(">II", total, len(head))
    prelude += struct.pack(">I", zlib.crc32(prelude) & 0xFFFFFFFF)
    body = prelude + head + payload
    return body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def encode_event(event_type: str, payload: Any) -> bytes:
    """Encode one `event` message whose payload is JSON."""
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = {":event-type": event_type, ":content-type": "application/json", ":message-type": "event"}
    return encode_message(headers, data)


def encode_exception(exception_type: str, message: str) -> bytes:
    """Encode one `exception` message (e.g. `throttlingException`) as Bedrock sends mid-stream."""
    data = json.dumps({"message": message}, ensure_ascii=False).encode("utf-8")
    headers = {
        ":exception-type": exception_type,
        ":content-type": "application/json",
        ":message-type": "exception",
    }
    return encode_message(headers, data)
