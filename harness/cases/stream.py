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
        self._first: dict[str, tuple[str, int | None]] = {}  # case id → where it is first defined
        self._duplicates: list[Problem] = []  # as `suite_checks.duplicate_ids` lists them
        self.failed = False
        self.done = False

    def __iter__(self) -> Iterator[list[Case]]:
        """Each case file's cases (those without errors), in `load_cases` order."""
        files, problems = discover_files(self.paths)
        self.problems = problems
        self._first, self._duplicates, self.done = {}, [], False  # read again: checked again
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
            self._note(ids, str(f))
            failed = self._duplicates or _errors(problems[n_problems:]) or _errors(shared.problems)
            self.failed = self.failed or bool(failed)
            yield got
        for raw in self.paths:
            if Path(raw).is_dir():
                for tools_dir in sorted(Path(raw).rglob(TOOLS_DIR)):
                    if tools_dir.is_dir():
                        shared.folder(tools_dir)
        problems.extend(shared.problems)
        problems.extend(self._duplicates)
        self.failed = _errors(problems)
        self.done = True

    def _note(self, ids: _Ids, file: str) -> None:
        """Record a file's case ids (one place each: the file's name is kept once, not per case)."""
        for cid, where, line, field_path in ids:
            first = self._first.get(cid)
            if first is None:
                self._first[cid] = (file if where == file else where, line)
                continue
            f0, l0 = first
            self._duplicates.append(
                Problem(
                    f"duplicate case id {cid!r}: first defined at {f0}:{l0}",
                    file=where,
                    line=line,
                    case_id=cid,
                    field=field_path,
                )
            )

    def case_ids(self) -> set[str]:
        """The ids of every case read."""
        return set(self._first)

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
