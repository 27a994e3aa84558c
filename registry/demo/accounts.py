"""The demo accounts: an administrator, a manager (a bureau leader reading the whole city), an
officer per district, a user per showcase firm.

They share one known password, hashed once (argon2 is slow on purpose). `demo_logins` reads the
accounts back for the logins table that `demo load` and `demo logins` print.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.auth.passwords import hash_password, verify_password
from registry.demo import catalog
from registry.demo.showcase import SHOWCASES
from registry.models import District, Firm, User
from registry.services import audit
from registry.services.accounts import create_user

DEMO_DOMAIN = "demo.yanzhen.cn"
DEMO_PASSWORD = "yanzhen-demo"
ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"
MANAGER_EMAIL = f"manager@{DEMO_DOMAIN}"


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    name: str
    districts: tuple[str, ...] = ()
    firm_id: int | None = None        # showcase firms are the registry's first firms
    firm_admin: bool = False


def demo_accounts() -> list[DemoAccount]:
    return [
        DemoAccount("admin", ADMIN_EMAIL, "演示管理员"),
        DemoAccount("manager", MANAGER_EMAIL, "演示局领导"),
        *(DemoAccount("officer", f"officer.{d.code}@{DEMO_DOMAIN}", f"{d.name_zh}演示专员",
                      districts=(d.code,)) for d in catalog.DISTRICTS),
        *(DemoAccount("firm", f"{s.account}@{DEMO_DOMAIN}", f"{s.name}演示用户", firm_id=index,
                      firm_admin=s.firm_admin) for index, s in enumerate(SHOWCASES, start=1)),
    ]


def create_demo_accounts(session: Session, as_of: dt.date) -> list[User]:
    """Add the demo accounts (the showcase firms and the districts must exist) and record the
    load in the audit trail."""
    password_hash = hash_password(DEMO_PASSWORD)
    districts = {d.code: d for d in session.scalars(select(District))}
    users = [create_user(session, email=account.email, password=DEMO_PASSWORD, role=account.role,
                         name=account.name, firm=session.get(Firm, account.firm_id)
                         if account.firm_id else None,
                         districts=[districts[code] for code in account.districts],
                         is_firm_admin=account.firm_admin, password_hash=password_hash)
             for account in demo_accounts()]
    audit.record(session, None, "demo_loaded", None, as_of=as_of.isoformat(),
                 accounts=len(users))
    return users


@dataclass(frozen=True)
class Login:
    role: str
    email: str
    password: str      # the demo password, or a note that it was changed
    shows: str


def demo_logins(session: Session) -> list[Login]:
    """The demo accounts present, in the order of `demo_accounts`, with what each shows."""
    order = {account.email: index for index, account in enumerate(demo_accounts())}
    users = sorted(session.scalars(select(User).where(User.email.in_(order))),
                   key=lambda user: order[user.email])
    firms_per_district = dict(session.execute(select(Firm.district, func.count())
                                              .group_by(Firm.district)).all())
    stories = {f"{s.account}@{DEMO_DOMAIN}": s.story for s in SHOWCASES}
    verified: dict[str, bool] = {}   # one argon2 check per distinct hash
    logins = []
    for user in users:
        if user.password_hash not in verified:
            verified[user.password_hash] = verify_password(user.password_hash, DEMO_PASSWORD)
        password = DEMO_PASSWORD if verified[user.password_hash] else "(changed)"
        logins.append(Login(user.role, user.email, password, _shows(user, firms_per_district,
                                                                    stories)))
    return logins


def _shows(user: User, firms_per_district: dict, stories: dict) -> str:
    if user.role == "admin":
        return "everything: all districts, users and settings"
    if user.role == "manager":
        scope = ", ".join(d.name_zh for d in user.districts) or "the whole city"
        return f"reads {scope}: dashboards, queues, firm files, lists, exports; decides nothing"
    if user.role == "officer":
        return "; ".join(f"{d.name_zh} {d.name_en}: {firms_per_district.get(d.code, 0):,} firms"
                         for d in user.districts)
    firm = user.firm
    admin = " (firm admin)" if user.is_firm_admin else ""
    return f"{firm.name}{admin}: {stories.get(user.email, '')}"
