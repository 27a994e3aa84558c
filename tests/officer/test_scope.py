"""District scope: every officer URL that names an object answers 404 for an object of another
district (and changes nothing); lists show only the officer's districts; an admin sees all; a
firm user gets 403 and nobody logged in is sent to the login page."""
from __future__ import annotations

from sqlalchemy import func, select

from registry.models import AuditEvent
from tests.factories import UserFactory
from tests.officer.conftest import OTHER_PARTS, build, login, methods, officer_rules

OTHER_NAME = "江北精工有限公司"


def test_every_officer_url_naming_another_district_s_object_is_404(app, client, db_session,
                                                                   officer, elsewhere):
    login(client, officer)
    audit_before = db_session.scalar(select(func.count()).select_from(AuditEvent))
    walked = 0
    for rule in officer_rules(app):
        if not set(rule.arguments) & set(elsewhere):
            continue
        for method in methods(rule):
            path = build(rule, elsewhere)
            response = client.open(path, method=method, data={"reason": "x", "comment": "x",
                                                              "status": "contacted"})
            assert response.status_code == 404, f"{method} {path}: {response.status_code}"
            walked += 1
    assert walked == 30   # 27, and an official import: its report, progress and download
    # No URL escaped the walk: every part of every officer URL is known here.
    assert {name for rule in officer_rules(app) for name in rule.arguments} <= \
        set(elsewhere) | set(OTHER_PARTS)
    assert db_session.scalar(select(func.count()).select_from(AuditEvent)) == audit_before


def test_lists_show_only_the_officer_s_districts(app, client, officer, elsewhere):
    login(client, officer)
    for rule in officer_rules(app):
        if "GET" not in rule.methods or set(rule.arguments) & set(elsewhere):
            continue
        response = client.get(build(rule, elsewhere) + "?status=all")
        assert response.status_code == 200, rule.rule
        assert OTHER_NAME not in response.get_data(as_text=True), rule.rule


def test_an_admin_sees_every_district(client, admin, elsewhere):
    login(client, admin)
    assert client.get(f"/officer/candidates/{elsewhere['candidate_id']}").status_code == 200
    assert client.get(f"/officer/firms/{elsewhere['firm_id']}").status_code == 200
    assert client.get(f"/officer/notices/{elsewhere['notice_id']}").status_code == 200
    assert client.get(f"/officer/spot-checks/{elsewhere['check_id']}").status_code == 200
    assert OTHER_NAME in client.get("/officer/queue?status=all").get_data(as_text=True)


def test_the_same_officer_in_the_right_district_gets_the_pages(client, other_officer, elsewhere):
    login(client, other_officer)
    for path in (f"/officer/candidates/{elsewhere['candidate_id']}",
                 f"/officer/firms/{elsewhere['firm_id']}",
                 f"/officer/notices/{elsewhere['notice_id']}",
                 f"/officer/spot-checks/{elsewhere['check_id']}",
                 f"/officer/certificates/imports/{elsewhere['batch_id']}"):
        assert client.get(path).status_code == 200, path


def test_firm_users_get_403_and_strangers_the_login_page(app, client, db_session, firm, elsewhere):
    for rule in officer_rules(app):
        for method in methods(rule):
            response = client.open(build(rule, elsewhere), method=method)
            assert response.status_code == 302 and "/login" in response.headers["Location"], \
                rule.rule
    login(client, UserFactory(firm=firm))
    for rule in officer_rules(app):
        for method in methods(rule):
            assert client.open(build(rule, elsewhere), method=method).status_code == 403, rule.rule


def test_an_officer_without_districts_sees_nothing(client, db_session, elsewhere):
    login(client, UserFactory(officer=True))
    assert client.get(f"/officer/firms/{elsewhere['firm_id']}").status_code == 404
    page = client.get("/officer/queue?status=all").get_data(as_text=True)
    assert "data-candidate=" not in page


def test_absurd_ids_are_not_found_never_a_500(app, client, officer, elsewhere):
    login(client, officer)
    huge = {name: 10 ** 30 for name in elsewhere}
    for rule in officer_rules(app):
        if set(rule.arguments) & set(elsewhere):
            for method in methods(rule):
                assert client.open(build(rule, huge), method=method).status_code == 404, rule.rule


def test_ids_that_do_not_exist_are_not_found(app, client, officer, elsewhere):
    login(client, officer)
    missing = {name: 2147483647 for name in elsewhere}
    for rule in officer_rules(app):
        if set(rule.arguments) & set(elsewhere):
            for method in methods(rule):
                assert client.open(build(rule, missing), method=method).status_code == 404, \
                    f"{method} {rule.rule}"
