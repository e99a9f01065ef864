"""`render_json` is byte for byte `json.dumps(doc, ensure_ascii=False, indent=2)` (its fast path too)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from harness.commands._grade_render import render_json, summarize
from harness.model import Failure, Verdict

_TEXT = st.text(st.characters(codec="utf-8"), max_size=12)
_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), _TEXT),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=6,
)
_FAILURE = st.builds(
    Failure,
    kind=st.sampled_from(["wrong_value", "no_call"]),
    message=_TEXT,
    turn=st.integers(0, 3),
    call=st.none() | st.integers(0, 3),
    path=st.none() | _TEXT,
    expected=_VALUE,
    actual=_VALUE,
)
_VERDICT = st.builds(
    Verdict,
    case_id=_TEXT,
    provider_id=_TEXT,
    passed=st.booleans(),
    tool_selection_ok=st.booleans(),
    arguments_ok=st.booleans(),
    schema_ok=st.booleans(),
    failures=st.lists(_FAILURE, max_size=2).map(tuple),
    status=st.sampled_from(["pass", "fail", "error"]),
)


def _reference(verdicts: list[Verdict], bfcl: Any = None) -> str:
    doc: dict[str, Any] = {"summary": summarize(verdicts), "verdicts": [v.to_dict() for v in verdicts]}
    if bfcl is not None:
        doc["bfcl"] = bfcl
    return json.dumps(doc, ensure_ascii=False, indent=2)


@settings(max_examples=300, deadline=None)
@given(st.lists(_VERDICT, max_size=6))
def test_render_json_is_json_dumps_indented(verdicts: list[Verdict]) -> None:
    assert render_json(verdicts) == _reference(verdicts)


def test_render_json_with_bfcl_scores_and_odd_values() -> None:
    from harness.reports.bfcl import ProviderScores, scores_to_dict

    odd = Verdict('c\n"é\u2028', "p", 1, True, True, True)  # type: ignore[arg-type]  # not a bool: generic path
    plain = Verdict("a", "p\t😀", True, True, True, False)
    scores = [ProviderScores("p", "v1", {"simple": (1, 2)}, {"overall": 0.5}, {})]
    assert render_json([odd, plain], scores) == _reference([odd, plain], scores_to_dict(scores))
