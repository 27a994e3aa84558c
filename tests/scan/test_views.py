"""The scans page: officers see scans with progress; an administrator runs one now (a district
officer does not see the city-wide scan's "run now"); firms may not."""
from __future__ import annotations

from sqlalchemy import select

from registry import jobs
from registry.models import Scan
from tests.factories import PASSWORD, UserFactory


def _login(client, user):
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302


def test_not_logged_in_goes_to_login(client):
    assert client.get("/scans/").headers["Location"].startswith("/login")


def test_a_firm_user_may_not_see_or_run_scans(client, db_session):
    _login(client, UserFactory())
    assert client.get("/scans/").status_code == 403
    assert client.post("/scans/run").status_code == 403


def test_a_district_officer_does_not_see_the_city_wide_run_now_scan(client, db_session):
    _login(client, UserFactory(officer=True))
    page = client.get("/scans/")
    assert page.status_code == 200 and b"run-now" not in page.data
    assert client.post("/scans/run").status_code == 403


def test_an_admin_runs_a_scan_and_follows_its_progress(client, db_session, app):
    from tests.factories import FirmFactory
    FirmFactory()
    _login(client, UserFactory(admin=True))
    response = client.post("/scans/run")
    scan = db_session.scalar(select(Scan).where(Scan.kind == "full"))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/scans/{scan.id}")
    assert scan.status == "queued" and scan.chunks_total == 1
    with app.app_context():
        assert [name for name, _args in jobs.sent_jobs()][-1] == "scan_chunk"
    again = client.post("/scans/run")  # already queued: the same scan is shown
    assert again.headers["Location"].endswith(f"/scans/{scan.id}")
    page = client.get("/scans/")
    assert page.status_code == 200 and f'data-scan-progress="{scan.id}"'.encode() in page.data
    assert b"run-now" in page.data
    progress = client.get(f"/scans/progress.json?id={scan.id}").get_json()
    assert progress["scans"][0]["status"] == "queued" and progress["scans"][0]["progress"] == 0
    detail = client.get(f"/scans/{scan.id}")
    assert detail.status_code == 200
    assert client.get("/scans/999999").status_code == 404
