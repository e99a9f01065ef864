#!/usr/bin/env bash
# Install BFCL's package (data + its own AST checker) for `fcharness import bfcl` and the
# BFCL tests, into the active virtualenv, without its declared requirements: those pull in
# every model vendor's SDK, vLLM-era pins and sentence-transformers, none of which the checker
# or the data need, and would change the versions of packages already installed.
# The checker module imports only the standard library once the test stubs the model
# registry; `bfcl_eval.utils` (its `is_empty_output`) also needs filelock, and BFCL's simulated
# APIs (the multi-turn backends) need mpmath; each is installed only when missing (any installed
# version is left alone).
# The version is pinned so the differential test compares against a known checker;
# raise it deliberately (and rerun tests/bfcl/test_differential.py) to follow BFCL.
#
# The interpreter: $PYTHON when set, else the active virtualenv's ($VIRTUAL_ENV), else the
# `python3` on PATH if it runs inside a virtualenv. The system Python is refused.
set -euo pipefail

if [ -n "${PYTHON:-}" ]; then
  py="$PYTHON"
elif [ -n "${VIRTUAL_ENV:-}" ]; then
  py="$VIRTUAL_ENV/bin/python"
else
  py="$(command -v python3 || command -v python || true)"
fi
if [ -z "$py" ] || ! "$py" -c 'import sys; sys.exit(0 if sys.prefix != sys.base_prefix else 1)' 2>/dev/null; then
  echo "install_bfcl.sh: no virtualenv is active (would install into ${py:-no python} of the system);" >&2
  echo "  activate one first (. .venv/bin/activate) or set PYTHON=/path/to/venv/bin/python" >&2
  exit 2
fi

"$py" -m pip install -q --no-deps --no-warn-conflicts "bfcl-eval==2026.3.23"
if ! "$py" -c 'import filelock' 2>/dev/null; then
  "$py" -m pip install -q --no-deps --no-warn-conflicts "filelock>=3.12"
fi
if ! "$py" -c 'import mpmath' 2>/dev/null; then
  "$py" -m pip install -q --no-deps --no-warn-conflicts "mpmath>=1.3"
fi
echo "install_bfcl.sh: bfcl-eval 2026.3.23 installed into $("$py" -c 'import sys; print(sys.prefix)')"
