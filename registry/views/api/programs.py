"""Program lists through the API (read only): a program year's list (R&D reward, R&D top-N) and
its entries within the user's scope, a keyset page at a time or as a CSV/XLSX file. Firms' bank
accounts stay in the payment export of the programs page; the API does not carry them."""
from __future__ import annotations

import marshmallow as ma
from sqlalchemy import select

from registry.auth.permissions import Permission
from registry.auth.scope import firm_scope
from registry.extensions import db
from registry.figures import figure_json
from registry.models import Firm, ProgramEntry
from registry.services import programs
from registry.views.api.core import (
    ApiProblem,
    Blueprint,
    FirmRowSchema,
    current_token,
    export_doc,
    export_response,
    keyset,
    list_args,
    needs,
    page_schema,
)

blp = Blueprint("api_programs", __name__, description="Program lists: R&D reward, R&D top-N")

PROGRAMS = ("rd_reward", "rd_top")
PROGRAM = "program"  # rd_reward or rd_top (any other answers 404)
YEAR = "int(min=2000, max=9999):year"
ENTRY_COLUMNS = ("firm_id", "credit_code", "name", "district", "revenue", "rd_expense",
                 "eligible", "failed", "rate", "entitlement", "award", "rank", "points",
                 "excluded", "exclusion_reason", "paid_at")
DECIMALS = ("revenue", "rd_expense", "rate", "entitlement", "award", "points")


class ProgramListSchema(ma.Schema):
    program = ma.fields.String(required=True, metadata={"enum": list(PROGRAMS)})
    year = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True)
    budget = ma.fields.String(allow_none=True, required=True, metadata={"description": "万元"})
    computed_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    decided_at = ma.fields.AwareDateTime(allow_none=True, required=True)
    notice_start = ma.fields.Date(allow_none=True, required=True)
    notice_end = ma.fields.Date(allow_none=True, required=True)


class EntryFilterArgs(ma.Schema):
    show = ma.fields.String(load_default="all",
                            validate=ma.validate.OneOf(("all", "eligible", "unknown", "excluded")))
    district = ma.fields.String(validate=ma.validate.Length(max=32))


EntryPageArgs, EntryExportArgs = list_args(EntryFilterArgs, "Entry")


class EntrySchema(FirmRowSchema):
    revenue = ma.fields.String(allow_none=True, required=True)
    rd_expense = ma.fields.String(allow_none=True, required=True)
    eligible = ma.fields.Boolean(allow_none=True, required=True)
    failed = ma.fields.List(ma.fields.String(), required=True)
    rate = ma.fields.String(allow_none=True, required=True)
    entitlement = ma.fields.String(allow_none=True, required=True)
    award = ma.fields.String(allow_none=True, required=True)
    rank = ma.fields.Integer(allow_none=True, required=True)
    points = ma.fields.String(allow_none=True, required=True)
    excluded = ma.fields.Boolean(required=True)
    exclusion_reason = ma.fields.String(allow_none=True, required=True)
    paid_at = ma.fields.AwareDateTime(allow_none=True, required=True)


def _list_or_404(program: str, year: int):
    lst = programs.program_list(db.session, program, year) if program in PROGRAMS else None
    if lst is None:
        raise ApiProblem(404, "No list of this program and year.")
    return lst


def _entries(lst, args: dict):
    query = (select(ProgramEntry, Firm).join(Firm, Firm.id == ProgramEntry.firm_id)
             .where(ProgramEntry.list_id == lst.id, firm_scope(current_token().user)))
    show = args["show"]
    if show == "unknown":
        query = query.where(ProgramEntry.eligible.is_(None))
    elif show in ("eligible", "excluded"):
        query = query.where(ProgramEntry.eligible.is_(True),
                            ProgramEntry.excluded.is_(show == "excluded"))
    if args.get("district"):
        query = query.where(ProgramEntry.district == args["district"])
    return query


def _row(entry: ProgramEntry, firm: Firm, amount=figure_json) -> dict:
    """An entry in ENTRY_COLUMNS order: amounts and shares as exact decimal strings (JSON), or
    as `amount` makes them (an export keeps the Decimals, number cells in a workbook)."""
    own = {"credit_code": firm.credit_code, "name": firm.name, "failed": list(entry.failed or [])}
    return {column: own[column] if column in own else amount(getattr(entry, column))
            if column in DECIMALS else getattr(entry, column) for column in ENTRY_COLUMNS}


@blp.get(f"/programs/<{PROGRAM}>/<{YEAR}>")
@needs("read", Permission.PROGRAMS_VIEW)
@blp.response(200, ProgramListSchema)
def get_program_list(program: str, year: int):
    """The program year's list: status (draft, approved, public notice, published), budget."""
    lst = _list_or_404(program, year)
    return {**{name: getattr(lst, name) for name in (
        "program", "year", "status", "computed_at", "decided_at", "notice_start", "notice_end")},
            "budget": figure_json(lst.budget)}


@blp.get(f"/programs/<{PROGRAM}>/<{YEAR}>/entries")
@needs("read", Permission.PROGRAMS_VIEW)
@blp.arguments(EntryPageArgs, location="query")
@blp.response(200, page_schema(EntrySchema, "ProgramEntryPage"))
def list_entries(args, program: str, year: int):
    """The list's firms in the user's scope (all, eligible, unknown or excluded), by firm."""
    lst = _list_or_404(program, year)
    rows, cursor = keyset(_entries(lst, args), (ProgramEntry.firm_id,), False, args)
    return {"items": [_row(row[0], row[1]) for row in rows], "next_cursor": cursor}


@blp.get(f"/programs/<{PROGRAM}>/<{YEAR}>/entries/export")
@needs("read", Permission.PROGRAMS_VIEW)
@blp.arguments(EntryExportArgs, location="query")
@export_doc(blp)
def export_entries(args, program: str, year: int):
    """The same entries as a CSV or XLSX file (formula-safe; no bank accounts)."""
    lst = _list_or_404(program, year)
    query = _entries(lst, args).order_by(ProgramEntry.firm_id)
    rows = ([value if not isinstance(value, list) else " ".join(value)
             for value in _row(entry, firm, amount=lambda value: value).values()]
            for entry, firm in db.session.execute(query))
    return export_response(f"{program}-{year}", ENTRY_COLUMNS, rows, args["format"])
