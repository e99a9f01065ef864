"""Every report metric on crafted rows: denominators, accuracy flags, latency, tokens, cost, trials."""

from __future__ import annotations

import pytest

from harness.model import Usage
from harness.reports.metrics import (
    bucket_metrics,
    case_status,
    cost,
    disagreements,
    failure_kinds,
    pass_hat_k,
    percentile,
    row_kind,
    summarize,
    trial_stats,
)
from harness.run.config import Price
from tests.helpers.rows import demo_rows, make_row

P = "crafted-openai-chat"


def _mixed() -> list:
    return [
        make_row("weather.beijing.tomorrow", P, "pass", latency_ms=100),
        make_row("weather.shanghai.fahrenheit", P, "wrong_value", latency_ms=200),
        make_row("multiple.stock", P, "error", latency_ms=300),
        make_row("multi_turn.weather_train", P, "stale"),
        make_row("parallel.two_cities", P, "unsupported"),
    ]


def test_unsupported_is_excluded_and_errors_count_as_not_passing() -> None:
    m = bucket_metrics(_mixed())
    assert m["total"] == 5
    assert m["counted"] == 4
    assert m["status_counts"] == {"pass": 1, "fail": 1, "error": 1, "unsupported": 1, "stale": 1}
    assert m["pass_rate"] == pytest.approx(1 / 4)


def test_tool_selection_arguments_and_schema_are_separate() -> None:
    m = bucket_metrics(_mixed())
    # pass and wrong_value both chose the right tool; error and stale never count as ok
    assert m["tool_selection_accuracy"] == pytest.approx(2 / 4)
    assert m["argument_accuracy"] == pytest.approx(1 / 4)
    assert m["schema_valid_rate"] == pytest.approx(2 / 4)


def test_schema_valid_rate_drops_for_unparsable_arguments() -> None:
    rows = [
        make_row("multi_turn.weather_train", P, "invalid_arguments_json"),
        make_row("weather.beijing.tomorrow", P, "pass"),
    ]
    assert bucket_metrics(rows)["schema_valid_rate"] == pytest.approx(0.5)


def test_irrelevance_accuracy() -> None:
    rows = [
        make_row("irrelevance.joke", P, "pass"),
        make_row("irrelevance.joke", "crafted-x", "unexpected_call"),
        make_row("weather.beijing.tomorrow", P, "pass"),
    ]
    assert bucket_metrics(rows)["irrelevance_accuracy"] == pytest.approx(0.5)
    assert bucket_metrics(rows[2:])["irrelevance_accuracy"] is None


def test_empty_bucket_has_no_rates() -> None:
    m = bucket_metrics([])
    assert m["pass_rate"] is None
    assert m["latency_ms"]["p50"] is None
    assert m["tokens"] == {"input": None, "output": None}


def test_percentile_linear_interpolation() -> None:
    assert percentile([400, 100, 300, 200], 50) == pytest.approx(250)
    assert percentile([100, 200, 300, 400], 95) == pytest.approx(385)
    assert percentile([7], 95) == 7
    assert percentile([], 50) is None


def test_latency_and_tokens_from_rows() -> None:
    m = bucket_metrics(_mixed())
    # stale and unsupported rows carry no latency
    assert m["latency_ms"]["n"] == 3
    assert m["latency_ms"]["p50"] == pytest.approx(200)
    assert m["latency_ms"]["p95"] == pytest.approx(290)
    # pass and wrong_value report 120/30 each; the error row none
    assert m["tokens"] == {"input": 240, "output": 60}


def test_cost_from_price_table() -> None:
    rows = [
        make_row("weather.beijing.tomorrow", P, "pass", usage=Usage(1_000_000, 500_000)),
        make_row("weather.beijing.tomorrow", "crafted-anthropic", "pass", usage=Usage(10, 10)),
    ]
    c = cost(rows, {"gpt-4o-mini": Price(0.15, 0.60)})
    assert c["usd"] == pytest.approx(0.15 + 0.30)
    assert c["unpriced_models"] == ["claude-3-5-haiku"]
    assert cost(rows, None) == {"usd": None, "unpriced_models": ["claude-3-5-haiku", "gpt-4o-mini"]}


def test_cost_ignores_rows_without_usage() -> None:
    rows = [make_row("multiple.stock", P, "error")]
    assert cost(rows, {"gpt-4o-mini": Price(1, 1)}) == {"usd": None, "unpriced_models": []}


def test_pass_hat_k_tau_bench() -> None:
    assert pass_hat_k(2, 3, 1) == pytest.approx(2 / 3)
    assert pass_hat_k(2, 3, 2) == pytest.approx(1 / 3)
    assert pass_hat_k(2, 3, 3) == 0
    assert pass_hat_k(3, 3, 3) == 1
    with pytest.raises(ValueError):
        pass_hat_k(1, 2, 3)


