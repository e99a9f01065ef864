"""Default profile vs `bfcl` profile on BFCL's 2024-08-11 outputs, with the reason of each difference.

Usage: PYTHONPATH=. python scripts/bfcl_agreement.py [FIXTURE_DIR] [--ids]
(FIXTURE_DIR defaults to ../shared/fixtures/bfcl-2024-08-11, or under $FCHARNESS_SHARED.)

Imports the fixture's data with `fcharness import bfcl` into a temporary folder, loads the
case files back with the case loader (as `fcharness run` would), grades every model's
outputs with both profiles and prints, per model, the pass counts and the disagreements
by reason (`harness.bfcl.agreement.REASONS`); `--ids` lists the case ids per reason.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from harness.bfcl.agreement import REASONS, compare
from harness.cases.loader import load_cases
from harness.cli import main as cli
from harness.commands.grade import parse_outputs


def run(fixture: Path, show_ids: bool) -> int:
    """Print the comparison for every model of the fixture."""
    scores = json.loads((fixture / "scores.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cases"
        if cli(["import", "bfcl", "--source", str(fixture / "data"), "--out", str(out)]) != 0:
            return 2
        cases = {c.id: c for c in load_cases([out])}
    print()
    header = f"{'model':34} {'default':>7} {'bfcl':>5}  " + "  ".join(REASONS)
    print(header)
    for model, info in scores.items():
        rows = parse_outputs(fixture / "outputs" / f"{model}.jsonl", cases)
        counts, ids = compare(cases, ((r[0], r[2][0]) for r in rows), tool_names=info["tool_names"])
        cells = "  ".join(f"{counts[r]:>{len(r)}}" for r in REASONS)
        print(f"{model:34} {counts['default_passed']:>7} {counts['bfcl_passed']:>5}  {cells}")
        if show_ids:
            for reason, names in ids.items():
                print(f"    {reason}: {', '.join(names)}")
    return 0


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--ids"]
    shared = Path(os.environ.get("FCHARNESS_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))
    default = shared / "fixtures" / "bfcl-2024-08-11"
    sys.exit(run(Path(args[0]) if args else default, "--ids" in sys.argv))
