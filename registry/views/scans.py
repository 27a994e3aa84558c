"""Scans for officers and administrators: the list with live progress, a scan's chunks, run now."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from registry.auth.permissions import Permission, has_permission, requires
from registry.extensions import db
from registry.models import Scan, ScanChunk
from registry.navigation import add_nav
from registry.services.scans import start_full_scan
from registry.views import as_id, id_arg

bp = Blueprint("scans", __name__, url_prefix="/scans")
add_nav("scans.index", _l("Scans"), Permission.SCANS_VIEW, order=80, group="admin")
PAGE_SIZE = 50


def scan_json(scan: Scan) -> dict:
    return {"id": scan.id, "kind": scan.kind, "status": scan.status, "as_of": scan.as_of.isoformat(),
            "firms_total": scan.firms_total, "firms_done": scan.firms_done,
            "chunks_total": scan.chunks_total, "chunks_done": scan.chunks_done,
            "progress": round(scan.progress, 4), "opened": scan.opened, "closed": scan.closed,
            "flags": scan.flags, "seconds": round(scan.seconds, 1) if scan.seconds is not None else None,
            "error": scan.error}


def _full_scans(before: int | None):
    query = select(Scan).where(Scan.kind == "full").order_by(Scan.id.desc()).limit(PAGE_SIZE)
    if before:
        query = query.where(Scan.id < before)
    return db.session.scalars(query).all()


@bp.get("/")
@requires(Permission.SCANS_VIEW)
def index():
    scans = _full_scans(id_arg("before"))
    return render_template("scans/index.html", scans=scans, page_size=PAGE_SIZE,
                           can_run=has_permission(current_user, Permission.SCANS_RUN))


@bp.get("/progress.json")
@requires(Permission.SCANS_VIEW)
def progress():
    """The progress of the given (or the latest) full scans, polled by the list page."""
    try:
        ids = [as_id(value) for value in request.args.getlist("id")]
    except ValueError:
        abort(400)
    scans = (db.session.scalars(select(Scan).where(Scan.id.in_(ids))).all() if ids else _full_scans(None))
    return jsonify(scans=[scan_json(scan) for scan in scans])


@bp.post("/run")
@requires(Permission.SCANS_RUN)
def run_now():
    scan, created = start_full_scan(db.session, current_user)
    db.session.commit()
    if created:
        flash(_("Scan %(id)s queued.", id=scan.id), "success")
    else:
        flash(_("Scan %(id)s is already queued or running.", id=scan.id), "info")
    return redirect(url_for("scans.detail", scan_id=scan.id))


@bp.get("/<int:scan_id>")
@requires(Permission.SCANS_VIEW)
def detail(scan_id: int):
    scan = db.session.get(Scan, scan_id) or abort(404)
    chunks = db.session.scalars(select(ScanChunk).where(ScanChunk.scan_id == scan.id)
                                .order_by(ScanChunk.index)).all()
    return render_template("scans/detail.html", scan=scan, chunks=chunks)
