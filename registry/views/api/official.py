"""Official data imports through the API (issue 14): an officer's or administrator's token with
the `decide` scope uploads a statistics-bureau or tax-bureau file, which runs as the same
background job as on the web (all or nothing, row report); its state and row report are read
back by id. An import is visible to its uploader and to administrators."""
from __future__ import annotations

import marshmallow as ma
from flask_smorest.fields import Upload

from registry.auth.permissions import Permission
from registry.extensions import db
from registry.models import OfficialImport
from registry.services import official
from registry.views.api.core import ApiProblem, Blueprint, current_token, needs

blp = Blueprint("api_official", __name__,
                description="Official data: statistics-bureau R&D survey and tax-bureau imports")

class SourceArgs(ma.Schema):
    source = ma.fields.String(required=True, validate=ma.validate.OneOf(("statistics", "tax")),
                              metadata={"description": "statistics: credit_code,fiscal_year,"
                                        "rd_expense,revenue,rd_staff; tax: credit_code,tax_year,"
                                        "rd_deduction_base (amounts in 万元)"})


class UploadSchema(ma.Schema):
    file = Upload(required=True, metadata={"description": "CSV (UTF-8 or GBK) or XLSX"})


class RowErrorSchema(ma.Schema):
    row = ma.fields.Integer(required=True, metadata={"description": "Line of the file; 0: the file"})
    credit_code = ma.fields.String(required=True)
    errors = ma.fields.List(ma.fields.String(), required=True)


class ImportSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    source = ma.fields.String(required=True, attribute="kind",
                              metadata={"enum": ["statistics", "tax", "roster"]})
    filename = ma.fields.String(required=True)
    status = ma.fields.String(required=True,
                              metadata={"enum": ["queued", "running", "applied", "rejected"]})
    rows = ma.fields.Integer(required=True)
    checked = ma.fields.Integer(required=True, metadata={"description": "Rows checked so far"})
    created = ma.fields.Integer(required=True)
    updated = ma.fields.Integer(required=True)
    unchanged = ma.fields.Integer(required=True)
    errors = ma.fields.List(ma.fields.Nested(RowErrorSchema), required=True, attribute="report")
    uploaded_at = ma.fields.AwareDateTime(required=True)
    finished_at = ma.fields.AwareDateTime(allow_none=True, required=True)


@blp.post("/official/imports")
@needs("decide", Permission.OFFICIAL_IMPORT)
@blp.arguments(SourceArgs, location="query")
@blp.arguments(UploadSchema, location="files")
@blp.response(202, ImportSchema)
def create_import(args, files):
    """Queue an import of a statistics or tax file; follow it with GET until it is applied or
    rejected."""
    upload = files["file"]
    data = upload.read(official.MAX_FILE_BYTES + 1)
    if len(data) > official.MAX_FILE_BYTES:
        limit = f"{official.MAX_FILE_BYTES // (1024 * 1024)} MB"
        raise ApiProblem(422, f"The file is larger than {limit}.",
                         errors=[{"in": "files", "field": "file", "detail": f"Larger than {limit}."}])
    record = official.queue_import(db.session, current_token().user, args["source"],
                                   upload.filename or "upload", data)
    db.session.commit()
    return record


@blp.get("/official/imports/<int(min=1, max=2147483647):import_id>")
@needs("read", Permission.OFFICIAL_IMPORT)
@blp.response(200, ImportSchema)
def get_import(import_id: int):
    """An import's state, counts and row report (the bad rows)."""
    record = db.session.scalar(official.visible_imports(current_token().user)
                               .where(OfficialImport.id == import_id))
    if record is None:
        raise ApiProblem(404, "No such import.")
    return record
