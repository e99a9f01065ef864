"""BFCL: the Berkeley Function Calling Leaderboard suite, imported and graded as BFCL does.

Public face (import the module you need; this package imports nothing so that
`--profile default` never pays for BFCL):
- `importer`: `import_cases`, `find_files`, `CATEGORIES` — BFCL data files → cases, keeping
  BFCL's ids (`fcharness import bfcl`).
- `checker`: `grade`, `grade_turn` — the `bfcl` grading profile (plugged into
  `harness.grading` by name), reproducing BFCL's AST checker verdicts.
- `agreement`: `compare`, `explain` — why the default profile and BFCL differ on an entry.
- `multi_turn`: the four multi-turn categories as executable-backend cases (BFCL's simulated
  APIs as backends); `multi_turn_checker`: BFCL's multi-turn checker without `eval`
  (`grade_steps`, `check`).

Inside: `ast_checker` (BFCL's checker rules), `languages` (its Java / JavaScript value
conversions), `fast` (its compiled fast path), `values`
(BFCL's string standardisation and type rules), `convert` (BFCL answers and schemas →
matchers and JSON Schema), `schema` (compiled parameter checks).
"""
