"""The demo holds an ended public notice: a batch with its 文号, ended by the district's demo
officer, whose certificates are issued (valid, numbered) and whose firms were told."""
from __future__ import annotations

from sqlalchemy import select

from registry.demo.accounts import DEMO_DOMAIN
from registry.demo.notices import FIRMS
from registry.models import NoticeBatch, Notification, PublicNotice, User
from tests.demo.conftest import AS_OF


def test_the_demo_has_an_ended_notice_with_issued_certificates(loaded_app):
    from registry.extensions import db
    with loaded_app.app_context():
        batch = db.session.scalar(select(NoticeBatch))
        assert batch is not None and batch.ended_on == AS_OF
        assert batch.ended_by_id == db.session.scalar(select(User.id).where(
            User.email == f"officer.haishu@{DEMO_DOMAIN}"))
        notices = db.session.scalars(select(PublicNotice).where(
            PublicNotice.batch_id == batch.id)).all()
        assert len(notices) == FIRMS
        assert {n.status for n in notices} == {"concluded"}
        assert {n.certificate.status for n in notices} == {"valid"}
        assert all(n.certificate.number and n.certificate.issued <= AS_OF for n in notices)
        told = db.session.scalars(select(Notification.kind).where(
            Notification.firm_id.in_([n.firm_id for n in notices]))).all()
        assert sorted(told) == sorted(["approved", "certified"] * FIRMS)
