"""Where cassettes live and how they are named and matched, without vcrpy (DESIGN.md §6).

- `cassettes/<provider-id>/<case-id>.yaml`, trial k ≥ 2 in `<case-id>@k.yaml`; `cassette_path`
  refuses ids that could leave the folder.
- Record modes as vcrpy names them (`RecordMode`).
- Requests match on the canonical JSON body (`canonical_json`).
- The messages a missing or stale cassette gets, with the command that re-records it.

Kept apart from `harness.cassettes.store` (which imports vcrpy) so commands that only need
paths and modes start fast.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from enum import Enum
from pathlib import Path
from typing import Any

from harness.errors import UserError

__all__ = [
    "RECORD_MODES",
    "RecordMode",
    "canonical_json",
    "cassette_path",
    "coerce_record_mode",
    "decoded_body",
    "glob_escape",
    "missing_message",
    "orphan_cassettes",
    "record_command",
    "stale_message",
    "trial_paths",
    "trials_by_case",
    "warn_orphans",
]


class RecordMode(str, Enum):
    """When traffic is recorded (vcrpy's names)."""

    NONE = "none"
    """Replay only; a request with no recording is an error (default of `run`, CI)."""
    ONCE = "once"
    """Record a cassette that does not exist yet; replay existing ones."""
    NEW_EPISODES = "new_episodes"
    """Replay what matches, record what does not."""
    ALL = "all"
    """Record everything, replacing existing cassettes (default of `record`)."""


RECORD_MODES: tuple[str, ...] = tuple(m.value for m in RecordMode)


def coerce_record_mode(value: str | RecordMode) -> RecordMode:
    """Return `value` as a RecordMode, or raise a UserError listing the valid modes."""
    try:
        return RecordMode(value)
    except ValueError:
        valid = ", ".join(repr(m.value) for m in RecordMode)
        raise UserError(f"{value!r} is not a valid record mode; valid modes are: {valid}") from None


# --- paths ---------------------------------------------------------------------------------

_SAFE_COMPONENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _check_component(value: str, what: str) -> None:
    if not _SAFE_COMPONENT.match(value) or value in (".", "..") or ".." in value.split("."):
        raise UserError(
            f"{what} {value!r} cannot name a cassette: use letters, digits, '.', '_' and '-' only "
            "(no path separators, no '..')"
        )


def cassette_path(root: str | Path, provider_id: str, case_id: str, trial: int = 1) -> Path:
    """Return `root/<provider-id>/<case-id>[@trial].yaml`, refusing anything that escapes `root`."""
    _check_component(case_id, "case id")
    if trial < 1:
        raise UserError(f"trial must be ≥ 1, got {trial}")
    name = f"{case_id}.yaml" if trial == 1 else f"{case_id}@{trial}.yaml"
    # the components were checked (no separator, no '..'), so the path stays inside root
    return _provider_folder(os.path.abspath(root), provider_id) / name


_FOLDERS: dict[tuple[str, str], Path] = {}


def _provider_folder(root: str, provider_id: str) -> Path:
    """`root/<provider-id>` (checked), built once per root and provider (one per job otherwise)."""
    folder = _FOLDERS.get((root, provider_id))
    if folder is None:
        _check_component(provider_id, "provider id")
        if len(_FOLDERS) > 1000:
            _FOLDERS.clear()
        folder = _FOLDERS[(root, provider_id)] = Path(root) / provider_id
    return folder


def trial_paths(root: str | Path, provider_id: str, case_id: str) -> list[tuple[int, Path]]:
    """Return the (trial, path) pairs of the cassettes present for a case, trial 1 first."""
    first = cassette_path(root, provider_id, case_id)
    found = [(1, first)] if first.exists() else []
    for p in first.parent.glob(f"{glob_escape(case_id)}@*.yaml"):
        k = p.name[len(case_id) + 1 : -len(".yaml")]
        if k.isdigit() and int(k) >= 2:
            found.append((int(k), p))
    return sorted(found)


def trials_by_case(root: str | Path, provider_id: str) -> dict[str, list[int]]:
    """Map each case id with cassettes for a provider to its trial numbers (one folder listing)."""
    _check_component(provider_id, "provider id")
    folder = Path(root) / provider_id
    found: dict[str, list[int]] = {}
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return found
    for name in names:
        if not name.endswith(".yaml") or name.startswith("."):
            continue
        stem = name[: -len(".yaml")]
        case_id, at, k = stem.rpartition("@")
        if at and k.isdigit() and int(k) >= 2:
            found.setdefault(case_id, []).append(int(k))
        else:
            found.setdefault(stem, []).append(1)
    return {cid: sorted(ks) for cid, ks in found.items()}


def glob_escape(text: str) -> str:
    """Escape glob metacharacters in `text`."""
    return re.sub(r"([*?\[])", r"[\1]", text)


# --- commands and messages -----------------------------------------------------------------


def record_command(provider_id: str, case_id: str, source: str | None = None) -> str:
    """Return the exact command that (re-)records one case on one provider."""
    where = f"{_relative(source)} " if source else ""
    return f"fcharness record {where}-p {provider_id} -k {case_id}"


def _relative(path: str) -> str:
    """`path` relative to the working folder when it lies inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return path


def missing_message(path: Path, provider_id: str, case_id: str, source: str | None = None) -> str:
    """Explain a missing cassette and how to record it."""
    return f"no cassette at {path}; record it with: {record_command(provider_id, case_id, source)}"


def stale_message(
    recorded: Any, current: Any, provider_id: str, case_id: str, source: str | None = None, turn: int = 0
) -> str:
    """Explain a cassette whose recorded request differs from today's, with a deepdiff."""
    from deepdiff import DeepDiff

    diff = DeepDiff(recorded, current, verbose_level=2)
    lines = diff.pretty().splitlines() if diff else ["(bodies differ only in JSON types)"]
    shown = lines[:20] + ([f"... and {len(lines) - 20} more differences"] if len(lines) > 20 else [])
    body = "\n".join(f"    {line}" for line in shown)
    return (
        f"cassette is stale: the request of turn {turn} differs from the recorded one "
        f"(recorded → current):\n{body}\n  re-record with: {record_command(provider_id, case_id, source)}"
    )


# --- matching ------------------------------------------------------------------------------


def canonical_json(value: Any) -> str:
    """Return the canonical JSON text of a decoded body (sorted keys, no whitespace)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def decoded_body(body: Any) -> Any:
    if body is None or body in (b"", ""):
        return None
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    try:
        return json.loads(text)
    except ValueError:
        return text


def orphan_cassettes(
    root: Path, listings: Mapping[str, Mapping[str, Sequence[int]]], case_ids: set[str]
) -> list[Path]:
    """Cassettes of the listed providers whose case id matches no loaded case."""
    return sorted(
        cassette_path(root, pid, cid, k)
        for pid, by_case in listings.items()
        for cid, ks in by_case.items()
        if cid not in case_ids
        for k in ks
    )


def warn_orphans(root: Path, listings: Mapping[str, Mapping[str, Sequence[int]]], case_ids: set[str]) -> None:
    """Warn on stderr about `orphan_cassettes` (a renamed or deleted case leaves its cassettes)."""
    orphans = orphan_cassettes(root, listings, case_ids)
    if orphans:
        shown = ", ".join(str(p) for p in orphans[:5]) + (" ..." if len(orphans) > 5 else "")
        print(
            f"fcharness: warning: {len(orphans)} cassette(s) match no case (renamed or deleted?): {shown}",
            file=sys.stderr,
        )
