"""`flask demo load|logins` on SQLite: determinism, refusals, accounts, values read back."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select

from registry.demo.accounts import ADMIN_EMAIL, DEMO_PASSWORD, MANAGER_EMAIL
from registry.demo.showcase import SHOWCASES
from registry.extensions import db
from registry.models import AuditEvent, Certificate, District, Filing, Firm, User
from registry.rules import SHANGHAI
from tests.demo.conftest import AS_OF, demo, load_args, registry_digest


def _counts(app) -> dict[str, int]:
    with app.app_context():
        return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
                for model in (Firm, Filing, Certificate, User, District)}


def test_same_seed_same_rows_other_seed_other_rows(sqlite_app):
    first, second, other = sqlite_app("first"), sqlite_app("second"), sqlite_app("other")
    for app, seed in ((first, 7), (second, 7), (other, 8)):
        result = demo(app, *load_args(seed=seed))
        assert result.exit_code == 0, result.output
    assert registry_digest(first) == registry_digest(second)
    assert registry_digest(first) != registry_digest(other)


def test_load_reports_counts_and_prints_the_logins(loaded_app):
    counts = _counts(loaded_app)
    assert counts["firms"] == 300
    assert counts["districts"] == 11
    assert counts["users"] == 1 + 1 + 11 + len(SHOWCASES)
    assert 1000 < counts["filings"] < 1200 and counts["certificates"] > 100
    output = demo(loaded_app, "logins").output
    assert "admin@demo.yanzhen.cn" in output and "officer.yinzhou@demo.yanzhen.cn" in output
    manager = next(line for line in output.splitlines() if "manager@demo.yanzhen.cn" in line)
    assert "reads the whole city" in manager and "decides nothing" in manager
    assert output.count(DEMO_PASSWORD) == counts["users"]
    assert "宁波甬芯微电子科技有限公司 (firm admin): HNTE near miss" in output


def test_non_empty_database_is_refused_unless_reset(sqlite_app):
    app = sqlite_app()
    assert demo(app, *load_args(firms=50)).exit_code == 0
    before = registry_digest(app)
    refused = demo(app, *load_args(firms=60))
    assert refused.exit_code == 1
    assert "already holds data" in refused.output and "--reset" in refused.output
    assert registry_digest(app) == before
    assert demo(app, *load_args(firms=60), "--reset").exit_code == 0
    assert _counts(app)["firms"] == 60
    assert _counts(app)["users"] == 1 + 1 + 11 + len(SHOWCASES)


def test_if_empty_loads_once_then_only_prints_the_logins(sqlite_app):
    app = sqlite_app()
    first = demo(app, *load_args(firms=40), "--if-empty")
    assert first.exit_code == 0 and "Loaded 40 firms" in first.output
    digest = registry_digest(app)
    again = demo(app, *load_args(firms=80), "--if-empty")
    assert again.exit_code == 0
    assert "not loaded" in again.output and ADMIN_EMAIL in again.output
    assert registry_digest(app) == digest
    assert demo(app, *load_args(), "--if-empty", "--reset").exit_code == 2


def test_an_empty_database_with_a_user_is_not_empty(sqlite_app):
    from registry.auth.passwords import hash_password
    app = sqlite_app()
    with app.app_context():
        db.session.add(User(email="someone@example.com", role="admin",
                            password_hash=hash_password("a long password")))
        db.session.commit()
    result = demo(app, *load_args(firms=20))
    assert result.exit_code == 1 and "users" in result.output


def test_an_unmigrated_database_gets_a_clear_error(tmp_path):
    from registry import create_app
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'blank.db'}")
    result = demo(app, *load_args(firms=20))
    assert result.exit_code == 1 and "db upgrade" in result.output


def test_production_always_refuses(monkeypatch, tmp_path):
    from registry import create_app
    database = tmp_path / "production.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("SECRET_KEY", "a-production-secret-of-some-length")
    app = create_app("production")
    for args in (load_args(firms=20), [*load_args(firms=20), "--reset"], ["logins"]):
        result = demo(app, *args)
        assert result.exit_code == 1, result.output
        assert "never run in production" in result.output
    assert not database.exists() or database.stat().st_size == 0


def test_demo_accounts_share_one_hash_and_can_log_in(loaded_app):
    from registry.services.accounts import authenticate
    with loaded_app.app_context():
        users = db.session.scalars(select(User).order_by(User.id)).all()
        assert len({user.password_hash for user in users}) == 1
        officers = [user for user in users if user.role == "officer"]
        assert sorted(user.district_codes.pop() for user in officers) == sorted(
            db.session.scalars(select(District.code)))
        firm_users = [user for user in users if user.role == "firm"]
        assert [user.firm.name for user in firm_users] == [s.name for s in SHOWCASES]
        assert [user.is_firm_admin for user in firm_users] == [True] + [False] * 4
        assert all(any(o.district_codes == {u.firm.district} for o in officers)
                   for u in firm_users)
        assert authenticate(db.session, ADMIN_EMAIL, DEMO_PASSWORD).role == "admin"
        manager = authenticate(db.session, MANAGER_EMAIL, DEMO_PASSWORD)
        assert manager.role == "manager" and manager.districts == []
        assert authenticate(db.session, "firm3@demo.yanzhen.cn", "wrong password") is None
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "demo_loaded")) == 1
        db.session.rollback()


def test_logins_marks_a_changed_password(sqlite_app):
    from registry.auth.passwords import hash_password
    app = sqlite_app()
    assert demo(app, *load_args(firms=20)).exit_code == 0
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == ADMIN_EMAIL))
        user.password_hash = hash_password("a new secret password")
        db.session.commit()
    output = demo(app, "logins").output
    admin_line = next(line for line in output.splitlines() if ADMIN_EMAIL in line)
    assert "(changed)" in admin_line and DEMO_PASSWORD not in admin_line
    assert output.count(DEMO_PASSWORD) == 1 + 11 + len(SHOWCASES)  # manager, officers, firms


def test_logins_without_demo_accounts_says_so(sqlite_app):
    result = demo(sqlite_app(), "logins")
    assert result.exit_code == 0 and "No demo accounts" in result.output


def test_values_read_back_through_the_models(loaded_app):
    with loaded_app.app_context():
        firm = db.session.get(Firm, 1)
        assert firm.name == SHOWCASES[0].name and firm.district == "yinzhou"
        assert firm.founded == dt.date(AS_OF.year - 9, 4, 12)
        midnight_in_shanghai = dt.datetime.combine(AS_OF, dt.time(), SHANGHAI)
        assert firm.created_at == midnight_in_shanghai
        filings = db.session.scalars(select(Filing).where(Filing.firm_id == 1)
                                     .order_by(Filing.fiscal_year)).all()
        assert [f.fiscal_year for f in filings] == list(range(AS_OF.year - 4, AS_OF.year))
        assert [f.revenue for f in filings] == [Decimal(v) for v in SHOWCASES[0].revenue]
        assert filings[-1].rd_expense == Decimal("216.2")        # 4.7% of 4,600
        assert all(f.submitted_at.tzinfo is not None and f.submitted_at < f.accepted_at
                   for f in filings)
        assert db.session.scalar(select(func.max(Filing.updated_at))) < midnight_in_shanghai
        # Money keeps whole yuan at most: 4 decimals of 万元.
        for value in db.session.scalars(select(Filing.total_income).limit(200)):
            assert value is None or value == value.quantize(Decimal("0.0001"))
        db.session.rollback()
