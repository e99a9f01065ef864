"""scripts/record_demo.py: a re-recording rewrites only cassettes whose content changed."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[2]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("record_demo", REPO / "scripts" / "record_demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


OLD = "interactions:\n- response:\n    latency_ms: 5.1\n    parsed_body:\n      id: chatcmpl-abc\n"


def test_only_latency_changes_put_the_old_cassette_back(tmp_path: Path) -> None:
    rd = _script()
    same, changed, gone, identical = (
        tmp_path / n for n in ("same.yaml", "changed.yaml", "gone.yaml", "id.yaml")
    )
    same.write_text(OLD.replace("5.1", "12.75"), encoding="utf-8")
    changed.write_text(OLD.replace("5.1", "7").replace("chatcmpl-abc", "chatcmpl-xyz"), encoding="utf-8")
    identical.write_text(OLD, encoding="utf-8")
    kept, n_changed = rd.keep_unchanged({same: OLD, changed: OLD, gone: OLD, identical: OLD})
    assert (kept, n_changed) == (2, 2)
    assert same.read_text(encoding="utf-8") == OLD  # the old latency is kept
    assert "chatcmpl-xyz" in changed.read_text(encoding="utf-8")  # a real change is kept
    assert not gone.exists()


def test_a_new_provenance_header_alone_puts_the_old_cassette_back(tmp_path: Path) -> None:
    rd = _script()
    old = "version: 1\nprovenance:\n  recorded_at: '2025-01-01T00:00:00Z'\n" + OLD
    path = tmp_path / "c.yaml"
    path.write_text(old.replace("2025-01-01", "2026-12-07").replace("5.1", "9"), encoding="utf-8")
    assert rd.keep_unchanged({path: old}) == (1, 0)
    assert path.read_text(encoding="utf-8") == old
