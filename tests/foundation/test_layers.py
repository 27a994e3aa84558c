"""The import direction of the layers (design.md): a static check over the source tree."""
import ast
from pathlib import Path

from tests.conftest import REPO

# package prefix -> prefixes it must never import
FORBIDDEN = {
    "registry": ("workers",),
    "registry.rules": ("flask", "sqlalchemy", "flask_sqlalchemy", "registry.models",
                       "registry.services", "registry.views", "registry.scan", "registry.jobs"),
    "registry.models": ("registry.services", "registry.views", "registry.forms", "registry.scan"),
    "registry.services": ("registry.views", "registry.forms"),
    "registry.forms": ("registry.views", "registry.services"),
}


def _module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def _violations(root: Path = REPO):
    for path in sorted((root / "registry").rglob("*.py")):
        module = _module_name(path, root)
        for imported in _imports(path):
            for layer, forbidden in FORBIDDEN.items():
                if module == layer or module.startswith(layer + "."):
                    for prefix in forbidden:
                        if imported == prefix or imported.startswith(prefix + "."):
                            yield f"{module} imports {imported}"


def test_layers_import_in_one_direction():
    assert list(_violations()) == []


def test_the_check_sees_a_violation(tmp_path):
    """Guard against a vacuous pass: a bad import planted in a tree of its own (never in the
    checkout, which other tests read at the same time) is found."""
    planted = tmp_path / "registry" / "models" / "_planted_violation.py"
    planted.parent.mkdir(parents=True)
    planted.write_text("import registry.views\n")
    assert list(_violations(tmp_path)) == ["registry.models._planted_violation imports registry.views"]
