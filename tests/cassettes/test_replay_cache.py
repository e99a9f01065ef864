"""The fast replay's cassette reader and its parsed-cassette cache (`harness.cassettes.replay`)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from harness.cassettes import format as cassette_format
from harness.cassettes.replay import Interaction, InteractionCache, cache_dir_for, load_interactions
from harness.cassettes.store import AtomicPersister
from harness.errors import CassetteError

REPO = Path(__file__).resolve().parents[2]
SHIPPED = [
    REPO / "cassettes" / "emulator-openai-chat" / "booking.flight.forced.yaml",
    REPO / "cassettes" / "emulator-openai-chat-stream" / "booking.flight.forced.yaml",
    REPO / "cassettes" / "emulator-bedrock-converse-stream" / "booking.flight.forced.yaml",
]


def _shape(items: list[Interaction]) -> list[tuple[Any, ...]]:
    return [(i.method, i.uri, i.digest, i.response) for i in items]


def _entries(cache: InteractionCache) -> list[Path]:
    return sorted(cache.folder.glob("*.json"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.parent.name)
def test_reads_what_vcrpys_persister_reads(path: Path) -> None:
    requests, _responses, *_ = AtomicPersister.load_cassette(path, serializer=cassette_format)
    ours = load_interactions(path)
    assert [(r.method, r.uri) for r in requests] == [(i.method, i.uri) for i in ours]
    assert [r.body.decode("utf-8") for r in requests] == [i.text for i in ours]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.parent.name)
def test_a_cached_load_equals_a_parse(path: Path, tmp_path: Path) -> None:
    cache = InteractionCache(tmp_path / "cache")
    first = load_interactions(path, cache)
    again = load_interactions(path, cache)
    assert _shape(first) == _shape(load_interactions(path)) == _shape(again)
    # a hit keeps only the digest of each request: it matches what the parse matches
    assert all(it.text is None for it in again)
    for parsed, cached in zip(load_interactions(path), again, strict=True):
        assert cached.matches(parsed.canonical) and not cached.matches(parsed.canonical + " ")


def test_the_cache_is_keyed_by_content(tmp_path: Path) -> None:
    cassette = tmp_path / "c.yaml"
    shutil.copyfile(SHIPPED[0], cassette)
    cache = InteractionCache(tmp_path / "cache")
    load_interactions(cassette, cache)
    assert len(_entries(cache)) == 1
    text = cassette.read_text(encoding="utf-8").replace("code: 200", "code: 201", 1)
    cassette.write_text(text, encoding="utf-8")
    (it,) = load_interactions(cassette, cache)
    assert it.response.status == 201  # the edit is seen, not the cached parse
    assert len(_entries(cache)) == 2


@pytest.mark.parametrize(
    "poison",
    [
        "not json",
        "[]",
        '{"key": "other", "interactions": []}',
        '{"key": KEY, "interactions": [["POST", "u", "t", "200", null, null, {}, null]]}',
        '{"key": KEY, "interactions": [["POST", "u", "t", 200, null, null, {"a": 1}, null]]}',
        '{"key": KEY, "interactions": [["POST"]]}',
        # the request is kept as the sha256 of its canonical JSON: 64 lowercase hex digits
        '{"key": KEY, "interactions": [["POST", "u", "' + "A" * 64 + '", 200, {}, null, {}, null]]}',
        '{"key": KEY, "interactions": [["POST", "u", "' + "a" * 63 + '", 200, {}, null, {}, null]]}',
        '{"key": KEY, "interactions": [["POST", "u", "' + "a" * 64 + '\\n", 200, {}, null, {}, null]]}',
        '{"key": KEY, "interactions": "x"}',
        "[" * 100000,
    ],
)
def test_a_malformed_entry_is_a_miss_and_is_rewritten(tmp_path: Path, poison: str) -> None:
    cache = InteractionCache(tmp_path / "cache")
    expected = _shape(load_interactions(SHIPPED[0], cache))
    (entry,) = _entries(cache)
    entry.write_text(poison.replace("KEY", json.dumps(entry.stem)), encoding="utf-8")
    assert _shape(load_interactions(SHIPPED[0], cache)) == expected
    assert json.loads(entry.read_text(encoding="utf-8"))["key"] == entry.stem


def test_an_oversized_entry_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.cassettes import replay

    cache = InteractionCache(tmp_path / "cache")
    expected = _shape(load_interactions(SHIPPED[0], cache))
    monkeypatch.setattr(replay, "MAX_ENTRY_BYTES", 10)
    assert cache.get(_entries(cache)[0].stem) is None
    assert _shape(load_interactions(SHIPPED[0], cache)) == expected


def test_values_json_cannot_hold_exactly_are_not_cached(tmp_path: Path) -> None:
    cassette = tmp_path / "c.yaml"
    text = SHIPPED[0].read_text(encoding="utf-8")
    # a header value that YAML reads as a number: the entry's shape check refuses it
    new = text.replace("message: OK\n    headers:\n", "message: OK\n    headers:\n      x-n: [3]\n", 1)
    assert new != text
    cassette.write_text(new, encoding="utf-8")
    cache = InteractionCache(tmp_path / "cache")
    load_interactions(cassette, cache)
    assert _entries(cache) == []


def test_a_read_only_cache_folder_does_not_fail_the_run(tmp_path: Path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    cache = InteractionCache(blocker)
    assert _shape(load_interactions(SHIPPED[0], cache)) == _shape(load_interactions(SHIPPED[0]))
    assert cache.writable is False


def test_missing_and_unreadable_cassettes(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_interactions(tmp_path / "none.yaml")
    empty = tmp_path / "empty.yaml"
    empty.write_text("  \n", encoding="utf-8")
    with pytest.raises(FileNotFoundError):
        load_interactions(empty)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"interactions: [\xff]")
    with pytest.raises(CassetteError, match="not UTF-8"):
        load_interactions(latin)
    bad = tmp_path / "bad.yaml"
    bad.write_text("interactions: 3\n", encoding="utf-8")
    with pytest.raises(CassetteError, match="unreadable cassette"):
        load_interactions(bad, InteractionCache(tmp_path / "cache"))


def test_cache_folder_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FCHARNESS_CACHE", raising=False)
    assert cache_dir_for(tmp_path) == tmp_path / ".fcharness_cache"
    monkeypatch.setenv("FCHARNESS_CACHE", "off")
    assert cache_dir_for(tmp_path) is None
    monkeypatch.setenv("FCHARNESS_CACHE", str(tmp_path / "elsewhere"))
    assert cache_dir_for(tmp_path) == tmp_path / "elsewhere"


def test_the_fast_replay_imports_no_vcrpy_and_no_sdk(tmp_path: Path) -> None:
    code = (
        "import sys, contextlib, io\n"
        "from harness.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main(['--config', {str(REPO / 'fcharness.toml')!r}, 'run', '-p', 'emulator-openai-chat',"
        f" '--reports', {str(tmp_path)!r}, '--run-id', 'r', '--no-progress'])\n"
        "print(sorted(m for m in ('vcr', 'openai', 'httpx', 'anthropic') if m in sys.modules))\n"
    )
    env = {"FCHARNESS_CACHE": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "[]"


def test_a_warm_replay_of_the_demo_imports_no_yaml_and_no_jsonschema(tmp_path: Path) -> None:
    """With the caches filled, replaying parses no YAML (cassettes, cases and shared tools come
    from the cache) and the demo's answers need no jsonschema (the fast schema check accepts)."""
    code = (
        "import sys, contextlib, io\n"
        "from harness.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main(['--config', {str(REPO / 'fcharness.toml')!r}, 'run', '-p', 'emulator-openai-chat',"
        f" '--reports', {str(tmp_path)!r}, '--no-progress'])\n"
        "print(sorted(m for m in ('yaml', 'jsonschema') if m in sys.modules))\n"
    )
    env = {"FCHARNESS_CACHE": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert "'yaml'" in first.stdout  # the first pass parses
    assert again.stdout.strip() == "[]"
