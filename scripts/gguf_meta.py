"""Read the key/value metadata of a GGUF model file (stdlib only; used by scripts/local_models.sh).

    python scripts/gguf_meta.py MODEL.gguf                 # print every scalar key = value
    python scripts/gguf_meta.py MODEL.gguf KEY             # print one value (exit 1 if absent)
    python scripts/gguf_meta.py MODEL.gguf --expect general.name REGEX
                                                           # exit 1 unless the value matches

Only the header is read (no tensor data). Format: GGUF v2/v3, little-endian
(https://github.com/ggml-org/ggml/blob/master/docs/gguf.md).
"""

from __future__ import annotations

import re
import struct
import sys
from typing import BinaryIO

_SCALARS = {
    0: "<B",
    1: "<b",
    2: "<H",
    3: "<h",
    4: "<I",
    5: "<i",
    6: "<f",
    7: "<?",
    10: "<Q",
    11: "<q",
    12: "<d",
}
_STRING, _ARRAY = 8, 9
_MAX_STRING = 64 * 1024 * 1024


class GGUFError(Exception):
    pass


def _read(f: BinaryIO, n: int) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise GGUFError("truncated GGUF header")
    return data


def _string(f: BinaryIO) -> str:
    (n,) = struct.unpack("<Q", _read(f, 8))
    if n > _MAX_STRING:
        raise GGUFError(f"implausible string length {n}")
    return _read(f, n).decode("utf-8", errors="replace")


def _value(f: BinaryIO, vtype: int) -> object:
    if vtype in _SCALARS:
        fmt = _SCALARS[vtype]
        return struct.unpack(fmt, _read(f, struct.calcsize(fmt)))[0]
    if vtype == _STRING:
        return _string(f)
    if vtype == _ARRAY:
        (etype,) = struct.unpack("<I", _read(f, 4))
        (count,) = struct.unpack("<Q", _read(f, 8))
        items = [_value(f, etype) for _ in range(count)]
        return items
    raise GGUFError(f"unknown GGUF value type {vtype}")


def read_metadata(path: str) -> dict[str, object]:
    with open(path, "rb") as f:
        if _read(f, 4) != b"GGUF":
            raise GGUFError("not a GGUF file (bad magic)")
        (version,) = struct.unpack("<I", _read(f, 4))
        if version not in (2, 3):
            raise GGUFError(f"unsupported GGUF version {version}")
        _tensors, n_kv = struct.unpack("<QQ", _read(f, 16))
        meta: dict[str, object] = {"GGUF.version": version}
        for _ in range(n_kv):
            key = _string(f)
            (vtype,) = struct.unpack("<I", _read(f, 4))
            meta[key] = _value(f, vtype)
        return meta


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        meta = read_metadata(argv[0])
    except (OSError, GGUFError) as exc:
        print(f"{argv[0]}: {exc}", file=sys.stderr)
        return 1
    if len(argv) == 4 and argv[1] == "--expect":
        value = str(meta.get(argv[2], ""))
        if re.search(argv[3], value, re.IGNORECASE) is None:
            print(f"{argv[0]}: {argv[2]} is {value!r}, expected /{argv[3]}/", file=sys.stderr)
            return 1
        print(f"{argv[0]}: {argv[2]} = {value!r}")
        return 0
    if len(argv) == 2:
        if argv[1] not in meta:
            print(f"{argv[0]}: no key {argv[1]!r}", file=sys.stderr)
            return 1
        print(meta[argv[1]])
        return 0
    for key, value in meta.items():
        if isinstance(value, list):
            value = f"[{len(value)} items]"
        elif isinstance(value, str) and len(value) > 120:
            value = value[:117] + "..."
        print(f"{key} = {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
