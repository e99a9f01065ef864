"""Executable backends: fresh instances per case × provider × trial, calls executed by name.

`Backends.start(case.backends)` imports each allowlisted class (`harness.cases.backends`),
checks that it is a class defined in that module, and instantiates it (constructor keyword
arguments `init`, then `_load_scenario(deepcopy(scenario), long_context=...)` when a scenario is
given — the protocol of BFCL's simulated APIs). `execute(name, arguments)` runs one call and
returns the tool result as BFCL's executor renders it:

- a model's call is never `eval`-ed: the name is looked up among the instances' public bound
  methods (a later backend's method wins on a name clash, as in BFCL) and called with the
  decoded arguments as keywords;
- names BFCL refuses (`kill`, `exit`, `quit`, `remove`, `unlink`, `popen`, `Popen`, `run`) give
  `Error during execution: Function call NAME is not allowed.`; an unknown name gives
  `Error during execution: name 'NAME' is not defined` (what BFCL's `eval` says); any exception
  the method raises (a wrong keyword included) gives `Error during execution: <message>`;
- a `str` result is sent as is, a `dict` as `json.dumps` (else `str`), anything else as `str`.

`snapshot()` returns each instance's public attributes as plain data (for `expect_state`).
"""

from __future__ import annotations

import copy
import importlib
import inspect
import json
from collections.abc import Mapping, Sequence
from typing import Any

from harness.cases.backends import allowed_module
from harness.errors import UserError
from harness.model import Backend

__all__ = ["FORBIDDEN", "Backends", "plain", "render_result", "replay_states"]

#: Method names BFCL's executor refuses to run (whatever the backend defines).
FORBIDDEN = frozenset({"kill", "exit", "quit", "remove", "unlink", "popen", "Popen", "run"})
_MAX_DEPTH = 64


def _load_class(spec: str, where: str) -> type:
    module_name, _, class_name = spec.partition(":")
    if not allowed_module(module_name) or class_name.startswith("_"):
        raise UserError(f"{where}: backend {spec!r} is not allowed (see harness.cases.backends)")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        hint = (
            " (install bfcl-eval: `pip install 'fc-harness[bfcl]'`)"
            if module_name.startswith("bfcl_eval")
            else ""
        )
        raise UserError(f"{where}: cannot import backend module {module_name!r}: {exc}{hint}") from None
    cls = getattr(module, class_name, None)
    if not inspect.isclass(cls) or cls.__module__ != module.__name__:
        raise UserError(f"{where}: {module_name!r} defines no class {class_name!r}")
    return cls


def render_result(value: Any) -> str:
    """A method's return value as the tool result text, exactly as BFCL renders it."""
    if type(value) is str:
        return value
    if type(value) is dict:
        try:
            return json.dumps(value)
        except (TypeError, ValueError):
            return str(value)
    return str(value)


def plain(value: Any, _seen: tuple[int, ...] = ()) -> Any:
    """`value` as JSON-like data: objects become their public attributes, tuples lists.

    A reference back to an enclosing object (a file's `parent` folder) becomes the text
    `<cycle: TypeName>`; nesting deeper than 64 levels becomes the value's `repr`.
    """
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if id(value) in _seen:
        return f"<cycle: {type(value).__name__}>"
    if len(_seen) > _MAX_DEPTH:
        return repr(value)[:200]
    seen = (*_seen, id(value))
    if isinstance(value, Mapping):
        return {str(k): plain(v, seen) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [plain(v, seen) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    attrs = getattr(value, "__dict__", None)
    if isinstance(attrs, dict):
        return {k: plain(v, seen) for k, v in attrs.items() if not k.startswith("_")}
    return str(value)


class Backends:
    """The live backend instances of one case run, and the method table to call them."""

    def __init__(self, instances: dict[str, Any]) -> None:
        self.instances = instances
        self.methods: dict[str, Any] = {}
        for instance in instances.values():
            for name, method in inspect.getmembers(instance, predicate=inspect.ismethod):
                if not name.startswith("_"):
                    self.methods[name] = method

    @classmethod
    def start(cls, specs: Sequence[Backend], where: str = "case") -> Backends:
        """Fresh instances of `specs` (UserError naming `where` when one cannot be made)."""
        instances: dict[str, Any] = {}
        for spec in specs:
            klass = _load_class(spec.python, where)
            try:
                instance = klass(**copy.deepcopy(dict(spec.init)))
                if spec.scenario is not None:
                    instance._load_scenario(
                        copy.deepcopy(dict(spec.scenario)), long_context=spec.long_context
                    )
            except Exception as exc:  # the backend's own code: any failure is the case's problem
                raise UserError(
                    f"{where}: backend {spec.python!r} failed to start: {type(exc).__name__}: {exc}"
                ) from None
            instances[spec.name] = instance
        return cls(instances)

    def execute(self, name: str, arguments: Mapping[str, Any] | None, args: Sequence[Any] = ()) -> str:
        """Run one call; the result (or the error) as the text sent back to the model."""
        if name in FORBIDDEN:
            return f"Error during execution: Function call {name} is not allowed."
        method = self.methods.get(name)
        if method is None:
            return f"Error during execution: name {name!r} is not defined"
        if arguments is None:
            return "Error during execution: the arguments are not a JSON object"
        try:
            return render_result(method(*copy.deepcopy(list(args)), **copy.deepcopy(dict(arguments))))
        except Exception as exc:  # an execution error goes back to the model, as in BFCL
            return f"Error during execution: {exc}"

    def snapshot(self) -> dict[str, Any]:
        """Each instance's public attributes as plain data, by backend name."""
        return {name: plain(instance) for name, instance in self.instances.items()}


def replay_states(case: Any, steps: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
    """Execute the calls of `steps` (per user turn, `ModelTurn`s) on fresh backends of `case`;
    return the state snapshot after each turn. A step with a call whose arguments are not a
    JSON object is not executed (the runner ends the turn there, as BFCL does)."""
    backends = Backends.start(case.backends, f"case {case.id!r}")
    states = []
    for turn in steps:
        for step in turn:
            if any(c.arguments is None for c in step.calls):
                break
            for call in step.calls:
                backends.execute(call.name, call.arguments)
        states.append(backends.snapshot())
    return states
