"""factory_boy factories for the models, bound to the test session."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from factory.alchemy import SQLAlchemyModelFactory

from registry.auth.passwords import hash_password
from registry.creditcode import make_credit_code
from registry.extensions import db
from registry.models import (
    Candidate,
    Certificate,
    District,
    Filing,
    Firm,
    FirmFlag,
    IncentiveOpportunity,
    User,
)

PASSWORD = "correct horse battery"
_PASSWORD_HASH = hash_password(PASSWORD)  # one hash for all: argon2 is slow on purpose


class _Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session
        sqlalchemy_session_persistence = "flush"


class DistrictFactory(_Base):
    class Meta:
        model = District
        sqlalchemy_get_or_create = ("code",)

    code = "haishu"
    name_zh = factory.LazyAttribute(lambda o: {"haishu": "海曙区", "jiangbei": "江北区"}.get(o.code, o.code))
    name_en = factory.LazyAttribute(lambda o: o.code.capitalize())


class FirmFactory(_Base):
    class Meta:
        model = Firm

    credit_code = factory.Sequence(lambda n: make_credit_code(f"9133020{n:010d}"))
    name = factory.Sequence(lambda n: f"测试企业{n}")
    district = "haishu"
    industry_code = "C39"
    founded = dt.date(2015, 3, 1)
    industrial = True
    resident = True
    industry_excluded = False
    incidents = False
    tech_field = "electronic_information"
    ip_class1 = 1
    ip_class2 = 2


class FilingFactory(_Base):
    class Meta:
        model = Filing

    firm = factory.SubFactory(FirmFactory)
    fiscal_year = 2024
    status = "submitted"
    revenue = Decimal(1000)
    rd_expense = Decimal(60)
    rd_domestic = Decimal(60)
    employees = Decimal(50)
    st_staff = Decimal(10)
    total_income = Decimal(1000)
    hightech_income = Decimal(700)
    total_cost = Decimal(900)
    total_assets = Decimal(1500)
    net_assets = Decimal(800)
    taxable_income = Decimal(100)


class CertificateFactory(_Base):
    class Meta:
        model = Certificate

    firm = factory.SubFactory(FirmFactory)
    tier = "hnte"
    number = factory.Sequence(lambda n: f"GR2023330200{n:03d}")
    issued = dt.date(2023, 12, 8)
    expires = dt.date(2026, 12, 7)
    status = "valid"


class UserFactory(_Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Sequence(lambda n: f"User {n}")
    password_hash = _PASSWORD_HASH
    role = "firm"
    firm = factory.SubFactory(FirmFactory)

    class Params:
        officer = factory.Trait(role="officer", firm=None)
        admin = factory.Trait(role="admin", firm=None)


class CandidateFactory(_Base):
    """An open candidate; its verdict carries no snapshot unless a test gives one."""
    class Meta:
        model = Candidate

    firm = factory.SubFactory(FirmFactory)
    tier = "hnte"
    cycle = 2025
    status = "open"
    verdict = factory.LazyAttribute(lambda o: {"tier": o.tier, "status": "eligible", "failed": []})


class FirmFlagFactory(_Base):
    class Meta:
        model = FirmFlag
        exclude = ("firm",)

    firm = factory.SubFactory(FirmFactory)
    firm_id = factory.SelfAttribute("firm.id")
    flag = "hnte_near_miss"
    cycle = 2025
    detail = factory.LazyFunction(lambda: {"criterion": "rd_ratio", "gap": "18", "unit": "万元"})
    status = "open"


class IncentiveOpportunityFactory(_Base):
    class Meta:
        model = IncentiveOpportunity
        exclude = ("firm",)

    firm = factory.SubFactory(FirmFactory)
    firm_id = factory.SelfAttribute("firm.id")
    incentive = "rd_super_deduction"
    cycle = 2025
    saving = Decimal("12.5")
    status = "open"
