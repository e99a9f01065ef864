"""Commands: one module per `fcharness` subcommand, the edges where I/O and exit codes live.

Each module exposes `add_arguments(parser)` and `main(args) -> int` and is imported only when
its subcommand runs (`harness.cli.COMMANDS` maps names to modules), so `fcharness --help`
imports none of them. Exit codes (stable): 0 ok, 1 test failures or gate regressions,
2 usage / config / input errors. `_matrix_args` holds the options `run` and `record` share.
"""
