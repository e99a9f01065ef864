#!/usr/bin/env python3
"""Fail when a cassette (or any file given) holds a secret-looking string.

Usage: scripts/scan_cassettes.py [PATH ...]   (default: cassettes/)

Looks for OpenAI/Anthropic-style keys (`sk-…`), Google API keys (`AIza…`), bearer tokens,
AWS access key ids (`AKIA…`/`ASIA…`) and AWS secret keys next to their name, plus Groq
(`gsk_…`) and GitHub (`ghp_…`) tokens. Obvious placeholders (`Bearer REDACTED`, `<key>`,
`xxxx`) are allowed. Matches are printed masked so a CI log never repeats a secret.
Exit codes: 0 clean, 1 secrets found, 2 a path does not exist. Used as a pre-commit hook
(docs/ci.md).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("openai/anthropic key (sk-…)", re.compile(r"(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{16,}")),
    ("google api key (AIza…)", re.compile(r"AIza[0-9A-Za-z_-]{30,}")),
    ("bearer token", re.compile(r"\bBearer\s+([A-Za-z0-9._~+/=-]{12,})")),
    ("aws access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    (
        "aws secret access key",
        re.compile(r"(?i)aws_?secret_?(?:access_?)?key[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+=]{40})\b"),
    ),
    ("groq key (gsk_…)", re.compile(r"\bgsk_[A-Za-z0-9]{20,}")),
    ("github token (ghp_…)", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}")),
)
_PLACEHOLDER = re.compile(r"(?i)^(x+|\*+|redacted|<[^>]*>|dummy|placeholder|scrubbed|filtered)$")
_SKIP_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".gz", ".zip", ".pyc"}


def _mask(secret: str) -> str:
    return secret[:6] + "…" + f"({len(secret)} chars)"


def scan_text(text: str) -> Iterator[tuple[int, str, str]]:
    """Yield (line number, kind, masked match) for each secret-looking string in `text`."""
    for lineno, line in enumerate(text.splitlines(), start=1):
        for kind, pattern in PATTERNS:
            for m in pattern.finditer(line):
                token = m.group(m.lastindex or 0)
                if _PLACEHOLDER.match(token):
                    continue
                yield lineno, kind, _mask(m.group(0))


def _files(paths: Sequence[Path]) -> Iterator[Path]:
    for p in paths:
        if p.is_dir():
            yield from sorted(f for f in p.rglob("*") if f.is_file() and f.suffix not in _SKIP_SUFFIXES)
        else:
            yield p


def main(argv: Sequence[str] | None = None) -> int:
    """Scan the paths; print findings; return 0 clean, 1 found, 2 missing path."""
    args = list(sys.argv[1:] if argv is None else argv) or ["cassettes"]
    paths = [Path(a) for a in args]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        print(f"scan_cassettes: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    found = 0
    scanned = 0
    for f in _files(paths):
        scanned += 1
        text = f.read_text(encoding="utf-8", errors="replace")
        for lineno, kind, masked in scan_text(text):
            found += 1
            print(f"{f}:{lineno}: {kind}: {masked}")
    if found:
        print(
            f"scan_cassettes: {found} secret-looking string(s) in {scanned} file(s); "
            "scrub them (or re-record) before committing",
            file=sys.stderr,
        )
        return 1
    print(f"scan_cassettes: {scanned} file(s) clean")
    return 0


if __name__ == "__main__":
    sys.exit(main())
