"""The capabilities table, `unsupported_reason`, and `fcharness providers`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.cli import main
from harness.errors import ConfigError
from harness.providers import ADAPTER_MODULES
from harness.providers.capabilities import CAPABILITIES, all_rows, capabilities_for, unsupported_reason
from harness.providers.openai_chat import QUIRKS
from tests.helpers.providers import WEATHER, make_case


def test_every_kind_and_quirks_profile_has_a_row() -> None:
    assert set(CAPABILITIES) == set(ADAPTER_MODULES)
    labels = {r.label for r in all_rows()}
    assert {f"openai-chat/{q}" for q in QUIRKS if q != "openai"} <= labels
    for q in ("deepseek", "qwen", "glm", "moonshot", "groq", "ollama", "vllm"):
        assert f"openai-chat/{q}" in labels


@pytest.mark.parametrize(
    ("choice", "kind", "quirks", "unsupported"),
    [
        ("none", "bedrock-converse", None, True),
        ("required", "bedrock-converse", None, False),
        ("required", "openai-functions", None, True),
        ({"name": "get_weather"}, "openai-functions", None, False),
        ("required", "openai-chat", "glm", True),
        ({"name": "get_weather"}, "openai-chat", "glm", True),
        ("auto", "openai-chat", "glm", False),
        ("required", "openai-chat", "moonshot", True),
        ({"name": "get_weather"}, "cohere", None, False),
        ("required", "openai-chat", None, False),
        ("none", "anthropic", None, False),
        # llama.cpp reads tool_choice as a string: a named function would silently become auto
        ({"name": "get_weather"}, "openai-chat", "llamacpp", True),
        ("required", "openai-chat", "llamacpp", False),
        ("none", "openai-chat", "llamacpp", False),
    ],
)
def test_unsupported_tool_choice(choice: Any, kind: str, quirks: str | None, unsupported: bool) -> None:
    reason = unsupported_reason(make_case(choice), kind, quirks)
    assert (reason is not None) == unsupported, reason
    if reason:
        assert "tool_choice" in reason


def test_name_clash_and_tool_count() -> None:
    from dataclasses import replace

    a = replace(WEATHER, name="a.b")
    b = replace(WEATHER, name="a_b")
    assert "sanitised" in (unsupported_reason(make_case(tools=(a, b)), "openai-chat") or "")
    many = tuple(replace(WEATHER, name=f"t{i}") for i in range(129))
    assert "at most 128" in (unsupported_reason(make_case(tools=many), "openai-chat") or "")
    assert unsupported_reason(make_case(tools=many), "gemini") is None


def test_unknown_kind_and_quirks_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="unknown provider kind"):
        capabilities_for("nope")
    with pytest.raises(ConfigError, match="unknown quirks profile"):
        capabilities_for("openai-chat", "nope")


def test_providers_command_table_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["providers"]) == 0
    out = capsys.readouterr().out
    for kind in ADAPTER_MODULES:
        assert kind in out
    assert "openai-chat/glm" in out
    assert main(["providers", "--kinds", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    bedrock = next(r for r in rows if r["kind"] == "bedrock-converse")
    assert "none" not in bedrock["tool_choice"]
    glm = next(r for r in rows if r["quirks"] == "glm")
    assert glm["tool_choice"] == ["auto"]


def test_providers_command_lists_configured_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given two profiles, one key set and one missing, and cassettes for one
    cfg = tmp_path / "fcharness.toml"
    cfg.write_text(
        '[providers.mine]\nkind = "anthropic"\nmodel = "claude"\napi_key_env = "MY_TEST_KEY"\n'
        '[providers.other]\nkind = "openai-chat"\nquirks = "deepseek"\nmodel = "ds"\n'
        'api_key_env = "OTHER_TEST_KEY"\n',
        encoding="utf-8",
    )
    (tmp_path / "cassettes" / "mine").mkdir(parents=True)
    (tmp_path / "cassettes" / "mine" / "a.yaml").write_text("x", encoding="utf-8")
    monkeypatch.setenv("MY_TEST_KEY", "sk-secret-value-123")
    monkeypatch.delenv("OTHER_TEST_KEY", raising=False)
    assert main(["--config", str(cfg), "providers", "--format", "json"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)
    mine, other = data["providers"]
    assert (mine["id"], mine["kind"], mine["key"], mine["cassettes"]) == ("mine", "anthropic", "set", 1)
    assert (other["kind"], other["key"]) == ("openai-chat (deepseek)", "missing (OTHER_TEST_KEY)")
    assert "sk-secret" not in out
    assert main(["--config", str(cfg), "providers"]) == 0
    table = capsys.readouterr().out
    assert (
        "Configured providers" in table and "missing (OTHER_TEST_KEY)" in table and "sk-secret" not in table
    )
    assert "openai-chat/glm" in table  # the capabilities table follows
