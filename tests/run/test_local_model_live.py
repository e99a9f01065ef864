"""Live recording against a real llama.cpp server (marker `local_model`; CI builds no llama.cpp).

Runs only when FCHARNESS_LOCAL_MODEL_URL names an OpenAI-compatible llama-server, e.g.

    bash scripts/local_models.sh start qwen2.5-coder-0.5b
    FCHARNESS_LOCAL_MODEL_URL=http://127.0.0.1:8091/v1 pytest -m local_model tests/run/

FCHARNESS_LOCAL_MODEL_NAME names the model to ask for (default: the first id of /v1/models).
One shipped case is recorded into a temporary folder, then replayed from that cassette.
"""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

import pytest
import yaml

from harness.run.config import load_config
from harness.run.runner import RecordMode, RunOptions, run

REPO = Path(__file__).resolve().parents[2]
URL_ENV = "FCHARNESS_LOCAL_MODEL_URL"
CASE = "weather.beijing.tomorrow"

pytestmark = [
    pytest.mark.local_model,
    pytest.mark.skipif(
        not os.environ.get(URL_ENV),
        reason=f"no local model server: set {URL_ENV} (e.g. http://127.0.0.1:8091/v1 after "
        "`bash scripts/local_models.sh start`)",
    ),
]


def _model_name(base_url: str) -> str:
    name = os.environ.get("FCHARNESS_LOCAL_MODEL_NAME")
    if name:
        return name
    with urllib.request.urlopen(base_url.rstrip("/") + "/models", timeout=10) as resp:
        return str(json.load(resp)["data"][0]["id"])


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_records_and_replays_one_case_from_a_live_llama_cpp_server(tmp_path: Path, stream: bool) -> None:
    base_url = os.environ[URL_ENV]
    model = _model_name(base_url)
    (tmp_path / "fcharness.toml").write_text(
        f"""[harness]
cases = ["{REPO / "cases"}"]
cassettes = "{tmp_path / "cassettes"}"
reports = "{tmp_path / "reports"}"

[providers.llamacpp-live]
kind = "openai-chat"
model = "{model}"
base_url = "{base_url}"
quirks = "llamacpp"
stream = {"true" if stream else "false"}
params = {{ temperature = 0, seed = 7, max_tokens = 256 }}
""",
        encoding="utf-8",
    )
    config = load_config(tmp_path / "fcharness.toml")
    # When one shipped case is recorded from the live server
    options = RunOptions(
        providers=("llamacpp-live",),
        keyword=CASE,
        record_mode=RecordMode.ALL,
        write_reports=False,
        print_table=False,
    )
    (recorded,) = run(config, options).rows
    # Then the server answered (a verdict, not a provider error) ...
    assert recorded.status in ("pass", "fail"), recorded.error
    # ... and the cassette holds llama.cpp's own fields
    cassette = tmp_path / "cassettes" / "llamacpp-live" / f"{CASE}.yaml"
    text = cassette.read_text(encoding="utf-8")
    assert "timings" in text and "system_fingerprint" in text
    assert yaml.safe_load(text)["interactions"][0]["request"]["parsed_body"]["max_tokens"] == 256
    # When it is replayed offline, the verdict is the recorded one
    replay = RunOptions(providers=("llamacpp-live",), keyword=CASE, write_reports=False, print_table=False)
    (replayed,) = run(config, replay).rows
    assert replayed.verdict == recorded.verdict
