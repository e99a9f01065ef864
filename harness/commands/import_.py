"""`fcharness import bfcl [--source PATH] [--category NAME]... --out DIR`.

Writes one case file per BFCL category (`DIR/bfcl_<category>.yaml`, atomically) that
`harness.cases.loader.load_cases` loads back, BFCL data kept under each case's `meta:`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from harness._io import atomic_write_text
from harness.cases.yaml_lines import _BOOL, _FLOAT, _INT, _NULL
from harness.errors import UserError
from harness.model import Case, Message, Tool

__all__ = ["add_arguments", "case_to_dict", "dump_cases", "loadable", "run"]

_Dumper: type = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
# Strings the case loader (YAML 1.2 core scalars) would read as a number, bool or null are
# quoted; PyYAML quotes only YAML 1.1's (it writes `6E123` or `0o17` bare).
_QUOTE = (_BOOL, _NULL, _INT, _FLOAT)


class _CaseDumper(_Dumper):  # type: ignore[misc]
    """Block-style YAML with Unicode kept and YAML-1.2-ambiguous strings quoted; no aliases."""

    def ignore_aliases(self, data: object) -> bool:
        """Write shared values out in full: the case loader refuses anchors and aliases."""
        return True


def _str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = '"' if any(p.match(data) for p in _QUOTE) else ("|" if "\n" in data and len(data) > 80 else None)
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_CaseDumper.add_representer(str, _str)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register `import`'s suites (only `bfcl` so far)."""
    sub = parser.add_subparsers(dest="suite", metavar="SUITE", required=True)
    p = sub.add_parser("bfcl", help="the Berkeley Function Calling Leaderboard (BFCL)")
    p.add_argument(
        "--source",
        type=Path,
        default=None,
        help="a folder of BFCL JSON files (default: the installed bfcl-eval package's data)",
    )
    p.add_argument(
        "--category",
        action="append",
        default=[],
        metavar="NAME",
        help="a BFCL category (simple, simple_java, simple_javascript, multiple, parallel, "
        "parallel_multiple, "
        "irrelevance, live_simple, live_multiple, live_parallel, live_parallel_multiple, live_irrelevance, "
        "live_relevance, multi_turn_base, multi_turn_miss_func, multi_turn_miss_param, "
        "multi_turn_long_context, "
        "or BFCL's file names such as simple_python or v1's parallel_function); repeatable; "
        "default: every one found",
    )
    p.add_argument("--out", type=Path, required=True, help="folder for the case files")
    p.add_argument(
        "--verbose", action="store_true", help="list every data quirk noted (default: a count and examples)"
    )


def _message(m: Message) -> dict[str, Any]:
    return {"role": m.role, "content": m.content}


def _tool(t: Tool) -> dict[str, Any]:
    return {"name": t.name, "description": t.description, "parameters": dict(t.parameters)}


def case_to_dict(case: Case) -> dict[str, Any]:
    """A single-turn case as a case-file entry (DESIGN.md §3), with `meta:`."""
    out: dict[str, Any] = {"id": case.id, "category": case.category}
    if case.tags:
        out["tags"] = list(case.tags)
    out["tools"] = [_tool(t) for t in case.tools]
    out["messages"] = [_message(m) for m in case.messages]
    if case.executable:
        out.update(executable_fields(case))
    else:
        out["expect"] = [{"call": e.name, "arguments": dict(e.arguments)} for e in case.turns[0].expect]
    if case.extra_arguments != "forbid":
        out["extra_arguments"] = case.extra_arguments
    if case.meta:
        out["meta"] = dict(case.meta)
    return out


def executable_fields(case: Case) -> dict[str, Any]:
    """`backends:` and the user `turns:` of an executable-backend case, as a case file writes them."""
    backends = []
    for b in case.backends:
        item: dict[str, Any] = {"python": b.python}
        if b.name != b.python.rpartition(":")[2]:
            item["name"] = b.name
        if b.init:
            item["init"] = dict(b.init)
        if b.scenario is not None:
            item["scenario"] = dict(b.scenario)
        if b.long_context:
            item["long_context"] = True
        backends.append(item)
    turns = []
    for turn in case.turns:
        t: dict[str, Any] = {}
        if turn.messages:
            t["messages"] = [_message(m) for m in turn.messages]
        if turn.tools:
            t["tools"] = [_tool(x) for x in turn.tools]
        if turn.check_calls:
            t["expect"] = [{"call": e.name, "arguments": dict(e.arguments)} for e in turn.expect]
        if turn.expect_state is not None:
            t["expect_state"] = dict(turn.expect_state)
        turns.append(t)
    return {"backends": backends, "turns": turns}


