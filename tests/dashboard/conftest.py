"""The dashboard tests reuse the officer workspace's fixtures (two districts, their users)."""
from tests.officer.conftest import (  # noqa: F401
    admin,
    districts,
    firm,
    manager,
    officer,
    other_firm,
    other_officer,
)
