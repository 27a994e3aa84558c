"""Certificates over time: the daily pass, numbering, and lists granted by the province.

The daily pass ("certificate_pass", run by beat every day) is idempotent: public notices whose
period has ended with no objection upheld (and none left undecided) make their certificate
valid, numbered and dated; valid certificates past `expires` become expired; deferred
candidates whose date has come are opened again, and returned ones whose firm has filed again go
back to review.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from registry.auth.scope import firm_scope
from registry.creditcode import CreditCodeError, normalise_credit_code
from registry.extensions import db
from registry.models import (
    Certificate,
    CertificateImport,
    Firm,
    NoticeBatch,
    PublicNotice,
)
from registry.models.base import utcnow
from registry.models.certificate import TIERS
from registry.rules import today_in_shanghai
from registry.services import audit, review, settings, workbooks
from registry.services.workbooks import cell_date

# --- The daily pass ----------------------------------------------------------------------------

def daily_pass_job() -> dict:
    """The "certificate_pass" job: today's pass in its own transaction."""
    summary = daily_pass(db.session, today_in_shanghai())
    db.session.commit()
    return summary


def daily_pass(session: Session, today: dt.date) -> dict:
    """Conclude ended public notices, expire certificates, reopen deferred candidates, resume
    returned candidates whose firm has filed again."""
    summary = {"certified": conclude_notices(session, today),
               "expired": expire_certificates(session, today),
               "reopened": review.reopen_due(session, today),
               "resumed": review.resume_resubmitted(session)}
    session.flush()
    return summary


def conclude_notices(session: Session, today: dt.date, notices=None, actor=None) -> int:
    """Notices that ended before today with no undecided objection: the certificate is valid,
    numbered and dated, and the firm told. The daily pass concludes every such notice; an officer
    ends those of a batch (`notices`) at once, without waiting for the pass. A batch whose
    notices have all ended is ended too."""
    if notices is None:
        notices = session.scalars(select(PublicNotice).where(PublicNotice.status == "running",
                                                             PublicNotice.last_day < today)
                                  .order_by(PublicNotice.id)).all()
    ended = [notice for notice in notices
             if notice.status == "running" and notice.last_day < today]
    certified = 0
    for notice in ended:
        if notice.undecided_objections:
            continue  # an officer decides first; the notice waits
        certificate = notice.certificate
        certificate.issued = notice.last_day + dt.timedelta(days=1)
        certificate.expires = review.expiry_date(session, certificate.tier, certificate.issued,
                                                 certificate.expires)
        certificate.number = next_number(session, certificate.tier, certificate.issued.year)
        review.move_certificate(session, certificate, "validate", None,
                                 number=certificate.number, notice_id=notice.id)
        notice.status, notice.concluded_on = "concluded", today
        review.notify(session, notice.firm_id, "certified", candidate=notice.candidate,
                      certificate=certificate, tier=certificate.tier, number=certificate.number,
                      issued=certificate.issued.isoformat(),
                      expires=certificate.expires.isoformat())
        session.flush()
        certified += 1
    _end_batches(session, {notice.batch_id for notice in ended} - {None}, today, actor)
    return certified


def _end_batches(session: Session, batch_ids: set[int], today: dt.date, actor) -> None:
    """Batches among `batch_ids` with no running notice left end today (audited)."""
    if not batch_ids:
        return
    still_running = (select(PublicNotice.id).where(PublicNotice.batch_id == NoticeBatch.id,
                                                   PublicNotice.status == "running").exists())
    for batch in session.scalars(select(NoticeBatch).where(
            NoticeBatch.id.in_(batch_ids), NoticeBatch.ended_on.is_(None), ~still_running)):
        batch.ended_on, batch.ended_by_id = today, getattr(actor, "id", None)
        audit.record(session, actor, "notice_batch_end", batch, number=batch.number,
                     tier=batch.tier, cycle=batch.cycle)


