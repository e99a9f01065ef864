"""report.html: self-contained, data escaped, and working in headless Chromium (heatmap, drill-down)."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from harness.model import ToolCall
from tests.helpers.reports import built_reports
from tests.helpers.rows import OUTCOMES, demo_rows, make_row

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = os.environ.get("FCHARNESS_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("FCHARNESS_CHROMEDRIVER", "/usr/bin/chromedriver")


def _html(rows=None) -> str:
    rows = demo_rows() if rows is None else rows
    return built_reports(rows, run_id="run-1")["report.html"]


def _data(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="fc-data">(.*?)</script>', page, re.S)
    assert m
    return json.loads(m.group(1))


def test_self_contained_no_network() -> None:
    page = _html()
    assert '<meta charset="utf-8">' in page
    assert not re.search(r"<(link|img|iframe)\b", page)
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", page)
    assert "@import" not in page
    assert "Noto Sans CJK SC" in page and "Microsoft YaHei" in page  # CJK-capable font stack


def test_data_is_embedded_and_cannot_close_the_script_tag() -> None:
    r = make_row("weather.beijing.tomorrow", "crafted-openai-chat", "pass")
    evil = "北京</script><script>alert(1)</script>"
    r = r.__class__(**{**r.__dict__, "case": {**r.case, "messages": [{"role": "user", "content": evil}]}})
    r = r.__class__(**{**r.__dict__, "turns": (r.turns[0].__class__(calls=(ToolCall("x", {"a": "</b>"}),)),)})
    page = _html([r])
    assert page.count("</script>") == 2  # the data tag's and the code tag's own
    data = _data(page)
    assert data["cases"]["weather.beijing.tomorrow"]["case"]["messages"][0]["content"] == evil
    assert data["results"][0]["turns"][0]["calls"][0]["arguments"] == {"a": "</b>"}


def test_data_shape() -> None:
    data = _data(_html())
    assert data["providers"] == ["crafted-anthropic", "crafted-openai-chat", "emulator-gemini"]
    assert len(data["cases"]) == 6
    assert len(data["results"]) == len(demo_rows())
    kinds = {r["kind"] for r in data["results"]}
    assert {"pass", "wrong_value", "provider_error", "stale_cassette", "unsupported"} <= kinds


# ---- the browser test -------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium driven by selenium (skips with the reason when absent)."""
    webdriver = pytest.importorskip(
        "selenium.webdriver", reason="selenium is not installed (pip install selenium)"
    )
    from selenium.webdriver.chrome.service import Service

    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        pytest.skip(f"chromium not found at {CHROMIUM} (apt-get install chromium chromium-driver)")
    if not Path(CHROMEDRIVER).exists():
        pytest.skip(f"chromedriver not found at {CHROMEDRIVER} (apt-get install chromium-driver)")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1400,1800",
    ):
        opts.add_argument(arg)
    profile = tempfile.mkdtemp(prefix="fcharness-chromium-")
    opts.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.mark.browser
