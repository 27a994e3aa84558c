"""Firms' contact persons (names, phones, e-mails) are personal data: officers of the district
and administrators see and export them in full, each such export audited; managers see them
masked, on pages and in exports (issue 16, item 12)."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from registry.auth.contacts import mask_email, mask_name, mask_phone
from registry.auth.permissions import ROLE_PERMISSIONS, Permission
from registry.models import AuditEvent
from tests.factories import UserFactory
from tests.officer.conftest import login

NAME, PHONE, EMAIL = "王小明", "13812345678", "wang.xm@yongjiang.example"


@pytest.fixture
def contact_firm(db_session, firm):
    firm.contact_name, firm.contact_phone, firm.contact_email = NAME, PHONE, EMAIL
    db_session.commit()
    return firm


def _exports(db_session) -> list[AuditEvent]:
    return list(db_session.scalars(select(AuditEvent)
                                   .where(AuditEvent.action == "contacts_exported")))


def test_who_sees_contacts_is_data():
    holders = {role for role, granted in ROLE_PERMISSIONS.items()
               if Permission.CONTACTS_VIEW in granted}
    assert holders == {"officer", "admin"}


def test_masks():
    assert mask_name(NAME) == "王**"
    assert mask_phone(PHONE) == "138****5678"
    assert mask_phone("87654321") == "******21"
    assert mask_email(EMAIL) == "w***@yongjiang.example"
    assert (mask_name(""), mask_phone(""), mask_email("")) == ("", "", "")


def test_an_officer_sees_the_firm_file_contact_in_full(client, contact_firm, officer):
    login(client, officer)
    page = client.get(f"/officer/firms/{contact_firm.id}").get_data(as_text=True)
    assert NAME in page and PHONE in page and EMAIL in page


def test_a_manager_sees_it_masked(client, contact_firm, manager):
    login(client, manager)
    page = client.get(f"/officer/firms/{contact_firm.id}").get_data(as_text=True)
    assert NAME not in page and PHONE not in page and EMAIL not in page
    assert "王**" in page and "138****5678" in page and "w***@yongjiang.example" in page
    assert "Shown in part" in page


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_officers_export_has_the_contacts_and_is_audited(client, db_session, contact_firm,
                                                            officer, fmt):
    login(client, officer)
    response = client.get(f"/officer/firms/export.{fmt}")
    text = _text(response)
    assert NAME in text and PHONE in text and EMAIL in text
    [event] = _exports(db_session)
    assert event.actor_id == officer.id
    assert event.details == {"export": "directory", "rows": 1, "format": fmt}


def test_a_managers_export_is_masked(client, db_session, contact_firm, manager):
    login(client, manager)
    text = _text(client.get("/officer/firms/export.csv"))
    assert NAME not in text and PHONE not in text and EMAIL not in text
    assert "138****5678" in text
    assert _exports(db_session) == []


def test_the_not_filed_export_is_audited_and_masked_alike(client, db_session, contact_firm,
                                                          officer, manager):
    login(client, officer)
    assert PHONE in _text(client.get("/officer/not-filed/export.csv"))
    assert [event.details["export"] for event in _exports(db_session)] == ["not_filed"]
    login(client, manager)
    assert PHONE not in _text(client.get("/officer/not-filed/export.csv"))
    assert len(_exports(db_session)) == 1


def test_the_audit_sentence_names_the_list(client, db_session, contact_firm, officer, admin):
    login(client, officer)
    client.get("/officer/firms/export.csv")
    login(client, admin)
    page = client.get("/admin/audit?action=contacts_exported").get_data(as_text=True)
    assert "Exported the firm directory with the contact persons of 1 firms (CSV)." in page


def test_a_firm_users_name_is_masked_for_a_manager_in_the_audit_trail(client, db_session,
                                                                     contact_firm, manager):
    from registry.services import audit
    clerk = UserFactory(firm=contact_firm, email="li.clerk@yongjiang.example", name="李四")
    audit.record(db_session, clerk, "login", clerk, firm_id=contact_firm.id)
    db_session.commit()
    login(client, manager)
    page = client.get(f"/officer/firms/{contact_firm.id}").get_data(as_text=True)
    assert "李四" not in page and "李*" in page
    export = client.get(f"/admin/audit/export.csv?firm={contact_firm.id}").get_data(as_text=True)
    assert "li.clerk@yongjiang.example" not in export and "l***@yongjiang.example" in export


def _text(response) -> str:
    assert response.status_code == 200
    if response.mimetype.endswith("sheet"):
        workbook = load_workbook(io.BytesIO(response.data), read_only=True)
        return " ".join(str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True)
                        for cell in row)
    return response.get_data(as_text=True)


