"""Going live (issue 14, item 6): the bureau's firm roster imported from CSV (UTF-8 or GBK) or
XLSX, all or nothing like the official imports, creating the firms and inviting each contact
through the existing invitation (`onboarding.invite`: a single-use link valid 7 days, mailed).

Columns (header row, in this order or any order): credit_code, name, district, industry_code,
founded, contact_name, contact_email. A firm already registered under the row's credit code is
left as it is and not invited again ("unchanged"), so a roster imported twice adds nothing.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from registry.auth.scope import may_see_district
from registry.creditcode import CreditCodeError, normalise_credit_code
from registry.models import District, Firm, OfficialImport, User
from registry.models.base import utcnow
from registry.models.user import normalise_email
from registry.rules import today_in_shanghai
from registry.services import audit, onboarding, workbooks
from registry.services.workbooks import cell_date

COLUMNS = ("credit_code", "name", "district", "industry_code", "founded", "contact_name",
           "contact_email")
HEADER_ALIASES = {
    "credit_code": ("credit_code", "统一社会信用代码", "信用代码"),
    "name": ("name", "企业名称", "名称"),
    "district": ("district", "区县", "区县代码"),
    "industry_code": ("industry_code", "行业代码"),
    "founded": ("founded", "成立日期"),
    "contact_name": ("contact_name", "联系人"),
    "contact_email": ("contact_email", "联系人邮箱", "邮箱"),
}
MAX_ROWS = 5000
INDUSTRY_CODE = re.compile(r"[A-T](\d{2,4})?")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass
class RosterRow:
    row: int
    values: dict
    errors: list = field(default_factory=list)
    existing: bool = False


def read_roster(filename: str, data: bytes) -> tuple[list[RosterRow], object | None]:
    records, error = workbooks.read_records(filename, data, HEADER_ALIASES, COLUMNS, MAX_ROWS)
    return [parse_roster_row(number, values) for number, values in records], error


def parse_roster_row(number: int, raw: dict) -> RosterRow:
    """One roster row's values, checked without the database."""
    row = RosterRow(number, {})
    values, errors = row.values, row.errors
    for name, value in raw.items():
        if value is workbooks.FORMULA_WITHOUT_VALUE:
            errors.append(_l("%(column)s holds a formula without a computed value.", column=name))
    code = workbooks.cell_text(raw.get("credit_code")).upper()
    try:
        values["credit_code"] = normalise_credit_code(code)
    except CreditCodeError as error:
        values["credit_code"] = code
        errors.append(_l("The credit code %(code)s is not valid (%(why)s).", code=code or "—",
                         why=str(error)))
    values["name"] = workbooks.cell_text(raw.get("name"))[:200]
    if not values["name"]:
        errors.append(_l("%(column)s is missing.", column="name"))
    values["district"] = workbooks.cell_text(raw.get("district")).lower()
    industry = workbooks.cell_text(raw.get("industry_code")).upper()
    values["industry_code"] = industry or None
    if industry and not INDUSTRY_CODE.fullmatch(industry):
        errors.append(_l("The industry code %(code)s is not a letter and 2 to 4 digits (GB/T 4754).",
                         code=industry))
    founded = raw.get("founded")
    values["founded"] = cell_date(founded)
    if values["founded"] is None:
        errors.append(_l("%(column)s is not a date (YYYY-MM-DD).", column="founded"))
    elif values["founded"] > today_in_shanghai():
        errors.append(_l("The founding date is in the future."))
    values["contact_name"] = workbooks.cell_text(raw.get("contact_name"))[:100]
    if not values["contact_name"]:
        errors.append(_l("%(column)s is missing.", column="contact_name"))
    values["contact_email"] = normalise_email(workbooks.cell_text(raw.get("contact_email")))
    if not EMAIL.fullmatch(values["contact_email"]) or len(values["contact_email"]) > 254:
        errors.append(_l("%(column)s %(value)s is not an e-mail address.", column="contact_email",
                         value=values["contact_email"] or "—"))
    return row


def import_roster(session: Session, actor, filename: str, data: bytes,
                  locale: str | None = None) -> OfficialImport:
    """Check every row, then (no row bad) create the new firms in one INSERT and invite each new
    firm's contact as its first user (a firm admin). Flushes, never commits."""
    record = OfficialImport(kind="roster", filename=filename[:255],
                            digest=hashlib.sha256(data).hexdigest(), status="running",
                            uploaded_by_id=getattr(actor, "id", None))
    session.add(record)
    rows, file_error = read_roster(filename, data)
    if file_error is None:
        _check(session, actor, rows)
    record.rows = record.checked = len(rows)
    bad = [row for row in rows if row.errors]
    if file_error is not None or bad:
        record.status = "rejected"
        with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
            record.report = ([{"row": 0, "credit_code": "", "errors": [str(file_error)]}]
                             if file_error is not None else
                             [{"row": row.row, "credit_code": row.values.get("credit_code", ""),
                               "errors": [str(error) for error in row.errors]} for row in bad])
    else:
        new = [row for row in rows if not row.existing]
        _create(session, actor, new)
        record.status, record.report = "applied", []
        record.created, record.unchanged = len(new), len(rows) - len(new)
    record.finished_at = utcnow()
    session.flush()
    audit.record(session, actor, "roster_import", record, filename=record.filename,
                 status=record.status, rows=record.rows, created=record.created,
                 errors=len(record.report))
    return record


def _check(session: Session, actor, rows: list[RosterRow]) -> None:
    codes = {row.values["credit_code"] for row in rows}
    emails = {row.values["contact_email"] for row in rows}
    existing = set(session.scalars(select(Firm.credit_code).where(Firm.credit_code.in_(codes))))
    accounts = set(session.scalars(select(User.email).where(User.email.in_(emails))))
    districts = {code for code, in session.execute(select(District.code).where(District.active))}
    seen_codes: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    for row in rows:
        values = row.values
        code, email = values["credit_code"], values["contact_email"]
        if code in seen_codes:
            row.errors.append(_l("The same credit code as row %(row)s.", row=seen_codes[code]))
        seen_codes.setdefault(code, row.row)
        if email in seen_emails:
            row.errors.append(_l("The same contact e-mail as row %(row)s.", row=seen_emails[email]))
        seen_emails.setdefault(email, row.row)
        row.existing = code in existing
        if values["district"] not in districts or not may_see_district(actor, values["district"]):
            row.errors.append(_l("%(district)s is not one of your districts.",
                                 district=values["district"] or "—"))
        if not row.existing and email in accounts:
            row.errors.append(_l("%(email)s already has an account.", email=email))


def _create(session: Session, actor, rows: list[RosterRow]) -> None:
    if not rows:
        return
    session.execute(insert(Firm), [
        {"credit_code": row.values["credit_code"], "name": row.values["name"],
         "district": row.values["district"], "industry_code": row.values["industry_code"],
         "founded": row.values["founded"], "contact_name": row.values["contact_name"],
         "contact_email": row.values["contact_email"], "status": "active"} for row in rows])
    firms = {firm.credit_code: firm for firm in session.scalars(
        select(Firm).where(Firm.credit_code.in_([row.values["credit_code"] for row in rows])))}
    for row in rows:
        firm = firms[row.values["credit_code"]]
        audit.record(session, actor, "firm_created", firm, credit_code=firm.credit_code,
                     name=firm.name)
        onboarding.invite(session, firm, row.values["contact_email"], actor, is_firm_admin=True)
