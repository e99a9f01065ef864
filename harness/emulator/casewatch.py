"""Reload the emulator's cases when their files change (a size/mtime check per request).

`fcharness emulator` watches the case paths it was started with: an edited, added or removed
case file is picked up by the next request, without a restart. A file that does not load
(caught mid-edit) keeps the previous cases and prints the problem once on stderr.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from harness.errors import UserError
from harness.model import Case

__all__ = ["CaseWatch"]

Signature = tuple[tuple[str, int, int], ...]


class CaseWatch:
    """The case files under some paths, and whether they changed since the last look."""

    def __init__(self, paths: Sequence[str | Path], load: Callable[[list[str]], Sequence[Case]]) -> None:
        self.paths = [Path(p) for p in paths]
        self._load = load
        self._lock = threading.Lock()
        self._signature = self.signature()

    def signature(self) -> Signature:
        """(path, mtime_ns, size) of every case file (YAML files under folders, `_` folders too)."""
        found: list[tuple[str, int, int]] = []
        for root in self.paths:
            files = [root] if root.is_file() else sorted(p for p in root.rglob("*.y*ml") if p.is_file())
            for f in files:
                try:
                    st = f.stat()
                except OSError:
                    continue
                found.append((str(f), st.st_mtime_ns, st.st_size))
        return tuple(found)

    def poll(self) -> Sequence[Case] | None:
        """Return the reloaded cases when a file changed since the last call, else None."""
        with self._lock:
            now = self.signature()
            if now == self._signature:
                return None
            self._signature = now
            try:
                cases = self._load([str(p) for p in self.paths])
            except UserError as exc:
                print(
                    f"emulator: case files changed but do not load; keeping the old cases:\n{exc}",
                    file=sys.stderr,
                    flush=True,
                )
                return None
            print(f"emulator: case files changed; {len(cases)} cases reloaded", file=sys.stderr, flush=True)
            return cases
