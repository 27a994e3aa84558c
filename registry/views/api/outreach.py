"""Outreach lists through the API: which lists exist, one list's firms (filters, keyset pages) and
its export (contact persons masked for readers without contacts:view, full exports audited)."""
from __future__ import annotations

import marshmallow as ma

from registry.auth.contacts import contact_cells
from registry.auth.permissions import Permission
from registry.extensions import db
from registry.figures import figure_json
from registry.models import FirmFlag
from registry.models.review import OUTREACH_STATUSES
from registry.rules import today_in_shanghai
from registry.services import outreach
from registry.services.outreach import OUTREACH_LISTS, OutreachFilters
from registry.views.api.core import (
    ApiProblem,
    Blueprint,
    FirmRowSchema,
    current_token,
    export_doc,
    keyset,
    list_args,
    needs,
    page_schema,
)
from registry.views.display import flag_detail
from registry.views.officer.export import contact_table_response

blp = Blueprint("api_outreach", __name__, description="Outreach lists per flag and incentive")

ROW_COLUMNS = ("firm_id", "credit_code", "name", "district", "industry_code", "detail",
               "saving", "status", "notes")
EXPORT_COLUMNS = ROW_COLUMNS + ("contact_name", "contact_phone", "contact_email")


class OutreachListSchema(ma.Schema):
    key = ma.fields.String(required=True)
    source = ma.fields.String(required=True, metadata={"enum": ["flag", "incentive"]})
    cycle = ma.fields.Integer(allow_none=True, required=True)
    firms = ma.fields.Integer(required=True)
    saving = ma.fields.String(allow_none=True, required=True, metadata={
        "description": "Estimated total saving, 万元 (incentive lists)"})


class OutreachListsSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(OutreachListSchema), required=True)


class OutreachFilterArgs(ma.Schema):
    cycle = ma.fields.Integer(validate=ma.validate.Range(min=2000, max=9999), metadata={
        "description": "Default the list's latest cycle"})
    district = ma.fields.String(validate=ma.validate.Length(max=32))
    industry = ma.fields.String(validate=ma.validate.Length(max=8))
    status = ma.fields.String(validate=ma.validate.OneOf(OUTREACH_STATUSES))
    q = ma.fields.String(validate=ma.validate.Length(max=100))
    sort = ma.fields.String(validate=ma.validate.OneOf(("saving", "gap", "raised")), metadata={
        "description": "saving (incentives), gap (near misses) or raised; default the list's own"})


OutreachPageArgs, OutreachExportArgs = list_args(OutreachFilterArgs, "Outreach")


class OutreachRowSchema(FirmRowSchema):
    industry_code = ma.fields.String(allow_none=True, required=True)
    detail = ma.fields.Dict(allow_none=True, required=True, metadata={
        "description": "The flag's detail (flag lists)"})
    saving = ma.fields.String(allow_none=True, required=True, metadata={
        "description": "Estimated saving, 万元 (incentive lists)"})
    status = ma.fields.String(required=True, metadata={"enum": list(OUTREACH_STATUSES)})
    notes = ma.fields.String(allow_none=True, required=True)


def _filters(list_key: str, args: dict) -> OutreachFilters:
    if list_key not in OUTREACH_LISTS:
        raise ApiProblem(404, "No such outreach list.")
    cycles = outreach.cycles(db.session, list_key)
    sorts = outreach.sorts(list_key)
    return OutreachFilters(
        list_key=list_key,
        cycle=args.get("cycle") or (cycles[0] if cycles else today_in_shanghai().year),
        district=args.get("district"), industry=(args.get("industry") or "").strip() or None,
        status=args.get("status"), q=(args.get("q") or "").strip() or None,
        sort=args["sort"] if args.get("sort") in sorts else sorts[0])


def _row(source, firm, entry, status, amount=figure_json) -> dict:
    """A firm of a list; the saving as an exact decimal string (JSON), or as `amount` makes it
    (an export keeps the Decimal, a number cell in a workbook)."""
    flag = isinstance(source, FirmFlag)
    return {"firm_id": firm.id, "credit_code": firm.credit_code, "name": firm.name,
            "district": firm.district, "industry_code": firm.industry_code,
            "detail": source.detail if flag else None,
            "saving": None if flag else amount(source.saving),
            "status": status, "notes": entry.notes if entry else None}


@blp.get("/outreach")
@needs("read", Permission.OUTREACH_VIEW)
@blp.response(200, OutreachListsSchema)
def list_outreach_lists():
    """The outreach lists with firms in the user's scope: latest cycle, firms, total saving."""
    found = outreach.summaries(db.session, current_token().user)
    return {"items": [{"key": key, "source": item.source,
                       "cycle": found[key].cycle if key in found else None,
                       "firms": found[key].firms if key in found else 0,
                       "saving": figure_json(found[key].saving) if key in found else None}
                      for key, item in OUTREACH_LISTS.items()]}


@blp.get("/outreach/<list_key>")
@needs("read", Permission.OUTREACH_VIEW)
@blp.arguments(OutreachPageArgs, location="query")
@blp.response(200, page_schema(OutreachRowSchema, "OutreachPage"))
def outreach_list(args, list_key: str):
    """One list's firms in the user's districts, filtered, a keyset page at a time."""
    query, keys, descending = outreach.ordered_query(current_token().user,
                                                     _filters(list_key, args))
    rows, cursor = keyset(query, keys, descending, args)
    return {"items": [_row(*row[:4]) for row in rows], "next_cursor": cursor}


@blp.get("/outreach/<list_key>/export")
@needs("read", Permission.OUTREACH_VIEW)
@blp.arguments(OutreachExportArgs, location="query")
@export_doc(blp)
def outreach_export(args, list_key: str):
    """The list with the same filters as a CSV or XLSX file, with contact persons (masked for a
    reader without contacts:view; a full export is audited)."""
    user = current_token().user
    filters = _filters(list_key, args)
    # A file for people: a flag's detail as the web export words it (the JSON pages keep the dict).
    rows = ([*[flag_detail(value) if isinstance(value, dict) else value
               for value in _row(*row[:4], amount=lambda saving: saving).values()],
             *contact_cells(user, row[1])]
            for row in outreach.list_rows(db.session, user, filters))
    return contact_table_response(f"outreach-{list_key}-{filters.cycle}", list(EXPORT_COLUMNS),
                                  rows, args["format"], export_name="outreach")
