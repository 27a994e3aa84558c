"""Scan tests: small chunks so that every path (several chunks, an empty one) is exercised."""
import pytest


@pytest.fixture
def scan_config(app):
    saved = {key: app.config.get(key) for key in ("SCAN_CHUNK_SIZE", "SCAN_MAX_ATTEMPTS")}
    app.config.update(SCAN_CHUNK_SIZE=40, SCAN_MAX_ATTEMPTS=3)
    yield app.config
    app.config.update(saved)


@pytest.fixture
def in_app(app, db_session, scan_config):
    """Run the test body inside an app context (services use db.session and current_app)."""
    with app.app_context():
        yield db_session