def notice_batches(session: Session, user, limit: int = 200) -> list[tuple[NoticeBatch, int]]:
    """The notice batches with a notice `user` sees, newest first, each with how many of its
    notices they see."""
    counts = (select(PublicNotice.batch_id, func.count().label("notices"))
              .join(Firm, Firm.id == PublicNotice.firm_id).where(firm_scope(user))
              .group_by(PublicNotice.batch_id).subquery())
    return list(session.execute(
        select(NoticeBatch, counts.c.notices).join(counts, counts.c.batch_id == NoticeBatch.id)
        .order_by(NoticeBatch.first_day.desc(), NoticeBatch.id.desc()).limit(limit)).all())


def batch_notices(session: Session, user, batch_id: int) -> list[PublicNotice]:
    """The notices of a batch that `user` sees, by firm name (none: the batch is not theirs)."""
    return list(session.scalars(
        select(PublicNotice).join(Firm, Firm.id == PublicNotice.firm_id)
        .where(PublicNotice.batch_id == batch_id, firm_scope(user))
        .order_by(Firm.name, PublicNotice.id)))


def end_notice_batch(session: Session, batch: NoticeBatch, notices: list[PublicNotice], actor,
                     today: dt.date) -> int:
    """An officer ends the notices of a batch whose period is over and issues their certificates
    now (the daily pass would do it tonight). Refused while the period runs; notices with an
    undecided objection wait for the decision. Returns how many certificates were issued."""
    if not batch.period_over(today):
        raise review.ReviewError(_l("This notice runs until %(day)s: it can be ended from the "
                                    "next day on.", day=batch.last_day.isoformat()))
    running = [notice for notice in notices if notice.status == "running"]
    if not running:
        raise review.ReviewError(_l("Every notice of this batch has ended already."))
    waiting = [notice for notice in running if notice.undecided_objections]
    certified = conclude_notices(session, today, running, actor)
    if waiting and not certified:
        raise review.ReviewError(_l("Decide the objections first: %(count)s notices wait for a "
                                    "decision.", count=len(waiting)))
    audit.record(session, actor, "notice_batch_issue", batch, number=batch.number,
                 certified=certified, waiting=len(waiting))
    return certified


def expire_certificates(session: Session, today: dt.date) -> int:
    """Valid certificates whose last day has passed become expired (set-based, audited)."""
    rows = session.execute(select(Certificate.id, Certificate.firm_id, Certificate.tier)
                           .where(Certificate.status == "valid", Certificate.expires < today)).all()
    if not rows:
        return 0
    now = utcnow()
    audit.record_rows(session, [
        {"at": now, "actor_id": None, "action": "certificate_expire", "object_type": "certificate",
         "object_id": row.id, "firm_id": row.firm_id,
         "details": {"from_status": "valid", "to_status": "expired", "tier": row.tier}}
        for row in rows])
    session.execute(update(Certificate).where(Certificate.id.in_([row.id for row in rows]))
                    .values(status="expired").execution_options(synchronize_session=False))
    return len(rows)


def next_number(session: Session, tier: str, year: int) -> str:
    """The next certificate number of `tier` for `year` in the bureau's format."""
    rules = settings.bureau(session)["certificates"]
    template = rules[tier]["number_format"]
    prefix = template.split("{seq", 1)[0].format(year=year, region=rules["region"])
    last = session.scalar(select(func.max(Certificate.number))
                          .where(Certificate.tier == tier, Certificate.number.like(f"{prefix}%")))
    sequence = int(last[len(prefix):]) + 1 if last and last[len(prefix):].isdigit() else 1
    return template.format(year=year, region=rules["region"], seq=sequence)


# --- Lists granted by the province -------------------------------------------------------------

IMPORT_COLUMNS = ("credit_code", "tier", "number", "issued", "expires")
# Header names accepted for each column (English ids or the province's Chinese headings).
HEADER_ALIASES = {
    "credit_code": ("credit_code", "统一社会信用代码", "信用代码"),
    "tier": ("tier", "类型", "层级", "认定类型"),
    "number": ("number", "证书编号", "编号", "登记编号"),
    "issued": ("issued", "发证日期", "认定日期", "发证时间"),
    "expires": ("expires", "有效期至", "到期日期", "截止日期"),
}
TIER_ALIASES = {"tech_sme": ("tech_sme", "科技型中小企业"),
                "hnte": ("hnte", "高新技术企业", "高企"),
                "gazelle": ("gazelle", "瞪羚企业", "瞪羚"),
                "leader": ("leader", "科技领军企业", "领军企业")}
