"""The case-file cache (`harness.cases.cache`): same cases as a fresh load, untrusted entries."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness.cases.cache import CaseCache
from harness.cases.loader import load_cases, validate_paths

REPO = Path(__file__).resolve().parents[2]


def _entries(cache: CaseCache) -> list[Path]:
    return sorted(cache.folder.glob("*.json"))


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "cases", tmp_path / "cases")
    return tmp_path / "cases"


def test_a_cached_load_equals_a_fresh_one(suite: Path, tmp_path: Path) -> None:
    fresh = load_cases([suite])
    cache = CaseCache(tmp_path / "cache")
    first = load_cases([suite], cache)
    assert _entries(cache), "clean files are stored"
    again = load_cases([suite], cache)
    assert first == fresh == again
    assert validate_paths([suite], cache).problems == validate_paths([suite]).problems


def test_an_edit_is_a_miss(suite: Path, tmp_path: Path) -> None:
    cache = CaseCache(tmp_path / "cache")
    load_cases([suite], cache)
    f = next(p for p in sorted(suite.glob("*/*.yaml")) if "_tools" not in p.parts)
    f.write_text(f.read_text(encoding="utf-8").replace("  - id: ", "  - id: edited.", 1), encoding="utf-8")
    ids = {c.id for c in load_cases([suite], cache)}
    assert any(i.startswith("edited.") for i in ids)


def test_a_shared_tool_edit_is_a_miss(suite: Path, tmp_path: Path) -> None:
    cache = CaseCache(tmp_path / "cache")
    before = load_cases([suite], cache)
    tools_file = sorted((suite / "_tools").glob("*.yaml"))[0]
    text = tools_file.read_text(encoding="utf-8")
    tools_file.write_text(text.replace("description: ", "description: EDITED ", 1), encoding="utf-8")
    after = load_cases([suite], cache)
    assert after == load_cases([suite]) != before


def test_files_with_problems_are_not_stored(tmp_path: Path) -> None:
    bad = tmp_path / "cases" / "bad.yaml"
    bad.parent.mkdir()
    bad.write_text("cases:\n  - id: x\n    category: simple\n", encoding="utf-8")
    cache = CaseCache(tmp_path / "cache")
    report = validate_paths([bad.parent], cache)
    assert report.problems and _entries(cache) == []


@pytest.mark.parametrize(
    "poison",
    ["{", "[]", '{"key": "x"}', '{"key": KEY, "cases": [[1]], "tools": [], "ids": []}', "[" * 100000],
)
def test_a_malformed_entry_is_a_miss(suite: Path, tmp_path: Path, poison: str) -> None:
    import json

    cache = CaseCache(tmp_path / "cache")
    expected = load_cases([suite], cache)
    for entry in _entries(cache):
        entry.write_text(poison.replace("KEY", json.dumps(entry.stem)), encoding="utf-8")
    assert load_cases([suite], cache) == expected


def test_warnings_come_back_from_the_cache(suite: Path, tmp_path: Path) -> None:
    extra = tmp_path / "cases" / "warn" / "w.yaml"
    extra.parent.mkdir(parents=True)
    extra.write_text(
        "cases:\n  - id: w.one\n    category: parallel_multiple\n"
        "    messages: [{role: user, content: 'only one call expected here'}]\n"
        "    tools: [{name: f, description: f, parameters: {type: object, properties: {}}}]\n"
        "    expect: [{call: f, arguments: {}}]\n",
        encoding="utf-8",
    )
    fresh = validate_paths([suite]).problems
    assert any(p.severity == "warning" and p.file == str(extra) for p in fresh), fresh
    cache = CaseCache(tmp_path / "cache")
    assert validate_paths([suite], cache).problems == fresh
    assert len(_entries(cache)) == len(list(suite.rglob("*.yaml")))  # shared tools files too
    assert validate_paths([suite], cache).problems == fresh


def _mutations() -> list[tuple[str, object]]:
    """Entries that are well-formed JSON but not what `put` writes (tool table and references)."""

    def first_case_tools(doc: dict, value: object) -> None:
        doc["cases"][0][3] = value

    return [
        ("offered -1", lambda d: d.__setitem__("offered", [-1])),
        ("offered out of range", lambda d: d.__setitem__("offered", [len(d["tools"])])),
        ("offered bool", lambda d: d.__setitem__("offered", [True] if d["tools"] else ["0"])),
        ("case tool out of range", lambda d: first_case_tools(d, [len(d["tools"]) + 5])),
        ("case tool not an index", lambda d: first_case_tools(d, ["0"])),
        ("case tools not a list", lambda d: first_case_tools(d, {"0": 0})),
        ("tool text not JSON", lambda d: d["tools"][0].__setitem__(2, "{")),
        ("tool text not an object", lambda d: d["tools"][0].__setitem__(2, "[]")),
        ("tool text not text", lambda d: d["tools"][0].__setitem__(2, {"type": "object"})),
        ("tool row too short", lambda d: d["tools"].__setitem__(0, d["tools"][0][:2])),
        ("tool name not text", lambda d: d["tools"][0].__setitem__(0, 7)),
    ]


@pytest.mark.parametrize("name, mutate", _mutations(), ids=[m[0] for m in _mutations()])
def test_a_tampered_tool_table_is_a_miss(suite: Path, tmp_path: Path, name: str, mutate: object) -> None:
    import json

    cache = CaseCache(tmp_path / "cache")
    expected = load_cases([suite], cache)
    changed = 0
    for entry in _entries(cache):
        doc = json.loads(entry.read_text(encoding="utf-8"))
        if not doc["tools"] or not doc.get("cases"):
            continue  # shared tools files: see test_a_tampered_shared_tools_entry_is_a_miss
        mutate(doc)  # type: ignore[operator]
        entry.write_text(json.dumps(doc), encoding="utf-8")
        assert CaseCache(tmp_path / "cache").get(entry.stem) is None, name
        changed += 1
    assert changed
    assert load_cases([suite], cache) == expected


def test_equal_tools_come_back_as_one_object(suite: Path, tmp_path: Path) -> None:
    """A fresh load shares a `_tools/` tool between cases and files; a cached one does too."""
    cache = CaseCache(tmp_path / "cache")
    load_cases([suite], cache)
    again = load_cases([suite], cache)
    by_name: dict[tuple[str, str], set[int]] = {}
    for case in again:
        for tool in case.tools:
            by_name.setdefault((tool.name, repr(tool.parameters)), set()).add(id(tool))
    shared = [ids for ids in by_name.values() if len(ids) > 1]
    assert not shared, "equal tools decoded as distinct objects"
    assert any(sum(t.name == name for c in again for t in c.tools) > 1 for name, _ in by_name)


def test_a_warm_load_parses_no_yaml(suite: Path, tmp_path: Path) -> None:
    """Shared tools files (`_tools/`) are cached too: a warm load does not even import YAML."""
    import subprocess
    import sys

    code = (
        "import sys\nfrom pathlib import Path\n"
        "from harness.cases.cache import CaseCache\nfrom harness.cases.loader import load_cases\n"
        "cases = load_cases([sys.argv[1]], CaseCache(Path(sys.argv[2])))\n"
        "print(len(cases), 'yaml' in sys.modules)\n"
    )
    argv = [sys.executable, "-c", code, str(suite), str(tmp_path / "cache")]
    first = subprocess.run(argv, capture_output=True, text=True, check=True).stdout.split()
    again = subprocess.run(argv, capture_output=True, text=True, check=True).stdout.split()
    assert first == [str(len(load_cases([suite]))), "True"]
    assert again == [first[0], "False"]


def test_a_tampered_shared_tools_entry_is_a_miss(suite: Path, tmp_path: Path) -> None:
    import json

    cache = CaseCache(tmp_path / "cache")
    expected = load_cases([suite], cache)
    shared = [e for e in _entries(cache) if "shared" in json.loads(e.read_text(encoding="utf-8"))]
    assert len(shared) == len(list((suite / "_tools").glob("*.yaml")))
    for poison in ([[0, "1"]], [[99, 1]], [[-1, 1]], [[0]], "x"):
        for entry in shared:
            doc = json.loads(entry.read_text(encoding="utf-8"))
            entry.write_text(json.dumps({**doc, "shared": poison}), encoding="utf-8")
            assert CaseCache(tmp_path / "cache").get_tools(entry.stem) is None, poison
        assert load_cases([suite], cache) == expected  # parsed again (and the entries rewritten)
