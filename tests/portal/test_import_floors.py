"""The import floors: an app imports only its own floor and the floors below it.

portal <- tenants <- outbox <- accounts <- recovery <- payments <- helpdesk <- demo

Every import statement of every module under the app folders is read from its syntax tree
(lazy imports inside functions included; migrations skipped). `portal/urls.py`, the root
URLconf, mounts every app and may import any of them.
"""

import ast
from pathlib import Path

FLOORS = ["portal", "tenants", "outbox", "accounts", "recovery", "payments", "helpdesk", "demo"]
ROOT = Path(__file__).resolve().parents[2]
MAY_IMPORT_ANY_APP = {"portal/urls.py"}


def imported_apps(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, top-level package) of every absolute import in the tree."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def floor_violations() -> list[str]:
    rank = {app: n for n, app in enumerate(FLOORS)}
    violations = []
    for app in FLOORS:
        folder = ROOT / app
        for path in sorted(folder.rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "migrations" in path.relative_to(folder).parts or relative in MAY_IMPORT_ANY_APP:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=relative)
            for line, imported in imported_apps(tree):
                if imported not in rank or rank[imported] <= rank[app]:
                    continue
                violations.append(f"{relative}:{line}: {app} imports {imported}")
    return violations


def test_no_app_imports_an_app_above_it():
    violations = floor_violations()
    assert not violations, "A lower app imports a higher one:\n" + "\n".join(violations)


def test_every_app_folder_is_scanned():
    for app in FLOORS:
        assert (ROOT / app / "__init__.py").is_file(), app


def test_the_scan_sees_lazy_imports_inside_functions():
    tree = ast.parse("def f():\n    from payments.models import Wallet\n    import demo.seed\n")
    assert imported_apps(tree) == [(2, "payments"), (3, "demo")]
