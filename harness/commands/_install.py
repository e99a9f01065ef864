"""How a project's CI installs fc-harness, for the workflow `fcharness init` writes.

fc-harness is not published on PyPI, so `pip install fc-harness` in CI would fail, or, worse,
install whatever someone else publishes under that name. `ci_install(root)` picks, in order:

1. the project's own requirement: a `requirements*.txt` at its root, or its `pyproject.toml`
   (`[project]` dependencies or an optional-dependencies extra), naming fc-harness: CI installs
   that, exactly as the project pins it;
2. where this fc-harness came from, as pip recorded it (PEP 610 `direct_url.json`): a git
   repository (pinned to the installed commit) or an https archive;
3. a git checkout of fc-harness installed from its folder (`pip install -e .`): its `origin`
   remote at the checked-out commit (init says when that commit is on no remote branch yet or
   the checkout has local changes, which CI would not get);
4. otherwise (a local folder without a remote, an unknown index): nothing CI can reach, so
   the step is a clearly marked placeholder that fails the job until the user fills it in.

A URL goes into the workflow only if it is plain (no credentials other than git's `git@`, no
quotes, spaces or `${…}`), so nothing secret or able to break the YAML is written.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

__all__ = ["CiInstall", "ci_install", "installed_from", "source_checkout", "workflow_step"]

DIST = "fc-harness"
EXTRAS = "all"
_NAME = re.compile(r"^\s*fc[-_.]+harness\s*(\[[^\]]*\])?\s*(?:[<>=!~;@]|$)", re.IGNORECASE)
_PLAIN_URL = re.compile(r"[A-Za-z0-9+.:/_~%@-]+")  # no quotes, spaces, `$`, `#`, `?`, `&`
_COMMIT = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


@dataclass(frozen=True)
class CiInstall:
    """The workflow's install step."""

    run: str | None
    """The step's shell command, or None: the user must write it (a failing placeholder)."""
    said: str
    """What `fcharness init` prints about it."""


def _names_us(requirement: str) -> bool:
    """A requirement (line) for fc-harness: by name, or a URL with `#egg=fc-harness`."""
    return bool(_NAME.match(requirement) or re.search(r"#egg=fc[-_.]+harness\b", requirement, re.IGNORECASE))


def _from_requirements(root: Path) -> CiInstall | None:
    for path in sorted(root.glob("requirements*.txt")):
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        if any(_names_us(line) for line in lines) and _PLAIN_URL.fullmatch(path.name):
            return CiInstall(
                f"pip install -r {path.name}", f"the workflow installs your {path.name} (it lists fc-harness)"
            )
    return None


def _project(folder: Path) -> dict[str, Any] | None:
    """The `[project]` table of `folder/pyproject.toml`, or None."""
    try:
        project = tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8")).get("project")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    return project if isinstance(project, dict) else None


def _from_pyproject(root: Path) -> CiInstall | None:
    project = _project(root)
    if project is None:
        return None
    deps = project.get("dependencies")
    if isinstance(deps, list) and any(isinstance(d, str) and _names_us(d) for d in deps):
        return CiInstall(
            "pip install -e .", "the workflow installs your project (pyproject.toml lists fc-harness)"
        )
    extras = project.get("optional-dependencies")
    if isinstance(extras, dict):
        for extra, reqs in sorted(extras.items()):
            if isinstance(reqs, list) and any(isinstance(d, str) and _names_us(d) for d in reqs):
                if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", extra):
                    continue
                return CiInstall(
                    f'pip install -e ".[{extra}]"',
                    f"the workflow installs your project with its [{extra}] extra (it lists fc-harness)",
                )
    return None


