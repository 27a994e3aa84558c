"""The officer workspace's fixtures (districts, officers, admin, firms) and log-in helpers."""
from tests.officer.conftest import (  # noqa: F401
    admin,
    districts,
    firm,
    firm_user,
    officer,
    other_firm,
    other_officer,
)
