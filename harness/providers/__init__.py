"""Provider adapters: one module per wire format (DESIGN.md §5).

`get_adapter(kind, quirks=None)` resolves a kind lazily so a missing vendor SDK only matters
when that vendor is used.
"""

from __future__ import annotations

import importlib
from typing import Any

from harness.errors import ConfigError

__all__ = ["ADAPTER_MODULES", "get_adapter"]

#: kind → module under harness.providers that exposes `ADAPTER` (or `make_adapter(quirks)`).
ADAPTER_MODULES: dict[str, str] = {
    "openai-chat": "openai_chat",
    "openai-functions": "openai_functions",
    "openai-responses": "openai_responses",
    "anthropic": "anthropic",
    "gemini": "gemini",
    "bedrock-converse": "bedrock",
    "mistral": "mistral",
    "cohere": "cohere",
}


def get_adapter(kind: str, quirks: str | None = None) -> Any:
    """Return the adapter for `kind` (optionally with an OpenAI-compatible quirks profile)."""
    try:
        module_name = ADAPTER_MODULES[kind]
    except KeyError:
        known = ", ".join(sorted(ADAPTER_MODULES))
        raise ConfigError(f"unknown provider kind {kind!r}; known kinds: {known}") from None
    module = importlib.import_module(f"harness.providers.{module_name}")
    if hasattr(module, "make_adapter"):
        return module.make_adapter(quirks)
    if quirks:
        raise ConfigError(f"provider kind {kind!r} takes no quirks profile (got {quirks!r})")
    return module.ADAPTER
