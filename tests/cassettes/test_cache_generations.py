"""Stale cache generations (`.fcharness_cache/{cases,cassettes}/v<format>-<fingerprint>/` of
other fc-harness versions) are removed by the first write of the current one, safely."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from harness._io import prune_generations
from harness.cases.cache import CaseCache
from harness.cases.loader import load_cases
from harness.cassettes.replay import InteractionCache, load_interactions

REPO = Path(__file__).resolve().parents[2]
CASSETTE = REPO / "cassettes" / "emulator-openai-chat" / "booking.flight.forced.yaml"
OLD = "v1-0123456789abcdef"


def _stale(folder: Path) -> Path:
    old = folder / OLD
    (old / "sub").mkdir(parents=True)
    (old / "e.json").write_text("{}", encoding="utf-8")
    (old / "sub" / "f.json").write_text("{}", encoding="utf-8")
    return old


def test_the_first_write_of_each_cache_removes_other_generations(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    old_cassettes, old_cases = _stale(root / "cassettes"), _stale(root / "cases")
    keep = [root / "cassettes" / "notes", root / "cases" / "v2-mine", root / "cases" / "V1-0123456789ABCDEF"]
    for k in keep:  # not named like a generation: the user's, left alone
        k.mkdir()
    (root / "cassettes" / "v3-fedcba9876543210").write_text("a file, not a folder", encoding="utf-8")

    cache = InteractionCache(root)
    load_interactions(CASSETTE, cache)
    assert not old_cassettes.exists() and cache.folder.is_dir()
    assert old_cases.exists()  # the case cache prunes its own folder only
    cases = CaseCache(root)
    load_cases([REPO / "cases"], cases)
    assert not old_cases.exists() and cases.folder.is_dir()
    assert all(k.is_dir() for k in keep)
    assert (root / "cassettes" / "v3-fedcba9876543210").is_file()

    _stale(root / "cassettes")  # only a write prunes: a warm run (all hits) leaves it
    load_interactions(CASSETTE, InteractionCache(root))
    assert (root / "cassettes" / OLD).exists()


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="symbolic links")
def test_nothing_behind_a_link_is_touched(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    victim = _stale(elsewhere)
    root = tmp_path / "cache"
    (root / "cassettes").mkdir(parents=True)
    (root / "cassettes" / "v9-aaaaaaaaaaaaaaaa").symlink_to(victim, target_is_directory=True)
    inner = _stale(root / "cassettes")
    (inner / "link").symlink_to(victim, target_is_directory=True)
    current = root / "cassettes" / "v2-bbbbbbbbbbbbbbbb"
    current.mkdir()
    assert prune_generations(current) == 1  # the real stale folder, and only it
    assert not inner.exists() and (root / "cassettes" / "v9-aaaaaaaaaaaaaaaa").is_symlink()
    assert (victim / "e.json").is_file() and (victim / "sub" / "f.json").is_file()

    # the generations' parent (or the cache folder) itself a link: no pruning at all
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "cases").symlink_to(elsewhere, target_is_directory=True)
    assert prune_generations(linked / "cases" / "v2-bbbbbbbbbbbbbbbb") == 0
    (tmp_path / "root-link").symlink_to(root, target_is_directory=True)
    _stale(root / "cassettes")
    assert prune_generations(tmp_path / "root-link" / "cassettes" / "v2-bbbbbbbbbbbbbbbb") == 0
    assert victim.exists() and (root / "cassettes" / OLD).exists()


def test_pruning_never_fails_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert prune_generations(tmp_path / "missing" / "cassettes" / "v2-bbbbbbbbbbbbbbbb") == 0
    root = tmp_path / "cache"
    old = _stale(root / "cassettes")

    def busy(path: object, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "in use", str(path))

    monkeypatch.setattr(shutil, "rmtree", busy)
    monkeypatch.setattr(busy, "avoids_symlink_attacks", True, raising=False)
    cache = InteractionCache(root)
    assert len(load_interactions(CASSETTE, cache)) == len(load_interactions(CASSETTE))
    assert cache.pruned and old.exists() and any(cache.folder.glob("*.json"))
