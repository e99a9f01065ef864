"""`fcharness emulator`: serve the local vendor emulator on 127.0.0.1 until Ctrl-C.

The emulator is a test double: it answers from scripts, and what it sends is never a
vendor's traffic. Record against it under provider ids starting with `emulator-`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from harness.errors import UserError

if TYPE_CHECKING:
    from harness.model import Case

__all__ = ["DEFAULT_PORT", "DEMO_SCRIPTS", "add_arguments", "run"]

DEFAULT_PORT = 8765
DEMO_SCRIPTS = Path(__file__).resolve().parent.parent / "emulator" / "scripts" / "demo.yaml"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options of `fcharness emulator`."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT}; 0 picks a free one)"
    )
    parser.add_argument(
        "--scripts",
        action="append",
        default=None,
        metavar="FILE",
        help="emulator script file (repeatable; default: the shipped demo scripts)",
    )
    parser.add_argument(
        "--cases",
        action="append",
        default=None,
        metavar="PATH",
        help="case file or folder (repeatable; default: cases/)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log each request on stderr")


def _load_cases(paths: list[str]) -> list[Case]:
    try:
        from harness.cases.loader import load_cases
    except ModuleNotFoundError as exc:  # pragma: no cover - only before the loader lands
        raise UserError(f"the case loader is not available in this checkout ({exc})") from None
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise UserError(f"case path not found: {', '.join(missing)} (give --cases PATH)")
    return list(load_cases(paths))


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted; exit 0 on Ctrl-C, 2 on bad scripts, cases or port."""
    from harness.emulator.engine import ENDPOINTS
    from harness.emulator.scripts import load_scripts
    from harness.emulator.server import start_emulator

    script_paths = args.scripts or [str(DEMO_SCRIPTS)]
    scripts = load_scripts(script_paths)
    cases = _load_cases(args.cases or ["cases"])
    handle = start_emulator(scripts, cases, host=args.host, port=args.port, verbose=args.verbose)
    try:  # Ctrl-C may come while the banner prints (the server already answers)
        print(
            "fc-harness emulator (a test double: its answers are scripted, not any vendor's) "
            f"on {handle.base_url}"
        )
        print(f"  {len(cases)} cases loaded, {len(scripts)} scripted from {', '.join(script_paths)}")
        print("  endpoints:")
        for kind, endpoint in ENDPOINTS:
            print(f"    {kind:<42} {endpoint}")
        print(f"  (a base URL of {handle.base_url}/p/<provider-id> selects a script's by_provider answers)")
        print("  Ctrl-C to stop", flush=True)
        handle.serve_forever()
    except KeyboardInterrupt:
        print("fc-harness emulator: stopped", file=sys.stderr)
    finally:
        handle.stop()
    return 0