def _plain(url: str) -> str | None:
    """`url` without credentials (git's `git@` user kept), or None when it is not plain."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("https", "ssh", "git+https", "git+ssh") or not parts.hostname:
        return None
    if parts.query or parts.fragment:
        return None
    user = "git@" if parts.username == "git" else ""
    netloc = f"{user}{parts.hostname}" + (f":{port}" if port else "")
    clean = urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    return clean if _PLAIN_URL.fullmatch(clean) else None


def installed_from(dist: str = DIST) -> dict[str, Any] | None:
    """pip's record of where `dist` was installed from (PEP 610), or None."""
    try:
        text = metadata.distribution(dist).read_text("direct_url.json")
        doc = json.loads(text) if text else None
    except (metadata.PackageNotFoundError, OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and isinstance(doc.get("url"), str) else None


def _from_install(direct: dict[str, Any] | None) -> CiInstall | None:
    if direct is None:
        return None
    url = _plain(direct["url"])
    vcs = direct.get("vcs_info")
    if url and isinstance(vcs, dict) and vcs.get("vcs") == "git":
        commit = vcs.get("commit_id")
        if isinstance(commit, str) and _COMMIT.fullmatch(commit):
            url = url.removeprefix("git+")
            said = f"the workflow installs fc-harness from git+{url} at the commit installed here"
            said += f" ({commit[:12]})"
            return CiInstall(f'pip install "{DIST}[{EXTRAS}] @ git+{url}@{commit}"', said)
    archive = direct.get("archive_info")
    if url and url.startswith("https://") and isinstance(archive, dict) and not direct.get("dir_info"):
        return CiInstall(
            f'pip install "{DIST}[{EXTRAS}] @ {url}"', f"the workflow installs fc-harness from {url}"
        )
    return None


def _git(checkout: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(checkout), *args], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def _scp_to_ssh(url: str) -> str:
    """`git@host:owner/repo.git` (git's scp-like form) as `ssh://git@host/owner/repo.git`."""
    m = re.fullmatch(r"git@([A-Za-z0-9.-]+):([^/].*)", url)
    return f"ssh://git@{m.group(1)}/{m.group(2)}" if m else url


def _from_checkout(checkout: Path | None) -> CiInstall | None:
    if checkout is None:
        return None
    project = _project(checkout)
    if project is None or project.get("name") != DIST:
        return None
    remote = _git(checkout, "remote", "get-url", "origin")
    commit = _git(checkout, "rev-parse", "HEAD")
    url = _plain(_scp_to_ssh(remote)) if remote else None
    if not (url and commit and _COMMIT.fullmatch(commit)):
        return None
    said = f"the workflow installs fc-harness from git+{url} at the commit checked out here ({commit[:12]})"
    if not _git(checkout, "branch", "-r", "--contains", commit):
        said += "; push that commit first: no remote branch holds it yet"
    if _git(checkout, "status", "--porcelain", "--untracked-files=no"):
        said += "; your checkout's uncommitted changes are not in it"
    return CiInstall(f'pip install "{DIST}[{EXTRAS}] @ git+{url}@{commit}"', said)


def source_checkout() -> Path | None:
    """The folder holding this fc-harness's `pyproject.toml`, when it runs from a source checkout."""
    here = Path(__file__).resolve().parents[2]
    return here if (here / "pyproject.toml").is_file() and (here / "harness").is_dir() else None


def ci_install(root: Path, direct: dict[str, Any] | None = None, checkout: Path | None = None) -> CiInstall:
    """The install step of the workflow for the project at `root` (`direct`: `installed_from()`,
    `checkout`: `source_checkout()`)."""
    found = (
        _from_requirements(root) or _from_pyproject(root) or _from_install(direct) or _from_checkout(checkout)
    )
    if found is not None:
        return found
    return CiInstall(
        None,
        "EDIT .github/workflows/fc-harness.yml: fc-harness is not on PyPI and was not installed"
        " from a URL CI can reach; its 'Install fc-harness' step fails the job until you say how"
        " CI gets it (a git URL, or your requirements.txt)",
    )


def workflow_step(install: CiInstall) -> str:
    """The workflow's `Install fc-harness` step (indented for the steps list)."""
    if install.run is not None:
        return (
            "      - name: Install fc-harness\n"
            "        # fc-harness is not on PyPI: `fcharness init` chose this source (see docs/ci.md)\n"
            f"        run: {install.run}\n"
        )
    return (
        "      - name: Install fc-harness\n"
        "        # EDIT THIS STEP. fc-harness is not published on PyPI, and `fcharness init` could not\n"
        "        # tell where CI can get it (it was installed here from a local folder). Replace the\n"
        "        # `run` below with, for example:\n"
        f'        #   run: pip install "{DIST}[{EXTRAS}] @ git+https://github.com/OWNER/fc-harness@COMMIT"\n'
        "        # or list fc-harness in your requirements.txt and `run: pip install -r requirements.txt`.\n"
        "        run: |\n"
        '          echo "::error file=.github/workflows/fc-harness.yml::say how CI installs fc-harness'
        ' (see the comment in its Install step)"\n'
        "          exit 1\n"
    )
