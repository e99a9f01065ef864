"""junit.xml parses and maps statuses: failure, error (provider/stale), skipped (unsupported)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from harness.model import Failure, Verdict
from tests.helpers.reports import built_reports
from tests.helpers.rows import demo_rows, make_row


def _junit(rows, **kw) -> str:
    return built_reports(rows, **kw)["junit.xml"]


def _suites(rows) -> dict[str, ET.Element]:
    root = ET.fromstring(_junit(rows, run_id="r1"))
    assert root.tag == "testsuites"
    return {s.get("name"): s for s in root.findall("testsuite")}


def test_a_suite_per_provider_and_a_case_per_row() -> None:
    rows = demo_rows()
    suites = _suites(rows)
    assert set(suites) == {"crafted-openai-chat", "crafted-anthropic", "emulator-gemini"}
    assert len(suites["crafted-openai-chat"].findall("testcase")) == 6
    assert len(suites["emulator-gemini"].findall("testcase")) == 18  # 6 cases × 3 trials
    root = ET.fromstring(_junit(rows))
    assert root.get("tests") == str(len(rows))


def test_statuses_map_to_junit_elements() -> None:
    s = _suites(demo_rows())["crafted-anthropic"]
    cases = {tc.get("name"): tc for tc in s.findall("testcase")}
    assert cases["weather.beijing.tomorrow"].find("*") is None  # pass: no child
    f = cases["weather.shanghai.fahrenheit"].find("failure")
    assert f is not None and f.get("type") == "missing_argument"
    assert "root['unit']" in f.text
    assert cases["multiple.stock"].find("error").get("type") == "provider_error"
    assert "rate limited" in cases["multiple.stock"].find("error").get("message")
    assert cases["multi_turn.weather_train"].find("error").get("type") == "stale_cassette"
    assert s.get("failures") == "2" and s.get("errors") == "2" and s.get("skipped") == "0"
    emu = _suites(demo_rows())["emulator-gemini"]
    skipped = [tc for tc in emu.findall("testcase") if tc.find("skipped") is not None]
    assert len(skipped) == 3 and emu.get("skipped") == "3"
    assert "parallel.two_cities@1" in {tc.get("name") for tc in skipped}


def test_classname_is_the_case_file_and_emulator_is_labelled() -> None:
    suites = _suites(demo_rows())
    tc = suites["crafted-openai-chat"].find("testcase[@name='weather.beijing.tomorrow']")
    assert tc.get("classname") == "cases.travel.weather"
    props = {p.get("name"): p.get("value") for p in suites["emulator-gemini"].iter("property")}
    assert props["traffic"].startswith("emulator")


def test_control_characters_and_chinese_survive() -> None:
    r = make_row("weather.beijing.tomorrow", "crafted-openai-chat", "wrong_value")
    v = Verdict(
        r.case_id,
        r.provider_id,
        False,
        True,
        False,
        True,
        (Failure("wrong_value", "北京\x00\x1b 天气"),),
        "fail",
    )
    r = r.__class__(**{**r.__dict__, "verdict": v})
    failure = _suites([r])["crafted-openai-chat"].find("testcase/failure")
    assert "北京" in failure.text and "天气" in failure.text


def test_suite_properties_carry_latency_tokens_and_cost() -> None:
    from harness.run.config import Price

    root = ET.fromstring(_junit(demo_rows(), prices={"gpt-4o-mini": Price(0.15, 0.6)}))
    suite = root.find("testsuite[@name='crafted-openai-chat']")
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["pass_rate"] == "0.6667"
    assert props["latency_p50_ms"] == "500.0000"
    assert props["input_tokens"] == "720" and props["output_tokens"] == "180"
    assert props["cost_usd"] == "0.0002"
    anth = {p.get("name") for p in root.find("testsuite[@name='crafted-anthropic']").iter("property")}
    assert "cost_usd" not in anth  # no price for its model


def test_local_models_are_labelled() -> None:
    suites = _suites([make_row("weather.beijing.tomorrow", "llamacpp-qwen", "pass")])
    props = {p.get("name"): p.get("value") for p in suites["llamacpp-qwen"].iter("property")}
    assert props["traffic"].startswith("local model")