def test_heatmap_and_drill_down_in_chromium(browser, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    page = tmp_path / "report.html"
    page.write_text(_html(), encoding="utf-8")
    browser.get(page.as_uri())
    WebDriverWait(browser, 10).until(
        lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready")
    )

    n_cases = len({c for cases in OUTCOMES.values() for c in cases})
    cells = browser.find_elements(By.CSS_SELECTOR, "#heatmap td.cell")
    assert len(cells) == n_cases * len(OUTCOMES)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#cards .card")) == len(OUTCOMES)
    assert browser.find_element(By.CSS_SELECTOR, "#cards .badge.emu").text == "emulator"
    assert "明天北京天气怎么样" in browser.find_element(By.ID, "heatmap").text

    # open the failing cell: crafted-openai-chat sent the wrong date
    cell = browser.find_element(
        By.CSS_SELECTOR,
        'td.cell[data-case="weather.beijing.tomorrow"][data-provider="crafted-openai-chat"]',
    )
    assert cell.get_attribute("data-kind") == "wrong_value"
    cell.click()
    drill = browser.find_element(By.ID, "drill")
    WebDriverWait(browser, 5).until(lambda d: drill.is_displayed())
    expected = drill.find_element(By.CSS_SELECTOR, ".col.expected").text
    actual = drill.find_element(By.CSS_SELECTOR, ".col.actual").text
    assert '"2026-11-28"' in expected and '"2026-11-27"' in actual
    diff_rows = drill.find_elements(By.CSS_SELECTOR, ".col.actual tr.d-bad, .col.actual tr.d-diff")
    assert [r.find_element(By.CSS_SELECTOR, "td.key").text for r in diff_rows] == ["date"]
    assert "明天北京天气怎么样" in drill.text  # the prompt
    assert "get_weather" in drill.text and "120" in drill.text  # tools and tokens
    ARTIFACTS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / "report.png"))

    # an unsupported cell says why nothing ran
    browser.find_element(By.CSS_SELECTOR, "#drill .close").click()
    browser.find_element(
        By.CSS_SELECTOR, 'td.cell[data-case="parallel.two_cities"][data-provider="emulator-gemini"]'
    ).click()
    assert "not run: the vendor cannot express this case" in drill.text
    assert "gemini cannot force parallel calls" in drill.text

    # filters: one provider off → a column fewer; the category filter keeps irrelevance cases only
    browser.find_element(By.CSS_SELECTOR, "#drill .close").click()
    browser.find_element(By.CSS_SELECTOR, '#f-providers .chip[data-p="crafted-anthropic"]').click()
    assert len(browser.find_elements(By.CSS_SELECTOR, "#heatmap td.cell")) == n_cases * (len(OUTCOMES) - 1)
    from selenium.webdriver.support.ui import Select

    Select(browser.find_element(By.ID, "f-category")).select_by_visible_text("irrelevance")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#heatmap td.cell")) == len(OUTCOMES) - 1

    # a sortable table: sort the metrics by pass rate, descending on the second click
    th = browser.find_elements(By.CSS_SELECTOR, "#metrics th")[2]
    th.click()
    th.click()
    first = browser.find_element(By.CSS_SELECTOR, "#metrics tbody tr td").text
    assert first.startswith(("crafted-openai-chat", "emulator-gemini"))
    severe = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"]
    assert severe == []  # no JavaScript error on the way


def _fix_rows() -> list:
    """The demo rows, with `weather.beijing.tomorrow` allowing an optional `unit` (never sent),
    a missing cassette, and a failure on the second turn of the multi-turn case."""
    from dataclasses import replace

    from harness.model import Failure

    rows = []
    for r in demo_rows():
        if r.case_id == "weather.beijing.tomorrow":
            case = copy.deepcopy(dict(r.case))
            case["turns"][0]["expect"][0]["arguments"]["unit"] = {"$optional": "celsius"}
            case["turns"][0]["expect"][0]["arguments"]["hour"] = {"$absent": True}
            r = replace(r, case=case)
        if r.case_id == "multi_turn.weather_train" and r.provider_id == "crafted-anthropic":
            msg = (
                "no cassette at cassettes/crafted-anthropic/multi_turn.weather_train.yaml; record it with: x"
            )
            r = replace(r, error=msg, verdict=replace(r.verdict, failures=(Failure("stale_cassette", msg),)))
        if r.case_id == "multi_turn.weather_train" and r.provider_id == "crafted-openai-chat":
            fail = Failure(
                "wrong_value", "root['to']: expected '北京', got '南京'", turn=1, call=0, path="root['to']"
            )
            verdict = replace(r.verdict, passed=False, status="fail", arguments_ok=False, failures=(fail,))
            r = replace(r, verdict=verdict)
        rows.append(r)
    return rows


