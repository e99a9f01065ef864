"""results.jsonl: each line is exactly `json.dumps(row.to_dict(), ensure_ascii=False, sort_keys=True)`."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from harness.run.results import read_results, write_results
from tests.helpers.rows import CASES, PROVIDERS, make_row


def test_lines_are_the_sorted_json_of_each_row_with_shared_case_summaries(tmp_path: Path) -> None:
    shared = {"messages": [{"role": "user", "content": "明天北京下雨吗？"}], "n": [1, 1.0, True, None]}
    rows = [make_row(case_id, provider) for case_id in CASES for provider in PROVIDERS]
    rows.append(make_row("weather.beijing.tomorrow", "crafted-openai-chat", "wrong_value"))
    rows = [dataclasses.replace(r, case=shared if i % 3 else {"z": i, "a": "é"}) for i, r in enumerate(rows)]
    path = tmp_path / "results.jsonl"
    write_results(path, rows)
    expected = "".join(json.dumps(r.to_dict(), ensure_ascii=False, sort_keys=True) + "\n" for r in rows)
    assert path.read_text(encoding="utf-8") == expected
    assert [r.to_dict() for r in read_results(path)] == [r.to_dict() for r in rows]


def test_the_writer_streams_to_a_temporary_file_and_renames_at_the_end(tmp_path: Path) -> None:
    from harness.run.results import ResultsWriter

    rows = [make_row(c, p) for c in list(CASES)[:3] for p in PROVIDERS]
    target = tmp_path / "run" / "results.jsonl"
    w = ResultsWriter(target, temp_dir=tmp_path)
    for r in rows:
        w.write(r)
    assert not target.exists(), "nothing at the target before commit"
    w.commit()
    assert read_results(target) == rows
    assert [p.name for p in tmp_path.iterdir()] == ["run"], "no temporary file left"
    write_results(tmp_path / "again.jsonl", rows)
    assert (tmp_path / "again.jsonl").read_bytes() == target.read_bytes()


def test_the_writer_leaves_nothing_when_the_run_fails(tmp_path: Path) -> None:
    import pytest

    from harness.run.results import ResultsWriter

    target = tmp_path / "results.jsonl"
    with pytest.raises(RuntimeError), ResultsWriter(target) as w:
        w.write(make_row(next(iter(CASES)), next(iter(PROVIDERS))))
        raise RuntimeError("killed mid-run")
    assert list(tmp_path.iterdir()) == []
