"""scripts/scan_cassettes.py finds secret-looking strings and lets placeholders through."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "scan_cassettes.py"
_spec = importlib.util.spec_from_file_location("scan_cassettes", SCRIPT)
assert _spec and _spec.loader
scan = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(scan)

# Built by concatenation so this file itself holds nothing secret-looking.
SECRETS = {
    "openai": "api_key: " + "sk-" + "proj-" + "A1b2C3d4E5f6G7h8I9j0K1l2",
    "anthropic": "x-api-key: " + "sk-" + "ant-api03-" + "Zz9Yy8Xx7Ww6Vv5Uu4",
    "google": "key=" + "AI" + "za" + "SyA1234567890abcdefghijklmnopqrstuv",
    "bearer": "authorization: " + "Bear" + "er " + "eyJhbGciOiJIUzI1NiJ9.abc.def",
    "aws id": "Credential=" + "AK" + "IA" + "IOSFODNN7EXAMPLE" + "/20261127/us-east-1",
    "aws secret": "aws_secret_access_key = " + "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY",
}


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_each_kind_of_secret_is_found(tmp_path: Path, name: str, capsys) -> None:
    f = tmp_path / "cassettes" / "p" / "case.yaml"
    f.parent.mkdir(parents=True)
    f.write_text("interactions:\n- request:\n    headers:\n      " + SECRETS[name] + "\n", encoding="utf-8")
    assert scan.main([str(tmp_path / "cassettes")]) == 1
    out = capsys.readouterr().out
    assert f"{f}:4:" in out
    # the finding is masked: the full secret is never printed
    assert SECRETS[name].split()[-1] not in out


def test_placeholders_and_ordinary_text_are_clean(tmp_path: Path, capsys) -> None:
    f = tmp_path / "case.yaml"
    f.write_text(
        "authorization: Bearer REDACTED\n"
        "authorization: Bearer <redacted>\n"
        "content: 帮我订一张明天从上海到北京的火车票 (task-scheduler, risk-assessment)\n"
        "model: gpt-4o-mini\n",
        encoding="utf-8",
    )
    assert scan.main([str(f)]) == 0
    assert "1 file(s) clean" in capsys.readouterr().out


def test_missing_path_is_exit_2(tmp_path: Path, capsys) -> None:
    assert scan.main([str(tmp_path / "nope")]) == 2
    assert "nope" in capsys.readouterr().err


def test_runs_as_a_script(tmp_path: Path) -> None:
    f = tmp_path / "c.yaml"
    f.write_text(SECRETS["google"] + "\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, str(SCRIPT), str(f)], capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert "google api key" in proc.stdout


def test_the_shipped_cassettes_are_clean() -> None:
    cassettes = REPO / "cassettes"
    if not cassettes.is_dir():
        pytest.skip("no cassettes/ folder in this checkout")
    assert scan.main([str(cassettes)]) == 0
