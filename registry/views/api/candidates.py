"""Candidates through the API: the officers' queue (filters, keyset pages, export), one candidate
with its explained verdict, and decisions with reasons through the review state machine
(registry/services/review.py), as on the candidate's page."""
from __future__ import annotations

import marshmallow as ma
from werkzeug.datastructures import MultiDict

from registry.auth.permissions import Permission
from registry.extensions import db
from registry.forms.officer import REASON_MAX, DecisionForm
from registry.models import Firm
from registry.models.candidate import CANDIDATE_STATUSES
from registry.models.certificate import TIERS
from registry.rules import today_in_shanghai
from registry.services import directory, evaluation, review
from registry.services.directory import QUEUE_SORTS, QueueFilters
from registry.views.api.core import (
    ApiProblem,
    Blueprint,
    current_token,
    export_doc,
    export_response,
    keyset,
    list_args,
    needs,
    page_schema,
)
from registry.views.officer import FLAG_LABELS

blp = Blueprint("api_candidates", __name__,
                description="Candidates: the review queue, explanations, decisions")

COLUMNS = ("id", "firm_id", "firm_name", "credit_code", "tier", "cycle", "status", "district",
           "industry_code", "assigned_to_id", "deferred_until", "opened_at", "updated_at")


class CandidateFilterArgs(ma.Schema):
    cycle = ma.fields.Integer(validate=ma.validate.Range(min=2000, max=9999), metadata={
        "description": "The scan cycle (year); default the latest"})
    status = ma.fields.String(load_default="open",
                              validate=ma.validate.OneOf((*CANDIDATE_STATUSES, "all")))
    tier = ma.fields.String(validate=ma.validate.OneOf(TIERS))
    district = ma.fields.String(validate=ma.validate.Length(max=32))
    industry = ma.fields.String(validate=ma.validate.Length(max=8))
    flag = ma.fields.String(validate=ma.validate.OneOf(tuple(FLAG_LABELS)),
                            metadata={"description": "The firm has this open flag"})
    scan = ma.fields.Integer(validate=ma.validate.Range(min=1, max=2**31 - 1),
                             metadata={"description": "Opened by this scan"})
    assigned = ma.fields.String(validate=ma.validate.OneOf(("me", "none")))
    q = ma.fields.String(validate=ma.validate.Length(max=100))
    sort = ma.fields.String(load_default="newest", validate=ma.validate.OneOf(tuple(QUEUE_SORTS)))


CandidateListArgs, CandidateExportArgs = list_args(CandidateFilterArgs, "Candidate")


class CandidateSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    firm_id = ma.fields.Integer(required=True)
    firm_name = ma.fields.String(required=True)
    credit_code = ma.fields.String(allow_none=True, required=True)
    tier = ma.fields.String(required=True, metadata={"enum": list(TIERS)})
    cycle = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True, metadata={"enum": list(CANDIDATE_STATUSES)})
    district = ma.fields.String(allow_none=True, required=True)
    industry_code = ma.fields.String(allow_none=True, required=True)
    assigned_to_id = ma.fields.Integer(allow_none=True, required=True)
    deferred_until = ma.fields.Date(allow_none=True, required=True)
    opened_at = ma.fields.AwareDateTime(required=True)
    updated_at = ma.fields.AwareDateTime(required=True)


class CandidateDetailSchema(CandidateSchema):
    decisions = ma.fields.List(ma.fields.String(), required=True, metadata={
        "description": "The decisions open now (start_review, approve, reject, return, defer)"})
    explanation = ma.fields.Dict(allow_none=True, required=True, metadata={
        "description": "The tier verdict the candidate was opened with, criteria explained"})


class DecisionBody(ma.Schema):
    decision = ma.fields.String(required=True,
                                validate=ma.validate.OneOf(review.OFFICER_DECISIONS))
    reason = ma.fields.String(load_default="", validate=ma.validate.Length(max=REASON_MAX),
                              metadata={"description": "Required to reject or return; the firm "
                                                       "reads it"})
    valid_until = ma.fields.Date(metadata={"description": "approve: for registrations without "
                                                          "a fixed validity"})
    until = ma.fields.Date(metadata={"description": "defer: the day it opens again"})
    filing_year = ma.fields.Integer(validate=ma.validate.Range(min=1, max=9999), metadata={
        "description": "return: the submitted filing sent back"})


