"""Atomic file writes (a reader never sees a half-written file) and bounded reads of untrusted input."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

__all__ = [
    "MAX_DEPTH",
    "MAX_INT_DIGITS",
    "MAX_YAML_CHARS",
    "REDACTED",
    "AtomicText",
    "CacheGeneration",
    "InputLimitError",
    "RedactingStream",
    "atomic_write_bytes",
    "atomic_write_text",
    "atomic_writer",
    "check_depth",
    "check_int_length",
    "check_yaml_text",
    "checked_int",
    "loads_json",
    "may_alias",
    "prune_generations",
    "read_at_most",
    "redact",
    "redact_bytes",
    "register_secrets",
    "too_deep",
]


def atomic_write_bytes(path: str | Path, data: bytes, *, durable: bool = True) -> None:
    """Write `data` to `path` via a temporary file in the same folder and an atomic rename.

    Registered secrets (`register_secrets`) are replaced by `<redacted>` first. `durable=False`
    skips the fsync: for caches, whose readers treat a torn file as a miss.
    """
    data = redact_bytes(data)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        # mkstemp creates the file 0600; give it the mode a plain open() would (0666 & ~umask).
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | Path, text: str, *, durable: bool = True) -> None:
    """Write `text` as UTF-8 to `path` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"), durable=durable)


class AtomicText:
    """The text file an `atomic_writer` block writes: `write(chunk)` redacts the chunk first.

    A chunk is redacted on its own, so callers write whole rendered units (a row, a section):
    a secret split across two writes would not be found.
    """

    def __init__(self, fh: TextIO) -> None:
        self._fh = fh

    def write(self, chunk: str) -> int:
        """Write `chunk`, registered secrets replaced by `<redacted>`."""
        self._fh.write(redact(chunk) if _SECRETS else chunk)
        return len(chunk)


@contextlib.contextmanager
def atomic_writer(
    path: str | Path,
    *,
    encoding: str = "utf-8",
    temp_dir: str | Path | None = None,
    durable: bool = True,
) -> Iterator[AtomicText]:
    """Write a text file piece by piece, atomically: `with atomic_writer(p) as out: out.write(...)`.

    The text goes to a temporary file in `temp_dir` (default: the target's folder; it must be
    on the same file system) and is renamed onto `path` when the block ends without an
    exception; on an exception the temporary file is removed and `path` is left as it was.
    No newline translation: the file holds exactly the characters written (`encoding`, e.g.
    "utf-8-sig" for spreadsheets), every chunk secret-redacted (`AtomicText.write`).
    """
    target = Path(path)
    folder = Path(temp_dir) if temp_dir is not None else target.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "w", encoding=encoding, newline="") as fh:
            yield AtomicText(fh)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


# --- secrets: the values of configured API keys never reach a file or the terminal ----------

REDACTED = "<redacted>"
_SECRETS: list[str] = []
_LOCK = threading.Lock()


def read_at_most(path: str | Path, limit: int) -> bytes | None:
    """The bytes of the file `path`, or None when it holds more than `limit` bytes.

    Reads what the file holds rather than `limit + 1` bytes: a read of that size allocates the
    whole buffer first (64 MiB per cache entry, once per cassette, in every worker thread).
    OSError propagates.
    """
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size > limit:
            return None
        raw = f.read(size + 1)  # + 1: a file that grew meanwhile is read on, up to the limit
        if len(raw) > size:
            raw += f.read(limit + 1 - len(raw))
    return raw if len(raw) <= limit else None


def register_secrets(values: Iterable[str]) -> None:
    """Add secret values (API keys) to redact from every file written and every line printed.

    Values shorter than 8 characters are ignored (they would redact ordinary words).
    """
    with _LOCK:
        fresh = {v for v in values if isinstance(v, str) and len(v) >= 8} - set(_SECRETS)
        if fresh:
            _SECRETS[:] = sorted({*_SECRETS, *fresh}, key=len, reverse=True)


def redact(text: str) -> str:
    """`text` with every registered secret replaced by `<redacted>`."""
    for secret in _SECRETS:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def redact_bytes(data: bytes) -> bytes:
    """`redact` for UTF-8 bytes."""
    for secret in _SECRETS:
        raw = secret.encode("utf-8")
        if raw in data:
            data = data.replace(raw, REDACTED.encode("utf-8"))
    return data


class RedactingStream:
    """A text stream (stdout, stderr) that redacts registered secrets from what is written."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        """Write `text`, secrets redacted."""
        self._stream.write(redact(text) if _SECRETS else text)
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        """Write each line, secrets redacted."""
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


# --- bounded reading of untrusted input ----------------------------------------------------
# Case files, cassettes, outputs, baselines and results come from pull requests (DESIGN.md §10).

#: Deepest nesting of lists and mappings accepted in any input (tool schemas need ~10).
MAX_DEPTH = 100
#: Most digits in an integer (Python itself refuses to convert more than 4300).
MAX_INT_DIGITS = 1000
#: Largest YAML document (characters) read as a case file or a cassette.
MAX_YAML_CHARS = 32 * 1024 * 1024


class InputLimitError(ValueError):
    """An input is over one of the limits above, or uses YAML anchors; carries the line if known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def too_deep(line: int | None = None) -> InputLimitError:
    """The error for nesting deeper than MAX_DEPTH."""
    return InputLimitError(f"nested more than {MAX_DEPTH} levels deep (lists and mappings)", line)


def checked_int(text: str, line: int | None = None) -> int:
    """`int(text, 10)`, refusing more than MAX_INT_DIGITS digits with InputLimitError."""
    check_int_length(text, line)
    return int(text, 10)


