"""GET /api/v1/me: who the token acts as, and what it may do."""
from __future__ import annotations

import marshmallow as ma

from registry.views.api.core import Blueprint, current_token, needs

blp = Blueprint("api_me", __name__, description="The token and the user it acts as")


class MeSchema(ma.Schema):
    email = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    role = ma.fields.String(required=True, metadata={"enum": ["firm", "manager", "officer", "admin"]})
    firm_id = ma.fields.Integer(allow_none=True, required=True)
    districts = ma.fields.List(ma.fields.String(), required=True,
                               metadata={"description": "District codes (empty: see role)"})
    scopes = ma.fields.List(ma.fields.String(), required=True)
    service = ma.fields.Boolean(required=True)
    expires_at = ma.fields.AwareDateTime(allow_none=True, required=True)


@blp.get("/me")
@needs("read")
@blp.response(200, MeSchema)
def me():
    """The token's user: role, firm or districts, and the token's scopes and expiry."""
    token = current_token()
    user = token.user
    return {"email": user.email, "name": user.name, "role": user.role, "firm_id": user.firm_id,
            "districts": sorted(user.district_codes), "scopes": sorted(token.scope_set),
            "service": token.service, "expires_at": token.expires_at}
