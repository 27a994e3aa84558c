"""Numbers on the dashboard read as people write them: 万元 with separators and two decimals,
fractions as percentages, counts (and the forecast, to the whole firm) with separators."""
from __future__ import annotations

from decimal import Decimal

import pytest
from flask_babel import force_locale

from registry.views.dashboard import show_number, show_share


@pytest.mark.parametrize(("value", "indicator", "en", "zh"), [
    (Decimal("1234567.5"), "tax_relief", "1,234,567.50 10k yuan", "1,234,567.50 万元"),
    ("12", "tax_relief", "12.00 10k yuan", "12.00 万元"),
    (Decimal("0.0412345678"), "guishang_rd_ratio", "4.12%", "4.12%"),
    (12345, "hnte_valid", "12,345", "12,345"),
    ("10234.5678901234", "hnte_valid", "10,235", "10,235"),
    (-1234, "hnte_net", "-1,234", "-1,234"),
    (Decimal("8500.000000"), "tax_relief.firms", "8,500", "8,500"),
    (None, "tax_relief", "—", "—"),
])
def test_show_number(app, value, indicator, en, zh):
    with app.test_request_context():
        with force_locale("en"):
            assert show_number(value, indicator) == en
        with force_locale("zh"):
            assert show_number(value, indicator) == zh


def test_show_share(app):
    assert show_share(Decimal("0.87654")) == "87.7%"
    assert show_share(None) == "—"
