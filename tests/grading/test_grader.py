"""Grading: every failure kind, optimal pairing, order, profiles, multi-turn, explanations."""

from __future__ import annotations

import itertools
import json
import random
import sys
import types
from typing import Any

import pytest

from harness.errors import UserError
from harness.grading import grader as grading
from harness.grading.assignment import min_cost_assignment, ordered_alignment
from harness.grading.grader import grade, grade_turn
from harness.grading.matchers import MatcherError
from harness.model import FAILURE_KINDS
from tests.helpers.grading_builders import call, expected, kinds, make_case, turn

WEATHER_BJ = expected("get_weather", location={"$one_of": ["北京", "Beijing"]}, date="2025-06-22")


def test_a_matching_call_passes_with_all_flags() -> None:
    case = make_case(WEATHER_BJ)
    v = grade(case, [turn(call("get_weather", location="北京", date="2025-06-22"))], provider_id="p")
    assert v.passed and v.status == "pass" and v.failures == ()
    assert (v.tool_selection_ok, v.arguments_ok, v.schema_ok) == (True, True, True)
    assert v.case_id == "t.case" and v.provider_id == "p"
    json.dumps(v.to_dict())


# -- every failure kind -----------------------------------------------------------------


def test_no_call() -> None:
    v = grade(make_case(WEATHER_BJ), [turn(text="北京明天晴")])
    assert kinds(v) == ["no_call"] and v.status == "fail"
    assert (v.tool_selection_ok, v.arguments_ok, v.schema_ok) == (False, False, True)


def test_irrelevance_passes_without_calls_and_fails_as_unexpected_call() -> None:
    case = make_case(category="irrelevance")
    assert grade(case, [turn(text="I cannot do that")]).passed
    v = grade(case, [turn(call("get_time", timezone="UTC"), call("get_weather", location="x"))])
    assert kinds(v) == ["unexpected_call", "unexpected_call"]
    assert [f.call for f in v.failures] == [0, 1]
    assert (v.tool_selection_ok, v.arguments_ok) == (False, True)


def test_wrong_function() -> None:
    v = grade(make_case(WEATHER_BJ), [turn(call("get_time", timezone="Asia/Shanghai"))])
    assert kinds(v) == ["wrong_function"]
    f = v.failures[0]
    assert (f.expected, f.actual, f.call) == ("get_weather", "get_time", 0)
    assert not v.tool_selection_ok and not v.arguments_ok and v.schema_ok


def test_hallucinated_function_instead_of_and_besides_an_expected_call() -> None:
    v = grade(make_case(WEATHER_BJ), [turn(call("get_forecast", location="北京"))])
    assert kinds(v) == ["hallucinated_function"]
    assert v.failures[0].expected == "get_weather" and v.failures[0].actual == "get_forecast"
    ok_call = call("get_weather", location="北京", date="2025-06-22")
    v = grade(make_case(WEATHER_BJ), [turn(ok_call, call("search_web", q="x"))])
    assert kinds(v) == ["hallucinated_function"] and v.failures[0].call == 1
    assert not v.tool_selection_ok and v.arguments_ok and v.schema_ok


def test_missing_call_and_extra_call_in_parallel_cases() -> None:
    case = make_case(
        expected("get_weather", location="北京"),
        expected("get_weather", location="上海"),
        category="parallel",
    )
    v = grade(case, [turn(call("get_weather", location="上海"))])
    assert kinds(v) == ["missing_call"] and v.failures[0].call == 0
    assert not v.tool_selection_ok and not v.arguments_ok
    three = [call("get_weather", location=c) for c in ("北京", "上海", "广州")]
    v = grade(case, [turn(*three)])
    assert kinds(v) == ["extra_call"] and v.failures[0].call == 2
    assert not v.tool_selection_ok and v.arguments_ok


def test_invalid_arguments_json_is_graded_not_crashed() -> None:
    v = grade(make_case(WEATHER_BJ), [turn(call("get_weather", '{"location": "北京", '))])
    assert kinds(v) == ["invalid_arguments_json"]
    assert v.failures[0].actual == '{"location": "北京", '
    assert v.tool_selection_ok and not v.arguments_ok and not v.schema_ok
    v = grade(make_case(WEATHER_BJ), [turn(call("get_weather", "[1, 2]"))])
    assert kinds(v) == ["invalid_arguments_json"]


def test_schema_violation_is_reported_separately_from_expectations() -> None:
    case = make_case(expected("get_weather", location="北京", days={"$any": True}))
    v = grade(case, [turn(call("get_weather", location="北京", days=0))])
    assert kinds(v) == ["schema_violation"]
    f = v.failures[0]
    assert f.path == "root['days']" and f.actual == 0 and "minimum" in f.message
    assert (v.tool_selection_ok, v.arguments_ok, v.schema_ok) == (True, True, False)


