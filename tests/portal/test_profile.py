"""The firm profile: editable facts (never the credit code), each change in the history."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from registry.jobs import sent_jobs
from registry.models import FirmFactChange

BASE = {"name": "甬江科技有限公司", "founded": "2015-03-01", "industry_code": "C39",
        "industrial": "yes", "tech_field": "electronic_information", "resident": "yes",
        "industry_excluded": "no", "incidents": "no", "ip_class1": "1", "ip_class2": "2",
        "rd_staff_fulltime": "", "core_product_share": "", "ic_or_mother_machine": "",
        "advanced_manufacturing_list": "", "contact_name": "", "contact_phone": "",
        "contact_email": ""}


def test_the_profile_shows_the_facts_and_the_credit_code_read_only(logged_in, firm):
    page = logged_in.get("/portal/profile").get_data(as_text=True)
    assert firm.credit_code in page and 'name="credit_code"' not in page
    assert 'value="甬江科技有限公司"' in page


def test_changes_are_saved_with_history_and_ask_for_evaluation(app, logged_in, db_session,
                                                               firm, firm_user):
    with app.app_context():
        sent_jobs().clear()
    data = {**BASE, "ip_class1": "3", "tech_field": "new_materials", "core_product_share": "72.5",
            "rd_staff_fulltime": "12.5", "route_led_standard": "y", "incidents": ""}
    response = logged_in.post("/portal/profile", data=data)
    assert response.status_code == 302
    db_session.refresh(firm)
    assert firm.ip_class1 == 3 and firm.tech_field == "new_materials"
    assert firm.core_product_share == Decimal("0.725") and firm.rd_staff_fulltime == Decimal("12.5")
    assert firm.route_led_standard is True and firm.incidents is None
    changes = {c.field: (c.old_value, c.new_value, c.actor_id)
               for c in db_session.query(FirmFactChange).filter_by(firm_id=firm.id)}
    assert changes == {
        "ip_class1": (1, 3, firm_user.id),
        "tech_field": ("electronic_information", "new_materials", firm_user.id),
        "core_product_share": (None, "0.725", firm_user.id),
        "rd_staff_fulltime": (None, "12.5", firm_user.id),
        "route_led_standard": (False, True, firm_user.id),
        "incidents": (False, None, firm_user.id)}
    with app.app_context():
        assert ("evaluate_firm", (firm.id,)) in sent_jobs()
    page = logged_in.get("/portal/profile").get_data(as_text=True)
    assert 'data-field="tech_field"' in page and 'value="72.5"' in page
    history = page[page.index('id="fact-history"'):]
    assert "新材料" in history and "72.5%" in history and firm_user.name in history


def test_saving_unchanged_facts_records_nothing(logged_in, db_session, firm):
    logged_in.post("/portal/profile", data=BASE)
    assert db_session.query(FirmFactChange).count() == 0


def test_a_posted_credit_code_or_district_is_ignored(logged_in, db_session, firm):
    code = firm.credit_code
    logged_in.post("/portal/profile", data={**BASE, "credit_code": "91330200MA2H000011",
                                            "district": "jiangbei"})
    db_session.refresh(firm)
    assert firm.credit_code == code and firm.district == "haishu"


def test_bad_facts_come_back_beside_their_fields(logged_in, db_session, firm):
    data = {**BASE, "founded": (dt.date.today() + dt.timedelta(days=3)).isoformat(),
            "ip_class1": "-1", "core_product_share": "120", "industry_code": "39C",
            "industrial": "maybe", "contact_email": "not-an-address", "name": ""}
    response = logged_in.post("/portal/profile", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for name in ("founded", "ip_class1", "core_product_share", "industry_code", "industrial",
                 "contact_email", "name"):
        assert f'data-field="{name}"' in page, name
    assert 'value="not-an-address"' in page
    assert db_session.query(FirmFactChange).count() == 0


def test_the_founding_date_may_be_today_in_china_not_later(logged_in, db_session, firm, monkeypatch):
    """Shanghai's date decides (UTC+8): near midnight the server's own date is still yesterday."""
    import registry.forms.portal as portal_forms
    monkeypatch.setattr(portal_forms, "today_in_shanghai", lambda: dt.date(2026, 11, 25))
    tomorrow = logged_in.post("/portal/profile", data={**BASE, "founded": "2026-11-26"})
    assert 'data-field="founded"' in tomorrow.get_data(as_text=True)
    today = logged_in.post("/portal/profile", data={**BASE, "founded": "2026-11-25"})
    assert today.status_code == 302
    db_session.refresh(firm)
    assert firm.founded == dt.date(2026, 11, 25)
