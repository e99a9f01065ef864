"""`fcharness run` / `fcharness record` on the command line: exit codes and usage errors."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from harness.cli import main
from harness.run.progress import Progress

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The repository as the working folder, reports in a temporary folder."""
    monkeypatch.chdir(REPO)
    monkeypatch.delenv("FCHARNESS_EMULATOR_KEY", raising=False)
    return tmp_path


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["-p", "emulator-openai-chat", "-k", "weather.beijing.tomorrow"], 0),  # a passing case
        (["-p", "emulator-openai-chat", "-k", "weather.san-francisco.date"], 1),  # a scripted mistake
        (["-p", "emulator-openai-functions", "-k", "parallel and beijing"], 0),  # unsupported only
    ],
)
def test_exit_codes(in_repo: Path, args: list[str], code: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--reports", str(in_repo), "--no-progress", *args]) == code
    assert "reports:" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "-p", "no-such-provider"], "unknown provider id 'no-such-provider'"),
        (["run", "--shard", "3/2"], "--shard '3/2'"),
        (["run", "-k", "weather and"], "-k 'weather and'"),
        (["run", "--base-url", "nonsense"], "expected ID=URL"),
        (["run", "--concurrency", "0"], "--concurrency must be at least 1"),
        (["record", "--trials", "0"], "--trials must be at least 1"),
        (["record", "-p", "emulator-openai-chat"], "set the environment variable FCHARNESS_EMULATOR_KEY"),
        (["run", "no/such/path"], "no/such/path"),
    ],
)
def test_usage_errors_exit_2_with_a_message(
    in_repo: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*args, "--reports", str(in_repo)]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_an_unknown_record_mode_is_refused_by_argparse(
    in_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["run", "--record-mode", "al"])
    assert exc.value.code == 2
    assert "invalid choice: 'al'" in capsys.readouterr().err


def test_progress_bar_counts_statuses() -> None:
    out = io.StringIO()
    bar = Progress(4, enabled=True, stream=out, width=8)
    for status in ("pass", "fail", "pass"):
        bar.update(status)
    bar.close(1.25)
    assert out.getvalue().endswith("\r[######--] 3/4  fail 1 pass 2  1.2s\n")


def test_orphan_cassettes_are_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.helpers.spine import write_project

    # Given a cassette whose case was renamed away
    config = write_project(tmp_path)
    folder = tmp_path / "cassettes" / "emulator-openai-chat"
    folder.mkdir(parents=True)
    (folder / "wx.old-name.yaml").write_text("version: 1\ninteractions: []\n")
    # When the whole suite replays
    main(["--config", str(config), "run", "--no-progress"])
    # Then a warning names it (the run itself is not failed by it)
    err = capsys.readouterr().err
    assert "1 cassette(s) match no case" in err and "wx.old-name.yaml" in err


def test_a_missing_vendor_sdk_names_the_extra(
    in_repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import builtins

    # Given the Anthropic SDK is not installed
    real_import = builtins.__import__

    def no_anthropic(name: str, *args: object, **kwargs: object) -> object:
        if name == "anthropic" or name.startswith("anthropic."):
            raise ModuleNotFoundError("No module named 'anthropic'", name="anthropic")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_anthropic)
    # When replaying through the SDK, the error says what to install; the fast replay needs nothing
    args = ["run", "--reports", str(in_repo), "-p", "emulator-anthropic", "-k", "weather.beijing.tomorrow"]
    assert main([*args, "--replay-via-sdk"]) == 2
    assert "pip install 'fc-harness[anthropic]'" in capsys.readouterr().err
    assert main(args) == 0
