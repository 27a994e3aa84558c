"""Every audit event reads as a sentence in zh and en: each recorded action has a name and a
sentence, districts, tiers, roles and statuses are named, and no JSON or internal code shows."""
from __future__ import annotations

import ast
import datetime as dt
import html
import re
from pathlib import Path

from registry.models import AuditEvent
from registry.services.review import CANDIDATE_TRANSITIONS, CERTIFICATE_TRANSITIONS
from registry.views.audit_events import (
    ACTIONS,
    CANDIDATE_ACTIONS,
    CERTIFICATE_ACTIONS,
    EventText,
    action_label,
)
from tests.factories import FirmFactory, UserFactory
from tests.officer.conftest import login

REGISTRY = Path(__file__).resolve().parents[2] / "registry"


def _recorded_actions() -> set[str]:
    """The action names written as literals in `audit.record(session, actor, "action", ...)`."""
    found = set()
    for path in REGISTRY.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr == "record" and isinstance(node.func.value, ast.Name) \
                    and node.func.value.id == "audit" and len(node.args) >= 3 \
                    and not isinstance(node.args[2], ast.JoinedStr):  # transitions: below
                found.update(child.value for child in ast.walk(node.args[2])
                             if isinstance(child, ast.Constant) and isinstance(child.value, str))
    return found


def test_every_recorded_action_has_a_name_and_a_sentence():
    recorded = _recorded_actions()
    assert {"login", "setting_changed", "firm_moved"} <= recorded  # the scan finds them
    assert recorded <= set(ACTIONS)
    assert set(CANDIDATE_TRANSITIONS) <= set(CANDIDATE_ACTIONS)
    assert set(CERTIFICATE_TRANSITIONS) <= set(CERTIFICATE_ACTIONS)
    assert {"objection_uphold", "objection_dismiss"} <= set(ACTIONS)


def test_every_sentence_survives_missing_details(app, db_session):
    with app.test_request_context():
        text = EventText(db_session)
        for action in [*ACTIONS, *(f"candidate_{n}" for n in CANDIDATE_ACTIONS),
                       *(f"certificate_{n}" for n in CERTIFICATE_ACTIONS), "filing_submit"]:
            event = AuditEvent(action=action, object_type="none", details={})
            assert text.sentence(event), action
            assert "_" not in action_label(action), action


def _event(db_session, actor, action, obj_type="none", obj_id=None, firm=None, **details):
    event = AuditEvent(actor_id=actor.id, action=action, object_type=obj_type, object_id=obj_id,
                       firm_id=firm.id if firm else None, details=details,
                       at=dt.datetime(2026, 3, 2, 4, 0, tzinfo=dt.UTC))
    db_session.add(event)
    db_session.flush()


def _details(client) -> list[str]:
    page = client.get("/admin/audit").get_data(as_text=True)
    rows = re.findall(r'<td class="small text-break">(.*?)</td>', page, re.DOTALL)
    return [html.unescape(row).strip() for row in rows]


def test_the_audit_log_reads_as_sentences(client, db_session, admin, officer, districts):
    firm = FirmFactory(name="海曙公司", district="haishu")
    colleague = UserFactory(officer=True, name="接手人", districts=[districts[0]])
    _event(db_session, admin, "user_role_changed", "user", officer.id,
           old={"role": "officer", "districts": ["haishu"]},
           new={"role": "manager", "districts": ["haishu", "jiangbei"]})
    _event(db_session, admin, "user_work_reassigned", "user", officer.id,
           to_user_id=colleague.id, candidates=1234, outreach=0)
    _event(db_session, admin, "firm_moved", "firm", firm.id, firm, from_district="haishu",
           to_district="jiangbei")
    _event(db_session, officer, "candidate_approve", "candidate", 1, firm,
           from_status="in_review", to_status="approved", tier="hnte", cycle=2026, reason=None)
    _event(db_session, admin, "setting_changed", key="districts.jiangbei",
           old={"name_zh": "江北区", "name_en": "Jiangbei", "active": True},
           new={"name_zh": "江北区", "name_en": "Jiangbei", "active": False}, version=2)
    _event(db_session, admin, "programs.reward.approve", year=2026, total_award="12345.6",
           firms=3)
    login(client, admin)
    client.get("/lang/en")
    english = _details(client)
    assert english == [
        "Approved the R&D reward list of 2026: 3 firms, 12,345.60 10k yuan in all.",
        "Deactivated the district Jiangbei.",
        "High and New Technology Enterprise, cycle 2026: In review → Approved.",
        "Moved the firm from Haishu to Jiangbei.",
        ("Handed the open work of 王科长 to 接手人: 1,234 candidates, 0 outreach entries and 0 "
         "spot-check inspections."),
        "Changed 王科长 from Officer (Haishu) to Manager (Haishu, Jiangbei).",
    ]
    client.get("/lang/zh")
    chinese = _details(client)
    assert chinese == [
        "批准了 2026 年研发奖励名单：3 家企业，合计 12,345.60 万元。", "停用区县 江北区。",
        "高新技术企业，2026 批次：审核中 → 已通过。", "企业由 海曙区 迁至 江北区。",
        "将 王科长 未完成的工作交给 接手人：候选 1,234 个，走访记录 0 条，抽查 0 家。",
        "将 王科长 由 经办人（海曙区） 改为 领导（海曙区、江北区）。",
    ]
