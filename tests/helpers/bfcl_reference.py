"""BFCL's own checker (bfcl-eval), loaded for differential tests without its model handlers.

`bfcl_eval.eval_checker.ast_eval.ast_checker` imports the model registry, and with it every
vendor SDK; `reference_ast_checker()` puts a two-model stand-in for
`bfcl_eval.constants.model_config` in `sys.modules` while importing it: `MODELS["exact"]`
compares names as given, `MODELS["sanitized"]` as BFCL's `underscore_to_dot` models do.
"""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass

MODELS = {"exact": "fcharness-exact", "sanitized": "fcharness-sanitized"}


@dataclass
class _Config:
    underscore_to_dot: bool


def reference_ast_checker() -> types.ModuleType:
    """BFCL's ast_checker module (bfcl-eval must be installed)."""
    stub = types.ModuleType("bfcl_eval.constants.model_config")
    stub.MODEL_CONFIG_MAPPING = {  # type: ignore[attr-defined]
        MODELS["exact"]: _Config(False),
        MODELS["sanitized"]: _Config(True),
    }
    saved = sys.modules.get(stub.__name__)
    sys.modules[stub.__name__] = stub
    try:
        from bfcl_eval.eval_checker.ast_eval import ast_checker
    finally:
        if saved is None:
            sys.modules.pop(stub.__name__, None)
        else:
            sys.modules[stub.__name__] = saved
    ast_checker.MODEL_CONFIG_MAPPING = stub.MODEL_CONFIG_MAPPING  # type: ignore[attr-defined]
    return ast_checker