def dump_cases(cases: list[Case], header: str) -> str:
    """The text of a case file holding `cases`."""
    body = yaml.dump(
        {"cases": [case_to_dict(c) for c in cases]},
        Dumper=_CaseDumper,
        allow_unicode=True,
        sort_keys=False,
        width=110,
    )
    return header + body


def _print_warnings(warnings: list[Any], verbose: bool) -> None:
    schema = [w for w in warnings if w.message.startswith(bfcl_schema_note())]
    for w in warnings if verbose else [w for w in warnings if w not in schema] + schema[:3]:
        print(f"fcharness: {w}", file=sys.stderr)
    if schema and not verbose:
        print(
            f"fcharness: {len(schema)} possible-answer values violate their function's own schema and "
            "are expected through $normalized / $schema matchers instead (`--verbose` lists them all)",
            file=sys.stderr,
        )


def bfcl_schema_note() -> str:
    """The prefix of the notes about possible answers that violate their own schema."""
    from harness.bfcl.importer import SCHEMA_NOTE

    return SCHEMA_NOTE


def loadable(cases: list[Case], skipped: list[Any]) -> list[Case]:
    """The cases the case loader accepts as written; each other one is added to `skipped`.

    An entry the case format cannot express (say, a function schema that is not valid JSON
    Schema) is reported with its BFCL file, line and id instead of being written as a case
    that would stop `load_cases` for the whole folder.
    """
    from harness.cases.loader import parse_case_dict
    from harness.errors import CaseFileError, Problem

    out = []
    for case in cases:
        try:
            parse_case_dict(case_to_dict(case), source=case.source, line=case.line)
        except CaseFileError as exc:
            why = "; ".join(f"{p.field or 'case'}: {p.message}" for p in exc.problems) or str(exc)
            message = f"skipped: the case format cannot express it ({why})"
            skipped.append(
                Problem(
                    message,
                    file=case.source,
                    line=case.line,
                    case_id=case.meta.get("bfcl_id"),
                    severity="warning",
                )
            )
            continue
        out.append(case)
    return out


def _run_bfcl(args: argparse.Namespace) -> int:
    from harness.bfcl import importer as bfcl
    from harness.errors import Problem

    source = args.source if args.source is not None else bfcl.default_source()
    warnings: list[Problem] = []
    imported = bfcl.import_cases(source, args.category, warnings)
    skipped: list[Problem] = []
    imported = [(file, loadable(cases, skipped)) for file, cases in imported]
    _print_warnings(warnings + skipped, args.verbose)
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} exists and is not a folder")
    left_out = [] if args.category else bfcl.skipped_files(source)
    total = 0
    for file, cases in imported:
        header = (
            f"# BFCL category {file.category!r} imported by `fcharness import bfcl`\n"
            f"# from {file.questions.name}"
            " (Apache-2.0, ShishirPatil/gorilla). Regenerate rather than edit: `meta` is what the\n"
            "# `bfcl` grading profile reads.\n"
        )
        target = out / f"bfcl_{file.short}.yaml"
        atomic_write_text(target, dump_cases(cases, header))
        total += len(cases)
        print(f"{target}: {len(cases)} cases ({file.category})")
    for category, path, why in left_out:
        print(f"{category}: not imported ({path.name}): {why}")
    tail = f"; skipped {len(skipped)} entr{'y' if len(skipped) == 1 else 'ies'}" if skipped else ""
    if left_out:
        tail += f"; left out {len(left_out)} categor{'y' if len(left_out) == 1 else 'ies'}: " + ", ".join(
            c for c, _, _ in left_out
        )
    print(f"imported {total} BFCL cases ({len(imported)} categories) into {out}{tail}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Run `fcharness import SUITE ...`."""
    if args.suite == "bfcl":
        return _run_bfcl(args)
    raise UserError(f"unknown suite {args.suite!r}")  # pragma: no cover - argparse restricts it
