"""`fcharness emulator`: serve the local vendor emulator on 127.0.0.1 until Ctrl-C.

The emulator is a test double: it answers from scripts (yours, added to the shipped demo's)
and, for a case no script covers, from the case itself (`--answer expected`, the default, or
`--answer mistakes`); what it sends is never a vendor's traffic. Record against it under
provider ids starting with `emulator-`. Case files are watched: an edit is picked up by the
next request. Defaults come from `[emulator]` in `fcharness.toml`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from harness.errors import UserError

if TYPE_CHECKING:
    from harness.emulator.scripts import ScriptSet
    from harness.model import Case

__all__ = ["ANSWER_MODES", "DEFAULT_PORT", "DEMO_SCRIPTS", "add_arguments", "compose_scripts", "run"]

DEFAULT_PORT = 8765
DEMO_SCRIPTS = Path(__file__).resolve().parent.parent / "emulator" / "scripts" / "demo.yaml"
ANSWER_MODES = ("expected", "mistakes", "none")


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
        help="emulator script file (repeatable); added to the demo scripts, and winning over them "
        "for a case both script",
    )
    parser.add_argument(
        "--no-demo-scripts",
        action="store_true",
        default=None,
        help="do not load the shipped demo scripts",
    )
    parser.add_argument(
        "--answer",
        choices=ANSWER_MODES,
        default=None,
        help="how a case without a script is answered: its expected calls (default), deterministic "
        "labelled mistakes, or none (a 404 naming the case)",
    )
    parser.add_argument(
        "--cases",
        action="append",
        default=None,
        metavar="PATH",
        help="case file or folder (repeatable; default: [harness] cases of fcharness.toml, else cases/)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log each request on stderr")


def _load_cases(paths: list[str]) -> list[Case]:
    from harness.cases.loader import load_cases

    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise UserError(f"case path not found: {', '.join(missing)} (give --cases PATH)")
    return list(load_cases(paths))


def compose_scripts(own: list[str], demo: bool, case_ids: set[str]) -> tuple[ScriptSet, list[str]]:
    """Your script files (a case scripted twice among them is an error) over the demo's scripts
    of the loaded cases; return the set and where it came from."""
    from harness.emulator.scripts import ScriptSet, load_scripts

    scripts = load_scripts(own) if own else ScriptSet()
    if not demo:
        return scripts, list(own)
    return load_scripts([DEMO_SCRIPTS]).restricted(case_ids).overridden_by(scripts), ["the demo", *own]


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted; exit 0 on Ctrl-C, 2 on bad scripts, cases or port."""
    from harness.emulator.casewatch import CaseWatch
    from harness.emulator.engine import ENDPOINTS
    from harness.emulator.scripts import load_scripts
    from harness.emulator.server import start_emulator
    from harness.run.config import load_config

    config = load_config(getattr(args, "config", None))
    settings = config.emulator
    own = args.scripts if args.scripts is not None else [str(config.resolve(s)) for s in settings.scripts]
    load_scripts(own)  # a bad script file is reported before the cases are read
    case_paths = args.cases or [str(config.resolve(c)) for c in config.cases]
    cases = _load_cases(case_paths)
    demo = not args.no_demo_scripts and settings.demo_scripts
    scripts, sources = compose_scripts(own, demo, {c.id for c in cases})
    answer = args.answer or settings.answer
    watch = CaseWatch(case_paths, _load_cases)
    handle = start_emulator(
        scripts, cases, host=args.host, port=args.port, verbose=args.verbose, answer=answer, watch=watch
    )
    try:  # Ctrl-C may come while the banner prints (the server already answers)
        print(
            "fc-harness emulator (a test double: its answers are scripted or made from the cases, "
            f"not any vendor's) on {handle.base_url}"
        )
        scripted = f"{len(scripts)} scripted" + (f" ({', '.join(sources)})" if sources else "")
        others = {"expected": "their expected calls", "mistakes": "labelled mistakes", "none": "a 404"}
        print(f"  {len(cases)} cases loaded from {', '.join(case_paths)} (reloaded when they change)")
        print(f"  {scripted}; the others get {others[answer]} (--answer {answer})")
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