MAX_IMPORT_ROWS = 20000


@dataclass
class ImportRow:
    row: int
    values: dict
    errors: list = field(default_factory=list)
    outcome: str = ""  # created, unchanged or error


def import_certificates(session: Session, officer, filename: str, data: bytes,
                        scope) -> CertificateImport:
    """Import a province's certificate list (CSV or XLSX) all or nothing.

    Every row is checked (credit code of a firm within `scope`, tier, number, dates, duplicates);
    if any row fails nothing is written, and the batch records the row-by-row report either way.
    A row already present with the same number is "unchanged", so a list imported twice adds
    nothing.
    """
    rows, file_error = read_table(filename, data)
    batch = CertificateImport(filename=filename[:255], uploaded_by_id=officer.id)
    if file_error is None:
        _check_rows(session, rows, scope)
    failed = file_error is not None or any(row.errors for row in rows)
    batch.status = "rejected" if failed else "applied"
    batch.rows = len(rows)
    if not failed:
        for row in rows:
            if row.outcome == "created":
                v = row.values
                session.add(Certificate(firm_id=v["firm_id"], tier=v["tier"], number=v["number"],
                                        issued=v["issued"], expires=v["expires"], status="valid"))
    batch.created = sum(row.outcome == "created" for row in rows) if not failed else 0
    batch.unchanged = sum(row.outcome == "unchanged" for row in rows) if not failed else 0
    batch.report = ([{"row": 0, "errors": [str(file_error)], "outcome": "error"}]
                    if file_error is not None else [_report(row) for row in rows])
    session.add(batch)
    session.flush()
    audit.record(session, officer, "certificate_import", batch, filename=batch.filename,
                 status=batch.status, rows=batch.rows, created=batch.created)
    return batch


def _report(row: ImportRow) -> dict:
    values = row.values
    return {"row": row.row, "credit_code": values.get("credit_code") or "",
            "number": values.get("number") or "", "tier": values.get("tier") or "",
            "outcome": row.outcome, "errors": [str(error) for error in row.errors]}


def read_table(filename: str, data: bytes) -> tuple[list[ImportRow], object | None]:
    """The rows of an uploaded CSV or XLSX keyed by IMPORT_COLUMNS, or a file-level error."""
    records, error = workbooks.read_records(filename, data, HEADER_ALIASES, IMPORT_COLUMNS,
                                            MAX_IMPORT_ROWS)
    return [ImportRow(number, values) for number, values in records], error


def _check_rows(session: Session, rows: list[ImportRow], scope) -> None:
    for row in rows:
        _parse_row(row)
    codes = {row.values["credit_code"] for row in rows if row.values["code_ok"]}
    firms = dict(session.execute(select(Firm.credit_code, Firm.id)
                                 .where(Firm.credit_code.in_(codes), scope)).all()) if codes else {}
    numbers = {row.values["number"] for row in rows if row.values.get("number")}
    existing = {number: (firm_id, tier) for number, firm_id, tier in session.execute(
        select(Certificate.number, Certificate.firm_id, Certificate.tier)
        .where(Certificate.number.in_(numbers)))} if numbers else {}
    seen: dict[str, int] = {}
    for row in rows:
        values = row.values
        firm_id = firms.get(values.get("credit_code"))
        if values["code_ok"] and firm_id is None:
            row.errors.append(_l("No firm with this credit code in your districts."))
        values["firm_id"] = firm_id
        number = values.get("number")
        if number in seen:
            row.errors.append(_l("Number %(number)s appears twice (also row %(row)s).",
                                 number=number, row=seen[number]))
        elif number:
            seen[number] = row.row
        if number in existing and existing[number] != (firm_id, values.get("tier")):
            row.errors.append(_l("Number %(number)s belongs to another firm or tier.",
                                 number=number))
        row.outcome = ("error" if row.errors else
                       "unchanged" if number in existing else "created")


