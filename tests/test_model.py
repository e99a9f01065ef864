"""Tests for the neutral model, result rows and the shared provider helpers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness._io import atomic_write_text, read_at_most
from harness.errors import UserError
from harness.model import FAILURE_KINDS, Failure, ModelTurn, Tool, ToolCall, Usage, Verdict
from harness.providers.base import restore_names, sanitize_name
from harness.run.results import ResultRow, read_results, write_results


def test_failure_kinds_are_the_stable_set() -> None:
    # Other tools key on these strings: adding is fine, renaming is not.
    assert set(FAILURE_KINDS) >= {
        "no_call", "unexpected_call", "wrong_function", "hallucinated_function",
        "missing_call", "extra_call", "invalid_arguments_json", "schema_violation",
        "missing_argument", "unexpected_argument", "wrong_value", "wrong_type",
        "text_mismatch", "provider_error", "stale_cassette",
    }  # fmt: skip


def test_verdict_round_trips_and_explains() -> None:
    v = Verdict(
        "weather.x", "p", False, True, False, True,
        (Failure("wrong_value", "root['date']: expected '2025-06-22', got '2025-06-21'",
                 call=0, path="root['date']", expected="2025-06-22", actual="2025-06-21"),),
    )  # fmt: skip
    assert Verdict.from_dict(v.to_dict()) == v
    text = v.explain()
    assert "wrong_value (turn 0, call 0)" in text and "root['date']" in text


def test_result_rows_round_trip_with_unicode(tmp_path: Path) -> None:
    turn = ModelTurn(
        calls=(ToolCall("get_weather", {"location": "北京"}, '{"location": "北京"}', "call_1"),),
        usage=Usage(12, 5),
        latency_ms=30.0,
    )
    row = ResultRow(
        run_id="r1", case_id="weather.beijing", provider_id="p", kind="openai-chat", model="m",
        category="simple", verdict=Verdict("weather.beijing", "p", True, True, True, True, status="pass"),
        turns=(turn,), usage=Usage(12, 5), latency_ms=30.0,
    )  # fmt: skip
    path = tmp_path / "results.jsonl"
    write_results(path, [row])
    assert "北京" in path.read_text(encoding="utf-8")
    (back,) = read_results(path)
    assert back == row


def test_malformed_result_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    path.write_text('{"run_id": "x"}\n', encoding="utf-8")
    with pytest.raises(UserError, match=r"results.jsonl:1: malformed result row"):
        read_results(path)


def test_sanitize_and_restore_names() -> None:
    tools = (Tool("math.gcd", "", {"type": "object"}), Tool("get_weather", "", {"type": "object"}))
    assert sanitize_name("math.gcd") == "math_gcd"
    turn = ModelTurn(calls=(ToolCall("math_gcd", {}), ToolCall("get_weather", {}), ToolCall("nope", {})))
    names = [c.name for c in restore_names(turn, tools).calls]
    assert names == ["math.gcd", "get_weather", "nope"]


def test_atomic_write_leaves_old_file_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "c.yaml"
    atomic_write_text(target, "old")

    def boom(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(OSError):
        atomic_write_text(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["c.yaml"]


def test_atomic_write_gives_the_usual_file_mode(tmp_path: Path) -> None:
    import os

    target = tmp_path / "report.md"
    atomic_write_text(target, "x")
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_read_at_most_reads_what_the_file_holds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "entry.json"
    path.write_bytes(b"x" * 100)
    assert read_at_most(path, 100) == b"x" * 100
    assert read_at_most(path, 99) is None  # over the limit: refused before reading
    with pytest.raises(OSError):
        read_at_most(tmp_path / "missing.json", 100)
    # the read asks for the file's size, not the limit (a read of the limit allocates it whole)
    sizes: list[int] = []
    real_open = open

    class Spy:
        def __init__(self, f: Any) -> None:
            self.f = f

        def __enter__(self) -> Spy:
            return self

        def __exit__(self, *exc: object) -> None:
            self.f.close()

        def fileno(self) -> int:
            return int(self.f.fileno())

        def read(self, n: int) -> bytes:
            sizes.append(n)
            return bytes(self.f.read(n))

    monkeypatch.setattr("builtins.open", lambda *a, **k: Spy(real_open(*a, **k)))
    assert read_at_most(path, 64 << 20) == b"x" * 100
    assert max(sizes) <= 101
