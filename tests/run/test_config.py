"""Tests for harness.run.config: fcharness.toml parsing and its errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import ConfigError
from harness.run.config import Price, load_config

GOOD = """
[harness]
cases = ["cases"]
concurrency = 2

[providers.emulator-openai-chat]
kind = "openai-chat"
model = "emulator-1"
base_url = "http://127.0.0.1:8765/v1"
api_key_env = "FCHARNESS_EMULATOR_KEY"
params = { temperature = 0, seed = 7 }

[providers.deepseek-chat]
kind = "openai-chat"
model = "deepseek-chat"
quirks = "deepseek"
stream = true

[prices."deepseek-chat"]
input = 0.27
output = 1.10
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "fcharness.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_good_config_is_coerced(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, GOOD))
    assert cfg.concurrency == 2
    ds = cfg.provider("deepseek-chat")
    assert ds.quirks == "deepseek" and ds.stream is True and not ds.is_emulator
    em = cfg.provider("emulator-openai-chat")
    assert em.is_emulator and em.params == {"temperature": 0, "seed": 7}
    assert cfg.prices["deepseek-chat"] == Price(0.27, 1.10)
    assert cfg.resolve("cases") == tmp_path / "cases"


def test_missing_default_file_gives_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = load_config()
    assert cfg.path is None and cfg.providers == {}


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        # A typo in a profile key names the key and the allowed ones
        ('[providers.x]\nkind="openai-chat"\nmodel="m"\nmodle="m"\n', "unknown key(s) modle"),
        # kind is required
        ('[providers.x]\nmodel="m"\n', "'kind' is required"),
        # stream must be a boolean
        ('[providers.x]\nkind="k"\nmodel="m"\nstream="yes"\n', "'stream' must be true or false"),
        # broken TOML names the file
        ("[providers.x\n", "invalid TOML"),
        # prices need numbers
        ('[prices."m"]\ninput="cheap"\noutput=1\n', "needs numbers input and output"),
        # unknown top-level table
        ("[harnes]\n", "unknown top-level table(s) harnes"),
        # [gate]: percentages, the flaky rule, known keys, per-provider tables
        ("[gate]\nmax_drop = -1\n", "[gate] max_drop must be a number of percent between 0 and 100"),
        ('[gate]\nflaky = "ignore"\n', "[gate] flaky must be one of tolerate, fail"),
        ("[gate]\nmax_dorp = 1\n", "[gate]: unknown key(s) max_dorp"),
        ("[gate.providers.x]\nmin_pass_rate = true\n", "[gate.providers.x] min_pass_rate must be a number"),
        # [emulator]: the answer mode, script paths, the demo switch
        ('[emulator]\nanswer = "perfect"\n', "[emulator] answer must be one of expected, mistakes, none"),
        ("[emulator]\nscripts = 3\n", "[emulator] scripts must be a list of script file paths"),
        ('[emulator]\ndemo_scripts = "no"\n', "[emulator] demo_scripts must be true or false"),
    ],
)
def test_bad_config_is_a_clear_error(tmp_path: Path, text: str, needle: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert needle in str(info.value)
    assert str(path) in str(info.value)


def test_unknown_provider_lists_known_ids(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, GOOD))
    with pytest.raises(ConfigError, match="known ids: deepseek-chat, emulator-openai-chat"):
        cfg.provider("nope")


def test_gate_and_emulator_tables_are_coerced(tmp_path: Path) -> None:
    cfg = load_config(
        write(
            tmp_path,
            '[gate]\nmax_drop = 2\nflaky = "fail"\n[gate.providers.p]\nmin_pass_rate = 90\n'
            "[gate.categories.irrelevance]\nmax_drop = 0\n"
            '[emulator]\nanswer = "mistakes"\nscripts = "mine.yaml"\ndemo_scripts = false\n',
        )
    )
    assert cfg.gate.default.max_drop == 2.0 and cfg.gate.default.min_pass_rate is None
    assert cfg.gate.flaky == "fail" and cfg.gate.providers["p"].min_pass_rate == 90.0
    assert cfg.gate.categories["irrelevance"].max_drop == 0.0
    assert (cfg.emulator.answer, cfg.emulator.scripts, cfg.emulator.demo_scripts) == (
        "mistakes",
        ("mine.yaml",),
        False,
    )


def test_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "absent.toml")