def check_int_length(digits: str, line: int | None = None) -> None:
    """Refuse the text of an integer with more than MAX_INT_DIGITS digits (InputLimitError)."""
    if len(digits) > MAX_INT_DIGITS + 1 and len(digits.lstrip("+-")) > MAX_INT_DIGITS:
        n = len(digits.lstrip("+-"))
        raise InputLimitError(f"an integer of {n} digits (at most {MAX_INT_DIGITS})", line)


def check_yaml_text(text: str) -> None:
    """Refuse, before parsing, a YAML document over MAX_YAML_CHARS or one with anchors/aliases.

    Neither case files nor cassettes need anchors (`&a`) or aliases (`*a`); refusing them rules
    out "billion laughs" documents that expand to gigabytes. Depth is bounded by the loaders.
    """
    if len(text) > MAX_YAML_CHARS:
        raise InputLimitError(f"the document is {len(text)} characters long (at most {MAX_YAML_CHARS})")
    if may_alias(text):
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        try:
            for event in yaml.parse(text, Loader=loader):
                if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                    raise InputLimitError(
                        "YAML anchors and aliases (&name, *name) are not allowed: case files and "
                        "cassettes never need them, and aliases can expand a small file into gigabytes",
                        event.start_mark.line + 1 if event.start_mark else None,
                    )
        except yaml.YAMLError:
            return  # a syntax error: the loader reports it with its line


# Where an anchor (`&name`) or alias (`*name`) token may start: libyaml starts a token at the
# start of the text, after white space, after a flow indicator or `:` (a flow mapping's
# JSON-like key), or right after a quoted scalar; a name is at least one letter, digit, `_`
# or `-`. Every real anchor or alias matches this (`R&D`, `x**2`, `a & b` do not).
_ANCHOR_START = re.compile(r"(?<![^\s\[\]{},:\"'\ufeff])[&*][\w-]")


def may_alias(text: str) -> bool:
    """Whether `text` may hold a YAML anchor and an alias (False only when it certainly does not).

    Cheap: substring tests, then one regular-expression search for a token that starts with
    `&` or `*`; the precise answer needs the YAML parser's events (`check_yaml_text`).
    """
    return "&" in text and "*" in text and _ANCHOR_START.search(text) is not None


def check_depth(value: Any, limit: int = MAX_DEPTH) -> None:
    """Raise InputLimitError when `value` nests lists/dicts deeper than `limit` (iterative)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth >= limit:
            raise too_deep()
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))


def loads_json(text: str | bytes) -> Any:
    """`json.loads` for untrusted text: depth bounded (InputLimitError), never a RecursionError.

    Other problems raise `json.JSONDecodeError` (a ValueError) as usual.
    """
    import json

    try:
        value = json.loads(text)
    except RecursionError:
        raise too_deep() from None
    # Each level of nesting opens with a bracket: fewer brackets than the limit, no walk needed.
    opened = (
        text.count("{") + text.count("[") if isinstance(text, str) else text.count(b"{") + text.count(b"[")
    )
    if opened >= MAX_DEPTH:
        check_depth(value)
    return value


_GENERATION = re.compile(r"v[0-9]{1,6}-[0-9a-f]{16}")


class CacheGeneration:
    """A cache generation's folder of JSON entries (`<key>.json`), shared by the case cache and
    the cassette cache: reads bounded in size, any read failure a miss; writes atomic
    and never failing the run (a folder that cannot be written turns writing off); the first
    entry written removes the other generations' folders (`prune_generations`)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.writable = True
        self.pruned = False  # other generations' folders removed (on the first write)

    def read(self, key: str, limit: int) -> bytes | None:
        """The entry `key`'s bytes, or None (missing, unreadable or over `limit` bytes)."""
        try:
            return read_at_most(self.folder / f"{key}.json", limit)
        except OSError:
            return None

    def write(self, key: str, text: str) -> None:
        """Store the entry `key` (atomically, not fsynced: it is only a cache)."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self.folder / f"{key}.json", text, durable=False)
        except OSError:
            self.writable = False  # a read-only checkout: run without writing the cache
            return
        if not self.pruned:  # the first entry this generation gets: older ones are stale
            self.pruned = True
            prune_generations(self.folder)


def prune_generations(current: Path) -> int:
    """Remove the sibling folders of a cache generation `current` (`v<format>-<fingerprint>`)
    left by other versions of fc-harness; return how many went.

    Only real folders named like a generation go; nothing behind a symbolic link is touched (not
    the parent, not a sibling); `shutil.rmtree` is used only where it cannot be led outside the
    folder by a link (`rmtree.avoids_symlink_attacks`). Never raises: a folder that cannot be
    removed (in use, read-only) simply stays.
    """
    import shutil
    import stat

    if not shutil.rmtree.avoids_symlink_attacks:  # pragma: no cover - every platform we run on has it
        return 0
    parent = current.parent
    removed = 0
    try:
        if stat.S_ISLNK(os.lstat(parent).st_mode) or stat.S_ISLNK(os.lstat(parent.parent).st_mode):
            return 0
        with os.scandir(parent) as entries:
            stale = [
                e.path
                for e in entries
                if e.name != current.name
                and _GENERATION.fullmatch(e.name)
                and e.is_dir(follow_symlinks=False)
            ]
    except OSError:
        return 0
    for path in stale:
        try:
            shutil.rmtree(path)
            removed += 1
        except OSError:
            pass
    return removed
