"""Grading: pure functions from (case, model turns) to a `Verdict` (DESIGN.md §3–4).

Pipeline stage 4. No I/O, no SDK types: this wing imports only `harness.model`,
`harness.errors` and itself (a test walks the imports). Profiles implemented elsewhere (the
`bfcl` profile, in `harness.bfcl.checker`) are resolved by name through `PROFILE_MODULES`.

Public face:
- `grade(case, turns, profile=...)` → `Verdict`; `grade_turn(...)` → `TurnGrade`;
  `PROFILES`, `TOOL_NAMES` (`grader`).
- `compile_matcher`, `compile_arguments`, `Matcher`, `Mismatch`, `MatcherError` (`matchers`).
- `MATCHERS`, `MATCHER_NAMES`, `is_matcher` (`matcher_names`): the case format's matcher keys.
- `check_spec`, `validate_literal`, `schema_problems` (`spec_checks`): what `validate` asks
  of the matchers and literals a case file writes.
- `grade_steps(case, steps, states=...)` (`executed`): executable-backend cases, per user turn
  the model's steps and the backends' state after it (`expect_state`).

Inside: `matcher_types` and `compound` (the matchers), `pairing` and `assignment` (order-free
pairing by optimal assignment), `values` (JSON types, deepdiff paths, dates),
`fastschema` (a fast accept-check in front of jsonschema).
"""

from __future__ import annotations

from harness.grading.grader import PROFILE_MODULES, PROFILES, TOOL_NAMES, TurnGrade, grade, grade_turn
from harness.grading.matcher_names import MATCHER_NAMES, MATCHERS, is_matcher
from harness.grading.matchers import Matcher, MatcherError, Mismatch, compile_arguments, compile_matcher

__all__ = [
    "MATCHERS",
    "MATCHER_NAMES",
    "PROFILES",
    "PROFILE_MODULES",
    "TOOL_NAMES",
    "Matcher",
    "MatcherError",
    "Mismatch",
    "TurnGrade",
    "compile_arguments",
    "compile_matcher",
    "grade",
    "grade_turn",
    "is_matcher",
]
