"""Imports run one way: certification -> registry -> trust -> accounts (ARCHITECTURE §2)."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

LAYERS = ["accounts", "trust", "registry", "certification"]  # each may import only those before it


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("app", LAYERS)
def test_layering_imports_run_one_way(app):
    forbidden = set(LAYERS[LAYERS.index(app) + 1:])
    offenders = []
    for path in sorted((Path(settings.BASE_DIR) / app).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        bad = _imports(path) & forbidden
        if bad:
            offenders.append(f"{path.relative_to(settings.BASE_DIR)} imports {', '.join(sorted(bad))}")
    assert not offenders, "\n".join(offenders)