def test_missing_and_unexpected_arguments() -> None:
    case = make_case(expected("get_weather", location="北京", date="2025-06-22"))
    v = grade(case, [turn(call("get_weather", location="北京", unit="celsius"))])
    assert [(f.kind, f.path) for f in v.failures] == [
        ("missing_argument", "root['date']"),
        ("unexpected_argument", "root['unit']"),
    ]
    assert v.tool_selection_ok and not v.arguments_ok and v.schema_ok


def test_extra_arguments_allow() -> None:
    case = make_case(expected("get_weather", location="北京"), extra_arguments="allow")
    assert grade(case, [turn(call("get_weather", location="北京", unit="celsius"))]).passed
    # strict forces forbid
    v = grade(case, [turn(call("get_weather", location="北京", unit="celsius"))], profile="strict")
    assert kinds(v) == ["unexpected_argument"]


def test_wrong_value_and_wrong_type_with_deepdiff_paths() -> None:
    case = make_case(expected("get_weather", location="北京", days=3, date="2025-06-22"))
    v = grade(case, [turn(call("get_weather", location="北京", days="3", date="2025-06-23"))])
    assert [(f.kind, f.path, f.expected, f.actual) for f in v.failures[:2]] == [
        ("wrong_type", "root['days']", 3, "3"),
        ("wrong_value", "root['date']", "2025-06-22", "2025-06-23"),
    ]
    assert "root['date']" in v.failures[1].message and "'2025-06-23'" in v.failures[1].message
    assert kinds(v)[2:] == ["schema_violation"]  # "3" is also not an integer for the tool


def test_nested_paths_in_explanations() -> None:
    tool_params = {"type": "object", "properties": {"seat": {"type": "object"}}}
    from harness.model import Tool

    case = make_case(
        expected("book", seat={"class": "first", "window": True}),
        tools=(Tool("book", "", tool_params),),
    )
    v = grade(case, [turn(call("book", seat={"class": "second", "window": 1}))])
    assert [(f.kind, f.path) for f in v.failures] == [
        ("wrong_value", "root['seat']['class']"),
        ("wrong_type", "root['seat']['window']"),
    ]
    assert "root['seat']['window']" in v.explain()


def test_text_mismatch() -> None:
    case = make_case(category="irrelevance", expect_text={"$contains": "抱歉"})
    assert grade(case, [turn(text="抱歉，我无法查询股票。")]).passed
    v = grade(case, [turn(text="Sorry")])
    assert kinds(v) == ["text_mismatch"] and v.failures[0].actual == "Sorry"
    v = grade(case, [turn()])
    assert kinds(v) == ["text_mismatch"]


def test_every_gradable_failure_kind_is_produced_somewhere() -> None:
    # provider_error and stale_cassette come from the runner, not from grading
    produced = {
        "no_call",
        "unexpected_call",
        "wrong_function",
        "hallucinated_function",
        "missing_call",
        "extra_call",
        "invalid_arguments_json",
        "schema_violation",
        "missing_argument",
        "unexpected_argument",
        "wrong_value",
        "wrong_type",
        "text_mismatch",
    }
    assert produced | {"provider_error", "stale_cassette"} == set(FAILURE_KINDS)


# -- pairing ----------------------------------------------------------------------------


def test_optimal_assignment_beats_first_fit() -> None:
    # first-fit gives call 0 ("北京") to expectation 0 (either city), leaving expectation 1
    # ("北京" only) with "上海": a false failure. The optimal pairing passes.
    case = make_case(
        expected("get_weather", location={"$one_of": ["北京", "上海"]}),
        expected("get_weather", location="北京"),
        category="parallel",
    )
    calls = turn(call("get_weather", location="北京"), call("get_weather", location="上海"))
    g = grade_turn(case, 0, calls)
    assert g.passed and g.matches == (1, 0)


def test_optimal_assignment_minimises_argument_mismatches() -> None:
    case = make_case(
        expected("get_weather", location="北京", date="2025-06-22", unit="celsius"),
        expected("get_weather", location="北京", date="2025-06-23", unit="fahrenheit"),
        category="parallel",
    )
    calls = turn(
        call("get_weather", location="北京", date="2025-06-23", unit="fahrenheit"),
        call("get_weather", location="北京", date="2025-06-22", unit="fahrenheit"),
    )
    g = grade_turn(case, 0, calls)
    # positional pairing would report 4 mismatches; the optimal one reports the single real one
    assert g.matches == (1, 0)
    assert [(f.kind, f.path, f.call) for f in g.failures] == [("wrong_value", "root['unit']", 0)]
    assert g.tool_selection_ok and not g.arguments_ok


