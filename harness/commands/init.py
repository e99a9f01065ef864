"""`fcharness init [DIR]`: scaffold a project that runs green at once.

Writes `cases/weather.yaml` (the seed text's weather case), `fcharness.toml` (emulator
profiles, real vendors commented out, `[emulator]` and `[gate]` settings), a GitHub Actions
workflow (installing fc-harness from where CI can get it: `harness.commands._install`) and
`.gitignore` lines, then (unless `--no-record`) records the emulator profiles
against an in-process emulator answering with the cases' expected calls and writes
`reports/baseline.json` from that recording, so `fcharness run` and `fcharness gate` pass
straight away. Existing files are never overwritten (a folder that already has
`fcharness.toml` is refused); `.gitignore` only gains the lines it lacks.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import socket
from collections.abc import Iterator
from pathlib import Path

from harness._io import atomic_write_text
from harness.commands._install import ci_install, installed_from, source_checkout, workflow_step
from harness.commands.scaffold import (
    CASE_FILE,
    EMULATOR_PROFILES,
    GITIGNORE_LINES,
    config_text,
    workflow_text,
)
from harness.errors import UserError

__all__ = ["add_arguments", "run"]

PORT = 8765
#: Any value: the emulator checks no key, the runner wants one set to record.
EMULATOR_KEY = "emulator-any-value"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the command's options."""
    parser.add_argument("dir", nargs="?", default=".", metavar="DIR", help="project folder (default: .)")
    parser.add_argument(
        "--no-record",
        action="store_true",
        help="write the files only (no emulator recording, no baseline)",
    )


def _missing_sdks() -> dict[str, str]:
    missing = {}
    for *_, extra, module in EMULATOR_PROFILES:
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing[module] = extra
    return missing


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _write_new(path: Path, text: str, made: list[str], kept: list[str], root: Path) -> None:
    rel = str(path.relative_to(root))
    if path.exists():
        kept.append(rel)
        return
    atomic_write_text(path, text)
    made.append(rel)


def _gitignore(path: Path, made: list[str], root: Path) -> None:
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    have = {line.strip() for line in old.splitlines()}
    add = [line for line in GITIGNORE_LINES if line not in have]
    if not add or all(line.startswith("#") for line in add):
        return
    sep = "" if not old or old.endswith("\n") else "\n"
    atomic_write_text(path, old + sep + ("\n" if old else "") + "\n".join(add) + "\n")
    made.append(str(path.relative_to(root)) + (" (lines added)" if old else ""))


@contextlib.contextmanager
def _env(name: str, value: str) -> Iterator[None]:
    old = os.environ.get(name)
    os.environ[name] = old or value
    try:
        yield
    finally:
        if old is None:
            del os.environ[name]


def _record(root: Path) -> tuple[int, int, Path]:
    """Record the emulator profiles in-process; write the baseline. Return (passed, rows, file)."""
    from harness.cases.loader import load_cases
    from harness.cassettes.layout import RecordMode
    from harness.emulator.scripts import ScriptSet
    from harness.emulator.server import start_emulator
    from harness.reports.gate import baseline_from_rows, write_baseline
    from harness.run.config import load_config
    from harness.run.runner import RunOptions
    from harness.run.runner import run as run_matrix

    config = load_config(root / "fcharness.toml")
    cases = load_cases([str(config.resolve(c)) for c in config.cases])
    ids = [pid for pid, p in config.providers.items() if p.is_emulator]
    port = PORT if _port_free(PORT) else 0
    with (
        start_emulator(ScriptSet(), cases, port=port, answer="expected") as emu,
        _env("FCHARNESS_EMULATOR_KEY", EMULATOR_KEY),
    ):
        urls = {
            pid: emu.base_url + ("/v1" if config.providers[pid].kind.startswith("openai") else "")
            for pid in ids
        }
        options = RunOptions(
            providers=tuple(ids),
            record_mode=RecordMode.ALL,
            base_urls=urls if port == 0 else {},
            write_reports=False,
            print_table=False,
            progress=False,
        )
        result = run_matrix(config, options, cases)
    baseline = config.resolve(config.reports) / "baseline.json"
    write_baseline(baseline, baseline_from_rows(result.rows))
    passed = sum(r.status == "pass" for r in result.rows)
    return passed, len(result.rows), baseline


def run(args: argparse.Namespace) -> int:
    """Write the project files (and record the emulator); 0 when everything passed."""
    root = Path(args.dir)
    if root.exists() and not root.is_dir():
        raise UserError(f"{root}: not a folder")
    if (root / "fcharness.toml").exists():
        raise UserError(f"{root / 'fcharness.toml'} exists: {root} is already an fc-harness project")
    root.mkdir(parents=True, exist_ok=True)
    missing = _missing_sdks()
    made: list[str] = []
    kept: list[str] = []
    _write_new(root / "fcharness.toml", config_text(missing, PORT), made, kept, root)
    _write_new(root / "cases" / "weather.yaml", CASE_FILE, made, kept, root)
    checkout = source_checkout()
    install = ci_install(root, installed_from(), checkout)
    workflow = root / ".github" / "workflows" / "fc-harness.yml"
    had_workflow = workflow.exists()
    _write_new(workflow, workflow_text(workflow_step(install)), made, kept, root)
    _gitignore(root / ".gitignore", made, root)
    print(f"fc-harness project in {root.resolve()}")
    for rel in made:
        print(f"  wrote {rel}")
    for rel in kept:
        print(f"  kept your {rel}")
    if not had_workflow:
        print(f"  {install.said}")
    if missing:
        extras = ",".join(sorted(set(missing.values())))
        how = f"pip install -e '{checkout}[{extras}]'" if checkout else f"install fc-harness with [{extras}]"
        print(f"  (emulator profiles needing an SDK left commented out: {how})")
    code = 0
    if not args.no_record:
        passed, total, baseline = _record(root)
        print(f"  recorded cassettes/emulator-*/ against the local emulator: {passed}/{total} passed")
        print(f"  wrote {baseline.relative_to(root)}")
        code = 0 if passed == total else 1
    print("next:")
    step = f"cd {args.dir} && " if args.dir not in (".", "") else ""
    print(f"  {step}fcharness run                  # replay, grade, report (reports/latest/report.html)")
    print("  fcharness emulator               # in another terminal: answers any new case, no script needed")
    print("  FCHARNESS_EMULATOR_KEY=any fcharness record   # record new or edited cases against it")
    print("  fcharness gate                   # compare reports/latest with reports/baseline.json")
    return code
