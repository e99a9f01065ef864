"""The `fcharness` command line.

Each command lives in `harness.commands.<name>` and exposes
`add_arguments(parser: argparse.ArgumentParser) -> None` and `run(args) -> int`;
they are imported lazily so `fcharness validate` never imports a vendor SDK.

Exit codes (stable): 0 ok, 1 test failures or gate regressions, 2 usage / config / input errors.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Sequence
from types import TracebackType
from typing import NoReturn

from harness import __version__
from harness._io import RedactingStream, redact
from harness.errors import UserError

__all__ = ["COMMANDS", "main"]

EXIT_OK = 0
EXIT_FAILURES = 1
EXIT_USAGE = 2

#: command name → (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "init": (
        "harness.commands.init",
        "scaffold a project (cases, fcharness.toml, CI workflow) that runs green",
    ),
    "run": ("harness.commands.run", "replay (or record) cases × providers, grade, report"),
    "record": (
        "harness.commands.record",
        "record cassettes: the emulator-* profiles by default, real providers with -p ID (keys needed)",
    ),
    "validate": ("harness.commands.validate", "check case files (and schema portability)"),
    "grade": ("harness.commands.grade", "grade outputs produced elsewhere (JSONL)"),
    "report": ("harness.commands.report", "rebuild reports from a results.jsonl"),
    "gate": ("harness.commands.gate", "compare results with a baseline; exit 1 on regressions"),
    "compare": ("harness.commands.compare", "side-by-side of two runs"),
    "cassettes": ("harness.commands.cassettes", "list cassettes by age, provider and model (provenance)"),
    "import": ("harness.commands.import_", "import external suites (bfcl)"),
    "providers": (
        "harness.commands.providers",
        "list the configured provider ids (kind, key set?) and each kind's capabilities",
    ),
    "emulator": ("harness.commands.emulator", "serve the local vendor emulator on 127.0.0.1"),
}


def build_parser(command: str | None = "*") -> argparse.ArgumentParser:
    """Return the argument parser.

    Every command is listed; only `command`'s module is imported and registers its options
    (`"*"`: every command's, `None`: none — enough for `fcharness --help`), so start-up
    costs what the command needs and nothing more.
    """
    parser = argparse.ArgumentParser(
        prog="fcharness",
        description="Conformance harness for LLM function calling.",
    )
    parser.add_argument("--version", action="version", version=f"fc-harness {__version__}")
    parser.add_argument(
        "--config",
        default=None,
        help="path to fcharness.toml (default: ./fcharness.toml)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if command not in ("*", name):
            continue
        module = importlib.import_module(module_name)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def command_of(argv: Sequence[str]) -> str | None:
    """The subcommand named in `argv` (the first word that is not a global option), if any."""
    words = iter(argv)
    for word in words:
        if word == "--config":
            next(words, None)
        elif word == "--":
            return next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run `fcharness` with `argv`; return the exit code."""
    words = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(command_of(words))
    args = parser.parse_args(words)
    if not getattr(args, "_run", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    # API key values never reach the terminal: everything printed goes through the redactor
    # (keys are registered when fcharness.toml is loaded), tracebacks of harness bugs included.
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = RedactingStream(out), RedactingStream(err)
    if sys.excepthook is sys.__excepthook__:
        sys.excepthook = _redacting_excepthook
    try:
        return int(args._run(args))
    except UserError as exc:
        print(f"fcharness: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("fcharness: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    finally:
        sys.stdout, sys.stderr = out, err


def entry() -> NoReturn:
    """The `fcharness` console script: `main()`, then exit without a last scan of every object.

    What a command loaded (vendor SDKs: hundreds of thousands of objects) is moved out of the
    garbage collector's sight first: the interpreter's shutdown still runs (atexit handlers,
    flushed streams), but no longer spends ~0.5 s CPU collecting what the process frees anyway.
    """
    code = main()
    gc.freeze()
    sys.exit(code)


def _redacting_excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    import traceback  # only for a harness bug

    text = "".join(traceback.format_exception(kind, exc, tb))
    sys.stderr.write(redact(text))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
