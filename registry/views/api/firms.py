"""Firms: the directory's search and filters, keyset pages, the export, and one firm's detail with
its current facts (the rules' §7 input) and its ladder (the explained verdicts, as `rules check`
writes them)."""
from __future__ import annotations

import json

import marshmallow as ma
from flask import Response
from sqlalchemy import select

from registry.auth.contacts import contact_cells
from registry.auth.permissions import Permission
from registry.auth.scope import firm_scope
from registry.extensions import db
from registry.models import Firm
from registry.models.certificate import TIERS
from registry.models.firm import FIRM_STATUSES
from registry.rules import today_in_shanghai
from registry.rules.jsonout import dumps
from registry.services import directory, evaluation, facts
from registry.services.directory import DIRECTORY_SORTS, DirectoryFilters
from registry.views.api.core import (
    Blueprint,
    current_token,
    export_doc,
    keyset,
    list_args,
    needs,
    page_schema,
    problem,
)
from registry.views.officer.export import contact_table_response
from registry.views.portal.ladder import for_the_firm

blp = Blueprint("api_firms", __name__, description="Firms: the directory, details, ladders")

LIST_COLUMNS = ("id", "credit_code", "name", "district", "industry_code", "status", "founded",
                "deregistered_on")
CONTACT_COLUMNS = ("contact_name", "contact_phone", "contact_email")
EXPORT_COLUMNS = LIST_COLUMNS + CONTACT_COLUMNS


class FirmFilterArgs(ma.Schema):
    q = ma.fields.String(validate=ma.validate.Length(max=100),
                         metadata={"description": "Part of the name, or the credit code's start"})
    district = ma.fields.String(validate=ma.validate.Length(max=32))
    industry = ma.fields.String(validate=ma.validate.Length(max=8), metadata={
        "description": "A GB/T 4754 section letter (C) or a code prefix (C39)"})
    status = ma.fields.String(validate=ma.validate.OneOf(FIRM_STATUSES))
    holds = ma.fields.String(validate=ma.validate.OneOf(TIERS), metadata={
        "description": "Holds a valid certificate of this tier today"})
    sort = ma.fields.String(load_default="name", validate=ma.validate.OneOf(tuple(DIRECTORY_SORTS)))


FirmListArgs, FirmExportArgs = list_args(FirmFilterArgs, "Firm")


class FirmSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    credit_code = ma.fields.String(allow_none=True, required=True)
    name = ma.fields.String(required=True)
    district = ma.fields.String(required=True)
    industry_code = ma.fields.String(allow_none=True, required=True)
    status = ma.fields.String(required=True, metadata={"enum": list(FIRM_STATUSES)})
    founded = ma.fields.Date(required=True)
    deregistered_on = ma.fields.Date(allow_none=True, required=True)


class FirmDetailSchema(FirmSchema):
    contact_name = ma.fields.String(allow_none=True, required=True)
    contact_phone = ma.fields.String(allow_none=True, required=True)
    contact_email = ma.fields.String(allow_none=True, required=True)
    facts = ma.fields.Dict(allow_none=True, required=True, metadata={
        "description": "The firm's current facts in the rules' input shape (rules.md §7); "
                       "null once deregistered"})


class LadderSchema(ma.Schema):
    pending = ma.fields.Boolean(required=True, metadata={
        "description": "A re-evaluation is due: the result explains the newer facts"})
    evaluated_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    as_of = ma.fields.Date(allow_none=True, required=True)
    result = ma.fields.Dict(allow_none=True, required=True, metadata={
        "description": "The firm's entry as `rules check` prints it (tiers with explained "
                       "criteria, flags, incentives, next step); null if never evaluated"})


def _filters(args: dict) -> DirectoryFilters:
    return DirectoryFilters(district=args.get("district"), industry=args.get("industry"),
                            status=args.get("status"), holds=args.get("holds"),
                            q=(args.get("q") or "").strip() or None, sort=args["sort"])


