"""Checks across a whole suite of loaded cases: repeated ids, cases the emulator cannot tell
apart, `skip:`/`only:` provider ids no profile defines."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from harness.errors import Problem, suggest
from harness.model import Case

__all__ = ["CaseIds", "check_provider_ids", "duplicate_ids", "same_prompts"]

Ids = Iterable[tuple[str, str, int | None, str]]
"""(case id, file, line, field) of each case, in load order."""


class CaseIds:
    """Case ids met so far, each with the place of its first definition, and a problem for
    each one met again. Fed file by file (`note`), so a streamed load keeps one entry per id."""

    def __init__(self) -> None:
        self.first: dict[str, tuple[str, int | None]] = {}
        self.duplicates: list[Problem] = []

    def note(self, ids: Ids, file: str | None = None) -> None:
        """Add the ids of a file (`file`: its name, kept once rather than per case)."""
        for cid, where, line, field_path in ids:
            first = self.first.get(cid)
            if first is None:
                self.first[cid] = (file if where == file else where, line)
                continue
            f0, l0 = first
            self.duplicates.append(
                Problem(
                    f"duplicate case id {cid!r}: first defined at {f0}:{l0}",
                    file=where,
                    line=line,
                    case_id=cid,
                    field=field_path,
                )
            )


def duplicate_ids(ids: Ids) -> list[Problem]:
    """Each repeated case id, naming the place of its first definition."""
    seen = CaseIds()
    seen.note(ids)
    return seen.duplicates


def same_prompts(cases: Sequence[Case]) -> list[Problem]:
    """Warn when two cases open with the same user message (the emulator keys on it)."""
    problems: list[Problem] = []
    prompts: dict[str, Case] = {}
    for case in cases:
        prompt = next((m.content for m in case.messages if m.role == "user" and m.content), None)
        if prompt is None:
            continue
        twin = prompts.setdefault(prompt, case)
        if twin is not case and twin.id != case.id:
            problems.append(
                Problem(
                    f"same first user message as case {twin.id!r} ({twin.source}:{twin.line}): the local "
                    "emulator identifies cases by it and cannot tell them apart",
                    file=case.source,
                    line=case.line,
                    case_id=case.id,
                    field="messages",
                    severity="warning",
                )
            )
    return problems


def check_provider_ids(cases: Sequence[Case], known: Iterable[str]) -> list[Problem]:
    """Warn about `skip:` / `only:` provider ids that no provider profile defines (typos)."""
    known_ids = sorted(set(known))
    problems: list[Problem] = []
    for case in cases:
        named = [("skip", pid) for pid in case.skip] + [("only", pid) for pid in case.only]
        for key, pid in named:
            if pid not in known_ids:
                problems.append(
                    Problem(
                        f"{key}: provider id {pid!r} is not in the config{suggest(pid, known_ids)}; "
                        f"known: {', '.join(known_ids)}",
                        file=case.source,
                        line=case.line,
                        case_id=case.id,
                        field=f"{key}.{pid}" if key == "skip" else key,
                        severity="warning",
                    )
                )
    return problems
