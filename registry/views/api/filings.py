"""Annual filings through the API: read a firm's filings; a firm's token saves and submits its own
drafts through the same form validation (registry/forms/filing.py) and the same service
(registry/services/filings.py) as the web form, field errors answered as problem details."""
from __future__ import annotations

import marshmallow as ma
from flask import abort
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from registry.auth.permissions import Permission
from registry.extensions import db
from registry.figures import ORDERED, figure_json, warning_message
from registry.forms.filing import FilingForm
from registry.models import Filing
from registry.models.filing import FILING_STATUSES
from registry.services import filings
from registry.services.filings import FilingError
from registry.views.api.core import ApiProblem, Blueprint, current_token, needs
from registry.views.api.firms import scoped_firm

blp = Blueprint("api_filings", __name__, description="Annual filings: read; firms save and submit")

FIGURE_VALUE = {"type": ["string", "number", "boolean", "null"]}


class WarningSchema(ma.Schema):
    id = ma.fields.String(required=True)
    detail = ma.fields.String(required=True)


class FilingSchema(ma.Schema):
    firm_id = ma.fields.Integer(required=True)
    fiscal_year = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True, metadata={"enum": list(FILING_STATUSES)})
    revision = ma.fields.Integer(required=True, metadata={
        "description": "Send it back to refuse a save over a colleague's newer revision"})
    submitted_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    accepted_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    officer_comment = ma.fields.String(allow_none=True, required=True)
    figures = ma.fields.Dict(required=True, metadata={
        "description": "Figure name -> exact decimal string (万元, headcounts), a boolean for "
                       "yes/no figures, or null"})
    warnings = ma.fields.List(ma.fields.Nested(WarningSchema), required=True)


class FilingListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(FilingSchema), required=True)


class FiguresBody(ma.Schema):
    figures = ma.fields.Dict(keys=ma.fields.String(validate=ma.validate.OneOf(ORDERED)),
                             load_default=dict, metadata={
        "description": "Figure name -> value (a decimal as a string or number, yes/no as a "
                       "boolean, null to clear). Figures not sent keep their value.",
        "additionalProperties": FIGURE_VALUE})
    revision = ma.fields.Integer(validate=ma.validate.Range(min=0, max=2**31 - 1), metadata={
        "description": "The revision the figures were based on (409 if the filing moved on)"})


class SubmitBody(FiguresBody):
    confirm = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=64)),
                             load_default=list, metadata={
        "description": "Ids of the plausibility warnings confirmed"})


YEAR = "<int(min=1, max=9999):year>"


def _shown(record: Filing) -> dict:
    warnings = filings.warnings_for(db.session, record, record.figures())
    return {"firm_id": record.firm_id, "fiscal_year": record.fiscal_year, "status": record.status,
            "revision": record.revision, "submitted_at": record.submitted_at,
            "accepted_at": record.accepted_at, "officer_comment": record.officer_comment,
            "figures": {name: figure_json(value) for name, value in record.figures().items()},
            "warnings": [{"id": w["id"], "detail": warning_message(w)} for w in warnings]}


def _existing(firm_id: int, year: int) -> Filing:
    firm = scoped_firm(firm_id)
    record = filings.get_filing(db.session, firm, year)
    if record is None:
        raise ApiProblem(404, "No filing of this year.")
    return record


@blp.get("/firms/<int:firm_id>/filings")
@needs("read")
@blp.response(200, FilingListSchema)
def list_filings(firm_id: int):
    """The firm's filings, latest year first."""
    firm = scoped_firm(firm_id)
    rows = db.session.scalars(select(Filing).where(Filing.firm_id == firm.id)
                              .order_by(Filing.fiscal_year.desc()))
    return {"items": [_shown(row) for row in rows]}


@blp.get(f"/firms/<int:firm_id>/filings/{YEAR}")
@needs("read")
@blp.etag
@blp.response(200, FilingSchema)
def get_filing(firm_id: int, year: int):
    """One filing with its figures and its plausibility warnings."""
    return _shown(_existing(firm_id, year))


def _editable(firm_id: int, year: int):
    """The firm's filing of `year` locked for the change, or a new draft (404 outside the years
    it may file: founding year to last year, as on the web)."""
    firm = scoped_firm(firm_id)
    if year not in filings.fiscal_years(firm):
        abort(404)
    return (filings.get_filing(db.session, firm, year, lock=True)
            or filings.new_filing(db.session, firm, year))


def _form(record: Filing, body: dict, action: str) -> FilingForm:
    """The web form filled from the body over the stored figures, validated as on the web."""
    def typed(value) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "yes" if value else "no"
        return str(value)
    formdata = MultiDict([(name, typed(value)) for name, value in body["figures"].items()])
    formdata["action"] = action
    form = FilingForm(formdata=formdata, obj=record, meta={"csrf": False})
    if not form.validate():
        errors = [{"in": "body", "field": f"figures.{field.name}", "detail": str(message)}
                  for field in form.figure_fields() for message in field.errors]
        raise ApiProblem(422, "Some figures are not valid.", errors)
    return form


def _refused(error: FilingError):
    db.session.rollback()
    if isinstance(error, filings.InvalidFigures):
        return ApiProblem(422, str(error.message), [
            {"in": "body", "field": f"figures.{name}", "detail": str(message)}
            for name, message in error.errors.items()])
    if isinstance(error, filings.UnconfirmedWarnings):
        return ApiProblem(422, str(error.message), [
            {"in": "body", "field": "confirm", "detail": f"{w['id']}: {warning_message(w)}"}
            for w in error.warnings])
    if isinstance(error, filings.NotAllowed):
        return ApiProblem(403, str(error.message))
    return ApiProblem(409, str(error.message))


@blp.put(f"/firms/<int:firm_id>/filings/{YEAR}")
@needs("file", Permission.PORTAL_USE)
@blp.arguments(FiguresBody)
@blp.response(200, FilingSchema)
def save_filing(body, firm_id: int, year: int):
    """Save figures into the firm's draft (created when the year has none) or returned filing;
    figures not sent keep their value. The same checks as the web form."""
    record = _editable(firm_id, year)
    form = _form(record, body, "save")
    sent = {name: value for name, value in form.figures().items() if name in body["figures"]}
    try:
        filings.save_draft(db.session, record, current_token().user, sent,
                           action="api", expected_revision=body.get("revision"))
    except FilingError as error:
        raise _refused(error) from None
    db.session.commit()
    return _shown(record)


@blp.post(f"/firms/<int:firm_id>/filings/{YEAR}/submit")
@needs("file", Permission.PORTAL_USE)
@blp.arguments(SubmitBody)
@blp.response(200, FilingSchema)
def submit_filing(body, firm_id: int, year: int):
    """Submit the filing (with any last figures): complete, consistent, every plausibility
    warning confirmed; read-only until an officer returns it."""
    record = _editable(firm_id, year)
    form = _form(record, body, "submit")
    try:
        filings.submit(db.session, record, current_token().user, form.figures(),
                       confirmed=body["confirm"], expected_revision=body.get("revision"))
    except FilingError as error:
        raise _refused(error) from None
    db.session.commit()
    return _shown(record)