def _filters(args: dict) -> QueueFilters:
    cycles = directory.cycles(db.session)
    status = args["status"]
    return QueueFilters(
        cycle=args.get("cycle") or (cycles[0] if cycles else None),
        status=None if status == "all" else status, tier=args.get("tier"),
        district=args.get("district"), industry=(args.get("industry") or "").strip() or None,
        flag=args.get("flag"), scan=args.get("scan"), assigned=args.get("assigned"),
        q=(args.get("q") or "").strip() or None, sort=args["sort"])


def _row(candidate, firm_name: str, credit_code: str | None) -> dict:
    return {**{column: getattr(candidate, column) for column in COLUMNS
               if column not in ("firm_name", "credit_code")},
            "firm_name": firm_name, "credit_code": credit_code}


def _scoped(candidate_id: int):
    candidate = directory.scoped_candidate_or_none(db.session, current_token().user, candidate_id)
    if candidate is None:
        raise ApiProblem(404, "No such candidate.")
    return candidate


def _detail(candidate, lang: str = "zh") -> dict:
    firm = db.session.get(Firm, candidate.firm_id)
    explanation = None
    if candidate.verdict and "snapshot" in candidate.verdict:
        explanation = evaluation.candidate_tier_result(candidate.verdict, firm.identifier, lang)
    return {**_row(candidate, firm.name, firm.credit_code),
            "decisions": [t.name for t in review.officer_choices(candidate)],
            "explanation": explanation}


@blp.get("/candidates")
@needs("read", Permission.CANDIDATES_VIEW)
@blp.arguments(CandidateListArgs, location="query")
@blp.response(200, page_schema(CandidateSchema, "CandidatePage"))
def list_candidates(args):
    """The review queue of the token user's districts: open candidates of the latest cycle by
    default, filtered as on the queue page, a keyset page at a time."""
    keys, descending = QUEUE_SORTS[args["sort"]]
    query = directory.queue_query(current_token().user, _filters(args))
    rows, cursor = keyset(query, keys, descending, args)
    return {"items": [_row(row[0], row[1], row[2]) for row in rows], "next_cursor": cursor}


@blp.get("/candidates/export")
@needs("read", Permission.CANDIDATES_VIEW)
@blp.arguments(CandidateExportArgs, location="query")
@export_doc(blp)
def export_candidates(args):
    """The queue with the same filters as a CSV or XLSX file (formula-safe)."""
    filters = _filters(args)
    keys, descending = QUEUE_SORTS[args["sort"]]
    query = directory.queue_query(current_token().user, filters).order_by(
        *[key.desc() if descending else key.asc() for key in keys])
    rows = ([_row(*row)[column] for column in COLUMNS] for row in db.session.execute(query))
    return export_response(f"candidates-{filters.cycle or 'all'}", COLUMNS, rows, args["format"])


@blp.get("/candidates/<int:candidate_id>")
@needs("read", Permission.CANDIDATES_VIEW)
@blp.etag
@blp.response(200, CandidateDetailSchema)
def get_candidate(candidate_id: int):
    """One candidate, the decisions open now and its explained verdict."""
    return _detail(_scoped(candidate_id))


@blp.post("/candidates/<int:candidate_id>/decisions")
@needs("decide", Permission.CANDIDATES_DECIDE)
@blp.arguments(DecisionBody)
@blp.response(200, CandidateDetailSchema)
def decide(body, candidate_id: int):
    """An officer's decision, through the same state machine as the candidate's page: 409 when
    the candidate's status does not allow it; a reason is required to reject or return."""
    candidate = _scoped(candidate_id)
    name = body["decision"]
    form = DecisionForm(formdata=MultiDict({
        key: str(body[key]) for key in ("reason", "valid_until", "until", "filing_year")
        if body.get(key) not in (None, "")}), meta={"csrf": False})
    form.validate()
    if review.CANDIDATE_TRANSITIONS[name].reason_required and not (form.reason.data or "").strip():
        raise ApiProblem(422, "A reason is required.",
                         [{"in": "body", "field": "reason", "detail": "A reason is required."}])
    try:
        review.decide(db.session, candidate, current_token().user, name,
                      today=today_in_shanghai(), reason=form.reason.data,
                      valid_until=form.valid_until.data, until=form.until.data,
                      filing_year=form.filing_year.data)
    except review.ReviewError as error:
        db.session.rollback()
        raise ApiProblem(409, str(error.message)) from None
    db.session.commit()
    return _detail(_scoped(candidate_id))