def scoped_firm(firm_id: int) -> Firm:
    """The firm if the token's user sees it, else 404 (its existence is not revealed)."""
    firm = db.session.scalar(select(Firm).where(Firm.id == firm_id,
                                                firm_scope(current_token().user)))
    if firm is None:
        problem(404, "No such firm.")
    return firm


@blp.get("/firms")
@needs("read", Permission.FIRMS_VIEW)
@blp.arguments(FirmListArgs, location="query")
@blp.response(200, page_schema(FirmSchema, "FirmPage"))
def list_firms(args):
    """The directory: firms in the token user's districts that count today, filtered, a keyset
    page at a time (sort by name or newest first)."""
    keys, descending = DIRECTORY_SORTS[args["sort"]]
    query = select(Firm).where(*directory.directory_conditions(
        current_token().user, _filters(args), today_in_shanghai()))
    rows, cursor = keyset(query, keys, descending, args)
    return {"items": [row[0] for row in rows], "next_cursor": cursor}


@blp.get("/firms/export")
@needs("read", Permission.FIRMS_VIEW)
@blp.arguments(FirmExportArgs, location="query")
@export_doc(blp)
def export_firms(args):
    """The directory with the same filters as a CSV or XLSX file (formula-safe). Contact persons
    are masked for a reader without contacts:view; an export with them in full is audited."""
    user = current_token().user
    firms = directory.directory_rows(db.session, user, _filters(args), today_in_shanghai())
    rows = ([getattr(firm, column) for column in LIST_COLUMNS] + contact_cells(user, firm)
            for firm in firms)
    return contact_table_response("firms", list(EXPORT_COLUMNS), rows, args["format"],
                                  export_name="directory")


@blp.get("/firms/<int:firm_id>")
@needs("read")
@blp.etag
@blp.response(200, FirmDetailSchema)
def get_firm(firm_id: int):
    """One firm with its contact (masked for a reader without contacts:view) and its current
    facts. A firm's token reads its own firm."""
    firm = scoped_firm(firm_id)
    today = today_in_shanghai()
    entry = facts.firm_facts(db.session, firm, today) \
        if firm.deregistered_on is None or firm.deregistered_on > today else None
    user = current_token().user
    # A firm reads its own contact as it gave it; the bureau's readers as auth.contacts says.
    contact = (firm.contact_name, firm.contact_phone, firm.contact_email) \
        if user.role == "firm" else contact_cells(user, firm)
    return {**{column: getattr(firm, column) for column in LIST_COLUMNS},
            **{column: value or None for column, value in zip(CONTACT_COLUMNS, contact)},
            "facts": _plain(entry)}


class LadderArgs(ma.Schema):
    lang = ma.fields.String(load_default="zh", validate=ma.validate.OneOf(("zh", "en")),
                            metadata={"description": "The language of the explanations"})


@blp.get("/firms/<int:firm_id>/ladder")
@needs("read")
@blp.arguments(LadderArgs, location="query")
@blp.response(200, LadderSchema)
def get_ladder(args, firm_id: int):
    """The firm's current verdict explained, as `rules check` prints a firm (exact decimals as
    JSON numbers), and whether a re-evaluation is pending. A firm's token reads it as the firm's
    own ladder page shows it."""
    firm = scoped_firm(firm_id)
    state = evaluation.ladder(db.session, firm.id, args["lang"])
    result = state["result"]
    if current_token().user.role == "firm":
        result = for_the_firm(result)
    body = {"pending": state["pending"],
            "evaluated_at": state["evaluated_at"].isoformat() if state["evaluated_at"] else None,
            "as_of": state["as_of"].isoformat() if state["as_of"] else None,
            "result": result}
    return Response(dumps(body), mimetype="application/json")


def _plain(value):
    """The facts entry with exact decimals as JSON numbers (as `facts export` writes them)."""
    return None if value is None else json.loads(dumps(value, indent=None))
