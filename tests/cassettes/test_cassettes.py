"""Cassettes: layout, record modes, scrubbing, readable format, matching, atomic writes."""

from __future__ import annotations

import gzip
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import vcr.errors
import vcr.request
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from harness import _io
from harness.cassettes import format as fmt
from harness.cassettes.layout import (
    RecordMode,
    canonical_json,
    cassette_path,
    coerce_record_mode,
    missing_message,
    stale_message,
    trial_paths,
)
from harness.cassettes.store import AtomicPersister, CassetteRouter, load_interactions, make_vcr
from harness.errors import UserError

KEY = "sk-test-SECRET-1234567890abcdef"


class _Handler(http.server.BaseHTTPRequestHandler):
    """A tiny vendor: echoes the request (key included) gzipped, or streams SSE."""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        if body.get("stream"):
            out = (
                "data: " + json.dumps({"城市": "北京"}, ensure_ascii=False) + "\n\ndata: [DONE]\n\n"
            ).encode()
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
        else:
            echo = {
                "echo": body,
                "auth": self.headers.get("authorization"),
                "path": self.path,
                "城市": "北京",
            }
            out = gzip.compress(json.dumps(echo, ensure_ascii=False).encode())
            self.send_response(200)
            self.send_header("content-type", "application/json; charset=utf-8")
            self.send_header("content-encoding", "gzip")
            self.send_header("set-cookie", f"session={KEY}")
        self.send_header("content-length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A local HTTP server on 127.0.0.1 (stands in for a vendor)."""
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    srv.server_close()


def _record(path: Path, url: str, mode: str = "all") -> list[Any]:
    router = CassetteRouter(make_vcr(mode, secrets=[KEY]))
    out = []
    with router.patched(), router.use(path), httpx.Client() as client:
        out.append(
            client.post(
                f"{url}/v1/chat/completions?key={KEY}&api_key={KEY}&keep=1",
                json={"model": "m", "user": KEY, "messages": [{"role": "user", "content": "北京明天天气？"}]},
                headers={"authorization": f"Bearer {KEY}", "x-api-key": KEY, "x-custom": f"k={KEY}"},
            ).json()
        )
        out.append(client.post(f"{url}/v1/chat/completions", json={"model": "m", "stream": True}).text)
    return out


def test_the_key_reaches_no_file_under_the_cassette_folder(tmp_path: Path, server: str) -> None:
    # Given a vendor that echoes the key back, and a request carrying it in a header,
    # a query parameter and the body
    path = cassette_path(tmp_path / "cassettes", "local-echo", "weather.beijing")
    live = _record(path, server)
    assert KEY in json.dumps(live[0])  # the live traffic really carried it
    # Then no file under the cassette folder holds it, anywhere
    files = [p for p in (tmp_path / "cassettes").rglob("*") if p.is_file()]
    assert files == [path]
    for p in files:
        assert KEY.encode() not in p.read_bytes()
        assert b"SECRET" not in p.read_bytes()
    text = path.read_text(encoding="utf-8")
    assert "authorization" not in text.lower()
    assert "x-api-key" not in text.lower()
    assert "set-cookie" not in text.lower()
    uris = [line for line in text.splitlines() if line.strip().startswith("uri:")]
    assert uris and all("key=" not in u for u in uris)  # key query parameters dropped
    assert any("keep=1" in u for u in uris)  # others kept
    assert "<redacted>" in text


def test_bodies_are_stored_readable_with_unicode_kept(tmp_path: Path, server: str) -> None:
    # Given a recorded JSON exchange (gzipped response) and an SSE exchange
    path = cassette_path(tmp_path, "local-echo", "unicode")
    _record(path, server)
    text = path.read_text(encoding="utf-8")
    # Then Chinese reads as Chinese, JSON bodies are structured and SSE is a list of events
    assert "北京明天天气？" in text and "\\u5317" not in text
    assert "parsed_body:" in text and "events:" in text
    assert """json: '{"城市":"北京"}'""" in text  # one line per streamed event
    assert "content-encoding" not in text.lower()
    inter = load_interactions(path)
    assert inter[0].response.body["城市"] == "北京"
    assert inter[1].response.events == [
        {"event": None, "data": {"城市": "北京"}},
        {"event": None, "data": "[DONE]"},
    ]


def test_replay_matches_on_the_canonical_json_body(tmp_path: Path, server: str) -> None:
    # Given a cassette recorded with one key order
    path = cassette_path(tmp_path, "local-echo", "canon")
    router = CassetteRouter(make_vcr("all"))
    with router.patched(), router.use(path), httpx.Client() as c:
        c.post(f"{server}/v1/x", json={"a": 1, "b": {"c": [1, 2], "d": "北京"}})
    # When the same body is sent with other key order and whitespace, it replays (no server needed)
    router = CassetteRouter(make_vcr("none"))
    raw = '{ "b": {"d": "北京", "c": [1, 2]},  "a": 1 }'.encode()
    with router.patched(), router.use(path), httpx.Client() as c:
        got = c.post("http://127.0.0.1:1/v1/x", content=raw, headers={"content-type": "application/json"})
        assert got.json()["echo"] == {"a": 1, "b": {"c": [1, 2], "d": "北京"}}
    # But a body that differs in a JSON type (true vs 1) does not match
    with (
        pytest.raises(vcr.errors.CannotOverwriteExistingCassetteException),
        router.patched(),
        router.use(path),
        httpx.Client() as c,
    ):
        c.post("http://127.0.0.1:1/v1/x", json={"a": True, "b": {"c": [1, 2], "d": "北京"}})


def test_canonical_json_keeps_json_types_apart() -> None:
    assert canonical_json({"b": 1, "a": [1.5]}) == '{"a":[1.5],"b":1}'
    assert canonical_json({"a": True}) != canonical_json({"a": 1})
    assert canonical_json({"a": "100"}) != canonical_json({"a": 100})


def test_stale_message_has_a_deepdiff_and_the_re_record_command() -> None:
    msg = stale_message(
        {"messages": [{"content": "北京"}], "temperature": 0},
        {"messages": [{"content": "上海"}], "temperature": 0},
        "emulator-openai-chat",
        "weather.beijing.tomorrow",
        "cases/travel/weather.yaml",
    )
    assert "root['messages'][0]['content']" in msg
    assert "北京" in msg and "上海" in msg
    assert msg.endswith(
        "re-record with: fcharness record cases/travel/weather.yaml"
        " -p emulator-openai-chat -k weather.beijing.tomorrow"
    )


def test_missing_message_names_path_and_command(tmp_path: Path) -> None:
    p = cassette_path(tmp_path, "emulator-openai-chat", "weather.x")
    msg = missing_message(p, "emulator-openai-chat", "weather.x")
    assert str(p) in msg
    assert "fcharness record -p emulator-openai-chat -k weather.x" in msg


@pytest.mark.parametrize(
    ("provider_id", "case_id"),
    [
        ("p", "../escape"),  # parent folder
        ("p", "a/b"),  # a sub-folder
        ("p", ".."),  # the parent itself
        ("..", "x"),  # provider id escaping
        ("p", "/etc/passwd"),  # absolute
        ("p", "a\\b"),  # Windows separator
        ("p", ""),  # empty
    ],
)
def test_cassette_path_refuses_escapes(tmp_path: Path, provider_id: str, case_id: str) -> None:
    with pytest.raises(UserError, match="cannot name a cassette"):
        cassette_path(tmp_path, provider_id, case_id)


def test_cassette_path_layout_and_trials(tmp_path: Path) -> None:
    assert cassette_path(tmp_path, "p", "a.b") == (tmp_path / "p" / "a.b.yaml").resolve()
    assert cassette_path(tmp_path, "p", "a.b", 3).name == "a.b@3.yaml"
    for name in ("a.b.yaml", "a.b@2.yaml", "a.b@10.yaml", "a.bc@2.yaml", "a.b@x.yaml"):
        (tmp_path / "p").mkdir(exist_ok=True)
        (tmp_path / "p" / name).write_text("x")
    assert [k for k, _ in trial_paths(tmp_path, "p", "a.b")] == [1, 2, 10]


def test_record_mode_is_coerced_once_and_errors_list_the_modes() -> None:
    assert coerce_record_mode("all") is RecordMode.ALL
    with pytest.raises(UserError) as err:
        coerce_record_mode("al")
    assert (
        str(err.value)
        == "'al' is not a valid record mode; valid modes are: 'none', 'once', 'new_episodes', 'all'"
    )


def test_a_crash_mid_write_leaves_the_old_cassette_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a complete cassette on disk
    path = tmp_path / "p" / "c.yaml"
    path.parent.mkdir()
    path.write_text("version: 0\ninteractions: []\n")  # differs from the new one: it is rewritten
    before = path.read_bytes()

    # When the process dies while the new cassette is half written
    def die(fd: int) -> None:
        raise KeyboardInterrupt("killed mid-write")

    monkeypatch.setattr(_io.os, "fsync", die)
    big = {"requests": [], "responses": []}
    with pytest.raises(KeyboardInterrupt):
        AtomicPersister.save_cassette(path, big, fmt)
    # Then the old file is intact and no partial file is left behind
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["c.yaml"]


def test_eventstream_round_trips_with_crcs() -> None:
    events = [
        {
            "headers": {":event-type": "messageStart", ":message-type": "event"},
            "payload": {"role": "assistant"},
        },
        {"headers": {":event-type": "metadata"}, "payload": {"usage": {"inputTokens": 3}, "城市": "北京"}},
    ]
    raw = fmt.encode_eventstream(events)
    assert fmt.decode_eventstream(raw) == events
    resp = {
        "status": {"code": 200, "message": "OK"},
        "headers": {"Content-Type": [fmt.EVENTSTREAM]},
        "body": {"string": raw},
    }
    text = fmt.serialize(
        {"interactions": [{"request": {"method": "POST", "uri": "u", "body": None}, "response": resp}]}
    )
    assert "messageStart" in text and "body_base64" not in text and "北京" in text
    back = fmt.deserialize(text)["interactions"][0]["response"]
    assert back["body"]["string"] == raw


def test_eventstream_that_cannot_be_re_encoded_is_kept_as_base64() -> None:
    raw = fmt.encode_eventstream([{"headers": {"a": "b"}, "payload": {"x": 1}}])
    spaced = raw.replace(b'{"x":1}', b'{"x": 1}'[:7])  # same length, different bytes → CRC mismatch
    resp = {
        "status": {"code": 200},
        "headers": {"content-type": [fmt.EVENTSTREAM]},
        "body": {"string": spaced},
    }
    text = fmt.serialize(
        {"interactions": [{"request": {"method": "POST", "uri": "u", "body": None}, "response": resp}]}
    )
    assert "body_base64" in text
    assert fmt.deserialize(text)["interactions"][0]["response"]["body"]["string"] == spaced


def test_sse_round_trip_keeps_event_names_and_text_data() -> None:
    text = 'event: message_start\ndata: {"a":1}\n\ndata: [DONE]\n\n'
    events = fmt.decode_sse(text)
    assert events == [{"event": "message_start", "data": {"a": 1}}, {"event": None, "data": "[DONE]"}]
    assert fmt.decode_sse(fmt.encode_sse(events)) == events


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text()
    | st.sampled_from(
        ["yes", "No", "on", "~", "0x1F", "0o17", "017", "1_000", "1:20", "2025-06-22", "1e3", ".inf", "<<"]
    ),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_json)