def _wait_ready(browser, page: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(page.as_uri())
    WebDriverWait(browser, 10).until(
        lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready")
    )


def _visible_cases(browser) -> set[str]:
    from selenium.webdriver.common.by import By

    return {e.text for e in browser.find_elements(By.CSS_SELECTOR, "#heatmap tbody th.case .cid")}


def _expected(providers: set[str], rule: str) -> set[str]:
    out = set()
    for cid in {c for cases in OUTCOMES.values() for c in cases}:
        outs = {p: OUTCOMES[p][cid] for p in providers}
        if rule == "any":
            if any(o not in ("pass", "unsupported") for os_ in outs.values() for o in os_):
                out.add(cid)
            continue
        graded = {
            p: [o for o in os_ if o not in ("unsupported", "error", "stale")] for p, os_ in outs.items()
        }
        shares = [sum(o == "pass" for o in g) / len(g) for g in graded.values() if g]
        if len(shares) >= 2 and 0 < sum(shares) < len(shares):
            out.add(cid)
    return out


@pytest.mark.browser
def test_report_fixes_in_chromium(browser, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    rows = _fix_rows()
    page = tmp_path / "report.html"
    page.write_text(_html(rows), encoding="utf-8")
    browser.set_window_size(1400, 1800)
    _wait_ready(browser, page)
    drill = browser.find_element(By.ID, "drill")
    close = "#drill .close"

    # 1. an absent `$optional` (or `$absent`) argument on a passing row is not "(missing)"
    browser.find_element(
        By.CSS_SELECTOR, 'td.cell[data-case="weather.beijing.tomorrow"][data-provider="crafted-anthropic"]'
    ).click()
    actual = drill.find_element(By.CSS_SELECTOR, ".col.actual")
    assert actual.find_elements(By.CSS_SELECTOR, "tr.d-missing, tr.d-bad, tr.d-diff") == []
    allowed = actual.find_elements(By.CSS_SELECTOR, "tr.d-absent-ok")
    assert sorted(r.find_element(By.CSS_SELECTOR, "td.key").text for r in allowed) == ["hour", "unit"]
    color = browser.execute_script("return getComputedStyle(arguments[0]).backgroundColor", allowed[0])
    assert color in ("rgba(0, 0, 0, 0)", "transparent")  # not the red of .d-missing
    assert "(missing)" not in browser.execute_script(
        "return getComputedStyle(arguments[0].querySelector('td.val'), '::after').content", allowed[0]
    )
    browser.find_element(By.CSS_SELECTOR, close).click()

    # 2. a missing cassette is described as missing, not as "no longer matches"
    cell = browser.find_element(
        By.CSS_SELECTOR, 'td.cell[data-case="multi_turn.weather_train"][data-provider="crafted-anthropic"]'
    )
    assert cell.text == "no cassette"
    cell.click()
    assert "no cassette was recorded" in drill.text and "no longer matches" not in drill.text
    browser.find_element(By.CSS_SELECTOR, close).click()

    # 3. turns are numbered from 0, as in results.jsonl, the terminal, report.md and junit.xml
    browser.find_element(
        By.CSS_SELECTOR, 'td.cell[data-case="multi_turn.weather_train"][data-provider="crafted-openai-chat"]'
    ).click()
    heads = [
        h.text.lower()
        for h in drill.find_elements(By.CSS_SELECTOR, "h4")
        if h.text.lower().startswith("turn")
    ]
    assert heads == ["turn 0", "turn 1"]
    assert "turn 1, call 0" in drill.find_element(By.CSS_SELECTOR, "ul.fails").text
    browser.find_element(By.CSS_SELECTOR, close).click()
    (row,) = [
        r for r in rows if r.case_id == "multi_turn.weather_train" and r.provider_id == "crafted-openai-chat"
    ]
    assert "turn 1, call 0" in row.verdict.explain()  # the terminal's text
    built = built_reports(rows)
    assert "turn 1, call 0" in built["report.md"] and "turn 1, call 0" in built["junit.xml"]

    # 4. the outcome filter: "any failure" and "providers disagree", over the visible providers
    kind = Select(browser.find_element(By.ID, "f-kind"))
    every = set(OUTCOMES)
    for rule, label in (("any", "any failure"), ("disagree", "providers disagree")):
        kind.select_by_visible_text(label)
        assert _visible_cases(browser) == _expected(every, rule)
    browser.find_element(By.CSS_SELECTOR, '#f-providers .chip[data-p="emulator-gemini"]').click()
    two = every - {"emulator-gemini"}
    assert (
        _visible_cases(browser)
        == _expected(two, "disagree")
        == {
            "weather.beijing.tomorrow",
            "weather.shanghai.fahrenheit",
            "irrelevance.joke",
            "parallel.two_cities",
        }
    )
    kind.select_by_visible_text("any failure")
    browser.find_element(By.CSS_SELECTOR, '#f-providers .chip[data-p="crafted-anthropic"]').click()
    assert _visible_cases(browser) == {
        "weather.beijing.tomorrow",
        "irrelevance.joke",
        "multi_turn.weather_train",
    }
    shown = browser.find_elements(By.CSS_SELECTOR, "#failures tbody tr.clickable")
    assert len(shown) == 3  # the failures list follows the filter too
    kind.select_by_visible_text("any outcome")

    # 5. the heatmap's case column stays in view when the table scrolls sideways
    _wait_ready(browser, page)
    browser.set_window_size(640, 1200)
    box = browser.find_element(By.ID, "heat-scroll")
    assert browser.execute_script("return arguments[0].scrollWidth > arguments[0].clientWidth + 100", box)
    browser.execute_script("arguments[0].scrollLeft = arguments[0].scrollWidth", box)
    assert browser.execute_script("return arguments[0].scrollLeft", box) > 100
    th = browser.find_elements(By.CSS_SELECTOR, "#heatmap tbody th.case")[0]
    left = browser.execute_script(
        "window.scrollTo(0, arguments[1].getBoundingClientRect().top + window.scrollY - 200);"
        "var b = arguments[0].getBoundingClientRect(), t = arguments[1].getBoundingClientRect();"
        "var top = document.elementFromPoint(t.left + 5, t.top + 5);"
        "return [t.left - b.left, arguments[1].contains(top)];",
        box,
        th,
    )
    assert abs(left[0]) <= 2 and left[1] is True  # at the box's left edge, on top of the cells
    browser.set_window_size(1400, 1800)

    # 6. no nested vertical scroll box: the failures list and the metrics table are never cut
    def cut_boxes() -> list[str]:
        return browser.execute_script(
            "return Array.prototype.filter.call(document.querySelectorAll('.scroll'), function (e) {"
            "  return e.scrollHeight > e.clientHeight + 1;"
            "}).map(function (e) { return e.firstElementChild.id; });"
        )

    assert not {"failures", "metrics", "kinds", "disagree"} & set(cut_boxes())  # on screen
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert cut_boxes() == []  # in print, none at all (the heatmap neither)
        styles = browser.execute_script(
            "return Array.prototype.map.call(document.querySelectorAll('.scroll'), function (e) {"
            "  var s = getComputedStyle(e); return s.overflowY + ' ' + s.maxHeight; });"
        )
        assert set(styles) == {"visible none"}
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    severe = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"]
    assert severe == []


@pytest.mark.browser
def test_streaming_parity_panel_in_chromium(browser, tmp_path: Path) -> None:
    from dataclasses import replace

    from selenium.webdriver.common.by import By

    from harness.model import ModelTurn

    rows = demo_rows()
    twin = [
        replace(r, provider_id="crafted-openai-chat-stream")
        for r in rows
        if r.provider_id == "crafted-openai-chat"
    ]
    i = next(k for k, r in enumerate(twin) if r.case_id == "multiple.stock")
    twin[i] = replace(twin[i], turns=(ModelTurn(calls=(ToolCall("get_stock_price", {"ticker": "nvda"}),)),))
    page = tmp_path / "report.html"
    page.write_text(_html(rows + twin), encoding="utf-8")
    _wait_ready(browser, page)
    panel = browser.find_element(By.ID, "parity-panel")
    assert panel.is_displayed()
    (summary,) = panel.find_elements(By.CSS_SELECTOR, "#parity tbody tr")
    assert "crafted-openai-chat vs crafted-openai-chat-stream" in summary.text
    (diff,) = panel.find_elements(By.CSS_SELECTOR, "#parity-diffs tbody tr.clickable")
    assert "multiple.stock" in diff.text and "root['ticker']" in diff.text
    diff.click()  # opens the streamed twin's drill-down
    drill = browser.find_element(By.ID, "drill")
    assert drill.is_displayed() and "crafted-openai-chat-stream" in drill.text
    severe = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"]
    assert severe == []
    # without a twin the panel stays hidden
    page.write_text(_html(rows), encoding="utf-8")
    _wait_ready(browser, page)
    assert not browser.find_element(By.ID, "parity-panel").is_displayed()


def test_local_models_are_flagged_in_the_data() -> None:
    rows = [make_row("weather.beijing.tomorrow", p, "pass") for p in ("llamacpp-qwen", "emulator-gemini")]
    data = _data(_html(rows))
    assert data["summary"]["providers"]["llamacpp-qwen"]["local_model"] is True
    assert data["summary"]["providers"]["emulator-gemini"]["local_model"] is False


@pytest.mark.browser
def test_local_models_get_their_badge_and_banner_in_chromium(browser, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    rows = [make_row("weather.beijing.tomorrow", p, "pass") for p in ("llamacpp-qwen", "emulator-gemini")]
    page = tmp_path / "report.html"
    page.write_text(_html(rows), encoding="utf-8")
    browser.get(page.as_uri())
    WebDriverWait(browser, 10).until(
        lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready")
    )
    assert browser.find_element(By.CSS_SELECTOR, "#cards .badge.local").text == "local model"
    assert browser.find_element(By.CSS_SELECTOR, "#cards .badge.emu").text == "emulator"
    banner = browser.find_element(By.ID, "banner").text
    assert "real open-weight model" in banner and "local emulator" in banner
