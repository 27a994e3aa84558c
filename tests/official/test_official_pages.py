"""The officer's official data page: upload, progress, the row report and its download, who may
see which import; the firm file's figures by source; the roster import with its invitations;
the rd_mismatch flag on the firm file and its outreach list."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from registry.extensions import db
from registry.models import Firm, Invitation, OfficialFigure, OfficialImport, OutboxMail
from registry.services import official
from tests.factories import (
    DistrictFactory,
    FilingFactory,
    FirmFactory,
    FirmFlagFactory,
    UserFactory,
)
from tests.officer.conftest import login

from .conftest import code, statistics_csv


@pytest.fixture
def people(db_session):
    haishu, jiangbei = DistrictFactory(code="haishu"), DistrictFactory(code="jiangbei")
    return {"officer": UserFactory(officer=True, email="o@bureau.example", districts=[haishu]),
            "other": UserFactory(officer=True, email="p@bureau.example", districts=[jiangbei]),
            "manager": UserFactory(role="manager", firm=None, email="m@bureau.example",
                                   districts=[haishu]),
            "admin": UserFactory(role="admin", firm=None, email="a@bureau.example")}


def upload(client, kind: str, name: str, data: bytes):
    return client.post("/officer/official", data={"kind": kind, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_upload_progress_report_and_download(app, client, people):
    for n in range(3):
        FirmFactory(credit_code=code(n), district="haishu")
    login(client, people["officer"])
    assert client.get("/officer/official").status_code == 200
    bad = statistics_csv([(code(0), 2024, 10, 100, 1), (code(1), 2024, "12万", 100, 1)])
    response = upload(client, "statistics", "survey.csv", bad)
    assert response.status_code == 302
    import_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    page = client.get(f"/officer/official/imports/{import_id}").get_data(as_text=True)
    assert 'id="import-progress"' in page and 'data-status="queued"' in page
    assert client.get(f"/officer/official/imports/{import_id}/progress").get_json()["status"] == "queued"
    with app.app_context():
        official.run_queued(import_id)
    state = client.get(f"/officer/official/imports/{import_id}/progress").get_json()
    assert (state["status"], state["rows"], state["checked"], state["errors"]) == ("rejected", 2, 2, 1)
    page = client.get(f"/officer/official/imports/{import_id}").get_data(as_text=True)
    assert 'data-status="rejected"' in page and 'data-row="3"' in page and "12万" in page
    download = client.get(f"/officer/official/imports/{import_id}/report.csv")
    assert download.status_code == 200 and code(1) in download.get_data(as_text=True)
    assert client.get(f"/officer/official/imports/{import_id}/report.xlsx").status_code == 200
    assert db.session.scalar(select(func.count()).select_from(OfficialFigure)) == 0

    good = statistics_csv([(code(0), 2024, 10, 100, 1), (code(1), 2024, 12, 100, 1)])
    import_id = int(upload(client, "statistics", "survey.csv", good).headers["Location"].split("/")[-1])
    with app.app_context():
        official.run_queued(import_id)
    page = client.get(f"/officer/official/imports/{import_id}").get_data(as_text=True)
    assert 'data-status="applied"' in page
    assert db.session.scalar(select(func.count()).select_from(OfficialFigure)) == 2


def test_an_officer_cannot_import_for_another_district(app, client, people):
    FirmFactory(credit_code=code(0), district="jiangbei")
    login(client, people["officer"])
    response = upload(client, "statistics", "s.csv", statistics_csv([(code(0), 2024, 1, 2, 1)]))
    import_id = int(response.headers["Location"].split("/")[-1])
    with app.app_context():
        official.run_queued(import_id)
    assert db.session.get(OfficialImport, import_id).status == "rejected"


def test_who_sees_an_import(client, people):
    record = OfficialImport(kind="tax", filename="t.csv", digest="0" * 64, status="applied",
                            uploaded_by_id=people["officer"].id)
    db.session.add(record)
    db.session.flush()
    url = f"/officer/official/imports/{record.id}"
    login(client, people["other"])
    assert client.get(url).status_code == 404
    login(client, people["manager"])
    assert client.get(url).status_code == 403
    assert client.get("/officer/official").status_code == 403
    login(client, people["admin"])
    assert client.get(url).status_code == 200


def test_a_bad_form_answers_next_to_the_field(client, people):
    login(client, people["officer"])
    response = client.post("/officer/official", data={"kind": "statistics"},
                           content_type="multipart/form-data")
    assert response.status_code == 400


def test_the_firm_file_shows_figures_by_source(app, client, people):
    firm = FirmFactory(credit_code=code(0), district="haishu")
    FilingFactory(firm=firm, fiscal_year=2024, rd_expense=Decimal(100), rd_domestic=None,
                  rd_survey=True)
    FilingFactory(firm=firm, fiscal_year=2023, rd_expense=Decimal(90), rd_domestic=None,
                  rd_survey=True)
    with app.app_context():
        records = [official.import_official(db.session, None, "statistics", "survey-2024.csv",
                                            statistics_csv([(code(0), 2024, "130.5", 2000, 12)])),
                   official.import_official(db.session, None, "tax", "tax-2024.csv",
                                            f"credit_code,tax_year,rd_deduction_base\n{code(0)},2024,95\n"
                                            .encode())]
        assert [record.status for record in records] == ["applied", "applied"], records[0].report
        db.session.commit()
    FirmFlagFactory(firm=firm, flag="rd_mismatch", cycle=2025,
                    detail={"fiscal_year": 2024, "reported": "100", "official": "130.5",
                            "source": "statistics"})
    login(client, people["officer"])
    page = client.get(f"/officer/firms/{firm.id}").get_data(as_text=True)
    section = page[page.index('id="official-figures"'):]
    row_2024 = section[section.index('data-year="2024"'):section.index('data-year="2023"')]
    assert "100.00" in row_2024 and "130.50" in row_2024 and "95.00" in row_2024
    assert "survey-2024.csv" in row_2024 and "tax-2024.csv" in row_2024
    assert 'data-survey="confirmed"' in row_2024
    assert 'data-survey="unverified"' in section[section.index('data-year="2023"'):]
    flags = page[page.index('id="flags"'):]
    assert 'data-flag="rd_mismatch"' in flags and "R&amp;D differs from statistics" in flags
    assert "130.50" in flags and "statistics bureau" in flags
    outreach = client.get("/officer/outreach/rd_mismatch?cycle=2025&status=")
    assert outreach.status_code == 200 and firm.name in outreach.get_data(as_text=True)


ROSTER = ("credit_code,name,district,industry_code,founded,contact_name,contact_email\n"
          "{a},甬江新材料有限公司,haishu,C39,2019-05-01,王经理,wang@yongjiang.example\n"
          "{b},三江智能科技有限公司,haishu,I65,2021/3/15,李总,li@sanjiang.example\n")


def test_roster_creates_firms_and_invites_their_contacts(client, people):
    login(client, people["officer"])
    data = ROSTER.format(a=code(10), b=code(11)).encode("gbk")
    response = upload(client, "roster", "名单.csv", data)
    assert response.status_code == 302
    record = db.session.scalar(select(OfficialImport).where(OfficialImport.kind == "roster"))
    assert (record.status, record.created) == ("applied", 2)
    firms = {firm.credit_code: firm for firm in db.session.scalars(select(Firm))}
    assert firms[code(10)].name == "甬江新材料有限公司" and firms[code(11)].industry_code == "I65"
    invitations = db.session.scalars(select(Invitation)).all()
    assert {invitation.email for invitation in invitations} == {"wang@yongjiang.example",
                                                                "li@sanjiang.example"}
    assert all(invitation.is_firm_admin for invitation in invitations)
    mails = {mail.recipient for mail in db.session.scalars(select(OutboxMail))}
    assert {"wang@yongjiang.example", "li@sanjiang.example"} <= mails
    # The same roster again: nothing new, nobody invited twice.
    upload(client, "roster", "名单.csv", data)
    again = db.session.scalars(select(OfficialImport).order_by(OfficialImport.id.desc())).first()
    assert (again.status, again.created, again.unchanged) == ("applied", 0, 2)
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 2


def test_a_roster_with_one_bad_row_creates_nothing(client, people):
    login(client, people["officer"])
    data = (ROSTER.format(a=code(20), b=code(21))
            + f"{code(22)},外区企业,jiangbei,C39,2020-01-01,赵,zhao@x.example\n"
            + f"{code(23)},,haishu,XX,2099-01-01,,not-an-address\n").encode()
    upload(client, "roster", "roster.csv", data)
    record = db.session.scalar(select(OfficialImport).where(OfficialImport.kind == "roster"))
    assert record.status == "rejected" and [entry["row"] for entry in record.report] == [4, 5]
    assert len(record.report[1]["errors"]) == 5
    assert db.session.scalar(select(func.count()).select_from(Firm)) == 0
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0


def test_the_queue_filters_on_rd_mismatch(client, people):
    from tests.factories import CandidateFactory
    flagged, other = FirmFactory(district="haishu", name="甲研发企业"), FirmFactory(district="haishu", name="乙研发企业")
    CandidateFactory(firm=flagged, tier="hnte", cycle=2025)
    CandidateFactory(firm=other, tier="hnte", cycle=2025)
    FirmFlagFactory(firm=flagged, flag="rd_mismatch", cycle=2025,
                    detail={"fiscal_year": 2024, "reported": "100", "official": "80",
                            "source": "statistics"})
    login(client, people["officer"])
    page = client.get("/officer/queue?cycle=2025&flag=rd_mismatch").get_data(as_text=True)
    assert flagged.name in page and other.name not in page
    assert "R&amp;D differs from statistics" in page
