"""scripts/local_models.sh and scripts/gguf_meta.py, offline: pins, template, GGUF reading, errors."""

from __future__ import annotations

import hashlib
import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from harness.run.config import load_config

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "local_models.sh"
TEMPLATE = REPO / "scripts" / "templates" / "qwen2.5-coder-json-fence.jinja"

sys.path.insert(0, str(REPO / "scripts"))
import gguf_meta  # noqa: E402


def _gguf(path: Path, meta: dict[str, object]) -> Path:
    """Write a header-only GGUF v3 file with string / uint32 / string-array values."""

    def s(text: str) -> bytes:
        raw = text.encode()
        return struct.pack("<Q", len(raw)) + raw

    out = b"GGUF" + struct.pack("<IQQ", 3, 0, len(meta))
    for key, value in meta.items():
        out += s(key)
        if isinstance(value, str):
            out += struct.pack("<I", 8) + s(value)
        elif isinstance(value, int):
            out += struct.pack("<II", 4, value)
        else:
            assert isinstance(value, list)
            out += struct.pack("<IIQ", 9, 8, len(value)) + b"".join(s(v) for v in value)
    path.write_bytes(out)
    return path


def _sh(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FCHARNESS_LOCAL_MODELS": str(home)}
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=60)


def test_gguf_metadata_is_read_and_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = _gguf(
        tmp_path / "m.gguf",
        {"general.name": "Qwen2.5 Coder 0.5B Instruct", "qwen2.block_count": 24, "tokens": ["a", "b"]},
    )
    meta = gguf_meta.read_metadata(str(f))
    assert meta["general.name"] == "Qwen2.5 Coder 0.5B Instruct" and meta["tokens"] == ["a", "b"]
    assert meta["qwen2.block_count"] == 24
    assert gguf_meta.main([str(f), "--expect", "general.name", r"^Qwen2\.5 Coder 0\.5B"]) == 0
    assert gguf_meta.main([str(f), "--expect", "general.name", r"^Qwen2\.5 Coder 1\.5B"]) == 1
    assert "expected" in capsys.readouterr().err


def test_a_file_that_is_not_gguf_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "x.gguf"
    bad.write_bytes(b"PK\x03\x04 not a model")
    assert gguf_meta.main([str(bad)]) == 1
    assert "not a GGUF file" in capsys.readouterr().err
    truncated = _gguf(tmp_path / "t.gguf", {"general.name": "x"})
    truncated.write_bytes(truncated.read_bytes()[:-3])
    assert gguf_meta.main([str(truncated), "general.name"]) == 1
    assert "truncated" in capsys.readouterr().err


def test_the_pins_in_the_script_match_the_profiles_provenance(tmp_path: Path) -> None:
    listed = _sh("models", home=tmp_path)
    assert listed.returncode == 0, listed.stderr
    pins = dict(re.findall(r"^(\S+)\tport.*?sha256 ([0-9a-f]{64})", listed.stdout, re.M))
    assert set(pins) == {"qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"}
    template_sha = hashlib.sha256(TEMPLATE.read_bytes()).hexdigest()
    config = load_config(REPO / "fcharness.toml")
    local = [p for pid, p in config.providers.items() if pid.startswith("llamacpp-")]
    assert len(local) >= 4
    for p in local:
        extra = p.options["provenance"]
        size = "0.5b" if "0.5b" in p.id else "1.5b"
        assert extra["model_sha256"] == pins[f"qwen2.5-coder-{size}"], p.id
        assert extra["chat_template_sha256"] == template_sha, p.id
        port = re.search(rf"^qwen2\.5-coder-{re.escape(size)}\tport (\d+)", listed.stdout, re.M)
        assert port and f"127.0.0.1:{port.group(1)}" in (p.base_url or ""), p.id


def test_the_template_writes_calls_as_json_fences_like_the_models() -> None:
    text = TEMPLATE.read_text(encoding="utf-8")
    assert "<tool_call>" not in text and "</tool_call>" not in text
    assert "```json" in text and "tool_response" in text  # results still go back as tool_response


def test_unknown_model_and_command_exit_2_and_nothing_runs(tmp_path: Path) -> None:
    res = _sh("start", "gpt-5", home=tmp_path)
    assert res.returncode == 2 and "unknown model 'gpt-5'" in res.stderr
    res = _sh("launch", home=tmp_path)
    assert res.returncode == 2 and "unknown command 'launch'" in res.stderr
    assert not any(tmp_path.iterdir())  # nothing downloaded or built


def test_status_and_stop_on_an_empty_folder(tmp_path: Path) -> None:
    res = _sh("status", home=tmp_path)
    assert res.returncode == 0
    assert "llama-server: not built" in res.stdout
    assert "qwen2.5-coder-0.5b: weights missing, stopped" in res.stdout
    res = _sh("stop", home=tmp_path)
    assert res.returncode == 0 and "not running" in res.stderr


def test_stop_never_kills_a_process_that_is_not_its_server(tmp_path: Path) -> None:
    # Given a PID file naming a live process that is not llama-server (PID reuse)
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        (tmp_path / "run").mkdir()
        (tmp_path / "run" / "qwen2.5-coder-0.5b.pid").write_text(str(sleeper.pid))
        res = _sh("stop", "qwen2.5-coder-0.5b", home=tmp_path)
        # Then it is left alone and the stale PID file is removed
        assert res.returncode == 0 and "not running" in res.stderr
        assert sleeper.poll() is None
        assert not (tmp_path / "run" / "qwen2.5-coder-0.5b.pid").exists()
    finally:
        sleeper.kill()
        sleeper.wait()
