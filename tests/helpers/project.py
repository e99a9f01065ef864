"""A small fc-harness project in a temporary folder: one provider, one case, its cassette."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PROVIDER = "emulator-openai-chat"
CASE = "weather.beijing.tomorrow"

TOML = f"""\
[harness]
cases = ["cases"]
cassettes = "cassettes"
reports = "reports"

[providers.{PROVIDER}]
kind = "openai-chat"
model = "emulator-gpt"
base_url = "http://127.0.0.1:8765/v1"
api_key_env = "FCHARNESS_EMULATOR_KEY"
params = {{ temperature = 0 }}
"""


def make_project(root: Path) -> Path:
    """Write fcharness.toml, cases/ (the travel weather file and shared tools) and one cassette.

    Returns the cassette's path; the working folder is not changed.
    """
    (root / "fcharness.toml").write_text(TOML, encoding="utf-8")
    shutil.copytree(REPO / "cases" / "_tools", root / "cases" / "_tools")
    shutil.copy(REPO / "cases" / "travel" / "weather.yaml", root / "cases" / "weather.yaml")
    cassette = root / "cassettes" / PROVIDER / f"{CASE}.yaml"
    cassette.parent.mkdir(parents=True)
    shutil.copy(REPO / "cassettes" / PROVIDER / f"{CASE}.yaml", cassette)
    return cassette