def test_fast_yaml_loading_is_exactly_safe_loader(value: Any) -> None:
    text = yaml.dump({"v": value}, Dumper=fmt._CassetteDumper, allow_unicode=True, sort_keys=False)
    assert fmt.load_yaml(text) == yaml.load(text, Loader=yaml.SafeLoader)


@pytest.mark.parametrize(
    "text",
    [
        # YAML 1.1 plain scalars
        "a: yes\nb: 0x1F\nc: 017\nd: 1:20\ne: 2025-06-22\nf: .inf\ng: ~\nh: 1_000\ni: 1e3\nj: -0.5\n",
        "other:\n  <<: {x: 1}\n  y: 2\n",  # merge keys fall back to SafeLoader (aliases are refused)
        "s: !!binary aGVsbG8=\nt: !!str 12\nu: '12'\nv: \"true\"\n",  # explicit tags and quoting
        "seq: !!set {a, b}\n",  # a tagged mapping
        "a: ! 12\nb: [! true, 'x ! y']\n",  # non-specific tags make plain scalars strings
    ],
)
def test_fast_yaml_loading_matches_safe_loader_on_yaml_1_1_scalars(text: str) -> None:
    assert fmt.load_yaml(text) == yaml.load(text, Loader=yaml.SafeLoader)