def test_trials_pass_at_1_pass_hat_k_and_flaky() -> None:
    rows = [make_row("weather.beijing.tomorrow", P, "pass", trial=t) for t in (1, 2, 3)]
    rows += [
        make_row("weather.shanghai.fahrenheit", P, o, trial=t)
        for t, o in ((1, "pass"), (2, "pass"), (3, "wrong_value"))
    ]
    rows += [make_row("parallel.two_cities", P, "unsupported", trial=t) for t in (1, 2, 3)]
    t = trial_stats(rows)
    assert t["trials"] == 3 and t["k"] == 3 and t["cases"] == 2
    assert t["mean_pass_at_1"] == pytest.approx((1 + 2 / 3) / 2)
    assert t["pass_hat_k"] == pytest.approx((1 + 0) / 2)
    assert t["flaky"] == [{"case_id": "weather.shanghai.fahrenheit", "passed": 2, "trials": 3}]


def test_errors_make_a_case_flaky_too() -> None:
    rows = [make_row("multiple.stock", P, o, trial=t) for t, o in ((1, "pass"), (2, "error"))]
    assert [f["case_id"] for f in trial_stats(rows)["flaky"]] == ["multiple.stock"]


def test_case_status() -> None:
    same = [make_row("weather.beijing.tomorrow", P, "pass", trial=t) for t in (1, 2)]
    assert case_status(same) == "pass"
    mixed = [*same, make_row("weather.beijing.tomorrow", P, "wrong_value", trial=3)]
    assert case_status(mixed) == "flaky"
    assert case_status([same[0], make_row("weather.beijing.tomorrow", P, "unsupported", trial=2)]) == "pass"


def test_row_kind() -> None:
    assert row_kind(make_row("weather.beijing.tomorrow", P, "pass")) == "pass"
    assert row_kind(make_row("weather.beijing.tomorrow", P, "wrong_value")) == "wrong_value"
    assert row_kind(make_row("multiple.stock", P, "error")) == "provider_error"
    assert row_kind(make_row("multi_turn.weather_train", P, "stale")) == "stale_cassette"
    assert row_kind(make_row("parallel.two_cities", P, "unsupported")) == "unsupported"


def test_failure_kinds_count_rows() -> None:
    assert failure_kinds(_mixed()) == {"provider_error": 1, "stale_cassette": 1, "wrong_value": 1}


def test_disagreement_sorted_by_split() -> None:
    rows = [
        # even split between two providers
        make_row("multiple.stock", "a", "pass"),
        make_row("multiple.stock", "b", "hallucinated_function"),
        # one of three fails
        make_row("irrelevance.joke", "a", "pass"),
        make_row("irrelevance.joke", "b", "pass"),
        make_row("irrelevance.joke", "c", "unexpected_call"),
        # everyone agrees
        make_row("weather.beijing.tomorrow", "a", "pass"),
        make_row("weather.beijing.tomorrow", "b", "pass"),
        # a provider error is not a disagreement about the model
        make_row("parallel.two_cities", "a", "pass"),
        make_row("parallel.two_cities", "b", "error"),
    ]
    d = disagreements(rows)
    assert [x["case_id"] for x in d] == ["multiple.stock", "irrelevance.joke"]
    assert d[0]["score"] == pytest.approx(0.5)
    assert d[1]["score"] == pytest.approx(1 / 3)
    assert d[0]["passing"] == ["a"]
    assert d[0]["failing"] == {"b": ["hallucinated_function"]}


def test_summarize_per_provider_and_category() -> None:
    s = summarize(demo_rows(), {"gpt-4o-mini": Price(0.15, 0.60)})
    assert s["cases"] == 6
    assert s["trials"] == 3
    assert set(s["providers"]) == {"crafted-openai-chat", "crafted-anthropic", "emulator-gemini"}
    p = s["providers"]["crafted-openai-chat"]
    assert p["pass_rate"] == pytest.approx(4 / 6)
    assert p["categories"]["simple"]["pass_rate"] == pytest.approx(0.5)
    assert p["categories"]["irrelevance"]["pass_rate"] == 0
    assert p["cost"]["usd"] == pytest.approx(6 * (120 * 0.15 + 30 * 0.60) / 1e6)
    assert s["providers"]["emulator-gemini"]["emulator"] is True
    assert s["providers"]["emulator-gemini"]["trials"]["pass_hat_k"] == pytest.approx(0.4)
    assert s["categories"]["parallel"]["status_counts"]["unsupported"] == 3
    assert s["disagreements"][0]["score"] == pytest.approx(0.5)


def test_local_models_are_flagged_in_the_summary() -> None:
    from harness.reports.metrics import is_local_model

    assert all(is_local_model(p) for p in ("llamacpp-qwen", "ollama-qwen", "vllm-qwen", "local-x"))
    assert not any(is_local_model(p) for p in ("emulator-openai-chat", "openai-gpt-4o-mini", "qwen-llamacpp"))
    s = summarize(
        [make_row("weather.beijing.tomorrow", p, "pass") for p in ("llamacpp-qwen", "emulator-gemini")]
    )
    assert s["providers"]["llamacpp-qwen"]["local_model"] is True
    assert s["providers"]["llamacpp-qwen"]["emulator"] is False
    assert s["providers"]["emulator-gemini"]["local_model"] is False
