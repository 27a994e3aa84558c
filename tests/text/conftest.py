"""The text tests use the officer workspace's fixtures (districts, people, a firm)."""
from tests.officer.conftest import (  # noqa: F401
    admin,
    districts,
    firm,
    firm_user,
    manager,
    officer,
    other_firm,
    other_officer,
)