def _parse_row(row: ImportRow) -> None:
    values, errors = row.values, row.errors
    formulas = [name for name, value in values.items()
                if value is workbooks.FORMULA_WITHOUT_VALUE]
    for name in formulas:
        errors.append(_l("%(column)s holds a formula without a computed value.", column=name))
        values[name] = None
    raw_code = str(values.get("credit_code") or "").strip().upper()
    values["credit_code"], values["code_ok"] = raw_code, False
    try:
        values["credit_code"], values["code_ok"] = normalise_credit_code(raw_code), True
    except CreditCodeError as error:
        errors.append(_l("The credit code %(code)s is not valid (%(why)s).",
                         code=raw_code or "—", why=str(error)))
    raw_tier = str(values.get("tier") or "").strip().lower()
    values["tier"] = next((tier for tier, names in TIER_ALIASES.items() if raw_tier in names), None)
    if values["tier"] not in TIERS:
        errors.append(_l("Unknown tier %(tier)s.", tier=raw_tier or "—"))
    values["number"] = str(values.get("number") or "").strip()[:64]
    if not values["number"]:
        errors.append(_l("The certificate number is missing."))
    for name in ("issued", "expires"):
        values[name] = cell_date(values.get(name))
        if values[name] is None:
            errors.append(_l("%(column)s is not a date (YYYY-MM-DD).", column=name))
    if values["issued"] and values["expires"] and values["issued"] > values["expires"]:
        errors.append(_l("The certificate expires before it is issued."))


# --- Expiry warnings ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ExpiryWarning:
    """A valid certificate the firm must renew soon, and when it can re-apply: `round` is "open"
    (this year's round is open until `closes`), "upcoming" (it opens on `opens` this year),
    "next_year" (this year's round is over; `opens`/`closes` are next year's when set) or "unset"
    (the bureau has not set this year's round dates)."""
    certificate: Certificate
    round: str
    opens: dt.date | None = None
    closes: dt.date | None = None


def expiry_warnings(session: Session, firm_id: int, today: dt.date,
                    flags: list[str] | tuple[str, ...] = ()) -> list[ExpiryWarning]:
    """The firm's valid certificates to renew, against the bureau's application rounds: a tech-SME
    registration expiring within the bureau's `expiry_warning_days`, and the HNTE certificate when
    the rules raised `hnte_renewal_due` (it expires by the end of this year)."""
    days = settings.bureau(session)["certificates"]["tech_sme"]["expiry_warning_days"]
    valid = [certificate for certificate in session.scalars(
        select(Certificate).where(Certificate.firm_id == firm_id).order_by(Certificate.expires.desc()))
        if certificate.is_valid_on(today)]
    due = [certificate for certificate in valid
           if certificate.tier == "tech_sme" and certificate.expires <= today + dt.timedelta(days=days)]
    hnte = [certificate for certificate in valid if certificate.tier == "hnte"]
    if "hnte_renewal_due" in flags and hnte:
        due.append(hnte[0])  # the certificate: the latest to expire
    rounds = {year: settings.round_dates(session, year) for year in (today.year, today.year + 1)}
    return [_warning(certificate, today, rounds) for certificate in due]


def _warning(certificate: Certificate, today: dt.date, rounds: dict) -> ExpiryWarning:
    this_year = rounds[today.year].get(certificate.tier)
    if this_year is None:
        return ExpiryWarning(certificate, "unset")
    opens, closes = this_year
    if opens <= today <= closes:
        return ExpiryWarning(certificate, "open", opens, closes)
    if today < opens:
        return ExpiryWarning(certificate, "upcoming", opens, closes)
    return ExpiryWarning(certificate, "next_year", *rounds[today.year + 1].get(certificate.tier, (None, None)))
