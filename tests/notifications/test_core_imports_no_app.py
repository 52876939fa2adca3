"""The core (``portal/``) holds engines; the apps register content. It never imports an app."""

import ast
from pathlib import Path

import portal

APPS = ("disclosures", "riskmgmt", "followup")


def _imported_modules(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module


def test_no_module_under_portal_imports_an_app():
    root = Path(portal.__file__).parent
    offenders = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for lineno, module in _imported_modules(tree):
            if module.split(".")[0] in APPS:
                offenders.append(f"{path.relative_to(root.parent)}:{lineno} imports {module}")
    assert offenders == []
