"""junit.xml: a testsuite per provider, a testcase per case (× trial), for CI test views."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

from harness.reports.metrics import bucket_metrics, cost, is_emulator, is_local_model, row_kind
from harness.run.config import Price
from harness.run.results import ResultRow

__all__ = ["JUNIT_HEAD", "render_junit", "suite_parts", "testcase_name", "testcase_xml", "testsuites_parts"]

# XML 1.0 forbids most control characters even when escaped.
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _BAD_XML.sub("\ufffd", text)


def _classname(r: ResultRow) -> str:
    if r.source:
        return re.sub(r"\.ya?ml$", "", r.source).replace("\\", "/").replace("/", ".")
    return r.category or "cases"


def _testcase(r: ResultRow, name: str) -> ET.Element:
    tc = ET.Element("testcase", classname=_clean(_classname(r)), name=_clean(name))
    tc.set("time", f"{(r.latency_ms or 0) / 1000:.3f}")
    explanation = r.verdict.explain()
    if r.error and r.error not in explanation:
        explanation += f"\n  - {r.error}"
    kind = row_kind(r)
    if r.status == "fail":
        first = r.verdict.failures[0].message if r.verdict.failures else "failed"
        el = ET.SubElement(tc, "failure", message=_clean(f"{kind}: {first}"), type=kind)
        el.text = _clean(explanation)
    elif r.status in ("error", "stale"):
        el = ET.SubElement(tc, "error", message=_clean(r.error or explanation.splitlines()[-1]), type=kind)
        el.text = _clean(explanation)
    elif r.status == "unsupported":
        ET.SubElement(
            tc, "skipped", message=_clean(f"unsupported: {r.error or 'the vendor cannot express it'}")
        )
    return tc


def render_junit(
    rows: Sequence[ResultRow], *, run_id: str = "", prices: Mapping[str, Price] | None = None
) -> str:
    """Return junit.xml text for `rows` (failure = model failure, error = provider error/stale).

    Each suite's properties carry the provider's model, pass rate, latency, tokens and cost.
    """
    root = ET.Element("testsuites", name=f"fc-harness {run_id}".strip())
    by_provider: dict[str, list[ResultRow]] = defaultdict(list)
    for r in rows:
        by_provider[r.provider_id].append(r)
    totals: Counter[str] = Counter()
    for pid in sorted(by_provider):
        prs = sorted(by_provider[pid], key=lambda r: (r.case_id, r.trial))
        trials = Counter(r.case_id for r in prs)
        counts = Counter(r.status for r in prs)
        suite = ET.SubElement(root, "testsuite", name=pid)
        stats = {
            "tests": len(prs),
            "failures": counts["fail"],
            "errors": counts["error"] + counts["stale"],
            "skipped": counts["unsupported"],
        }
        for key, value in stats.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("time", f"{sum(r.latency_ms or 0 for r in prs) / 1000:.3f}")
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="model", value=prs[0].model)
        ET.SubElement(props, "property", name="kind", value=prs[0].kind)
        if is_emulator(pid):
            ET.SubElement(props, "property", name="traffic", value="emulator (not a real vendor)")
        elif is_local_model(pid):
            ET.SubElement(
                props, "property", name="traffic", value="local model (real model on a local server)"
            )
        m = bucket_metrics(prs)
        figures = {
            "pass_rate": m["pass_rate"],
            "latency_p50_ms": m["latency_ms"]["p50"],
            "latency_p95_ms": m["latency_ms"]["p95"],
            "input_tokens": m["tokens"]["input"],
            "output_tokens": m["tokens"]["output"],
            "cost_usd": cost(prs, prices)["usd"],
        }
        for name, value in figures.items():
            if value is not None:
                text = f"{value:.4f}" if isinstance(value, float) else str(value)
                ET.SubElement(props, "property", name=name, value=text)
        for r in prs:
            name = r.case_id if trials[r.case_id] == 1 else f"{r.case_id}@{r.trial}"
            suite.append(_testcase(r, name))
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(totals[key]))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# --- the same document, written piece by piece (`harness.reports.builder`) --------------------
# ET.indent(root) indents a testsuite at level 1, its testcases at level 2; serialising each
# testcase alone after ET.indent(tc, level=2) gives the very text it has inside the whole tree.

JUNIT_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
_HOLE = ET.tostring(ET.Element("_"), encoding="unicode")  # `<_ />`: never in escaped text


def testcase_xml(r: ResultRow, name: str) -> str:
    """The testcase element of a row, as it appears inside the indented document."""
    tc = _testcase(r, name)
    ET.indent(tc, level=2)
    return ET.tostring(tc, encoding="unicode")


def testcase_name(case_id: str, trial: int | None) -> str:
    """The escaped `name="…"` attribute of a testcase (`case@trial` when the case has several)."""
    name = case_id if trial is None else f"{case_id}@{trial}"
    tag = ET.tostring(ET.Element("t", name=_clean(name)), encoding="unicode")
    return tag[len("<t ") : -len(" />")]


def _split(elem: ET.Element, level: int) -> tuple[str, str]:
    ET.SubElement(elem, "_")
    ET.indent(elem, level=level)
    head, _, tail = ET.tostring(elem, encoding="unicode").partition(_HOLE)
    return head, tail


def testsuites_parts(run_id: str, totals: Mapping[str, int]) -> tuple[str, str]:
    """The text before the first testsuite (XML declaration included) and after the last one."""
    root = ET.Element("testsuites", name=f"fc-harness {run_id}".strip())
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(totals.get(key, 0)))
    head, tail = _split(root, 0)
    return JUNIT_HEAD + head, tail + "\n"


def suite_parts(
    pid: str,
    stats: Mapping[str, int],
    time: float,
    model: str,
    kind: str,
    figures: Mapping[str, float | int | None],
) -> tuple[str, str]:
    """A testsuite's opening (through its properties) and its closing, around its testcases."""
    suite = ET.Element("testsuite", name=pid)
    for key, count in stats.items():
        suite.set(key, str(count))
    suite.set("time", f"{time / 1000:.3f}")
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", name="model", value=model)
    ET.SubElement(props, "property", name="kind", value=kind)
    if is_emulator(pid):
        ET.SubElement(props, "property", name="traffic", value="emulator (not a real vendor)")
    elif is_local_model(pid):
        ET.SubElement(props, "property", name="traffic", value="local model (real model on a local server)")
    for name, value in figures.items():
        if value is not None:
            text = f"{value:.4f}" if isinstance(value, float) else str(value)
            ET.SubElement(props, "property", name=name, value=text)
    return _split(suite, 1)
