"""Re-record the shipped demo cassettes against the local emulator (never a real vendor).

    python scripts/record_demo.py            # every emulator-* profile in fcharness.toml
    python scripts/record_demo.py -p emulator-openai-chat

Starts the emulator in-process with its demo scripts (`harness/emulator/scripts/demo.yaml`)
on 127.0.0.1:8765 (the address the `emulator-*` profiles name, so recorded URLs are stable;
a free port when 8765 is taken), removes the old `cassettes/emulator-*` files of the
profiles being recorded (no orphans), runs `fcharness record` for them with a fake key,
checks that nothing secret-looking was written, then replays with `fcharness run` and
prints its exit code (1 is expected: the demo scripts contain deliberate model mistakes).

The emulator answers deterministically (ids and `created` derived from case, turn, kind and
model), so a re-recorded cassette differs from the old one only by volatile values (its
provenance header with `recorded_at`, the measured `latency_ms`, the SDK's user-agent) unless
something really changed: such a file is put back as it was (`same_recording`), and only
cassettes whose exchange changed are rewritten.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from harness._io import atomic_write_text  # noqa: E402
from harness.cases.loader import load_cases  # noqa: E402
from harness.cassettes.provenance import same_recording  # noqa: E402
from harness.cli import main as fcharness  # noqa: E402
from harness.commands.emulator import DEFAULT_PORT, DEMO_SCRIPTS  # noqa: E402
from harness.emulator.server import start_emulator  # noqa: E402
from harness.errors import UserError  # noqa: E402
from harness.run.config import load_config  # noqa: E402

#: A fake key: the scrubber must keep it (and any real one) out of every cassette.
FAKE_KEY = "sk-emulator-demo-0000000000000000"
SECRET_LOOKING = re.compile(rb"sk-[A-Za-z0-9_-]{16,}|Bearer |AKIA[0-9A-Z]{16}")


def keep_unchanged(old: dict[Path, str]) -> tuple[int, int]:
    """Put back each old cassette whose new recording differs only in volatile values.

    `old` maps each cassette path to its text before re-recording. Return (kept, changed):
    how many of them are left as they were, and how many have really changed (or are gone).
    """
    kept = changed = 0
    for path, before in old.items():
        if not path.is_file():
            changed += 1
            continue
        after = path.read_text(encoding="utf-8")
        if after != before and same_recording(before, after):
            atomic_write_text(path, before)
            kept += 1
        elif after != before:
            changed += 1
        else:
            kept += 1
    return kept, changed


def _base_url(kind: str, url: str) -> str:
    return url + "/v1" if kind.startswith("openai") else url


def main(argv: list[str] | None = None) -> int:
    """Record, scan and replay the demo; return `fcharness run`'s exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-p", "--provider", action="append", default=None, help="emulator profile id")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args(argv)
    os.chdir(REPO)
    config = load_config()
    ids = args.provider or [pid for pid, p in config.providers.items() if p.is_emulator]
    if not all(pid.startswith("emulator-") for pid in ids):
        raise SystemExit("record_demo.py records emulator-* profiles only")
    old: dict[Path, str] = {}
    for pid in ids:
        for path in (REPO / config.cassettes / pid).glob("*.yaml"):
            old[path] = path.read_text(encoding="utf-8")
            path.unlink()
    cases = load_cases([str(config.resolve(c)) for c in config.cases])
    os.environ.setdefault("FCHARNESS_EMULATOR_KEY", FAKE_KEY)
    try:
        handle = start_emulator(DEMO_SCRIPTS, cases, port=args.port)
    except UserError:
        handle = start_emulator(DEMO_SCRIPTS, cases, port=0)
    with handle:
        overrides = [f"{pid}={_base_url(config.providers[pid].kind, handle.base_url)}" for pid in ids]
        argv_record = ["record", "--run-id", "demo-record", "--no-progress"]
        for pid, override in zip(ids, overrides, strict=True):
            argv_record += ["-p", pid, "--base-url", override]
        print(f"recording {len(ids)} emulator profile(s) against {handle.base_url}", flush=True)
        fcharness(argv_record)
    kept, changed = keep_unchanged(old)
    new = sum(1 for pid in ids for p in (REPO / config.cassettes / pid).glob("*.yaml") if p not in old)
    print(f"cassettes: {changed} changed or removed, {new} new, {kept} unchanged (kept byte for byte)")
    leaks = [
        str(p)
        for pid in ids
        for p in (REPO / config.cassettes / pid).rglob("*.yaml")
        if SECRET_LOOKING.search(p.read_bytes())
    ]
    if leaks:
        print("secret-looking text in: " + ", ".join(leaks), file=sys.stderr)
        return 2
    code = fcharness(["run", "--no-progress", *[a for pid in ids for a in ("-p", pid)]])
    print(f"fcharness run exited with {code} (1 expected: the demo holds deliberate failures)")
    return code


if __name__ == "__main__":
    sys.exit(main())
