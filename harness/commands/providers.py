"""`fcharness providers`: the configured provider ids, and each kind's capabilities.

Without options it lists the profiles of `fcharness.toml` (id, kind, model, base URL, whether
the key variable is set — never its value — and whether cassettes exist), then the
capabilities table; `--kinds` prints only the capabilities table, `--format json` either as
JSON.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from harness.providers.capabilities import CHOICE_MODES, all_rows

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the command's options."""
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output format")
    parser.add_argument(
        "--kinds", action="store_true", help="only the wire kinds and their capabilities (no configured ids)"
    )


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _configured(args: argparse.Namespace) -> list[dict[str, Any]]:
    from harness.run.config import load_config

    config = load_config(getattr(args, "config", None))
    root = config.resolve(config.cassettes)
    out = []
    for pid, p in config.providers.items():
        if p.api_key_env:
            key = "set" if os.environ.get(p.api_key_env) else f"missing ({p.api_key_env})"
        else:
            key = "not needed"
        folder = root / pid
        n = sum(1 for _ in folder.glob("*.yaml")) if folder.is_dir() else 0
        out.append(
            {
                "id": pid,
                "kind": p.kind + (f" ({p.quirks})" if p.quirks else "") + (" stream" if p.stream else ""),
                "model": p.model,
                "base_url": p.base_url or "(vendor default)",
                "key": key,
                "cassettes": n,
                "emulator": p.is_emulator,
            }
        )
    return out


def _capabilities_table() -> str:
    from tabulate import tabulate

    table = [
        [
            r.label,
            _yes(r.parallel_calls),
            _yes(r.disable_parallel),
            " ".join(m for m in CHOICE_MODES if m in r.tool_choice),
            _yes(r.strict),
            _yes(r.streaming),
            r.streamed_tool_deltas,
            r.max_tools if r.max_tools is not None else "-",
            "; ".join(r.notes),
        ]
        for r in all_rows()
    ]
    headers = [
        "kind",
        "parallel",
        "disable parallel",
        "tool_choice",
        "strict",
        "stream",
        "streamed calls",
        "max tools",
        "notes",
    ]
    return str(tabulate(table, headers=headers, tablefmt="simple"))


def run(args: argparse.Namespace) -> int:
    """Print the configured ids and/or the capabilities table; return 0."""
    rows = all_rows()
    configured = [] if args.kinds else _configured(args)
    if args.format == "json":
        kinds = [r.to_dict() for r in rows]
        print(
            json.dumps(
                kinds if args.kinds else {"providers": configured, "kinds": kinds},
                indent=2,
                ensure_ascii=False,
            )
        )
        return 0
    if not args.kinds:
        from tabulate import tabulate

        if configured:
            table = [
                [c["id"], c["kind"], c["model"], c["base_url"], c["key"], c["cassettes"]] for c in configured
            ]
            print("Configured providers (fcharness.toml; `-p ID` for run, record, gate):")
            print(
                tabulate(
                    table, headers=["id", "kind", "model", "base URL", "key", "cassettes"], tablefmt="simple"
                )
            )
        else:
            print(
                "No provider profiles configured (fcharness.toml [providers.ID]; `fcharness init` makes one)."
            )
        print("\nWire kinds and what each can express:")
    print(_capabilities_table())
    return 0