def test_pairing_prefers_more_matched_calls_over_fewer_mismatches() -> None:
    case = make_case(expected("get_weather", location="北京"), expected("get_time", timezone="UTC"))
    g = grade_turn(
        case, 0, turn(call("get_time", timezone="Asia/Tokyo"), call("get_weather", location="上海"))
    )
    assert g.matches == (1, 0)
    assert sorted(kinds(g)) == ["wrong_value", "wrong_value"]
    assert g.tool_selection_ok


def test_strict_order() -> None:
    exp = (expected("get_weather", location="北京"), expected("get_time", timezone="UTC"))
    free, strict = make_case(*exp), make_case(*exp, order="strict")
    in_order = turn(call("get_weather", location="北京"), call("get_time", timezone="UTC"))
    reversed_ = turn(call("get_time", timezone="UTC"), call("get_weather", location="北京"))
    assert grade(free, [reversed_]).passed
    assert grade(strict, [in_order]).passed
    v = grade(strict, [reversed_])
    assert not v.passed and not v.tool_selection_ok
    (f,) = v.failures
    assert f.kind == "missing_call" and "out of order" in f.message
    # an extra call in front does not shift the later pairs
    extra_first = turn(call("get_time", timezone="X"), *in_order.calls)
    g = grade_turn(strict, 0, extra_first)
    assert g.matches == (1, 2) and kinds(g) == ["extra_call"]


def test_permuted_calls_keep_the_verdict() -> None:
    case = make_case(*(expected("get_weather", location=c) for c in ("a", "b", "c")), category="parallel")
    calls = [call("get_weather", location=c) for c in ("a", "b", "x")]
    baseline = grade(case, [turn(*calls)])
    for perm in itertools.permutations(calls):
        v = grade(case, [turn(*perm)])
        assert (v.passed, sorted(kinds(v))) == (baseline.passed, sorted(kinds(baseline)))


def test_hungarian_agrees_with_brute_force() -> None:
    rng = random.Random(3)
    for _ in range(200):
        n, m = rng.randint(1, 5), rng.randint(1, 5)
        cost = [[float(rng.randint(0, 9)) for _ in range(m)] for _ in range(n)]
        got = min_cost_assignment(cost)
        assert sum(j is not None for j in got) == min(n, m)
        assert len({j for j in got if j is not None}) == min(n, m)
        total = sum(cost[i][j] for i, j in enumerate(got) if j is not None)
        if n <= m:
            best = min(sum(cost[i][p[i]] for i in range(n)) for p in itertools.permutations(range(m), n))
        else:
            best = min(sum(cost[p[j]][j] for j in range(m)) for p in itertools.permutations(range(n), m))
        assert total == best


def test_ordered_alignment_maximises_pairs_then_minimises_cost() -> None:
    assert ordered_alignment([[0, None], [None, 0]]) == [0, 1]
    assert ordered_alignment([[None, 0], [0, None]]) in ([None, 0], [1, None])
    assert ordered_alignment([[5, 0, None], [None, None, 1]]) == [1, 2]
    assert ordered_alignment([]) == []


# -- profiles and names -----------------------------------------------------------------


def test_default_and_strict_number_semantics() -> None:
    case = make_case(expected("get_weather", location="北京", days=2))
    out = [turn(call("get_weather", location="北京", days=2.0))]
    assert grade(case, out).passed
    v = grade(case, out, profile="strict")
    assert kinds(v) == ["wrong_type"] and v.failures[0].path == "root['days']"
    v = grade(case, [turn(call("get_weather", location="北京", days=True))])
    assert "wrong_type" in kinds(v)


def test_unknown_profile_and_tool_names_are_user_errors() -> None:
    case = make_case(WEATHER_BJ)
    with pytest.raises(UserError, match="unknown grading profile 'lenient'"):
        grade(case, [turn()], profile="lenient")
    with pytest.raises(UserError, match="tool-names"):
        grade(case, [turn()], tool_names="fuzzy")


def test_bfcl_profile_missing_module_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "harness.bfcl.checker", None)
    with pytest.raises(UserError, match=r"harness\.bfcl\.checker"):
        grade(make_case(WEATHER_BJ), [turn()], profile="bfcl")


