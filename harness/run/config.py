"""Provider profiles and run settings from `fcharness.toml`.

Precedence (highest first): command-line options > `fcharness.toml` > built-in defaults.
The file is read once and coerced into frozen dataclasses; nothing downstream sees raw dicts.

```toml
[harness]
cases = ["cases"]            # default PATHS for run/record/validate
cassettes = "cassettes"
reports = "reports"
profile = "default"          # grading profile
concurrency = 4

[providers.openai-gpt-4o-mini]
kind = "openai-chat"
model = "gpt-4o-mini"
api_key_env = "OPENAI_API_KEY"
base_url = "https://api.openai.com/v1"   # optional
stream = false
quirks = "deepseek"                      # optional, openai-chat only
params = { temperature = 0, max_tokens = 512, seed = 7 }   # `strict = true`: OpenAI strict
                                         # mode (docs/providers.md); other keys sent as given
options = { region = "us-east-1" }       # kind-specific (bedrock region, vertex project…)

[cassettes]
max_age_days = 180                       # `run` marks older recordings stale (--max-age)

[prices."gpt-4o-mini"]                   # USD per million tokens, keyed by model
input = 0.15
output = 0.60
```

`[gate]` (thresholds of `fcharness gate`) and `[emulator]` (how `fcharness emulator` answers)
are described in `harness.run.config_tables`.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from harness._io import register_secrets
from harness.errors import ConfigError, suggest
from harness.run.config_tables import EmulatorSettings, GateSettings, parse_emulator, parse_gate

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

__all__ = ["DEFAULT_CONFIG_FILE", "Config", "Price", "ProviderProfile", "load_config"]

DEFAULT_CONFIG_FILE = "fcharness.toml"

_PROFILE_KEYS = {
    "kind",
    "model",
    "base_url",
    "api_key_env",
    "stream",
    "quirks",
    "params",
    "options",
    "description",
}


@dataclass(frozen=True)
class ProviderProfile:
    """One provider id: which wire format, which model, where, with which settings."""

    id: str
    kind: str
    model: str
    base_url: str | None = None
    api_key_env: str | None = None
    stream: bool = False
    quirks: str | None = None
    """Name of an OpenAI-compatible quirks profile (deepseek, qwen, glm, moonshot, groq, ...)."""
    params: Mapping[str, Any] = field(default_factory=dict)
    """Neutral sampling parameters: temperature, max_tokens, seed, top_p, parallel_tool_calls."""
    options: Mapping[str, Any] = field(default_factory=dict)
    """Kind-specific settings (bedrock `region`, gemini `vertex`/`project`/`location`, ...)."""
    description: str | None = None

    @property
    def is_emulator(self) -> bool:
        """Recordings made against the local emulator live under `emulator-*` ids."""
        return self.id.startswith("emulator-")


@dataclass(frozen=True)
class Price:
    """USD per million tokens."""

    input: float
    output: float


@dataclass(frozen=True)
class Config:
    """The whole of `fcharness.toml`, coerced."""

    path: Path | None
    root: Path
    """Folder paths are relative to (the config file's folder, or the cwd)."""
    cases: tuple[str, ...] = ("cases",)
    cassettes: str = "cassettes"
    reports: str = "reports"
    profile: str = "default"
    concurrency: int = 4
    providers: Mapping[str, ProviderProfile] = field(default_factory=dict)
    prices: Mapping[str, Price] = field(default_factory=dict)
    gate: GateSettings = field(default_factory=GateSettings)
    emulator: EmulatorSettings = field(default_factory=EmulatorSettings)
    max_age_days: float | None = None
    """`[cassettes] max_age_days`: replay marks older recordings `stale` (None: no limit)."""

    def provider(self, provider_id: str) -> ProviderProfile:
        """Return the profile for `provider_id`, or raise a ConfigError listing the known ids."""
        try:
            return self.providers[provider_id]
        except KeyError:
            raise ConfigError(self.unknown_provider(provider_id)) from None

    def unknown_provider(self, provider_id: str) -> str:
        """The message for an unknown id: commented out in the file, a near id, the known ids."""
        where = self.path or DEFAULT_CONFIG_FILE
        known = ", ".join(sorted(self.providers)) or "(none)"
        if self.path is not None and _commented_out(self.path, provider_id):
            return (
                f"{where}: provider {provider_id!r} is commented out; uncomment its "
                f"[providers.{provider_id}] table (and set its key) to use it"
            )
        near = suggest(provider_id, list(self.providers))
        return f"{where}: unknown provider id {provider_id!r}{near}; known ids: {known}"

    def resolve(self, relative: str) -> Path:
        """Return `relative` resolved against the config root."""
        p = Path(relative)
        return p if p.is_absolute() else self.root / p


def _commented_out(path: Path, provider_id: str) -> bool:
    """Whether the file holds `# [providers.<id>]` (a profile shipped commented out)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    table = re.compile(r"^[ \t]*#+[ \t]*\[providers\.\"?" + re.escape(provider_id) + r"\"?\]", re.MULTILINE)
    return table.search(text) is not None


def _err(path: Path, message: str) -> ConfigError:
    return ConfigError(f"{path}: {message}")


def _parse_profile(path: Path, pid: str, raw: Any) -> ProviderProfile:
    if not isinstance(raw, dict):
        raise _err(path, f"[providers.{pid}] must be a table")
    unknown = sorted(set(raw) - _PROFILE_KEYS)
    if unknown:
        raise _err(
            path,
            f"[providers.{pid}]: unknown key(s) {', '.join(unknown)}; "
            f"allowed: {', '.join(sorted(_PROFILE_KEYS))}",
        )
    for key in ("kind", "model"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise _err(path, f"[providers.{pid}]: '{key}' is required and must be a string")
    for key in ("params", "options"):
        if key in raw and not isinstance(raw[key], dict):
            raise _err(path, f"[providers.{pid}]: '{key}' must be a table")
    if "stream" in raw and not isinstance(raw["stream"], bool):
        raise _err(path, f"[providers.{pid}]: 'stream' must be true or false")
    for key in ("base_url", "api_key_env", "quirks", "description"):
        if key in raw and not isinstance(raw[key], str):
            raise _err(path, f"[providers.{pid}]: '{key}' must be a string")
    _check_kind(path, pid, raw["kind"])
    if "api_key_env" in raw:
        _check_key_env(path, pid, raw["api_key_env"])
    if "base_url" in raw:
        problem = base_url_problem(raw["base_url"])
        if problem:
            raise _err(path, f"[providers.{pid}]: base_url {raw['base_url']!r}: {problem}")
    return ProviderProfile(
        id=pid,
        kind=raw["kind"],
        model=raw["model"],
        base_url=raw.get("base_url"),
        api_key_env=raw.get("api_key_env"),
        stream=raw.get("stream", False),
        quirks=raw.get("quirks"),
        params=dict(raw.get("params", {})),
        options=dict(raw.get("options", {})),
        description=raw.get("description"),
    )


def _check_kind(path: Path, pid: str, kind: str) -> None:
    from harness.providers import ADAPTER_MODULES

    if kind not in ADAPTER_MODULES:
        raise _err(
            path,
            f"[providers.{pid}]: unknown kind {kind!r}{suggest(kind, list(ADAPTER_MODULES))}; "
            f"known kinds: {', '.join(sorted(ADAPTER_MODULES))}",
        )


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
#: Prefixes of API keys and tokens as vendors issue them.
_KEY_PREFIXES = ("sk-", "sk_", "pk-", "rk_", "AIza", "xai-", "gsk_", "hf_", "ghp_", "github_pat_")
_AWS_KEY_ID = re.compile(r"A[KS]IA[0-9A-Z]{16}")


def looks_like_key(value: str) -> bool:
    """Whether `value` looks like an API key rather than the name of a variable holding one."""
    if value.startswith(_KEY_PREFIXES) or _AWS_KEY_ID.fullmatch(value):
        return True
    classes = sum(any(f(c) for c in value) for f in (str.islower, str.isupper, str.isdigit))
    return len(value) >= 24 and classes == 3


def _check_key_env(path: Path, pid: str, name: str) -> None:
    if _ENV_NAME.fullmatch(name) and not looks_like_key(name):
        return
    if looks_like_key(name) or len(name) >= 20:
        register_secrets([name])  # never printed, never written
        raise _err(
            path,
            f"[providers.{pid}]: api_key_env must be the NAME of an environment variable "
            "(e.g. OPENAI_API_KEY), but its value looks like an API key itself (not shown). "
            "Remove it from the file, rotate the key if it was committed, and export it instead.",
        )
    raise _err(
        path,
        f"[providers.{pid}]: api_key_env {name!r} is not an environment variable name "
        "(letters, digits and _, not starting with a digit)",
    )


def base_url_problem(url: str) -> str | None:
    """Why `url` cannot be a provider's base URL, or None."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "expected an http:// or https:// URL with a host, e.g. http://127.0.0.1:8765/v1"
    return None


def register_key_values(config: Config) -> None:
    """Register the values of every configured `api_key_env` that is set, to be redacted."""
    register_secrets(os.environ.get(p.api_key_env, "") for p in config.providers.values() if p.api_key_env)


def parse_config(data: Mapping[str, Any], path: Path) -> Config:
    """Coerce the decoded TOML `data` (read from `path`) into a Config."""
    unknown = sorted(set(data) - {"harness", "providers", "prices", "cassettes", "gate", "emulator"})
    if unknown:
        raise _err(path, f"unknown top-level table(s) {', '.join(unknown)}")
    h = data.get("harness", {})
    if not isinstance(h, dict):
        raise _err(path, "[harness] must be a table")
    allowed_h = {"cases", "cassettes", "reports", "profile", "concurrency"}
    bad = sorted(set(h) - allowed_h)
    if bad:
        raise _err(path, f"[harness]: unknown key(s) {', '.join(bad)}")
    cases = h.get("cases", ["cases"])
    if isinstance(cases, str):
        cases = [cases]
    if not isinstance(cases, list) or not all(isinstance(c, str) for c in cases):
        raise _err(path, "[harness] cases must be a list of paths")
    concurrency = h.get("concurrency", 4)
    if not isinstance(concurrency, int) or concurrency < 1:
        raise _err(path, "[harness] concurrency must be a positive integer")
    providers_raw = data.get("providers", {})
    if not isinstance(providers_raw, dict):
        raise _err(path, "[providers] must be a table of provider ids")
    providers = {pid: _parse_profile(path, pid, raw) for pid, raw in providers_raw.items()}
    prices: dict[str, Price] = {}
    for model, raw in data.get("prices", {}).items():
        if (
            not isinstance(raw, dict)
            or not isinstance(raw.get("input"), (int, float))
            or not isinstance(raw.get("output"), (int, float))
        ):
            raise _err(path, f'[prices."{model}"] needs numbers input and output (USD per 1M tokens)')
        prices[model] = Price(float(raw["input"]), float(raw["output"]))
    return Config(
        max_age_days=_max_age(path, data.get("cassettes", {})),
        path=path,
        root=path.parent,
        cases=tuple(cases),
        cassettes=str(h.get("cassettes", "cassettes")),
        reports=str(h.get("reports", "reports")),
        profile=str(h.get("profile", "default")),
        concurrency=concurrency,
        providers=providers,
        prices=prices,
        gate=parse_gate(data.get("gate", {}), path),
        emulator=parse_emulator(data.get("emulator", {}), path),
    )


def _max_age(path: Path, table: Any) -> float | None:
    if not isinstance(table, dict):
        raise _err(path, "[cassettes] must be a table")
    bad = sorted(set(table) - {"max_age_days"})
    if bad:
        raise _err(path, f"[cassettes]: unknown key(s) {', '.join(bad)}; allowed: max_age_days")
    value = table.get("max_age_days")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise _err(path, f"[cassettes] max_age_days must be a positive number of days, got {value!r}")
    return float(value)


def load_config(path: str | Path | None = None) -> Config:
    """Read `fcharness.toml` (or `path`); with no file, return the defaults rooted at cwd."""
    p = Path(path) if path is not None else Path(DEFAULT_CONFIG_FILE)
    if not p.exists():
        if path is not None:
            raise ConfigError(f"{p}: config file not found")
        return Config(path=None, root=Path.cwd())
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{p}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{p}: cannot be read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: invalid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{p}: invalid TOML: nested too deep") from None
    config = parse_config(data, p)
    register_key_values(config)
    return config
