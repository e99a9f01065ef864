"""Vendor SDKs are imported only for the providers in the run (by their `make_client`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from harness.cases.loader import load_cases
from harness.commands.emulator import DEMO_SCRIPTS
from harness.emulator.server import start_emulator

REPO = Path(__file__).resolve().parents[2]


def test_recording_one_provider_imports_no_other_sdk(tmp_path: Path) -> None:
    # Given the emulator and the demo project
    cases = load_cases([REPO / "cases"])
    script = (
        "import sys\n"
        "from harness.cli import main\n"
        "code = main(sys.argv[1:])\n"
        # (not botocore: vcrpy's own `vcr.patch` imports it when installed, to save its classes)
        "sdks = ('anthropic', 'boto3', 'google.genai', 'mistralai', 'cohere')\n"
        "print('SDKS', sorted(m for m in sdks if m in sys.modules), 'openai' in sys.modules)\n"
    )
    with start_emulator(DEMO_SCRIPTS, cases, port=0) as handle:
        pid = "emulator-openai-chat"
        argv = ["--config", str(REPO / "fcharness.toml"), "record", "--no-progress", "-p", pid]
        argv += ["--base-url", f"{pid}={handle.base_url}/v1", "-k", "weather.beijing.tomorrow"]
        argv += ["--reports", str(tmp_path / "reports")]
        env = {**os.environ, "FCHARNESS_EMULATOR_KEY": "fch-test-key", "FCHARNESS_CACHE": "off"}
        env["PYTHONPATH"] = str(REPO)
        # (cassettes go to a copy: record writes under the config's root)
        (tmp_path / "cases").symlink_to(REPO / "cases")
        (tmp_path / "fcharness.toml").write_bytes((REPO / "fcharness.toml").read_bytes())
        argv[1] = str(tmp_path / "fcharness.toml")
        out = subprocess.run(
            [sys.executable, "-c", script, *argv], env=env, capture_output=True, text=True, timeout=300
        )
    # When one openai-kind provider is recorded, only its SDK was imported
    assert "SDKS [] True" in out.stdout, out.stdout + out.stderr
    assert (tmp_path / "cassettes" / pid / "weather.beijing.tomorrow.yaml").is_file()
