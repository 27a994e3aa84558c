"""`registry.auth.scope` is the one rule of who sees which district: its query clauses and its
yes/no answers agree for every kind of user, inactive ones included, and the services that
pick officers (assignment, registration mails) follow it."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.auth import scope
from registry.models import Candidate, Firm, User
from registry.services import directory, review
from tests.factories import CandidateFactory, FirmFactory, UserFactory


@pytest.fixture
def users(db_session, districts, firm):
    haishu, jiangbei = districts
    people = {
        "admin": UserFactory(admin=True),
        "officer": UserFactory(officer=True, districts=[haishu]),
        "officer of both": UserFactory(officer=True, districts=[haishu, jiangbei]),
        "officer without districts": UserFactory(officer=True),
        "manager": UserFactory(role="manager", firm=None, districts=[jiangbei]),
        "city manager": UserFactory(role="manager", firm=None),
        "firm user": UserFactory(firm=firm),
        "inactive officer": UserFactory(officer=True, districts=[haishu], active=False),
        "inactive admin": UserFactory(admin=True, active=False),
        "inactive manager": UserFactory(role="manager", firm=None, active=False),
    }
    return people


EXPECTED = {
    "admin": {"haishu", "jiangbei"},
    "officer": {"haishu"},
    "officer of both": {"haishu", "jiangbei"},
    "officer without districts": set(),
    "manager": {"jiangbei"},
    "city manager": {"haishu", "jiangbei"},
    "firm user": set(),
    "inactive officer": set(),
    "inactive admin": set(),
    "inactive manager": set(),
}


def test_every_answer_of_the_rule_agrees(db_session, users, firm, other_firm):
    CandidateFactory(firm=firm)
    CandidateFactory(firm=other_firm)
    codes = ["haishu", "jiangbei"]
    for name, user in users.items():
        expected = EXPECTED[name]
        assert scope.visible_district_codes(user, codes) == expected, name
        assert {code for code in codes if scope.may_see_district(user, code)} == expected, name
        seen = set(db_session.scalars(select(Firm.district).where(scope.firm_scope(user))))
        if name == "firm user":
            assert seen == {"haishu"}  # their own firm, and only it
        else:
            assert seen == expected, name
        assert {f.district for f in (firm, other_firm) if scope.may_see_firm(user, f)} == seen
        candidates = set(db_session.scalars(select(Candidate.district)
                                            .where(directory.candidate_scope(user))))
        assert candidates == expected, name


def test_only_active_officers_of_the_district_are_offered_its_candidates(db_session, users):
    def offered(districts):
        ids = {user.id for user in review.assignable_officers(db_session, districts)}
        return {name for name, user in users.items() if user.id in ids}
    assert offered(["haishu"]) == {"officer", "officer of both"}
    assert offered(["jiangbei"]) == {"officer of both"}
    assert offered(["haishu", "jiangbei"]) == {"officer", "officer of both"}
    assert offered([]) == set()


def test_a_manager_cannot_be_given_a_candidate(db_session, users, firm, admin):
    candidate = CandidateFactory(firm=firm)
    db_session.refresh(candidate)  # the database copies the firm's district
    with pytest.raises(review.ReviewError):
        review.assign(db_session, candidate, admin, users["city manager"])
    with pytest.raises(review.ReviewError):
        review.assign(db_session, candidate, admin, users["inactive officer"])
    assert review.assign(db_session, candidate, admin, users["officer"]) is True


def test_registration_mails_go_to_the_district_s_active_officers(db_session, users):
    mailed = set(db_session.scalars(select(User.id).where(scope.district_workers("haishu"))))
    assert {name for name, user in users.items() if user.id in mailed} == {
        "officer", "officer of both"}


def test_a_firm_outside_every_district_is_seen_by_the_city_only(db_session, users):
    FirmFactory(district="zhenhai")
    for name, user in users.items():
        seen = set(db_session.scalars(select(Firm.district).where(scope.firm_scope(user))))
        assert ("zhenhai" in seen) == (name in {"admin", "city manager"}), name
