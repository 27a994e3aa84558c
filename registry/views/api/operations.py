"""Certificates, indicators, scans and what-if runs through the API: read within the token
user's scope; start a scan or a what-if run (the `decide` scope: an officer's action) through the
same services as the pages, then poll its status and read its results."""
from __future__ import annotations

import datetime as dt

import marshmallow as ma
from sqlalchemy import select

from registry.auth.permissions import Permission
from registry.auth.scope import may_see_district, sees_every_district, visible_district_codes
from registry.extensions import db
from registry.models import Certificate, District, Scan, Scenario, WhatifRun
from registry.models.certificate import TIERS
from registry.rules import today_in_shanghai
from registry.rules.params import ParameterError
from registry.services import whatif
from registry.services.indicators import CITY_SCOPE, Figures, compute
from registry.services.scans import start_full_scan
from registry.views.api.core import (
    ApiProblem,
    Blueprint,
    PageArgs,
    current_token,
    keyset,
    needs,
    page_schema,
)
from registry.views.api.firms import scoped_firm
from registry.views.scans import scan_json
from registry.views.whatif import run_json

blp = Blueprint("api_operations", __name__,
                description="Certificates, indicators, scans and what-if runs")


# --- Certificates --------------------------------------------------------------------------------

class CertificateSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    firm_id = ma.fields.Integer(required=True)
    tier = ma.fields.String(required=True, metadata={"enum": list(TIERS)})
    number = ma.fields.String(allow_none=True, required=True)
    issued = ma.fields.Date(required=True)
    expires = ma.fields.Date(required=True)
    status = ma.fields.String(required=True)


class CertificateListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CertificateSchema), required=True)


@blp.get("/firms/<int:firm_id>/certificates")
@needs("read")
@blp.response(200, CertificateListSchema)
def firm_certificates(firm_id: int):
    """The firm's certificates (every status), latest expiry first."""
    firm = scoped_firm(firm_id)
    rows = db.session.scalars(select(Certificate).where(Certificate.firm_id == firm.id)
                              .order_by(Certificate.expires.desc(), Certificate.id.desc()))
    return {"items": list(rows)}


# --- Indicators ----------------------------------------------------------------------------------

class IndicatorArgs(ma.Schema):
    as_of = ma.fields.Date(metadata={"description": "Default today (Asia/Shanghai)"})
    district = ma.fields.String(validate=ma.validate.Length(max=32), metadata={
        "description": "One district; default the whole scope the token's user sees"})
    fiscal_year = ma.fields.Integer(validate=ma.validate.Range(min=2000, max=9999))


class IndicatorSchema(ma.Schema):
    as_of = ma.fields.Date(required=True)
    scope = ma.fields.String(required=True, metadata={
        "description": "city, a district code, or 'districts' (the sum of the user's districts)"})
    indicators = ma.fields.Dict(required=True, metadata={
        "description": "As `flask indicators show` prints them"})


@blp.get("/indicators")
@needs("read", Permission.FIRMS_VIEW)
@blp.arguments(IndicatorArgs, location="query")
@blp.response(200, IndicatorSchema)
def indicators(args):
    """Every monitoring indicator computed from the records at the date, for a district the
    user sees or for the user's whole scope."""
    user = current_token().user
    today = today_in_shanghai()
    as_of = args.get("as_of") or today
    if not dt.date(2000, 1, 1) <= as_of <= today:
        raise ApiProblem(422, "The date must be from 2000 to today.",
                         [{"in": "query", "field": "as_of", "detail": "From 2000 to today."}])
    district = args.get("district")
    if district is not None and (db.session.get(District, district) is None
                                 or not may_see_district(user, district)):
        raise ApiProblem(404, "No such district.")
    try:
        figures = compute(db.session, as_of, fiscal_year=args.get("fiscal_year"),
                          district=district)
    except ParameterError as error:
        raise ApiProblem(422, str(error)) from None
    if district is not None:
        scope, shown = district, figures[district]
    elif sees_every_district(user):
        scope, shown = CITY_SCOPE, figures[CITY_SCOPE]
    else:
        scope, shown = "districts", Figures()
        for code in visible_district_codes(user, figures):
            if code != CITY_SCOPE:
                shown += figures[code]
    return {"as_of": as_of, "scope": scope, "indicators": shown.indicators()}


# --- Scans ---------------------------------------------------------------------------------------

class ChunkedWorkSchema(ma.Schema):
    """What scans and what-if runs share (models.scan.ChunkedWork): status and progress."""
    id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True)
    progress = ma.fields.Float(required=True)
    firms_done = ma.fields.Integer(allow_none=True, required=True)
    firms_total = ma.fields.Integer(allow_none=True, required=True)
    chunks_done = ma.fields.Integer(allow_none=True, required=True)
    chunks_total = ma.fields.Integer(allow_none=True, required=True)
    seconds = ma.fields.Float(allow_none=True, required=True)


