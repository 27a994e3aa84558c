"""registry.rules is pure: it loads no Flask, SQLAlchemy or other registry module."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

RULES = Path(__file__).resolve().parents[2] / "registry" / "rules"
FORBIDDEN_ROOTS = ("flask", "sqlalchemy", "flask_sqlalchemy", "werkzeug", "celery")

# registry/__init__.py builds the Flask app, so the parent package is stubbed: what is tested is
# what registry.rules itself imports.
PROBE = """
import importlib, json, pkgutil, sys, types
package = types.ModuleType("registry")
package.__path__ = [{registry!r}]
sys.modules["registry"] = package
import registry.rules
for module in pkgutil.walk_packages(registry.rules.__path__, "registry.rules."):
    importlib.import_module(module.name)
print(json.dumps(sorted(sys.modules)))
"""


def test_importing_every_rules_module_loads_nothing_forbidden():
    probe = PROBE.format(registry=str(RULES.parent))
    run = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    loaded = json.loads(run.stdout)
    assert any(name == "registry.rules.engine" for name in loaded)
    assert not [name for name in loaded if name.split(".")[0] in FORBIDDEN_ROOTS]
    assert not [name for name in loaded
                if name.startswith("registry.") and not name.startswith("registry.rules")]


def test_import_statements_stay_inside_the_package():
    for path in RULES.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [] if node.level else [node.module]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN_ROOTS + ("registry",), (path, name)
