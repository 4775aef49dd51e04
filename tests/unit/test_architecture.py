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
    "sqlite3",
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


def _starts_work_itself(path: Path) -> list[str]:
    """Calls that run work off the GUI thread by hand: `lane.run(...)`, `run_in_thread(...)`,
    `threading.Thread(...)`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "run_in_thread":
            found.append(f"{node.lineno}: run_in_thread")
        elif isinstance(func, ast.Attribute):
            owner = func.value
            owner_name = (
                owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            )
            if func.attr == "run" and owner_name in ("lane", "Lane"):
                found.append(f"{node.lineno}: lane.run")
            if func.attr in ("Thread", "run_in_thread") and owner_name in ("threading", "dispatch"):
                found.append(f"{node.lineno}: {owner_name}.{func.attr}")
    return found


def test_the_window_runs_work_only_through_op() -> None:
    """One way to run work from the GUI (app/gui/operations.py), as Anki's CollectionOp."""
    allowed = {"dispatch.py", "operations.py"}
    offenders = {
        path.name: _starts_work_itself(path)
        for path in (ROOT / "app" / "gui").rglob("*.py")
        if path.name not in allowed and _starts_work_itself(path)
    }
    assert offenders == {}


def test_the_work_checker_sees_work_started_by_hand(tmp_path: Path) -> None:
    sample = tmp_path / "window.py"
    sample.write_text(
        "self.lane.run(job)\nrun_in_thread(d, job, a, b)\nthreading.Thread(target=job)\n"
    )
    assert len(_starts_work_itself(sample)) == 3


def test_the_benchmarks_do_not_lean_on_the_tests() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & {"tests"})
        for path in (ROOT / "bench").rglob("*.py")
        if _imports(path) & {"tests"}
    }
    assert offenders == {}


def test_the_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "bad.py"
    sample.write_text("from PySide6.QtCore import QObject\nimport sqlite3.dbapi2\n")
    assert _imports(sample) & FORBIDDEN == {"PySide6", "sqlite3"}


def test_no_window_module_grows_past_about_400_lines_without_saying_why() -> None:
    """A file with one job a newcomer can name stays short; a longer one says why."""
    for path in sorted((ROOT / "app" / "gui").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        docstring = ast.get_docstring(ast.parse(text)) or ""
        lines = text.count("\n")
        assert lines <= 400 or "long because" in docstring, f"{path.name}: {lines} lines"
