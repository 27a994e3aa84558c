"""A short, seeded Schemathesis run over every API operation with a valid token: no server
error and no response outside the OpenAPI document (status, content type, headers, body), for
data that fits the document and data that does not.

Run once with an officer's token (read, decide) and once with a firm user's token (read, file),
so both kinds of writes are exercised. The longer run: bench/api_fuzz.py (same runner, more examples)."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import bearer
from tests.factories import CandidateFactory, FilingFactory

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


def run_schema(app, token: str, examples: int, seed: int = 14) -> tuple[int, list[str]]:
    """Every operation of the document, positive and negative data: (cases run, failures)."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures, count = [], 0
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 13
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @settings(max_examples=examples, derandomize=True, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck), print_blob=False)
            @given(case=operation.as_strategy(mode))
            def run(case):
                nonlocal count
                count += 1
                case.call_and_validate(headers=bearer(token), checks=CHECKS)
            try:
                run()
            except Exception as error:
                failures.append(f"{operation.label} [{mode}]: {error}")
    return count, failures


@pytest.fixture
def tokens(db_session, officer, firm_user, firm, make_token):
    """The officer's and the firm user's tokens, over a firm with a filing and a candidate (so
    small generated ids meet real rows)."""
    FilingFactory(firm=firm, fiscal_year=2023, status="accepted")
    CandidateFactory(firm=firm)
    return {"officer": make_token(officer, "read", "decide"),
            "firm": make_token(firm_user, "read", "file")}


@pytest.mark.parametrize("who", ["officer", "firm"])
def test_every_operation_conforms(app, tokens, who):
    count, failures = run_schema(app, tokens[who], examples=10)
    assert count > 100
    assert failures == [], "\n\n".join(failures)
