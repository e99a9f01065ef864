"""scripts/install_bfcl.sh refuses to install into a Python that is not a virtualenv's."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _system_python() -> str | None:
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3"):
        if Path(candidate).is_file():
            done = subprocess.run(
                [candidate, "-c", "import sys; print(sys.prefix != sys.base_prefix)"],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.stdout.strip() == "False":
                return candidate
    return None


def test_the_system_python_is_refused() -> None:
    system = _system_python()
    if system is None or shutil.which("bash") is None:
        pytest.skip("no system Python (outside any virtualenv) or bash on this machine")
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHON")}
    env["PYTHON"] = system
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "install_bfcl.sh")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 2
    assert "no virtualenv is active" in done.stderr and "activate one first" in done.stderr


def test_the_active_virtualenv_is_used() -> None:
    # The script picks $VIRTUAL_ENV's interpreter: point it at a folder without one and it
    # says so instead of falling back to another Python.
    if sys.prefix == sys.base_prefix:
        pytest.skip("the tests do not run in a virtualenv")
    env = {k: v for k, v in os.environ.items() if k != "PYTHON"}
    env["VIRTUAL_ENV"] = "/nonexistent-venv"
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "install_bfcl.sh")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 2
    assert "/nonexistent-venv/bin/python" in done.stderr
