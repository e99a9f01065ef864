"""The files `fcharness init` writes: a case file, fcharness.toml, a CI workflow, .gitignore lines.

Templates only (no I/O); `harness.commands.init` writes them and records the first cassettes.
"""

from __future__ import annotations

__all__ = ["CASE_FILE", "EMULATOR_PROFILES", "GITIGNORE_LINES", "config_text", "workflow_text"]

#: The seed text's weather example (function-calling 7.2): its get_weather tool unchanged.
CASE_FILE = """\
# fc-harness cases: one test per entry, written once for every vendor (format: fc-harness's
# docs/case-format.md). Check with `fcharness validate`; add cases below or in more files.
tools:
  - name: get_weather
    description: 获取指定城市的当前天气信息
    parameters:
      type: object
      properties:
        location:
          type: string
          description: "要查询天气的城市名称，例如：'北京' 或 'San Francisco'"
        date:
          type: string
          format: date
          description: "查询天气的具体日期，格式为 'YYYY-MM-DD'。例如：'2025-06-22'。留空表示今天。"
      required: [location, date]

cases:
  - id: weather.beijing.tomorrow          # unique; [a-z0-9][a-z0-9._-]*
    description: The seed example - Beijing's weather tomorrow.
    category: simple                      # simple|multiple|parallel|parallel_multiple|irrelevance|multi_turn
    tags: [zh, seed]
    messages:
      - {role: system, content: "今天是 2025-06-21（星期六）。"}
      - {role: user, content: "查询北京明天的天气"}
    expect:                               # [] = the model must answer without calling
      - call: get_weather
        arguments:
          location: {$one_of: ["北京", "北京市", "Beijing"]}
          date: "2025-06-22"
"""

#: (id, kind, model, base URL path, key needed, stream, pip extra, module checked)
EMULATOR_PROFILES: tuple[tuple[str, str, str, str, bool, str, str], ...] = (
    ("emulator-openai-chat", "openai-chat", "emulator-gpt", "/v1", True, "", "openai"),
    ("emulator-openai-responses", "openai-responses", "emulator-gpt", "/v1", True, "", "openai"),
    ("emulator-anthropic", "anthropic", "emulator-claude", "", True, "anthropic", "anthropic"),
    ("emulator-gemini", "gemini", "emulator-gemini", "", True, "gemini", "google.genai"),
    ("emulator-bedrock-converse", "bedrock-converse", "emulator-bedrock", "", False, "bedrock", "boto3"),
    ("emulator-mistral", "mistral", "emulator-mistral", "", True, "mistral", "mistralai"),
    ("emulator-cohere", "cohere", "emulator-command", "", True, "cohere", "cohere"),
)

_HEAD = """\
# fc-harness project settings (`fcharness init` wrote this file; edit freely).
# Replaying cassettes never needs a key; `fcharness record -p ID` needs the variable named by
# `api_key_env`. `emulator-*` profiles talk to the local emulator (a test double, never a real
# vendor): start it with `fcharness emulator` and record them with
# `FCHARNESS_EMULATOR_KEY=any fcharness record`.

[harness]
cases = ["cases"]
cassettes = "cassettes"
reports = "reports"

[emulator]
answer = "expected"        # cases without a script get their expected calls (or "mistakes")
demo_scripts = false       # the shipped demo scripts are for fc-harness's own suite
# scripts = ["emulator-scripts.yaml"]

[gate]
max_drop = 0               # percentage points a provider's pass rate may drop (cases in both)
# min_pass_rate = 80       # percent, absolute, per provider
# flaky = "tolerate"       # or "fail": a case going pass -> flaky is a regression
# [gate.providers.openai-gpt-4o-mini]
# min_pass_rate = 90
# [gate.categories.irrelevance]
# min_pass_rate = 90
"""

