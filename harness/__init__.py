"""fc-harness: a conformance harness for LLM function calling."""

from __future__ import annotations

__version__ = "0.1.0"
