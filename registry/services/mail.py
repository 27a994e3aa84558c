"""Outgoing mail: queued in the database, delivered once the transaction commits.

`send()` stores the message and enqueues its delivery after commit, so a rolled-back action
mails nobody. `deliver()` (the "send_mail" job) uses SMTP when MAIL_SERVER is configured; in
development it prints the mail to the console, and the dev outbox page shows the stored ones.
Every mail is written in Chinese first, then in English.
"""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.extensions import db
from registry.jobs import enqueue_after_commit
from registry.models import OutboxMail
from registry.models.base import utcnow

log = logging.getLogger(__name__)
SEPARATOR = "\n\n" + "-" * 40 + "\n\n"


def compose(template: str, **context) -> tuple[str, str]:
    """(subject, body) from `templates/<template>`, rendered in zh then en.

    The template's first line is the subject; the rest is the body."""
    parts = []
    for locale in ("zh", "en"):
        with force_locale(locale):
            parts.append(render_template(template, **context).strip().split("\n", 1))
    subject = " / ".join(part[0].strip() for part in parts)
    body = SEPARATOR.join(part[1].strip() if len(part) > 1 else "" for part in parts)
    return subject, body


def send(session: Session, recipient: str, template: str, **context) -> OutboxMail:
    """Queue a mail rendered from `template`; it leaves after the transaction commits."""
    subject, body = compose(template, **context)
    mail = OutboxMail(recipient=recipient, subject=subject[:200], body=body)
    session.add(mail)
    session.flush()
    enqueue_after_commit(session, "send_mail", mail.id)
    return mail


def smtp_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def deliver(mail_id: int) -> None:
    """Deliver one queued mail (the "send_mail" job); idempotent. Commits."""
    session = db.session
    mail = session.get(OutboxMail, mail_id)
    if mail is None or mail.delivered_at is not None:
        return
    if smtp_configured():
        try:
            _send_smtp(mail)
        except (OSError, smtplib.SMTPException) as error:
            mail.error = f"{type(error).__name__}: {error}"
            session.commit()
            raise
        mail.transport, mail.body = "smtp", None  # the body may carry a token
    elif current_app.config.get("YANZHEN_CONFIG") == "production":
        # Never print links with tokens into production logs: keep it queued until SMTP is set.
        log.warning("mail %s to %s not sent: MAIL_SERVER is not configured", mail.id,
                    mail.recipient)
        mail.error = "MAIL_SERVER is not configured"
        session.commit()
        return
    else:
        print(f"\n=== mail to {mail.recipient}: {mail.subject}\n{mail.body}\n===", flush=True)
        mail.transport = "console"
    mail.delivered_at, mail.error = utcnow(), None
    session.commit()


def _send_smtp(mail: OutboxMail) -> None:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message.set_content(mail.body or "")
    with smtplib.SMTP(config["MAIL_SERVER"], config.get("MAIL_PORT", 25), timeout=30) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)


def dev_outbox_enabled() -> bool:
    """The outbox page exists only where mail is not really sent (development, tests)."""
    return not smtp_configured() and current_app.config.get("YANZHEN_CONFIG") != "production"


def latest(session: Session, limit: int = 50) -> list[OutboxMail]:
    return list(session.scalars(select(OutboxMail).order_by(OutboxMail.id.desc()).limit(limit)))