_REAL = """
# --- Real vendors (uncomment, set the key, then `fcharness record -p ID`) -------------------
#
# [providers.openai-gpt-4o-mini]
# kind = "openai-chat"
# model = "gpt-4o-mini"
# api_key_env = "OPENAI_API_KEY"
# params = { temperature = 0, seed = 7 }
#
# [providers.anthropic-claude-haiku]
# kind = "anthropic"
# model = "claude-3-5-haiku-latest"
# api_key_env = "ANTHROPIC_API_KEY"
# params = { temperature = 0, max_tokens = 1024 }
#
# [providers.gemini-flash]
# kind = "gemini"
# model = "gemini-2.0-flash"
# api_key_env = "GEMINI_API_KEY"
#
# [providers.bedrock-claude]
# kind = "bedrock-converse"
# model = "anthropic.claude-3-5-haiku-20241022-v1:0"
# api_key_env = "AWS_SECRET_ACCESS_KEY"      # plus AWS_ACCESS_KEY_ID in the environment
# options = { region = "us-east-1" }
#
# [providers.mistral-large]
# kind = "mistral"
# model = "mistral-large-latest"
# api_key_env = "MISTRAL_API_KEY"
#
# [providers.cohere-command]
# kind = "cohere"
# model = "command-r-plus"
# api_key_env = "CO_API_KEY"
#
# [providers.deepseek-chat]
# kind = "openai-chat"
# quirks = "deepseek"
# model = "deepseek-chat"
# base_url = "https://api.deepseek.com/v1"
# api_key_env = "DEEPSEEK_API_KEY"
#
# [providers.qwen-plus]
# kind = "openai-chat"
# quirks = "qwen"
# model = "qwen-plus"
# base_url = "https://dashscope.aliyuncs.com/compatible-mode/v1"
# api_key_env = "DASHSCOPE_API_KEY"
#
# [providers.ollama-qwen]                    # local: no key
# kind = "openai-chat"
# quirks = "ollama"
# model = "qwen2.5:7b"
# base_url = "http://127.0.0.1:11434/v1"
#
# [prices."gpt-4o-mini"]                     # USD per million tokens, for cost estimates
# input = 0.15
# output = 0.60
"""


def _profile(pid: str, kind: str, model: str, path: str, key: bool, port: int) -> list[str]:
    lines = [f"[providers.{pid}]", f'kind = "{kind}"', f'model = "{model}"']
    lines.append(f'base_url = "http://127.0.0.1:{port}{path}"')
    if key:
        lines.append('api_key_env = "FCHARNESS_EMULATOR_KEY"')
    lines.append(f'description = "local emulator speaking {kind} (not a real model)"')
    return lines


def config_text(missing_sdk: dict[str, str], port: int = 8765) -> str:
    """fcharness.toml: emulator profiles (commented out where the SDK is not installed, with
    the pip extra to add), then the real vendors, commented out."""
    parts = [_HEAD]
    for pid, kind, model, path, key, extra, module in EMULATOR_PROFILES:
        lines = _profile(pid, kind, model, path, key, port)
        if module in missing_sdk:
            parts.append(
                f"# needs its SDK (fc-harness's [{extra}] extra installed), then uncomment\n"
                + "\n".join("# " + line for line in lines)
                + "\n"
            )
        else:
            parts.append("\n".join(lines) + "\n")
    parts.append(_REAL)
    return "\n".join(parts)


_WORKFLOW_HEAD = """\
# fc-harness in CI: replay the committed cassettes (no network, no keys), gate against the
# committed baseline, publish the reports. Written by `fcharness init`.
name: fc-harness
on:
  pull_request:
  push:
    branches: [main]

jobs:
  conformance:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
"""

_WORKFLOW_TAIL = """\
      - name: Validate the case files
        run: fcharness validate
      - name: Replay cassettes (no network, no keys)
        # exit 1 means some cases fail, which the gate judges against the baseline;
        # exit 2 (bad case file, missing cassette, bad config) stops the job here.
        run: fcharness run || test $? -eq 1
      - name: Gate against the baseline
        run: fcharness gate --baseline reports/baseline.json
      - name: Upload the reports
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: fc-harness-report
          path: |
            reports/latest/report.html
            reports/latest/report.md
            reports/latest/junit.xml
            reports/latest/summary.json
            reports/latest/results.jsonl
      - name: Comment on the pull request
        if: always() && github.event_name == 'pull_request'
        uses: marocchino/sticky-pull-request-comment@v2
        with:
          path: reports/latest/report.md
"""


def workflow_text(install_step: str) -> str:
    """The GitHub Actions workflow, with its `Install fc-harness` step (`_install.workflow_step`)."""
    return _WORKFLOW_HEAD + install_step + _WORKFLOW_TAIL


#: Lines `fcharness init` makes sure `.gitignore` has (generated reports; the baseline stays).
GITIGNORE_LINES: tuple[str, ...] = (
    "# fc-harness: generated reports (the committed baseline stays)",
    "reports/*",
    "!reports/baseline.json",
)
