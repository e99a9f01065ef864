"""Run: the case × provider matrix, executed, with results streamed to a run folder.

Public face (import the module you need; this package imports nothing, to keep start-up
fast and the wings free of import circles):
- `config`: `load_config`, `Config`, `ProviderProfile`, `Price` — `fcharness.toml`.
- `runner`: `run(config, options)`, `RunOptions`, `RunResult`, `exit_code`, plus the
  pieces the pytest plugin drives one item at a time (`Session`, `Job`, `run_job`).
- `results`: `ResultRow`, `read_results`, `write_results` — the rows of results.jsonl.
- `output`: `write_run_dir` — `reports/<run-id>/` and `reports/latest/`.
- `backends`: `Backends` — executable backends (fresh instances, calls executed by method
  name, BFCL's result texts), `replay_states`; `example_backends`: `TravelDesk`.

Inside: `execute` (one case on one provider, turn by turn: build → exchange → parse →
grade, no I/O of its own), `progress` (the terminal progress line).
"""
