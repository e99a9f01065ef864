"""Which Python classes a case may name as its executable backend (DESIGN.md §9–10).

A case file is untrusted input, so `backends[].python` (`package.module:Class`) may only name
a module from an allowlist; nothing is imported when a case is loaded, only the name is
checked. The allowlist is:

- BFCL's simulated APIs: any module under `bfcl_eval.eval_checker.multi_turn_eval.func_source_code`
  (the installed `bfcl-eval` package; imported at run time, never copied);
- the project's own example backends: `harness.run.example_backends`;
- modules the user names in the environment variable `FCHARNESS_BACKEND_MODULES`
  (comma-separated module names; a name ending in `.*` allows the modules under it). The
  environment is the user's, not the repository's: neither a case file nor `fcharness.toml`
  can widen the list.

The class name must be a public identifier (no leading `_`); at run time the attribute must be a
class defined in that very module (`harness.run.backends` checks it), so a module's imports
(`os`, `subprocess`) cannot be reached through it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from typing import Any

from harness.model import Backend

__all__ = ["BFCL_BACKEND_PACKAGE", "BUILTIN_MODULES", "ENV_VAR", "allowed_module", "parse_backends"]

ENV_VAR = "FCHARNESS_BACKEND_MODULES"
BFCL_BACKEND_PACKAGE = "bfcl_eval.eval_checker.multi_turn_eval.func_source_code"
#: Exact module names always allowed.
BUILTIN_MODULES = frozenset({"harness.run.example_backends"})
_IDENT = r"[A-Za-z][A-Za-z0-9_]*"
_MODULE = re.compile(rf"{_IDENT}(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_CLASS = re.compile(_IDENT)
_SPEC_KEYS = frozenset({"python", "name", "init", "scenario", "long_context"})


def _user_modules() -> tuple[frozenset[str], tuple[str, ...]]:
    exact: set[str] = set()
    prefixes: list[str] = []
    for item in os.environ.get(ENV_VAR, "").split(","):
        item = item.strip()
        if item.endswith(".*") and _MODULE.fullmatch(item[:-2]):
            prefixes.append(item[:-1])
        elif _MODULE.fullmatch(item):
            exact.add(item)
    return frozenset(exact), tuple(prefixes)


def allowed_module(module: str) -> bool:
    """Whether a case may name a class of `module` as its backend."""
    if not _MODULE.fullmatch(module):
        return False
    if module in BUILTIN_MODULES or module.startswith(BFCL_BACKEND_PACKAGE + "."):
        return True
    exact, prefixes = _user_modules()
    return module in exact or any(module.startswith(p) for p in prefixes)


def parse_backends(raw: Any, add: Callable[[tuple[str | int, ...], str], None]) -> tuple[Backend, ...]:
    """Check a case's `backends:` list (structure, allowlist, unique names) and build it.

    `add(path, message)` reports a problem at a path relative to the case.
    """
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        add(("backends",), "expected a non-empty list of {python: 'package.module:Class', ...}")
        return ()
    out: list[Backend] = []
    names: dict[str, int] = {}
    for i, item in enumerate(raw):
        where: tuple[str | int, ...] = ("backends", i)
        if not isinstance(item, Mapping):
            add(where, "expected an object with `python: package.module:Class`")
            continue
        unknown = sorted(set(item) - _SPEC_KEYS)
        if unknown:
            add(
                (*where, unknown[0]), f"unknown key {unknown[0]!r} (expected {', '.join(sorted(_SPEC_KEYS))})"
            )
            continue
        spec = item.get("python")
        if not isinstance(spec, str):
            add((*where, "python"), f"expected `package.module:Class`, got {spec!r}")
            continue
        module, _, cls = spec.partition(":")
        if not module or not _CLASS.fullmatch(cls) or not _MODULE.fullmatch(module):
            add((*where, "python"), f"expected `package.module:Class` (a public class name), got {spec!r}")
            continue
        if not allowed_module(module):
            add(
                (*where, "python"),
                f"module {module!r} is not allowed as a backend: case files may name BFCL's simulated APIs "
                f"({BFCL_BACKEND_PACKAGE}.*), harness.run.example_backends, or modules the user lists in "
                f"the environment variable {ENV_VAR}",
            )
            continue
        name = item.get("name", cls)
        init = item.get("init", {})
        scenario = item.get("scenario")
        long_context = item.get("long_context", False)
        if not isinstance(name, str) or not _CLASS.fullmatch(name):
            add((*where, "name"), f"expected an identifier, got {name!r}")
            continue
        if not isinstance(init, Mapping) or not all(isinstance(k, str) for k in init):
            add((*where, "init"), "expected an object of constructor keyword arguments")
            continue
        if scenario is not None and not isinstance(scenario, Mapping):
            add((*where, "scenario"), "expected an object (given to the class's _load_scenario)")
            continue
        if not isinstance(long_context, bool):
            add((*where, "long_context"), "expected true or false")
            continue
        if name in names:
            add((*where, "name"), f"backend name {name!r} is used twice (also backends[{names[name]}])")
            continue
        names[name] = i
        out.append(
            Backend(spec, name, dict(init), None if scenario is None else dict(scenario), long_context)
        )
    return tuple(out)
