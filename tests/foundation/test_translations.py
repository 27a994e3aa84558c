"""Every user-facing string of the web UI has its Chinese translation."""
import subprocess
import sys

from tests.conftest import REPO


def test_every_ui_string_is_translated():
    result = subprocess.run([sys.executable, "scripts/i18n.py", "check"], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:]
    assert result.stdout.strip().endswith("0 untranslated")
