"""`fcharness cassettes`: list the recorded cassettes by age, provider and model.

Reads only each cassette's provenance header (`harness.cassettes.provenance`), never the
interactions. Cassettes recorded before fc-harness wrote provenance are listed as
`undated`. `--older-than DAYS` keeps the ones older than DAYS (and the undated ones, which
`fcharness run --max-age` also treats as stale); `--sort age|provider|model` (oldest first by
default); `--format json` for scripts. Exit 0, or 2 when a header cannot be read.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from harness.cassettes.provenance import age_days, read_provenance
from harness.errors import UserError
from harness.run.config import load_config

__all__ = ["CassetteInfo", "add_arguments", "list_cassettes", "run"]


@dataclass(frozen=True)
class CassetteInfo:
    """One cassette as `fcharness cassettes` lists it."""

    path: str
    provider_id: str
    case_id: str
    trial: int
    age_days: float | None
    recorded_at: str | None
    model: str | None
    """The model the vendor reported (the requested one when the vendor reports none)."""
    sdk: str | None
    fc_harness: str | None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the command's options."""
    parser.add_argument(
        "-p", "--provider", action="append", dest="providers", metavar="ID", help="provider id (repeatable)"
    )
    parser.add_argument(
        "--older-than",
        type=float,
        default=None,
        metavar="DAYS",
        help="only cassettes older than DAYS (and undated)",
    )
    parser.add_argument(
        "--sort", choices=("age", "provider", "model"), default="age", help="order (default: age)"
    )
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output format")


def _model(header: dict[str, Any]) -> str | None:
    reported = header.get("model_reported")
    if isinstance(reported, list):
        return ", ".join(str(m) for m in reported)
    return str(reported) if reported else (str(header["model"]) if header.get("model") else None)


def _sdk(header: dict[str, Any]) -> str | None:
    sdk = header.get("sdk")
    if not isinstance(sdk, dict) or not sdk.get("name"):
        return None
    return f"{sdk['name']} {sdk.get('version') or '?'}"


def list_cassettes(
    root: Path, providers: list[str] | None = None, now: datetime | None = None
) -> list[CassetteInfo]:
    """Every cassette under `root` (of `providers` when given), with its provenance."""
    now = now or datetime.now(timezone.utc)
    out: list[CassetteInfo] = []
    folders = sorted(providers) if providers else sorted(n for n in os.listdir(root) if (root / n).is_dir())
    for pid in folders:
        folder = root / pid
        if not folder.is_dir():
            raise UserError(f"no cassettes for provider {pid!r}: {folder} is not a folder")
        for path in sorted(folder.glob("*.yaml")):
            try:
                header = read_provenance(path) or {}
            except (OSError, ValueError) as exc:
                raise UserError(f"{path}: unreadable provenance header: {exc}") from None
            when = header.get("recorded_at")
            case_id, at, k = path.stem.rpartition("@")
            trial = int(k) if at and k.isdigit() else 1
            out.append(
                CassetteInfo(
                    path=str(path),
                    provider_id=pid,
                    case_id=case_id if at and k.isdigit() else path.stem,
                    trial=trial,
                    age_days=age_days(header, now),
                    recorded_at=str(when) if when is not None else None,
                    model=_model(header),
                    sdk=_sdk(header),
                    fc_harness=str(header["fc_harness"]) if header.get("fc_harness") else None,
                )
            )
    return out


def _key(sort: str) -> Any:
    def key(c: CassetteInfo) -> tuple[Any, ...]:
        # undated first when sorting by age: they are the least vouched for
        age = -(c.age_days if c.age_days is not None else float("inf"))
        if sort == "provider":
            return (c.provider_id, age, c.case_id, c.trial)
        if sort == "model":
            return (c.model or "", c.provider_id, age, c.case_id, c.trial)
        return (age, c.provider_id, c.case_id, c.trial)

    return key


def run(args: argparse.Namespace) -> int:
    """Print the list; return 0."""
    if args.older_than is not None and not args.older_than >= 0:
        raise UserError(f"--older-than must be a number of days ≥ 0, got {args.older_than:g}")
    config = load_config(getattr(args, "config", None))
    root = config.resolve(config.cassettes)
    if not root.is_dir():
        raise UserError(f"no cassettes folder at {root}")
    items = list_cassettes(root, args.providers)
    if args.older_than is not None:
        items = [c for c in items if c.age_days is None or c.age_days > args.older_than]
    items.sort(key=_key(args.sort))
    if args.format == "json":
        print(json.dumps([asdict(c) for c in items], indent=2, ensure_ascii=False))
        return 0
    from tabulate import tabulate

    table = [
        [
            "undated" if c.age_days is None else f"{c.age_days:.0f}d",
            c.recorded_at or "-",
            c.provider_id,
            c.case_id if c.trial == 1 else f"{c.case_id} @{c.trial}",
            c.model or "-",
            c.sdk or "-",
        ]
        for c in items
    ]
    print(
        tabulate(table, headers=["age", "recorded_at", "provider", "case", "model", "sdk"], tablefmt="simple")
    )
    undated = sum(1 for c in items if c.age_days is None)
    print(
        f"\n{len(items)} cassette(s)"
        + (f", {undated} undated (recorded before provenance)" if undated else "")
    )
    return 0
