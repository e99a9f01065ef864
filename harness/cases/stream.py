"""Case files loaded one at a time, for runs that use each case once and can let it go.

`fcharness run` (the fast replay) iterates a `CaseStream`: each case file is loaded (through
the case cache), its cases are replayed and graded, and they are dropped before the next file
is read, so memory does not grow with the size of the suite. A stream may be read more than once
(recording checks every file before it sends anything). The checks are those of
`harness.cases.loader.load_cases`, in the same order, with the same result: once every file
has been read, `check()` raises the very `CaseFileError` `load_cases` would raise. Until then,
`failed` says whether an error has been seen so far; the caller stops using cases at the first
one and reads on, so that every problem is reported together, and discards what it produced
(a run writes nothing when a case file is bad).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from harness.cases.cache import CaseCache
from harness.cases.loader import (
    TOOLS_DIR,
    _Ids,
    _in_tools_dir,
    _load_cached,
    _load_file,
    _SharedTools,
    discover_files,
)
from harness.cases.suite_checks import CaseIds
from harness.errors import CaseFileError, Problem
from harness.model import Case

__all__ = ["CaseStream"]


def _errors(problems: Iterable[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)


class CaseStream:
    """The cases under PATHS, one case file at a time (see the module docstring)."""

    def __init__(self, paths: Iterable[str | Path], cache: CaseCache | None = None) -> None:
        self.paths = list(paths)
        self.cache = cache
        self.problems: list[Problem] = []
        self._ids = CaseIds()  # where each case id is first defined, and the duplicates
        self.failed = False
        self.done = False

    def __iter__(self) -> Iterator[list[Case]]:
        """Each case file's cases (those without errors), in `load_cases` order."""
        files, problems = discover_files(self.paths)
        self.problems = problems
        self._ids, self.done = CaseIds(), False  # read again: checked again
        self.failed = _errors(problems)
        shared = _SharedTools(self.cache)
        for f in files:
            if _in_tools_dir(f):
                shared.folder(f.parent)
                continue
            n_problems = len(problems)
            ids: _Ids = []
            if self.cache is not None:
                got, _ = _load_cached(f, shared, problems, ids, self.cache)
            else:
                got, _ = _load_file(f, shared, problems, ids)
            self._ids.note(ids, str(f))
            failed = self._ids.duplicates or _errors(problems[n_problems:]) or _errors(shared.problems)
            self.failed = self.failed or bool(failed)
            yield got
        for raw in self.paths:
            if Path(raw).is_dir():
                for tools_dir in sorted(Path(raw).rglob(TOOLS_DIR)):
                    if tools_dir.is_dir():
                        shared.folder(tools_dir)
        problems.extend(shared.problems)
        problems.extend(self._ids.duplicates)
        self.failed = _errors(problems)
        self.done = True

    def case_ids(self) -> set[str]:
        """The ids of every case read."""
        return set(self._ids.first)

    def check(self) -> None:
        """Raise what `load_cases` raises when a case file has errors (call after iterating)."""
        if not self.done:
            raise RuntimeError("CaseStream.check() before every file was read")
        errors = tuple(p for p in self.problems if p.severity == "error")
        if errors:
            n = len(errors)
            raise CaseFileError(
                f"{n} problem(s) in case files (run `fcharness validate` for details)", errors
            )
