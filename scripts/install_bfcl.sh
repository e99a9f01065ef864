#!/usr/bin/env bash
# Install BFCL's package (data + its own AST checker) for `fcharness import bfcl` and the
# BFCL tests, without its declared requirements: those pull in every model vendor's SDK,
# vLLM-era pins and sentence-transformers, none of which the checker or the data need.
# The checker module imports only the standard library once the test stubs the model
# registry; `bfcl_eval.utils` (its `is_empty_output`) also needs filelock, and BFCL's simulated
# APIs (the multi-turn backends) need mpmath.
# The version is pinned so the differential test compares against a known checker;
# raise it deliberately (and rerun tests/bfcl/test_differential.py) to follow BFCL.
set -euo pipefail
python -m pip install -q --no-deps "bfcl-eval==2026.3.23"
python -m pip install -q "filelock==3.20.0" "mpmath==1.3.0"
