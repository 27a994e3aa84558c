"""Mail delivery: after commit, by SMTP when configured (the body is then cleared), else to
the console; bilingual."""
from __future__ import annotations

import pytest

from registry.models import OutboxMail
from registry.services import mail


class FakeSMTP:
    sent: list = []

    def __init__(self, host, port, timeout):
        self.host, self.port = host, port

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_message(self, message):
        FakeSMTP.sent.append((self.host, message["To"], message["Subject"], message.get_content()))


@pytest.fixture
def in_request(app, db_session):
    with app.test_request_context():
        yield


def _queued(db_session):
    return mail.send(db_session, "clerk@firm.example", "account/mail/registration_approved.txt",
                     firm=type("F", (), {"name": "甬江科技"})(), link="http://x/login")


def test_mails_are_bilingual_and_delivered_once(in_request, db_session, capsys):
    queued = _queued(db_session)
    assert "审核" in queued.subject or "批准" in queued.subject or "注册" in queued.subject
    assert "approved" in queued.subject
    db_session.commit()
    mail.deliver(queued.id)
    mail.deliver(queued.id)  # idempotent
    printed = capsys.readouterr().out
    assert printed.count("clerk@firm.example") == 1
    db_session.refresh(queued)
    assert queued.transport == "console" and queued.delivered_at is not None
    assert "http://x/login" in queued.body


def test_smtp_delivery_clears_the_body(in_request, app, db_session, monkeypatch):
    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    FakeSMTP.sent.clear()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example")
    queued = _queued(db_session)
    db_session.commit()
    mail.deliver(queued.id)
    assert FakeSMTP.sent[0][:2] == ("smtp.example", "clerk@firm.example")
    assert "http://x/login" in FakeSMTP.sent[0][3]
    db_session.refresh(queued)
    assert queued.transport == "smtp" and queued.body is None


def test_a_failed_smtp_delivery_is_recorded_and_raised_for_a_retry(in_request, app, db_session,
                                                                    monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("no server")
    monkeypatch.setattr("smtplib.SMTP", refuse)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example")
    queued = _queued(db_session)
    db_session.commit()
    with pytest.raises(ConnectionRefusedError):
        mail.deliver(queued.id)
    db_session.refresh(queued)
    assert queued.delivered_at is None and "no server" in queued.error and queued.body


def test_mail_leaves_only_after_commit(in_request, app, db_session):
    from registry.jobs import sent_jobs
    sent_jobs().clear()
    queued = _queued(db_session)
    assert sent_jobs() == []
    db_session.commit()
    assert sent_jobs() == [("send_mail", (queued.id,))]
    assert db_session.query(OutboxMail).count() == 1


def test_production_without_smtp_never_prints_a_mail(in_request, app, db_session, capsys,
                                                     monkeypatch):
    monkeypatch.setitem(app.config, "YANZHEN_CONFIG", "production")
    queued = _queued(db_session)
    db_session.commit()
    mail.deliver(queued.id)
    assert "http://x/login" not in capsys.readouterr().out
    db_session.refresh(queued)
    assert queued.delivered_at is None and "MAIL_SERVER" in queued.error
