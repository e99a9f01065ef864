"""`fcharness import bfcl`: BFCL files → cases; malformed entries reported, never a crash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.bfcl import importer as bfcl
from harness.bfcl.convert import param_matcher, to_json_schema
from harness.cli import main
from harness.errors import UserError

FN = {
    "name": "math.hypot",
    "description": "d",
    "parameters": {
        "type": "dict",
        "properties": {
            "x": {"type": "float", "description": "x"},
            "tags": {"type": "tuple", "items": {"type": "string"}},
            "extra": {"type": "any", "optional": True},
            "cfg": {"type": "dict", "properties": {"k": {"type": "integer"}}},
        },
        "required": ["x"],
    },
}


def _write(folder: Path, name: str, rows: list[object]) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def _source(tmp_path: Path) -> Path:
    q = {"id": "simple_python_0", "question": [[{"role": "user", "content": "hi"}]], "function": [FN]}
    a = {"id": "simple_python_0", "ground_truth": [{"math.hypot": {"x": [4.0, 4], "tags": [["a"], ""]}}]}
    _write(tmp_path, "BFCL_v4_simple_python.json", [q])
    _write(tmp_path, "possible_answer/BFCL_v4_simple_python.json", [a])
    irr = {"id": "Irrelevance_0", "question": [[{"role": "user", "content": "x"}]], "function": [FN]}
    _write(tmp_path, "BFCL_v4_irrelevance.json", [irr])
    return tmp_path


def test_types_become_json_schema() -> None:
    schema = to_json_schema(FN["parameters"])
    assert schema["type"] == "object"
    assert schema["properties"]["x"] == {"type": "number", "description": "x"}
    assert schema["properties"]["tags"] == {"type": "array", "items": {"type": "string"}}
    assert schema["properties"]["extra"] == {}  # any value; BFCL's `optional` is dropped
    assert schema["properties"]["cfg"]["properties"]["k"] == {"type": "integer"}
    with pytest.raises(ValueError, match=r"parameters\.properties\.y\.type"):
        to_json_schema({"type": "dict", "properties": {"y": {"type": "complex"}}})


def test_answers_become_matchers() -> None:
    assert param_matcher([5]) == 5
    assert param_matcher(["a", "b"]) == {"$one_of": ["a", "b"]}
    assert param_matcher(["a", ""]) == {"$optional": "a"}
    assert param_matcher([{"k": [1, ""]}]) == {"k": {"$optional": 1}}
    assert param_matcher([""]) == {"$absent": True}
    assert param_matcher([[{"k": ["a"]}]]) == [{"k": "a"}]  # a list of dict answers
    fits = lambda v: [] if isinstance(v, int) else ["not an integer"]  # noqa: E731
    assert param_matcher([1, None, "x", ""], fits) == {
        "$optional": {"$one_of": [1, {"$schema": {"const": None}}, {"$normalized": "x"}]}
    }


def test_empty_answer_follows_bfcl() -> None:
    """`""` among the answers: BFCL accepts leaving the parameter out, and a present `""` / `[]`."""
    string, number = {"type": "string"}, {"type": "integer"}
    array = {"type": "array", "items": {"type": "string"}}
    assert param_matcher(["a", ""], schema=string) == {"$optional": {"$one_of": ["a", ""]}}
    assert param_matcher([""], schema=string) == {"$optional": ""}
    assert param_matcher([["a"], ""], schema=array) == {"$optional": {"$one_of": [["a"], []]}}
    assert param_matcher([""], schema=array) == {"$optional": []}
    assert param_matcher([3, ""], schema=number) == {"$optional": 3}  # "" is not an integer
    assert param_matcher([""], schema=number) == {"$absent": True}
    enum = {"type": "string", "enum": ["a", "b"]}
    assert param_matcher(["a", ""], schema=enum) == {"$optional": "a"}  # "" is outside the enum
    # dict answers: per key, `""` accepts `""` itself (schema permitting) and, in the current
    # era only, leaving the key out; v1's checker wants every key of the answer
    obj = {"type": "object", "properties": {"k": {"type": "string"}, "n": {"type": "integer"}}}
    answer = [{"k": ["x", ""], "n": [1, ""]}]
    assert param_matcher(answer, schema=obj) == {
        "k": {"$optional": {"$one_of": ["x", ""]}},
        "n": {"$optional": 1},
    }
    v1 = {"k": {"$one_of": ["x", ""]}, "n": {"$one_of": [1, ""]}}
    assert param_matcher(answer, schema=obj, era="v1") == v1
    # a list of alternative dicts → $one_of of object matchers
    assert param_matcher([{"k": ["x"]}, {"k": ["y"]}], schema=obj) == {"$one_of": [{"k": "x"}, {"k": "y"}]}


def test_import_keeps_ids_and_meta(tmp_path: Path) -> None:
    imported = bfcl.import_cases(_source(tmp_path))
    (_, (simple,)), (_, (irr,)) = imported
    assert simple.id == "simple_python_0" and simple.category == "simple"
    assert simple.meta["bfcl_category"] == "simple_python"
    assert simple.meta["bfcl_answer"] == [{"math.hypot": {"x": [4.0, 4], "tags": [["a"], ""]}}]
    # BFCL also accepts `[]` for an array parameter whose answers include `""`
    assert simple.turns[0].expect[0].arguments == {
        "x": {"$one_of": [4.0, 4]},
        "tags": {"$optional": {"$one_of": [["a"], []]}},
    }
    assert irr.id == "irrelevance_0" and irr.meta["bfcl_id"] == "Irrelevance_0"
    assert irr.turns[0].expect == () and irr.category == "irrelevance"


def test_malformed_entries_name_file_line_and_id(tmp_path: Path) -> None:
    src = _source(tmp_path)
    good = json.loads((src / "BFCL_v4_simple_python.json").read_text())
    bad_type = dict(
        good,
        id="simple_python_1",
        function=[{"name": "f", "parameters": {"type": "dict", "properties": {"a": {"type": "blob"}}}}],
    )
    _write(src, "BFCL_v4_simple_python.json", [good, "{not json", bad_type, dict(good, id="simple_python_2")])
    answers = src / "possible_answer" / "BFCL_v4_simple_python.json"
    answers.write_text(
        answers.read_text() + json.dumps({"id": "simple_python_1", "ground_truth": [{"f": {}}]}) + "\n"
    )
    with pytest.raises(UserError) as err:
        bfcl.import_cases(src)
    text = str(err.value)
    assert "BFCL_v4_simple_python.json:2: error: not valid JSON" in text
    assert "BFCL_v4_simple_python.json:3: error: case 'simple_python_1'" in text and "blob" in text
    assert ":4: error: case 'simple_python_2': no possible answer" in text


def test_cli_writes_case_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cases"
    assert main(["import", "bfcl", "--source", str(_source(tmp_path)), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["bfcl_irrelevance.yaml", "bfcl_simple.yaml"]
    assert "imported 2 BFCL cases" in capsys.readouterr().out
    assert (
        main(
            [
                "import",
                "bfcl",
                "--source",
                str(_source(tmp_path)),
                "--category",
                "live_simple",
                "--out",
                str(out),
            ]
        )
        == 2
    )
    assert "no BFCL file for category 'live_simple'" in capsys.readouterr().err
    assert main(["import", "bfcl", "--source", str(tmp_path / "nope"), "--out", str(out)]) == 2


@pytest.mark.bfcl
def test_case_files_round_trip_through_the_loader(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Imported case files load back (harness.cases.loader) into the same cases, `meta` included."""
    pytest.importorskip("bfcl_eval", reason="bfcl-eval is not installed (pip install --no-deps bfcl-eval)")
    from harness.cases.loader import load_cases

    categories = ["simple", "parallel_multiple", "live_simple", "live_parallel", "live_irrelevance"]
    argv = ["import", "bfcl", "--out", str(tmp_path)]
    assert main([*argv, *(x for c in categories for x in ("--category", c))]) == 0
    capsys.readouterr()
    imported = {c.id: c for _, cases in bfcl.import_cases(None, categories) for c in cases}
    loaded = {c.id: c for c in load_cases([tmp_path])}
    assert loaded.keys() == imported.keys()
    for cid, case in imported.items():
        back = loaded[cid]
        assert back.meta == case.meta, cid
        assert (back.category, back.messages, back.tools, back.turns, back.tags) == (
            case.category,
            case.messages,
            case.tools,
            case.turns,
            case.tags,
        ), cid


