"""The officer workspace's fixtures (districts, officers, admin, firms) and log-in helpers, and a
small registry for the programs' pages."""
from decimal import Decimal

import pytest

from registry.rules import today_in_shanghai
from tests.factories import FilingFactory, FirmFactory
from tests.officer.conftest import (  # noqa: F401
    admin,
    districts,
    firm,
    firm_user,
    officer,
    other_firm,
    other_officer,
)

YEAR = today_in_shanghai().year      # the ladder shows this program year (FY YEAR − 1 data)


def filing(firm, revenue, rd, survey=True, year=YEAR - 1):  # noqa: F811 (a firm, not the fixture)
    return FilingFactory(firm=firm, fiscal_year=year, revenue=Decimal(revenue), rd_expense=Decimal(rd),
                         rd_domestic=Decimal(rd), rd_survey=survey)


@pytest.fixture
def registry_firms(db_session, districts, firm, other_firm):  # noqa: F811 (the fixtures above)
    """haishu: `firm` at 5% (entitlement 5), firms at 4% and 3%, one below the bands; jiangbei:
    `other_firm` at 5% (entitlement 10)."""
    firm.bank_name, firm.bank_account = "工商银行宁波分行", "6222 0210 0000 0001"
    filing(firm, 2000, 100)                                       # 5%: entitlement 5
    four = FirmFactory(name="海曙四档有限公司", district="haishu")
    filing(four, 1000, 40)                                        # 4%: 1.6
    three = FirmFactory(name="海曙三档有限公司", district="haishu")
    filing(three, 1000, 30)                                       # 3%: 0.9
    low = FirmFactory(name="海曙未达标有限公司", district="haishu")
    filing(low, 1000, 29)                                         # 2.9%: not eligible
    filing(other_firm, 4000, 200)                                 # 5%: 10
    return {"five": firm, "four": four, "three": three, "low": low, "jiangbei": other_firm}
