"""BFCL's own checker as a whole process, for `benchmarks/bfcl.py` (imports no fc-harness).

    python benchmarks/bfcl_checker_process.py FIXTURES_DIR

Reads BFCL's question and possible-answer files and the models' outputs from the 2024-08-11
fixture, grades every output with the installed bfcl-eval's `ast_checker` (its
`is_empty_output` rule for relevance), and prints the number judged correct. The v1 answers
are handed over in the current format, suffixed keys resolved the way the 2024 checker did
(`fn["name"] in key`).
"""

from __future__ import annotations

import contextlib
import json
import sys
import types
from pathlib import Path
from typing import Any

CURRENT_NAME = {
    "simple": "simple_python",
    "multiple_function": "multiple",
    "parallel_function": "parallel",
    "parallel_multiple_function": "parallel_multiple",
    "relevance": "irrelevance",
}


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def current_answer(functions: list[dict[str, Any]], answer: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for key, params in answer.items():
        fn = next((f for f in functions if f["name"] in key), None)
        out.append({fn["name"] if fn else key: params})
    return out


def bfcl_checker() -> tuple[Any, Any, Any]:
    """BFCL's `ast_checker` module, `is_empty_output` and `Language`, with two model configs:
    `fch-exact` and `fch-sanitized` (`underscore_to_dot`)."""
    stub = types.ModuleType("bfcl_eval.constants.model_config")

    class _Cfg:
        def __init__(self, flag: bool) -> None:
            self.underscore_to_dot = flag

    stub.MODEL_CONFIG_MAPPING = {"fch-exact": _Cfg(False), "fch-sanitized": _Cfg(True)}  # type: ignore[attr-defined]
    sys.modules.setdefault(stub.__name__, stub)
    from bfcl_eval.constants.enums import Language
    from bfcl_eval.eval_checker.ast_eval import ast_checker
    from bfcl_eval.utils import is_empty_output

    ast_checker.MODEL_CONFIG_MAPPING = stub.MODEL_CONFIG_MAPPING  # type: ignore[attr-defined]
    return ast_checker, is_empty_output, Language


def main() -> int:
    """Grade every output; print the count of correct ones."""
    root = Path(sys.argv[1])
    ast_checker, is_empty_output, Language = bfcl_checker()
    entries: dict[str, tuple[list[dict[str, Any]], Any, str]] = {}
    for category in CURRENT_NAME:
        name = f"gorilla_openfunctions_v1_test_{category}.json"
        answers = {}
        possible = root / "data" / "possible_answer" / name
        if possible.exists():
            answers = {a["id"]: a["ground_truth"] for a in _lines(possible)}
        for q in _lines(root / "data" / name):
            funcs = q["function"] if isinstance(q["function"], list) else [q["function"]]
            answer = answers.get(q["id"])
            entries[q["id"]] = (funcs, None if answer is None else current_answer(funcs, answer), category)
    scores = json.loads((root / "scores.json").read_text(encoding="utf-8"))
    ok = total = 0
    for model, info in scores.items():
        mode = f"fch-{info['tool_names']}"
        for row in _lines(root / "outputs" / f"{model}.jsonl"):
            funcs, answer, category = entries[row["case_id"]]
            output = [{c["name"]: c["arguments"]} for c in row["calls"]]
            total += 1
            if answer is None:
                ok += is_empty_output(output)
                continue
            with contextlib.suppress(Exception):  # an entry BFCL's checker cannot grade is incorrect
                ok += ast_checker.ast_checker(
                    funcs, output, answer, Language.PYTHON, CURRENT_NAME[category], mode
                )["valid"]
    print(f"{ok} of {total} correct")
    return 0


if __name__ == "__main__":
    sys.exit(main())
