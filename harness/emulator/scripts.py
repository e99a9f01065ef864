"""Emulator scripts: what the emulated "model" answers, per case, turn, wire kind and model.

A script file is YAML:

```yaml
description: optional text
scripts:
  - case: weather.beijing.tomorrow       # a loaded case id
    turns:                               # turn i answers the request with i assistant turns
      - calls:
          - name: get_weather            # any name: an unoffered one is a hallucination
            arguments: {location: 北京, date: "2025-06-22"}
          - name: get_time
            arguments_raw: '{"city": "北京"'   # sent verbatim: malformed JSON arguments
        text: optional answer text
        delay_ms: 0                      # answer slowly
        fault: {status: 429, retry_after: 1, times: 1}   # first `times` requests fail
        # fault: {status: 529, mid_stream: true}  # streamed: HTTP 200, then an error event
    by_kind:                             # replaces `turns` for one wire kind
      gemini: {turns: [...]}
    by_model:                            # replaces `turns` for models matching a glob
      "emulator-qwen*": {turns: [...]}
    by_provider:                         # replaces `turns` for one provider id
      emulator-qwen: {turns: [...]}
```

A vendor request carries no provider id, so a provider that wants its own answers points
its base URL at `http://127.0.0.1:PORT/p/<provider-id>` (e.g. `…/p/emulator-qwen/v1` for an
OpenAI client). The answer is chosen by provider (`by_provider`), else by the model name the
request sends (`by_model`, glob patterns), else by wire kind (`by_kind`), else `turns`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml

from harness.emulator.script_model import KINDS, Answer, Fault, Script, ScriptedCall, ScriptSet
from harness.emulator.script_parse import parse_scripts
from harness.errors import Problem, UserError
from harness.model import Case

__all__ = [
    "KINDS",
    "Answer",
    "Fault",
    "Script",
    "ScriptSet",
    "ScriptedCall",
    "check_scripts",
    "load_scripts",
    "parse_scripts",
]


def load_scripts(paths: Iterable[str | Path]) -> ScriptSet:
    """Load and validate script files; raise UserError naming file, line, case id and field."""
    result = ScriptSet()
    for path in paths:
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as exc:
            raise UserError(f"cannot read emulator scripts {p}: {exc.strerror or exc}") from None
        try:
            loader = yaml.SafeLoader(text)
            try:
                root = loader.get_single_node()
                data = loader.construct_document(root) if root is not None else None
            finally:
                loader.dispose()
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            problem = Problem(f"YAML syntax error: {getattr(exc, 'problem', exc)}", file=str(p), line=line)
            raise UserError(f"emulator scripts in {p} are invalid", (problem,)) from None
        result = result.merged(parse_scripts(data, str(p), root))
    return result


def check_scripts(scripts: ScriptSet, cases: Iterable[Case]) -> list[Problem]:
    """Return a problem for each script naming a case that is not loaded."""
    known = {c.id for c in cases}
    return [
        Problem(
            f"no loaded case has the id {s.case_id!r}",
            file=s.source,
            line=s.line,
            case_id=s.case_id,
            field="case",
        )
        for s in scripts.scripts.values()
        if s.case_id not in known
    ]
