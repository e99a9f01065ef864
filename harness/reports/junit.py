"""junit.xml: a testsuite per provider, a testcase per case (× trial), for CI test views.

Failure = a model failure, error = a provider error or a stale cassette, skipped = unsupported.
Each suite's properties carry the provider's model, pass rate, latency, tokens and cost.
The document is written piece by piece by `harness.reports.builder.ReportBuilder` from the
parts below; `tests/helpers/report_oracle.py` builds it whole, as one indented ElementTree.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from harness.reports.metrics import explain_row, is_emulator, is_local_model, row_kind
from harness.run.results import ResultRow

__all__ = [
    "JUNIT_HEAD",
    "empty_junit",
    "suite_figures",
    "suite_parts",
    "suite_properties",
    "testcase",
    "testcase_name",
    "testcase_xml",
    "testsuites_parts",
]

# XML 1.0 forbids most control characters even when escaped.
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _BAD_XML.sub("\ufffd", text)


def _classname(r: ResultRow) -> str:
    if r.source:
        return re.sub(r"\.ya?ml$", "", r.source).replace("\\", "/").replace("/", ".")
    return r.category or "cases"


def testcase(r: ResultRow, name: str) -> ET.Element:
    """The testcase element of a row (not indented)."""
    tc = ET.Element("testcase", classname=_clean(_classname(r)), name=_clean(name))
    tc.set("time", f"{(r.latency_ms or 0) / 1000:.3f}")
    explanation = explain_row(r)
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


# --- the same document, written piece by piece (`harness.reports.builder`) --------------------
# ET.indent(root) indents a testsuite at level 1, its testcases at level 2; serialising each
# testcase alone after ET.indent(tc, level=2) gives the very text it has inside the whole tree.

JUNIT_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
_HOLE = ET.tostring(ET.Element("_"), encoding="unicode")  # `<_ />`: never in escaped text


def testcase_xml(r: ResultRow, name: str) -> str:
    """The testcase element of a row, as it appears inside the indented document."""
    tc = testcase(r, name)
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


def _testsuites(run_id: str, totals: Mapping[str, int]) -> ET.Element:
    root = ET.Element("testsuites", name=f"fc-harness {run_id}".strip())
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(totals.get(key, 0)))
    return root


def testsuites_parts(run_id: str, totals: Mapping[str, int]) -> tuple[str, str]:
    """The text before the first testsuite (XML declaration included) and after the last one."""
    head, tail = _split(_testsuites(run_id, totals), 0)
    return JUNIT_HEAD + head, tail + "\n"


def empty_junit(run_id: str) -> str:
    """The whole document of a run without rows (an empty `<testsuites … />`)."""
    return JUNIT_HEAD + ET.tostring(_testsuites(run_id, {}), encoding="unicode") + "\n"


def suite_figures(metrics: Mapping[str, Any], cost_usd: float | None) -> dict[str, float | int | None]:
    """A suite's figures from its `bucket_metrics` (or summary.json's provider entry) and cost."""
    return {
        "pass_rate": metrics["pass_rate"],
        "latency_p50_ms": metrics["latency_ms"]["p50"],
        "latency_p95_ms": metrics["latency_ms"]["p95"],
        "input_tokens": metrics["tokens"]["input"],
        "output_tokens": metrics["tokens"]["output"],
        "cost_usd": cost_usd,
    }


def suite_properties(
    pid: str, model: str, kind: str, figures: Mapping[str, float | int | None]
) -> list[tuple[str, str]]:
    """A testsuite's properties, in order: model, kind, the traffic label of an emulator or local
    model, then each figure that is known (floats with four decimals)."""
    props = [("model", model), ("kind", kind)]
    if is_emulator(pid):
        props.append(("traffic", "emulator (not a real vendor)"))
    elif is_local_model(pid):
        props.append(("traffic", "local model (real model on a local server)"))
    for name, value in figures.items():
        if value is not None:
            props.append((name, f"{value:.4f}" if isinstance(value, float) else str(value)))
    return props


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
    for name, value in suite_properties(pid, model, kind, figures):
        ET.SubElement(props, "property", name=name, value=value)
    return _split(suite, 1)
