"""A one-line progress bar on stderr (no dependency): `[#####-----] 12/40  pass 10 fail 2`."""

from __future__ import annotations

import sys
from collections import Counter
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """Counts finished jobs by status and redraws one line (only when enabled)."""

    def __init__(self, total: int, *, enabled: bool, stream: TextIO | None = None, width: int = 30) -> None:
        self.total = total
        self.enabled = enabled and total > 0
        self.stream = stream or sys.stderr
        self.width = width
        self.done = 0
        self.counts: Counter[str] = Counter()

    def line(self) -> str:
        """The current bar text."""
        filled = int(self.width * self.done / self.total) if self.total else self.width
        counts = " ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))
        return f"[{'#' * filled}{'-' * (self.width - filled)}] {self.done}/{self.total}  {counts}"

    def update(self, status: str) -> None:
        """Record one finished job and redraw."""
        self.done += 1
        self.counts[status] += 1
        if self.enabled:
            self.stream.write("\r" + self.line())
            self.stream.flush()

    def close(self, seconds: float) -> None:
        """Finish the line with the elapsed time."""
        if self.enabled:
            self.stream.write(f"\r{self.line()}  {seconds:.1f}s\n")
            self.stream.flush()
