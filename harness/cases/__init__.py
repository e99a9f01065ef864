"""Cases: reading YAML case files into `Case`s, checking them, and selecting among them.

Pipeline stage 1 (cases → providers + cassettes → run → grading → reports). Reading a case
file is bounded and never runs code (DESIGN.md §10); every problem is a `Problem` naming the
file, line, case id and field.

Public face:
- `load_cases(paths)`, `validate_paths(paths)` and `ValidationReport` (`loader`): load or
  check case files and folders (`cases/_tools/` supplies shared tool definitions).
- `Shard`, `parse_shard`, `keyword_matcher` (`selection`): `--shard I/N` and `-k EXPR`.

Inside: `yaml_lines` (JSON-like YAML with the line of every key), `schema` (the case-file
JSON Schema and its messages), `fastcheck` (a fast accept-check in front of it), `build`
(dicts → `Case`, matcher and tool checks), `messages` (conversation prefixes), `backends`
(the allowlist of executable backend modules), `user_turns` (the user turns of backend cases).
"""

from __future__ import annotations

from harness.cases.loader import ValidationReport, load_cases, validate_paths
from harness.cases.selection import Shard, keyword_matcher, parse_shard

__all__ = ["Shard", "ValidationReport", "keyword_matcher", "load_cases", "parse_shard", "validate_paths"]
