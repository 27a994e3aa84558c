"""The whole registry: the firm directory, the firms that have not filed, the firm file, filing
acceptance, province certificate imports (all or nothing) and the firm's inbox."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from registry.models import AuditEvent, Certificate, CertificateImport, Filing, Notification
from registry.rules import today_in_shanghai
from registry.services import directory
from tests.factories import (
    CandidateFactory,
    CertificateFactory,
    FilingFactory,
    FirmFactory,
    UserFactory,
)
from tests.officer.conftest import login

LAST_YEAR = today_in_shanghai().year - 1


def firm_names(page: str) -> list[str]:
    return re.findall(r'href="/officer/firms/\d+">([^<]+)</a>', page)


def test_the_directory_searches_filters_and_pages(client, db_session, officer, districts):
    firms = [FirmFactory(name=f"甬城{n:02d}科技有限公司", district="haishu",
                         industry_code="C39" if n % 2 else "I65") for n in range(60)]
    FirmFactory(name="甬城江北有限公司", district="jiangbei")
    CertificateFactory(firm=firms[3], tier="hnte", issued=dt.date(2024, 1, 1),
                       expires=dt.date(2099, 12, 31))
    login(client, officer)
    first = client.get("/officer/firms").get_data(as_text=True)
    assert firm_names(first) == [f"甬城{n:02d}科技有限公司" for n in range(50)]
    after = re.search(r'href="/officer/firms\?after=([^&"]+)', first).group(1)
    second = client.get(f"/officer/firms?after={after}").get_data(as_text=True)
    assert firm_names(second) == [f"甬城{n:02d}科技有限公司" for n in range(50, 60)]
    assert firm_names(client.get("/officer/firms?q=甬城07").get_data(as_text=True)) == \
        ["甬城07科技有限公司"]
    assert len(firm_names(client.get("/officer/firms?industry=C").get_data(as_text=True))) == 30
    assert firm_names(client.get("/officer/firms?holds=hnte").get_data(as_text=True)) == \
        ["甬城03科技有限公司"]
    code = firms[9].credit_code
    assert firm_names(client.get(f"/officer/firms?q={code}").get_data(as_text=True)) == \
        ["甬城09科技有限公司"]


def test_not_filed_lists_firms_without_a_counting_filing(client, db_session, officer, districts):
    filed = FirmFactory(name="已申报有限公司", district="haishu")
    FilingFactory(firm=filed, fiscal_year=LAST_YEAR, status="submitted")
    draft = FirmFactory(name="草稿有限公司", district="haishu")
    FilingFactory(firm=draft, fiscal_year=LAST_YEAR, status="draft")
    returned = FirmFactory(name="退回有限公司", district="haishu")
    FilingFactory(firm=returned, fiscal_year=LAST_YEAR, status="returned")
    FirmFactory(name="未申报有限公司", district="haishu")
    FirmFactory(name="新成立有限公司", district="haishu", founded=dt.date(LAST_YEAR + 1, 1, 2))
    FirmFactory(name="待审核有限公司", district="haishu", status="pending")
    FirmFactory(name="江北未申报有限公司", district="jiangbei")
    login(client, officer)
    page = client.get("/officer/not-filed").get_data(as_text=True)
    assert sorted(firm_names(page)) == sorted(["草稿有限公司", "退回有限公司", "未申报有限公司"])
    deadline = dt.date(LAST_YEAR + 1, 5, 31)
    assert deadline.isoformat() in page
    assert directory.filing_deadline(db_session, LAST_YEAR) == deadline

    export = client.get("/officer/not-filed/export.csv")
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert sorted(row[1] for row in rows[1:]) == sorted(["草稿有限公司", "退回有限公司", "未申报有限公司"])
    assert all(row[8] == deadline.isoformat() for row in rows[1:])
    # The filing's status, as the page's badge shows it.
    assert {row[1]: row[9] for row in rows[1:]} == {"草稿有限公司": "Draft", "退回有限公司": "Returned",
                                                    "未申报有限公司": "Not started"}
    xlsx = client.get("/officer/not-filed/export.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.max_row == 4


def test_the_firm_file_shows_filings_charts_timeline_and_history(client, db_session, officer,
                                                                 firm, firm_user):
    for year, revenue, rd in ((2022, "3000", "120"), (2023, "4000", "210"), (2024, "6000", "240")):
        FilingFactory(firm=firm, fiscal_year=year, revenue=revenue, rd_expense=rd,
                      status="accepted")
    CertificateFactory(firm=firm, tier="hnte", issued=dt.date(2022, 12, 1),
                       expires=dt.date(2025, 11, 30))
    CandidateFactory(firm=firm, tier="gazelle", cycle=2025)
    login(client, officer)
    page = client.get(f"/officer/firms/{firm.id}").get_data(as_text=True)
    chart = re.search(r"const data = (\{.*?\});", page).group(1)
    assert '"years": [2022, 2023, 2024]' in chart
    assert '"ratio": [4.0, 5.25, 4.0]' in chart
    assert '"band": [5.0, 5.0, 4.0]' in chart        # 6,000 万元 of revenue: the 4% band
    assert 'data-timeline-tier="hnte"' in page and 'data-timeline-tier="gazelle"' in page
    assert 'id="audit"' in page


def test_accepting_and_returning_filings(client, db_session, officer, firm):
    filing = FilingFactory(firm=firm, fiscal_year=2024, status="submitted")
    other = FilingFactory(firm=firm, fiscal_year=2023, status="submitted")
    login(client, officer)
    assert client.post(f"/officer/firms/{firm.id}/filings/2024/accept").status_code == 302
    client.post(f"/officer/firms/{firm.id}/filings/2023/return", data={"comment": "请补充"})
    db_session.expire_all()
    assert db_session.get(Filing, filing.id).status == "accepted"
    assert db_session.get(Filing, other.id).status == "returned"
    again = client.post(f"/officer/firms/{firm.id}/filings/2024/accept", follow_redirects=True,
                        headers={"Accept-Language": "en"})
    assert "not in a state that allows this action" in again.get_data(as_text=True)
    assert client.post(f"/officer/firms/{firm.id}/filings/2019/accept").status_code == 404


# --- Province certificate imports --------------------------------------------------------------

def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, name: str, data: bytes):
    return client.post("/officer/certificates/import",
                       data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", follow_redirects=True)


def test_an_import_is_all_or_nothing_with_a_row_report(client, db_session, officer, firm,
                                                       other_firm):
    login(client, officer)
    rows = [["统一社会信用代码", "认定类型", "证书编号", "发证日期", "有效期至"],
            [firm.credit_code, "高新技术企业", "GR202533020000777", "2025-12-01", "2028-11-30"],
            [other_firm.credit_code, "hnte", "GR202533020000778", "2025-12-01", "2028-11-30"],
            ["91330200XXXXXXXXX1", "hnte", "GR202533020000779", "2025-13-01", "2028-11-30"],
            [firm.credit_code, "unicorn", "GR202533020000777", "2025-12-01", "2024-11-30"]]
    page = upload(client, "province.csv", _csv(rows)).get_data(as_text=True)
    assert 'data-status="rejected"' in page
    outcomes = dict(re.findall(r'data-row="(\d+)" data-outcome="(\w+)"', page))
    assert outcomes == {"2": "created", "3": "error", "4": "error", "5": "error"}
    assert "No firm with this credit code in your districts" in page        # jiangbei's firm
    assert "appears twice" in page and "expires before it is issued" in page
    assert db_session.scalar(select(func.count()).select_from(Certificate)) == 0
    batch = db_session.scalar(select(CertificateImport))
    assert batch.status == "rejected" and batch.rows == 4

    good = [rows[0], rows[1]]
    page = upload(client, "province.xlsx", _xlsx(good)).get_data(as_text=True)
    assert 'data-status="applied"' in page
    certificate = db_session.scalar(select(Certificate))
    assert (certificate.firm_id, certificate.tier, certificate.status, certificate.expires) == \
        (firm.id, "hnte", "valid", dt.date(2028, 11, 30))
    # The same list again changes nothing.
    page = upload(client, "province.xlsx", _xlsx(good)).get_data(as_text=True)
    assert 'data-outcome="unchanged"' in page
    assert db_session.scalar(select(func.count()).select_from(Certificate)) == 1
    assert db_session.scalar(select(func.count()).where(
        AuditEvent.action == "certificate_import")) == 3


@pytest.mark.parametrize("name,data,message", [
    ("list.pdf", b"%PDF", "Upload a .csv or .xlsx file"),
    ("list.xlsx", b"not a workbook", "cannot be read as a spreadsheet"),
    ("list.csv", b"\x80\xff,\xff\n", "neither UTF-8 nor GBK"),
    ("list.csv", b"credit_code,tier\n", "Missing columns: number, issued, expires"),
])
def test_unreadable_files_are_reported(client, db_session, officer, name, data, message):
    login(client, officer)
    page = upload(client, name, data).get_data(as_text=True)
    assert message in page and 'data-status="rejected"' in page


# --- The firm's inbox ---------------------------------------------------------------------------

def test_the_firm_reads_its_decisions_in_the_inbox(client, db_session, officer, firm, firm_user,
                                                   other_firm):
    candidate = CandidateFactory(firm=firm, status="in_review")
    other = CandidateFactory(firm=other_firm, status="in_review")
    login(client, officer)
    client.post(f"/officer/candidates/{candidate.id}/reject", data={"reason": "研发占比不足"})
    login(client, UserFactory(admin=True))
    client.post(f"/officer/candidates/{other.id}/reject", data={"reason": "另一家的理由"})

    login(client, firm_user)
    page = client.get("/inbox/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "研发占比不足" in page and "另一家的理由" not in page
    assert 'id="unread">1<' in page
    client.post("/inbox/read")
    assert db_session.scalar(select(Notification.read_at).where(
        Notification.firm_id == firm.id)) is not None
    login(client, officer)
    assert client.get("/inbox/").status_code == 403


def test_decisions_are_mailed_when_smtp_is_configured(app, client, db_session, officer, firm,
                                                      firm_user):
    from registry.models import OutboxMail
    candidate = CandidateFactory(firm=firm, status="in_review")
    login(client, officer)
    app.config["MAIL_SERVER"] = "smtp.example"
    try:
        client.post(f"/officer/candidates/{candidate.id}/reject", data={"reason": "材料不全"})
    finally:
        app.config["MAIL_SERVER"] = None
    mail = db_session.scalar(select(OutboxMail))
    assert mail.recipient == firm_user.email and "材料不全" in mail.body
    assert "/inbox/" in mail.body
