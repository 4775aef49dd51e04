"""The layers hold: a checked contract, not a hope (DESIGN.md §2). This AST test is the one
check (import-linter's contracts, which never ran, were dropped for it)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "app",
    "repositories",
    "PySide6",
    "sqlalchemy",
    "sqlmodel",
    "psycopg",
    "openai",
    "google",
    "keyring",
    "httpx",
    "httpx2",
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_domain_imports_no_framework_or_adapter() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & FORBIDDEN)
        for path in (ROOT / "domain").rglob("*.py")
        if _imports(path) & FORBIDDEN
    }
    assert offenders == {}


def test_repositories_do_not_know_the_app_or_qt() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & {"app", "PySide6"})
        for path in (ROOT / "repositories").rglob("*.py")
        if _imports(path) & {"app", "PySide6"}
    }
    assert offenders == {}


def test_the_window_and_the_commands_do_not_reach_into_the_repositories() -> None:
    """They go through the composition root and the use cases. The self-check is the one
    exception: it checks that an installed build carries its migration files."""
    front_ends = [*(ROOT / "app" / "gui").rglob("*.py"), *(ROOT / "app").glob("cli*.py")]
    offenders = {
        str(path.relative_to(ROOT))
        for path in front_ends
        if "repositories" in _imports(path) and path.name != "self_check.py"
    }  # (ast.walk sees the imports inside functions too, where the front ends import late)
    assert offenders == set()


def test_the_benchmarks_do_not_lean_on_the_tests() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & {"tests"})
        for path in (ROOT / "bench").rglob("*.py")
        if _imports(path) & {"tests"}
    }
    assert offenders == {}


def test_the_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "bad.py"
    sample.write_text("from PySide6.QtCore import QObject\nimport sqlalchemy.orm\n")
    assert _imports(sample) & FORBIDDEN == {"PySide6", "sqlalchemy"}
