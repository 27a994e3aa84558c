"""The API's resource blueprints, registered in this order (and so documented)."""
from registry.views.api import (
    candidates,
    filings,
    firms,
    me,
    official,
    operations,
    outreach,
    programs,
)

BLUEPRINTS = [me.blp, firms.blp, filings.blp, candidates.blp, operations.blp, outreach.blp,
              programs.blp, official.blp]
