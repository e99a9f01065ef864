"""The `[gate]` and `[emulator]` tables of `fcharness.toml`, coerced (see `harness.run.config`).

```toml
[gate]
max_drop = 0                 # percentage points a provider's pass rate may drop (cases in both)
min_pass_rate = 0            # percent: a provider's pass rate may not be lower (absolute)
flaky = "tolerate"           # pass → flaky: "tolerate" (listed, counts as passed) or "fail"

[gate.providers.openai-gpt-4o-mini]   # per provider id (beats the global values)
min_pass_rate = 80
max_drop = 5

[gate.categories.irrelevance]         # per category, for every provider
min_pass_rate = 90

[emulator]
answer = "expected"          # unscripted cases: expected | mistakes | none (a 404)
scripts = ["emulator-scripts.yaml"]   # added to (and winning over) the demo's
demo_scripts = true          # keep the shipped demo scripts
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import ConfigError

__all__ = ["FLAKY_RULES", "EmulatorSettings", "GateSettings", "Thresholds", "parse_emulator", "parse_gate"]

FLAKY_RULES = ("tolerate", "fail")
_ANSWERS = ("expected", "mistakes", "none")


@dataclass(frozen=True)
class Thresholds:
    """A pass-rate floor and an allowed drop, both in percent; None = not set here."""

    max_drop: float | None = None
    min_pass_rate: float | None = None


@dataclass(frozen=True)
class GateSettings:
    """`[gate]`: global thresholds, per-provider and per-category ones, the flaky rule."""

    default: Thresholds = field(default_factory=Thresholds)
    providers: Mapping[str, Thresholds] = field(default_factory=dict)
    categories: Mapping[str, Thresholds] = field(default_factory=dict)
    flaky: str = "tolerate"


@dataclass(frozen=True)
class EmulatorSettings:
    """`[emulator]`: how `fcharness emulator` answers by default."""

    answer: str = "expected"
    scripts: tuple[str, ...] = ()
    demo_scripts: bool = True


def _err(path: Path, message: str) -> ConfigError:
    return ConfigError(f"{path}: {message}")


def _percent(path: Path, where: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
        raise _err(path, f"{where} {key} must be a number of percent between 0 and 100, got {value!r}")
    return float(value)


def _thresholds(path: Path, where: str, raw: Any, extra: frozenset[str] = frozenset()) -> Thresholds:
    if not isinstance(raw, dict):
        raise _err(path, f"{where} must be a table")
    allowed = {"max_drop", "min_pass_rate"} | extra
    bad = sorted(set(raw) - allowed)
    if bad:
        raise _err(path, f"{where}: unknown key(s) {', '.join(bad)}; allowed: {', '.join(sorted(allowed))}")
    return Thresholds(
        max_drop=_percent(path, where, "max_drop", raw["max_drop"]) if "max_drop" in raw else None,
        min_pass_rate=(
            _percent(path, where, "min_pass_rate", raw["min_pass_rate"]) if "min_pass_rate" in raw else None
        ),
    )


def parse_gate(raw: Any, path: Path) -> GateSettings:
    """Coerce `[gate]`; a problem is a ConfigError naming the file and the key."""
    if not isinstance(raw, dict):
        raise _err(path, "[gate] must be a table")
    top = {k: v for k, v in raw.items() if k not in ("providers", "categories")}
    default = _thresholds(path, "[gate]", top, frozenset({"flaky"}))
    flaky = raw.get("flaky", "tolerate")
    if flaky not in FLAKY_RULES:
        raise _err(path, f"[gate] flaky must be one of {', '.join(FLAKY_RULES)}, got {flaky!r}")
    tables: dict[str, dict[str, Thresholds]] = {}
    for name in ("providers", "categories"):
        sub = raw.get(name, {})
        if not isinstance(sub, dict):
            raise _err(path, f"[gate.{name}] must be a table of tables")
        tables[name] = {key: _thresholds(path, f"[gate.{name}.{key}]", val) for key, val in sub.items()}
    return GateSettings(default, tables["providers"], tables["categories"], flaky)


def parse_emulator(raw: Any, path: Path) -> EmulatorSettings:
    """Coerce `[emulator]`."""
    if not isinstance(raw, dict):
        raise _err(path, "[emulator] must be a table")
    bad = sorted(set(raw) - {"answer", "scripts", "demo_scripts"})
    if bad:
        raise _err(
            path, f"[emulator]: unknown key(s) {', '.join(bad)}; allowed: answer, demo_scripts, scripts"
        )
    answer = raw.get("answer", "expected")
    if answer not in _ANSWERS:
        raise _err(path, f"[emulator] answer must be one of {', '.join(_ANSWERS)}, got {answer!r}")
    scripts = raw.get("scripts", [])
    if isinstance(scripts, str):
        scripts = [scripts]
    if not isinstance(scripts, list) or not all(isinstance(s, str) for s in scripts):
        raise _err(path, "[emulator] scripts must be a list of script file paths")
    demo = raw.get("demo_scripts", True)
    if not isinstance(demo, bool):
        raise _err(path, "[emulator] demo_scripts must be true or false")
    return EmulatorSettings(answer, tuple(scripts), demo)