class ScanSchema(ChunkedWorkSchema):
    kind = ma.fields.String(required=True)
    as_of = ma.fields.String(required=True, metadata={"format": "date"})
    opened = ma.fields.Integer(allow_none=True, required=True)
    closed = ma.fields.Integer(allow_none=True, required=True)
    flags = ma.fields.Integer(allow_none=True, required=True)
    error = ma.fields.String(allow_none=True, required=True)


class ScanStartedSchema(ScanSchema):
    created = ma.fields.Boolean(required=True, metadata={
        "description": "False when a full scan was already queued or running (that one is "
                       "returned)"})


@blp.get("/scans")
@needs("read", Permission.SCANS_VIEW)
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(ScanSchema, "ScanPage"))
def list_scans(args):
    """Full scans of the whole registry, newest first."""
    rows, cursor = keyset(select(Scan).where(Scan.kind == "full"), (Scan.id,), True, args)
    return {"items": [scan_json(row[0]) for row in rows], "next_cursor": cursor}


@blp.get("/scans/<int:scan_id>")
@needs("read", Permission.SCANS_VIEW)
@blp.response(200, ScanSchema)
def get_scan(scan_id: int):
    """A scan's status and progress."""
    scan = db.session.get(Scan, scan_id)
    if scan is None:
        raise ApiProblem(404, "No such scan.")
    return scan_json(scan)


@blp.post("/scans")
@needs("decide", Permission.SCANS_RUN)
@blp.response(202, ScanStartedSchema)
def start_scan():
    """Queue a full scan now (or return the one already queued or running); poll
    GET /scans/{scan_id} for its progress."""
    scan, created = start_full_scan(db.session, current_token().user)
    db.session.commit()
    return {**scan_json(scan), "created": created}


# --- What-if runs --------------------------------------------------------------------------------

class ScenarioSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    as_of = ma.fields.Date(required=True)
    districts = ma.fields.List(ma.fields.String(), required=True)
    overrides = ma.fields.Dict(required=True)
    profiles = ma.fields.Dict(required=True)


class ScenarioListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ScenarioSchema), required=True)


class RunSchema(ChunkedWorkSchema):
    """A what-if run's status and progress (its own name in the OpenAPI document)."""


class RunResultsSchema(RunSchema):
    tiers = ma.fields.Dict(required=True, metadata={
        "description": "{tier: {base, scenario, winners, losers}} within the user's districts"})
    by_district = ma.fields.Dict(required=True, metadata={
        "description": "{tier: {district: {firms, base, scenario, winners, losers}}}"})


def _visible(districts: list[str]) -> bool:
    """The user sees a scenario's scope: each of its districts, or the city."""
    user = current_token().user
    if not districts:
        return sees_every_district(user)
    return all(may_see_district(user, code) for code in districts)


@blp.get("/whatif/scenarios")
@needs("read", Permission.WHATIF_VIEW)
@blp.response(200, ScenarioListSchema)
def list_scenarios():
    """The saved what-if scenarios whose scope the user sees."""
    rows = db.session.scalars(select(Scenario).order_by(Scenario.id.desc()))
    return {"items": [row for row in rows if _visible(row.districts)]}


@blp.post("/whatif/scenarios/<int:scenario_id>/runs")
@needs("decide", Permission.WHATIF_RUN)
@blp.response(202, RunSchema)
def start_run(scenario_id: int):
    """Run a scenario with today's bureau parameters (the workers compute it); poll
    GET /whatif/runs/{run_id}."""
    scenario = db.session.get(Scenario, scenario_id)
    if scenario is None or not _visible(scenario.districts):
        raise ApiProblem(404, "No such scenario.")
    try:
        run = whatif.start_run(db.session, current_token().user, scenario)
    except whatif.ScenarioError as error:
        db.session.rollback()
        raise ApiProblem(409, str(error)) from None
    db.session.commit()
    return run_json(run)


@blp.get("/whatif/runs/<int:run_id>")
@needs("read", Permission.WHATIF_VIEW)
@blp.response(200, RunResultsSchema)
def get_run(run_id: int):
    """A run's status and its tier results so far (complete once its status is done)."""
    run = db.session.get(WhatifRun, run_id)
    if run is None or not _visible(run.districts):
        raise ApiProblem(404, "No such run.")
    user = current_token().user
    districts = None if sees_every_district(user) else sorted(
        visible_district_codes(user, db.session.scalars(select(District.code))))
    by_district = whatif.tier_results(db.session, run, districts)
    return {**run_json(run), "tiers": whatif.tier_totals(by_district), "by_district": by_district}
