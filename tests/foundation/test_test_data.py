"""The suite is self-contained: the rule vectors live in `tests/data/vectors/`, and while the
specification's folder (`../shared/domain/vectors/`) is present the copy must equal it, file for
file; a fresh clone without it runs everything else."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import REPO, SHARED_VECTORS, VECTORS


def _tree(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes()
            for path in sorted(root.rglob("*")) if path.is_file()}


def test_the_vectors_are_in_the_repository():
    assert (VECTORS / "public.json").is_file()


def test_the_copied_vectors_equal_the_specification():
    if not SHARED_VECTORS.is_dir():
        pytest.skip(f"no {SHARED_VECTORS} to compare with (a fresh clone)")
    copy, spec = _tree(VECTORS), _tree(SHARED_VECTORS)
    assert sorted(copy) == sorted(spec), "the same files in tests/data/vectors/"
    changed = [name for name in spec if copy[name] != spec[name]]
    assert changed == [], "copy these again from ../shared/domain/vectors/"


def test_no_other_test_reads_outside_the_repository():
    """Only this module and the constants in conftest name the sibling folder."""
    allowed = {Path(__file__).resolve(), REPO / "tests" / "conftest.py"}
    outside = re.compile(r"""\.\./shared|["']shared["']|SHARED_VECTORS""")
    readers = [path.relative_to(REPO).as_posix() for path in (REPO / "tests").rglob("*.py")
               if path.resolve() not in allowed and outside.search(path.read_text())]
    assert readers == []


def test_the_suite_writes_nothing_into_the_checkouts_var():
    """A development app made by a test keeps its secret key and broker file in this run's
    folder (tests/conftest.py), not in the var/ of the checkout the suite runs in."""
    import config
    assert REPO not in config.VAR_DIR.resolve().parents