def test_recording_through_the_emulator_keeps_the_key_out(tmp_path: Path) -> None:
    from harness.cases.loader import load_cases
    from harness.emulator.server import start_emulator
    from tests.helpers.spine import SCRIPTS, SUITE

    # Given the emulator and a request carrying the key in headers, query parameters and the body
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "suite.yaml").write_text(SUITE, encoding="utf-8")
    folder = tmp_path / "cassettes"
    path = cassette_path(folder, "emulator-openai-chat", "wx.beijing")
    body = {
        "model": "emulator-gpt",
        "user": KEY,
        "messages": [{"role": "user", "content": "查询北京明天的天气"}],
    }
    router = CassetteRouter(make_vcr("all", secrets=[KEY]))
    with (
        start_emulator(SCRIPTS, load_cases([tmp_path / "cases"])) as emu,
        router.patched(),
        router.use(path),
        httpx.Client() as client,
    ):
        answer = client.post(
            f"{emu.base_url}/v1/chat/completions?api_key={KEY}&key={KEY}",
            json=body,
            headers={"authorization": f"Bearer {KEY}", "x-api-key": KEY, "api-key": KEY},
        )
    assert answer.status_code == 200
    assert answer.json()["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "get_weather"
    # Then the key is in no file under the cassette folder
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert files == [path]
    assert all(KEY.encode() not in p.read_bytes() for p in files)
    assert load_interactions(path)[0].body["user"] == "<redacted>"


def test_cassettes_are_read_as_utf8_whatever_the_locale(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    # Given a cassette with Chinese text, read by a process whose locale encoding is ASCII
    path = cassette_path(tmp_path, "p", "c")
    response = {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": '{"a":"上海"}'}}
    request = vcr.request.Request("POST", "http://h/x", '{"q":"北京"}', {})
    AtomicPersister.save_cassette(path, {"requests": [request], "responses": [response]}, fmt)
    env = {**os.environ, "LC_ALL": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    code = (
        "import locale, sys; from pathlib import Path; from harness.cassettes.store import load_interactions;"
        "assert locale.getpreferredencoding(False) != 'UTF-8';"
        f"(i,) = load_interactions(Path({str(path)!r})); sys.stdout.buffer.write(repr(i.body).encode())"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, check=True)
    # Then it loads (vcrpy's own persister reads with the locale's encoding and fails here)
    assert out.stdout.decode() == "{'q': '北京'}"


def test_botocore_feature_ids_in_the_user_agent_are_stored_sorted() -> None:
    # botocore lists its feature ids in set order (it changes per process): a re-recording
    # would otherwise rewrite every Bedrock cassette
    from harness.cassettes.scrub import Scrubber, stable_user_agent

    agent = b"Boto3/1.44.8 md/Botocore#1.44.8 ua/2.1 m/b,E,e,Z,N cfg/retry-mode#standard Botocore/1.44.8"
    request = vcr.request.Request("POST", "http://127.0.0.1/model/m/converse", b"{}", {"User-Agent": agent})
    Scrubber(["secret"]).request(request)
    assert request.headers["User-Agent"] == (
        "Boto3/1.44.8 md/Botocore#1.44.8 ua/2.1 m/E,N,Z,b,e cfg/retry-mode#standard Botocore/1.44.8"
    )
    assert stable_user_agent("m/Z,A x/y") == stable_user_agent("m/A,Z x/y") == "m/A,Z x/y"
    assert stable_user_agent("OpenAI/Python 2.1.0 am/Z,A") == "OpenAI/Python 2.1.0 am/Z,A"


def test_response_headers_are_stored_in_one_order_whatever_order_they_came_in() -> None:
    def text(headers: dict[str, list[str]]) -> str:
        resp = {"status": {"code": 200}, "headers": headers, "body": {"string": b"{}"}}
        req = {"method": "POST", "uri": "u", "body": None}
        return fmt.serialize({"interactions": [{"request": req, "response": resp}]})

    a = text({"x-amzn-requestid": ["r1"], "Content-Type": ["application/json"], "content-length": ["2"]})
    b = text({"content-length": ["2"], "Content-Type": ["application/json"], "x-amzn-requestid": ["r1"]})
    assert a == b
    assert a.index("Content-Type") < a.index("x-amzn-requestid") and "content-length" not in a
    assert fmt.deserialize(a)["interactions"][0]["response"]["headers"]["x-amzn-requestid"] == ["r1"]
