"""`python -m harness` is `fcharness`."""

from __future__ import annotations

from harness.cli import entry

entry()