def test_grade_accepts_bfcl_ids(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Outputs may name a case by BFCL's own id when the case id had to be lower-cased."""
    out = tmp_path / "cases"
    assert main(["import", "bfcl", "--source", str(_source(tmp_path)), "--out", str(out)]) == 0
    outputs = tmp_path / "out.jsonl"
    rows = [
        {"case_id": "Irrelevance_0", "provider_id": "m", "calls": []},
        {
            "case_id": "simple_python_0",
            "provider_id": "m",
            "calls": [{"name": "math_hypot", "arguments": '{"x": 4}'}],
        },
    ]
    outputs.write_text("".join(json.dumps(r) + "\n" for r in rows))
    capsys.readouterr()
    argv = ["grade", "--cases", str(out), "--outputs", str(outputs), "--profile", "bfcl", "--format", "json"]
    assert main([*argv, "--tool-names", "sanitized"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [v["case_id"] for v in doc["verdicts"]] == ["irrelevance_0", "simple_python_0"]
    assert doc["bfcl"][0]["columns"]["Python Simple AST"] == {"correct": 1, "total": 1, "accuracy": 1.0}


def test_inexpressible_entries_are_reported_and_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An entry the case loader would reject is named (file, line, id) and not written."""
    from harness.cases.loader import load_cases

    src = _source(tmp_path)
    good = json.loads((src / "BFCL_v4_simple_python.json").read_text())
    broken_fn = {
        "name": "g",
        "parameters": {"type": "dict", "properties": {"a": {"type": "string", "enum": "abc"}}},
    }
    broken = dict(good, id="simple_python_1", function=[broken_fn])
    _write(src, "BFCL_v4_simple_python.json", [good, broken])
    answers = src / "possible_answer" / "BFCL_v4_simple_python.json"
    answers.write_text(
        answers.read_text() + json.dumps({"id": "simple_python_1", "ground_truth": [{"g": {}}]}) + "\n"
    )
    out = tmp_path / "cases"
    assert main(["import", "bfcl", "--source", str(src), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "BFCL_v4_simple_python.json:2: warning: case 'simple_python_1': skipped" in captured.err
    assert "imported 2 BFCL cases" in captured.out and "skipped 1" in captured.out
    assert sorted(c.id for c in load_cases([out])) == ["irrelevance_0", "simple_python_0"]


def test_default_import_names_every_category_it_leaves_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _source(tmp_path / "src")
    web = {"id": "web_search_0", "question": [[{"role": "user", "content": "q"}]], "involved_classes": ["W"]}
    _write(source, "BFCL_v4_web_search.json", [web])
    _write(source, "possible_answer/BFCL_v4_web_search.json", [{"id": "web_search_0", "ground_truth": ["x"]}])
    _write(source, "BFCL_v4_memory.json", [{"id": "memory_0-a-0", "question": [[]]}])
    _write(source, "BFCL_v4_format_sensitivity.json", ["{}"])
    _write(source, "BFCL_v9_brand_new.json", [{"id": "brand_new_0"}])
    rel = {
        "id": "live_relevance_0-0-0",
        "question": [[{"role": "user", "content": "draw"}]],
        "function": [FN],
    }
    _write(source, "BFCL_v4_live_relevance.json", [rel])
    out = tmp_path / "cases"
    assert main(["import", "bfcl", "--source", str(source), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "web_search: not imported (BFCL_v4_web_search.json): needs the internet" in text
    assert (
        "memory: not imported (BFCL_v4_memory.json): BFCL's memory entries first replay a prerequisite"
        in text
    )
    assert "format_sensitivity: not imported" in text and "non-function-calling" in text
    assert "brand_new: not imported (BFCL_v9_brand_new.json): not a BFCL category" in text
    assert "imported 3 BFCL cases (3 categories)" in text
    assert "left out 4 categories: format_sensitivity, memory, web_search, brand_new" in text
    assert sorted(p.name for p in out.iterdir()) == [
        "bfcl_irrelevance.yaml",
        "bfcl_live_relevance.yaml",
        "bfcl_simple.yaml",
    ]


@pytest.mark.parametrize(
    ("category", "reason"),
    [
        ("web_search", "needs the internet"),
        ("web_search_no_snippet", "needs the internet"),
        ("memory_kv", "prerequisite conversation"),
        ("format_sensitivity", "prompting (non-function-calling) models"),
    ],
)
def test_asking_for_a_refused_category_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], category: str, reason: str
) -> None:
    argv = [
        "import",
        "bfcl",
        "--source",
        str(_source(tmp_path)),
        "--category",
        category,
        "--out",
        str(tmp_path),
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"BFCL category {category!r} cannot be imported: " in err and reason in err


def test_live_relevance_expects_some_call(tmp_path: Path) -> None:
    """No possible answer; the default expectation names the first function, any arguments."""
    rel = {
        "id": "live_relevance_1-1-0",
        "question": [[{"role": "user", "content": "d"}]],
        "function": [FN, FN],
    }
    source = _source(tmp_path)
    _write(source, "BFCL_v4_live_relevance.json", [rel])
    ((file, (case,)),) = bfcl.import_cases(source, ["live_relevance"])
    assert file.answers is None and case.meta["bfcl_answer"] is None
    assert case.category == "multiple" and case.extra_arguments == "allow"
    (expected,) = case.turns[0].expect
    assert expected.name == "math.hypot"
    assert expected.arguments["x"] == {"$optional": {"$any": True}}
