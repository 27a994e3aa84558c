"""The firm's inbox: the bureau's decisions about it (review outcomes, notices, certificates)."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select, update

from registry.auth.permissions import Permission, requires
from registry.extensions import db
from registry.forms.officer import ActionForm
from registry.models import Notification
from registry.models.base import utcnow
from registry.navigation import add_nav

bp = Blueprint("inbox", __name__, url_prefix="/inbox")
PAGE_SIZE = 100


def unread_count(firm_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.firm_id == firm_id, Notification.read_at.is_(None)))


@bp.get("/")
@requires(Permission.PORTAL_USE)
def index():
    messages = db.session.scalars(select(Notification)
                                  .where(Notification.firm_id == current_user.firm_id)
                                  .order_by(Notification.id.desc()).limit(PAGE_SIZE)).all()
    return render_template("inbox/index.html", messages=messages, form=ActionForm(),
                           unread=unread_count(current_user.firm_id))


@bp.post("/read")
@requires(Permission.PORTAL_USE)
def mark_all_read():
    if not ActionForm().validate_on_submit():
        abort(400)
    db.session.execute(update(Notification).where(Notification.firm_id == current_user.firm_id,
                                                  Notification.read_at.is_(None))
                       .values(read_at=utcnow()))
    db.session.commit()
    return redirect(url_for("inbox.index"))


add_nav("inbox.index", _l("Inbox"), Permission.PORTAL_USE, order=14,
        badge=lambda: unread_count(current_user.firm_id))