def test_bfcl_profile_dispatches_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}
    fake = types.ModuleType("harness.bfcl.checker")

    def fake_grade(case: Any, turns: Any, *, provider_id: str, tool_names: str) -> str:
        seen.update(case=case, turns=turns, provider_id=provider_id, tool_names=tool_names)
        return "bfcl-verdict"

    fake.grade = fake_grade  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "harness.bfcl.checker", fake)
    case = make_case(WEATHER_BJ)
    out = [turn()]
    assert grade(case, out, provider_id="p", profile="bfcl", tool_names="sanitized") == "bfcl-verdict"
    assert seen == {"case": case, "turns": out, "provider_id": "p", "tool_names": "sanitized"}


def test_bfcl_grade_turn_falls_back_to_default_semantics(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "harness.bfcl.checker", types.ModuleType("harness.bfcl.checker"))
    case = make_case(WEATHER_BJ)
    good = turn(call("get_weather", location="北京", date="2025-06-22"))
    assert grade_turn(case, 0, good, profile="bfcl").passed
    assert kinds(grade_turn(case, 0, turn(), profile="bfcl")) == ["no_call"]


def test_sanitized_tool_names() -> None:
    case = make_case(expected("train.book", **{"from": "北京", "to": "上海"}))
    out = [turn(call("train_book", **{"from": "北京", "to": "上海"}))]
    assert kinds(grade(case, out)) == ["hallucinated_function"]
    assert grade(case, out, tool_names="sanitized").passed
    assert grade(
        case, [turn(call("train.book", **{"from": "北京", "to": "上海"}))], tool_names="sanitized"
    ).passed


# -- multi-turn -------------------------------------------------------------------------


def _chain() -> Any:
    return make_case(
        turns=[
            [expected("get_weather", location="北京", date="2025-06-22")],
            [expected("train.book", **{"from": "上海", "to": "北京"})],
            [],
        ],
        texts=[None, None, {"$contains": "G"}],
        category="multi_turn",
    )


def test_multi_turn_passes_turn_by_turn() -> None:
    out = [
        turn(call("get_weather", location="北京", date="2025-06-22")),
        turn(call("train.book", **{"from": "上海", "to": "北京"})),
        turn(text="已为您预订 G2 次列车"),
    ]
    assert grade(_chain(), out).passed
    assert grade_turn(_chain(), 1, out[1]).matches == (0,)


def test_multi_turn_first_failing_turn_ends_the_case() -> None:
    out = [
        turn(call("get_weather", location="北京", date="2025-06-22")),
        turn(call("train.book", **{"from": "上海", "to": "广州"})),
        turn(call("get_time", timezone="UTC")),  # would fail too, but is never graded
    ]
    v = grade(_chain(), out)
    assert [(f.kind, f.turn, f.path) for f in v.failures] == [("wrong_value", 1, "root['to']")]
    assert "turn 1" in v.explain()


def test_multi_turn_missing_turns_fail() -> None:
    v = grade(_chain(), [turn(call("get_weather", location="北京", date="2025-06-22"))])
    assert [(f.kind, f.turn) for f in v.failures] == [("no_call", 1)]
    assert not v.tool_selection_ok
    two = [
        turn(call("get_weather", location="北京", date="2025-06-22")),
        turn(call("train.book", **{"from": "上海", "to": "北京"})),
    ]
    v = grade(_chain(), two)
    assert [(f.kind, f.turn) for f in v.failures] == [("text_mismatch", 2)]
    assert v.tool_selection_ok  # the turns that were given were right


def test_grade_turn_out_of_range_is_a_user_error() -> None:
    with pytest.raises(UserError, match="no turn 3"):
        grade_turn(_chain(), 3, turn())


# -- compilation ------------------------------------------------------------------------


def test_matchers_are_compiled_once_per_case_and_profile() -> None:
    case = make_case(WEATHER_BJ)
    grade(case, [turn()])
    plan = grading._PLANS[(id(case), "default")]
    grade(case, [turn()])
    assert grading._PLANS[(id(case), "default")] is plan
    grade(case, [turn()], profile="strict")
    assert grading._PLANS[(id(case), "strict")] is not plan


def test_a_malformed_expectation_names_the_case() -> None:
    case = make_case(expected("get_weather", location={"$oneof": ["北京"]}), id="bad.case")
    with pytest.raises(MatcherError, match=r"case 'bad.case': turn 0 expect\[0\] \(get_weather\)"):
        grade(case, [turn()])


def test_a_plan_lives_as_long_as_its_case() -> None:
    import gc

    # Given a case graded (its compiled plan cached) and a copy of it graded too
    case = make_case(expected("get_weather", city="Beijing"))
    grade(case, [turn(call("get_weather", city="Beijing"))])
    key = (id(case), "default")
    assert key in grading._PLANS
    # When the case is dropped (a streamed run lets each case file go once run)
    del case
    gc.collect()
    # Then its plan is gone too: the cache never keeps a case alive nor grows with the suite
    assert key not in grading._PLANS
