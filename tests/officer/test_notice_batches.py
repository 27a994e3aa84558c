"""Notice batches: approvals of one tier and cycle made public together under one 文号, a
printable list and CSV/XLSX to publish, ending a notice whose period is over with its
certificates issued at once, and objections that say who decided and when."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from registry.models import AuditEvent, Candidate, NoticeBatch, Notification, User
from registry.services import certificates, review
from tests.factories import CandidateFactory, FirmFactory
from tests.officer.conftest import login
from tests.officer.test_notices_and_certificates import APPROVED_ON, LAST_DAY, approve

AFTER = LAST_DAY + dt.timedelta(days=1)


def test_approvals_of_one_tier_and_cycle_share_a_batch_with_a_number(in_request, db_session,
                                                                       officer, firm):
    second = FirmFactory(name="海曙第二科技有限公司", district="haishu")
    one = approve(db_session, officer, CandidateFactory(firm=firm, tier="hnte", cycle=2025))
    two = approve(db_session, officer, CandidateFactory(firm=second, tier="hnte", cycle=2025))
    other_tier = approve(db_session, officer,
                         CandidateFactory(firm=second, tier="tech_sme", cycle=2025))
    later = approve(db_session, officer, CandidateFactory(firm=firm, tier="gazelle", cycle=2025),
                    on=APPROVED_ON + dt.timedelta(days=7))
    assert one.batch_id == two.batch_id
    assert len({one.batch_id, other_tier.batch_id, later.batch_id}) == 3
    numbers = [b.number for b in db_session.scalars(select(NoticeBatch).order_by(NoticeBatch.id))]
    assert numbers == ["甬科公〔2025〕1号", "甬科公〔2025〕2号", "甬科公〔2025〕3号"]
    assert (one.batch.first_day, one.batch.last_day) == (one.first_day, one.last_day)


def test_ending_a_batch_issues_its_certificates_now_and_waits_for_objections(
        in_request, db_session, officer, firm):
    second = FirmFactory(district="haishu")
    clear = approve(db_session, officer, CandidateFactory(firm=firm, tier="hnte", cycle=2025))
    disputed = approve(db_session, officer,
                       CandidateFactory(firm=second, tier="hnte", cycle=2025))
    review.record_objection(db_session, disputed, officer, received_on=APPROVED_ON +
                            dt.timedelta(days=3), objector="匿名", summary="知识产权存疑")
    batch = clear.batch
    with pytest.raises(review.ReviewError):        # the period still runs on its last day
        certificates.end_notice_batch(db_session, batch, [clear, disputed], officer, LAST_DAY)
    assert certificates.end_notice_batch(db_session, batch, [clear, disputed], officer,
                                         AFTER) == 1
    assert clear.status == "concluded" and clear.certificate.status == "valid"
    assert clear.certificate.number and clear.certificate.issued == AFTER
    assert disputed.status == "running" and batch.ended_on is None
    kinds = db_session.scalars(select(Notification.kind).where(
        Notification.firm_id == firm.id)).all()
    assert kinds == ["approved", "certified"]
    # The objection decided, the batch ends with its last notice (who and when recorded).
    objection = disputed.objections[0]
    review.dismiss_objection(db_session, objection, officer, "专利权属已核实")
    assert objection.decided_by_id == officer.id and objection.decided_at is not None
    certificates.end_notice_batch(db_session, batch, [clear, disputed], officer, AFTER)
    assert batch.ended_on == AFTER and batch.ended_by_id == officer.id
    actions = db_session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "noticebatch").order_by(AuditEvent.id)).all()
    assert actions == ["notice_batch_issue", "notice_batch_end", "notice_batch_issue"]
    with pytest.raises(review.ReviewError):
        certificates.end_notice_batch(db_session, batch, [clear, disputed], officer, AFTER)


def test_the_daily_pass_still_concludes_and_ends_the_batch(in_request, db_session, officer,
                                                            firm):
    notice = approve(db_session, officer, CandidateFactory(firm=firm, tier="hnte", cycle=2025))
    assert certificates.daily_pass(db_session, AFTER)["certified"] == 1
    assert notice.batch.ended_on == AFTER and notice.batch.ended_by_id is None


@pytest.fixture
def batch_id(app, db_session, officer, admin, firm, other_firm):
    """A batch with a Haishu and a Jiangbei firm (approved by an admin), its period over."""
    ids = [CandidateFactory(firm=f, tier="hnte", cycle=2025).id for f in (firm, other_firm)]
    admin_id = admin.id
    with app.test_request_context():
        approver = db_session.get(User, admin_id)
        notices = [approve(db_session, approver, db_session.get(Candidate, i)) for i in ids]
        db_session.commit()
        return notices[0].batch_id


def test_the_batch_list_prints_and_exports_the_officer_s_firms(client, officer, batch_id):
    login(client, officer)
    page = client.get(f"/officer/notice-batches/{batch_id}").get_data(as_text=True)
    assert "甬科公〔2025〕1号" in page and "甬江智能科技有限公司" in page
    assert "江北精工有限公司" not in page          # another district's firm of the batch
    assert "data-print" in page
    sheet = load_workbook(io.BytesIO(client.get(
        f"/officer/notice-batches/{batch_id}/export.xlsx").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("No.", "Firm", "Credit code") and len(rows) == 2
    assert rows[1][1] == "甬江智能科技有限公司"
    assert rows[1][-1] == "甬科公〔2025〕1号"     # the notice number, not an internal id
    export = client.get(f"/officer/notice-batches/{batch_id}/export.xlsx")
    assert re.search(r"filename=notice-\d{4}-\d{2}-\d{2}\.xlsx$",
                     export.headers["Content-Disposition"])     # its first day, not its id
    text = client.get(f"/officer/notice-batches/{batch_id}/export.csv").get_data(as_text=True)
    assert text.startswith("\ufeff") and "甬江智能科技有限公司" in text
    listing = client.get("/officer/notice-batches").get_data(as_text=True)
    assert "甬科公〔2025〕1号" in listing


def test_an_officer_ends_the_batch_from_its_page(client, db_session, officer, batch_id):
    login(client, officer)
    response = client.post(f"/officer/notice-batches/{batch_id}/end")
    assert response.status_code == 302
    page = client.get(f"/officer/notice-batches/{batch_id}").get_data(as_text=True)
    assert "1 certificates issued" in page or "certificates issued" in page
    # Only the officer's own district was ended; the Jiangbei notice still runs.
    assert db_session.get(NoticeBatch, batch_id).ended_on is None
