"""The layout of DESIGN.md §2: wings, no import circles, grading pure, small modules.

The import graph is read with `ast` (nothing is imported): every `import harness...` and
`from harness... import ...` anywhere in a module counts, including the lazy ones inside
functions, because a circle through a lazy import is still a circle in the design.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HARNESS = REPO / "harness"

#: What may sit at the top of `harness/` (issue 9): neutral data, errors, atomic writes,
#: the CLI entry and the pytest plugin; everything else lives in a wing.
TOP_FILES = {
    "__init__.py",
    "__main__.py",
    "model.py",
    "errors.py",
    "_io.py",
    "cli.py",
    "pytest_plugin.py",
    "py.typed",
}
WINGS = {
    "cases",
    "grading",
    "bfcl",
    "providers",
    "cassettes",
    "run",
    "reports",
    "emulator",
    "commands",
    "schemas",
}
#: Grading is pure: it knows the neutral model and errors, never a vendor, a cassette or I/O.
GRADING_MAY_NOT_IMPORT = ("providers", "cassettes", "run", "emulator", "reports", "commands", "bfcl", "cases")
MAX_LINES = 450


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in HARNESS.rglob("*.py")}


def _imports(path: Path, name: str, known: set[str]) -> set[str]:
    """The harness modules `path` imports (a `from pkg import mod` names the submodule)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("harness"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: `from . import x`, `from ..y import z`
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            if not base.startswith("harness"):
                continue
            submodules = {f"{base}.{a.name}" for a in node.names} & known
            found.update(submodules)
            if len(submodules) < len(node.names):  # names defined in `base` itself
                found.add(base)
    return {m for m in found if m in known and m != name}


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    return {name: _imports(path, name, set(mods)) for name, path in mods.items()}


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """Return one import circle as a list of modules (first == last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_no_import_circles_in_harness() -> None:
    cycle = _find_cycle(_graph())
    assert cycle is None, "import circle: " + " → ".join(cycle or [])


def test_cycle_finder_finds_a_planted_circle() -> None:
    # The check itself can fail: a two-module circle and a longer one are found.
    assert _find_cycle({"a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None


def test_grading_imports_no_other_wing() -> None:
    graph = _graph()
    bad = sorted(
        (src, dst)
        for src, dsts in graph.items()
        if src.startswith("harness.grading")
        for dst in dsts
        if dst.split(".")[1] in GRADING_MAY_NOT_IMPORT
    )
    assert bad == [], f"grading must stay pure: {bad}"


def test_top_of_harness_holds_only_the_named_files() -> None:
    top = {p.name for p in HARNESS.iterdir() if p.is_file()}
    dirs = {p.name for p in HARNESS.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert top <= TOP_FILES, f"move into a wing: {sorted(top - TOP_FILES)}"
    assert dirs == WINGS


@pytest.mark.parametrize("wing", sorted(WINGS - {"schemas"}))
def test_each_wing_says_what_it_does(wing: str) -> None:
    init = HARNESS / wing / "__init__.py"
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
    assert doc and len(doc.splitlines()) >= 3, f"{init} needs a docstring naming the wing's public face"


def test_no_wing_prefixes_left_in_file_names() -> None:
    # A prefix is a folder in disguise (STYLE.md §0): inside `bfcl/` it is `ast_checker.py`,
    # not `_bfcl_ast.py`.
    prefixed = [
        str(p.relative_to(REPO))
        for wing in WINGS
        for p in (HARNESS / wing).glob("*.py")
        for stem in {wing, wing.rstrip("s")}
        if p.name.lstrip("_").startswith(f"{stem}_")
    ]
    assert prefixed == []


def test_modules_stay_small() -> None:
    big = {
        str(p.relative_to(REPO)): n
        for p in HARNESS.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert big == {}, f"split modules over {MAX_LINES} lines: {big}"


def test_tests_mirror_the_wings() -> None:
    folders = {p.name for p in (REPO / "tests").iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert WINGS - {"schemas"} <= folders
