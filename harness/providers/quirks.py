"""The OpenAI-compatible services' quirks profiles: data, one `Quirks` record per vendor.

Used by the `openai-chat` adapter (what to send) and by the capabilities table (what each
profile can express), so both read one table and neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ALL_CHOICES", "QUIRKS", "Quirks", "unknown_quirks_message"]

ALL_CHOICES = frozenset({"auto", "none", "required", "named"})


@dataclass(frozen=True)
class Quirks:
    """What one OpenAI-compatible service accepts (data; cite the source in a comment)."""

    name: str
    base_url: str | None = None
    tool_choices: frozenset[str] = ALL_CHOICES
    """Which case tool_choice modes it can express: auto, none, required, named."""
    parallel_tool_calls: bool = True
    """Whether the `parallel_tool_calls` request field is accepted."""
    strict: bool = True
    """Whether `function.strict` is accepted."""
    stream_usage_option: bool = True
    """Whether `stream_options.include_usage` is accepted."""
    max_tokens_field: str = "max_tokens"
    sanitize_names: bool = True
    echo_reasoning_content: bool = False
    """Send `reasoning_content` back with the assistant message in later turns."""
    deviations: tuple[str, ...] = ()
    """Known deviations from the OpenAI wire the parser tolerates (documentation)."""


#: Known quirks profiles. Sources: WIRE-FORMATS.md §1 and §8 ([C] recorded, [D] docs, [U] unverified).
QUIRKS: dict[str, Quirks] = {
    # OpenAI itself (§1): every tool_choice value, parallel_tool_calls, strict.
    "openai": Quirks("openai", base_url="https://api.openai.com/v1"),
    # §8 DeepSeek [C][D]: base without /v1; replies carry reasoning_content; strict needs the /beta base.
    "deepseek": Quirks(
        "deepseek",
        base_url="https://api.deepseek.com",
        strict=False,
        echo_reasoning_content=True,
        deviations=("reasoning_content field in replies (not answer text)",),
    ),
    # §8 Qwen / DashScope compatible mode [D]; parallel_tool_calls and each choice are [U]: assume OpenAI's.
    "qwen": Quirks(
        "qwen",
        base_url="https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
        strict=False,
        deviations=("support for parallel_tool_calls and forced choices is unverified (no recording yet)",),
    ),
    # §8 Zhipu GLM [D java.agentscope.io]: only tool_choice auto, no strict, no parallel flag.
    "glm": Quirks(
        "glm",
        base_url="https://open.bigmodel.cn/api/paas/v4",
        tool_choices=frozenset({"auto"}),
        parallel_tool_calls=False,
        strict=False,
        stream_usage_option=False,
        deviations=("streams tool arguments only with tool_stream=true",),
    ),
    # §8 Moonshot/Kimi [D docs.rs/harn-vm]: forced choices rejected (with thinking); no `required`.
    "moonshot": Quirks(
        "moonshot",
        base_url="https://api.moonshot.ai/v1",
        tool_choices=frozenset({"auto", "none"}),
        strict=False,
        deviations=("400 for a forced tool_choice with thinking on",),
    ),
    # §8 Groq [C]: calls-only messages lack `content`; whole calls per chunk; x_groq.usage;
    # `event: error` after HTTP 200 (tool_use_failed).
    "groq": Quirks(
        "groq",
        base_url="https://api.groq.com/openai/v1",
        strict=False,
        deviations=(
            "each streamed call arrives whole in one chunk",
            "stream usage in x_groq.usage",
            "event: error after HTTP 200 (tool_use_failed)",
        ),
    ),
    # §8 Ollama [C]: standard shape plus a `reasoning` field; whether tool_choice is honoured is [U].
    "ollama": Quirks(
        "ollama",
        base_url="http://localhost:11434/v1",
        strict=False,
        deviations=("`reasoning` message field (not answer text)", "tool_choice may be ignored [U]"),
    ),
    # llama.cpp's llama-server [C cassettes/llamacpp-*]: tool_choice is read as a string only
    # (an object, i.e. a named function, is silently taken as "auto": tools/server/server-common.cpp),
    # `function.strict` is not enforced; replies add `timings` and a build `system_fingerprint`,
    # non-streamed calls may come with `content: ""`, ids are random 32-character strings.
    "llamacpp": Quirks(
        "llamacpp",
        base_url="http://127.0.0.1:8080/v1",
        tool_choices=frozenset({"auto", "none", "required"}),
        strict=False,
        deviations=(
            "a named tool_choice is read as auto (not expressible)",
            "`timings` object in every reply (and the last streamed chunk)",
            "tool calls parsed only when the --chat-template-file matches what the model writes",
        ),
    ),
    # §8 vLLM [D docs.vllm.ai]: named, auto (server flags), required (>= 0.8.3), none.
    "vllm": Quirks(
        "vllm",
        base_url="http://localhost:8000/v1",
        deviations=("auto needs --enable-auto-tool-choice --tool-call-parser on the server",),
    ),
}


def unknown_quirks_message(quirks: str) -> str:
    """The error text for a quirks profile name that is not in `QUIRKS`."""
    return f"unknown quirks profile {quirks!r} for kind openai-chat; known: {', '.join(sorted(QUIRKS))}"
