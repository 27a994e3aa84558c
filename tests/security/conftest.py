"""The officer area's people and firm (two districts, an officer and a manager of haishu, an
admin, a firm of haishu), shared with these tests."""
from tests.officer.conftest import admin, districts, firm, manager, officer  # noqa: F401
