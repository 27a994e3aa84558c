"""The candidate queue: filters, counts per filter, search, keyset pages, bulk actions; and the
copies of the firm's district and industry on candidates that make it fast."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from registry.models import Candidate, Firm, FirmFlag, PublicNotice
from registry.services import directory
from registry.services.directory import QueueFilters, decode_cursor, encode_cursor
from tests.factories import CandidateFactory, FirmFactory, FirmFlagFactory
from tests.officer.conftest import login


@pytest.fixture
def registry(db_session, districts):
    """Twelve candidates in haishu (mixed tiers, industries, statuses), three in jiangbei."""
    firms = [FirmFactory(name=f"海曙{i:02d}科技有限公司", district="haishu",
                         industry_code="C39" if i % 2 else "I65") for i in range(12)]
    firms += [FirmFactory(name=f"江北{i}精工有限公司", district="jiangbei", industry_code="C34")
              for i in range(3)]
    candidates = []
    for i, firm in enumerate(firms):
        candidates.append(CandidateFactory(
            firm=firm, tier="hnte" if i % 3 else "tech_sme",
            status="in_review" if i in (4, 5) else "open"))
    FirmFlagFactory(firm=firms[1], flag="hnte_near_miss")
    FirmFlagFactory(firm=firms[2], flag="hnte_near_miss")
    FirmFlagFactory(firm=firms[2], flag="hnte_zero_rd", status="closed")
    db_session.expire_all()  # SQLite's trigger runs after the insert returned its row
    return firms, candidates


def ids(page) -> list[int]:
    return [row[0].id for row in page.rows]


def test_candidates_carry_their_firm_s_district_and_industry(db_session, registry):
    """A trigger fills the copies on insert and follows a firm that moves."""
    firms, candidates = registry
    assert (candidates[0].district, candidates[0].industry_code) == ("haishu", "I65")
    db_session.execute(text("UPDATE firms SET district = 'jiangbei', industry_code = 'M73' "
                            "WHERE id = :id"), {"id": firms[0].id})
    db_session.expire_all()
    moved = db_session.get(Candidate, candidates[0].id)
    assert (moved.district, moved.industry_code) == ("jiangbei", "M73")


def test_an_officer_sees_their_districts_and_counts_per_filter(db_session, officer, registry):
    counts = directory.queue_counts(db_session, officer, QueueFilters(cycle=2025))
    assert counts["total"] == {"all": 10}          # haishu's open candidates
    assert counts["status"] == {"open": 10, "in_review": 2}
    assert counts["district"] == {"haishu": 10}
    assert counts["tier"] == {"hnte": 6, "tech_sme": 4}
    assert counts["section"] == {"C": 5, "I": 5}
    assert counts["flag"] == {"hnte_near_miss": 2}
    assert len(ids(directory.queue_page(db_session, officer, QueueFilters(cycle=2025)))) == 10


def test_each_facet_counts_with_the_other_filters_only(db_session, officer, registry):
    filters = QueueFilters(cycle=2025, tier="hnte", industry="C39")
    page = directory.queue_page(db_session, officer, filters)
    counts = directory.queue_counts(db_session, officer, filters)
    expected = {c.id for c in db_session.scalars(select(Candidate).where(
        Candidate.district == "haishu", Candidate.status == "open", Candidate.tier == "hnte",
        Candidate.industry_code == "C39"))}
    assert set(ids(page)) == expected and counts["total"]["all"] == len(expected)
    # The tier facet ignores the tier filter (other tiers still show what they would give)...
    assert counts["tier"]["tech_sme"] == sum(
        1 for c in db_session.scalars(select(Candidate)) if c.district == "haishu"
        and c.status == "open" and c.tier == "tech_sme" and c.industry_code == "C39")
    # ...and the status facet shows the statuses within tier and industry.
    assert sum(counts["status"].values()) == len(db_session.scalars(select(Candidate).where(
        Candidate.district == "haishu", Candidate.tier == "hnte",
        Candidate.industry_code == "C39")).all())
    # The industry facet counts sections, without the industry filter (as every facet).
    assert counts["section"] == {"C": 3, "I": 3}


def test_admin_sees_every_district(db_session, admin, registry):
    counts = directory.queue_counts(db_session, admin, QueueFilters(cycle=2025))
    assert counts["district"] == {"haishu": 10, "jiangbei": 3}
    assert directory.cycles(db_session) == [2025]


def test_flag_scan_assigned_and_search_filters(db_session, officer, registry):
    firms, candidates = registry
    flagged = directory.queue_page(db_session, officer, QueueFilters(cycle=2025,
                                                                     flag="hnte_near_miss"))
    assert set(ids(flagged)) == {candidates[1].id, candidates[2].id}
    # The closed flag does not count.
    assert directory.queue_page(db_session, officer, QueueFilters(
        cycle=2025, flag="hnte_zero_rd")).rows == []
    by_name = directory.queue_page(db_session, officer, QueueFilters(cycle=2025, q="海曙03"))
    assert ids(by_name) == [candidates[3].id]
    by_code = directory.queue_page(db_session, officer, QueueFilters(
        cycle=2025, q=firms[7].credit_code[:14].lower()))
    assert candidates[7].id in ids(by_code)
    assert directory.queue_page(db_session, officer, QueueFilters(cycle=2025, q="100%_")).rows == []
    candidates[6].assigned_to_id = officer.id
    db_session.flush()
    mine = directory.queue_page(db_session, officer, QueueFilters(cycle=2025, assigned="me"))
    assert ids(mine) == [candidates[6].id]


@pytest.mark.parametrize("sort", ["newest", "oldest", "district"])
def test_keyset_pages_cover_everything_once(db_session, admin, registry, sort):
    filters = QueueFilters(cycle=2025, status=None, sort=sort)
    seen, after = [], None
    while True:
        page = directory.queue_page(db_session, admin, filters, after, size=4)
        seen += ids(page)
        if page.next_cursor is None:
            break
        after = page.next_cursor
    everything = directory.queue_page(db_session, admin, filters, size=100)
    assert seen == ids(everything) and len(seen) == 15


def test_a_forged_cursor_is_the_first_page(db_session, admin, registry):
    first = directory.queue_page(db_session, admin, QueueFilters(cycle=2025), size=3)
    for token in ("garbage", encode_cursor(["x", "y", "z"]), encode_cursor([{"a": 1}])):
        assert ids(directory.queue_page(db_session, admin, QueueFilters(cycle=2025), token,
                                        size=3)) == ids(first)
    assert decode_cursor(encode_cursor([5]), 1) == (5,)


def test_the_queue_page_filters_and_links(client, officer, registry):
    login(client, officer)
    page = client.get("/officer/queue?tier=hnte&industry=C&sort=oldest").get_data(as_text=True)
    rows = re.findall(r'data-candidate="(\d+)"', page)
    assert rows and len(rows) == 3
    assert 'data-facet="district"' in page and "江北" not in page
    assert "/officer/queue/counts?" in page
    counts = client.get("/officer/queue/counts?tier=hnte&industry=C").get_json()
    assert counts["total"] == 3
    assert counts["counts"]["tier"] == {"hnte": 3, "tech_sme": 2}
    assert counts["counts"]["section"] == {"C": 3, "I": 3}
    assert client.get("/officer/queue?district=jiangbei").status_code == 200  # ignored, not 500


def test_bulk_approve_confirms_then_summarises(client, db_session, officer, registry):
    _firms, candidates = registry
    login(client, officer)
    chosen = [candidates[0].id, candidates[4].id, candidates[12].id]   # open, in_review, jiangbei
    confirm = client.post("/officer/queue/bulk", data={"action": "approve", "ids": chosen})
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and 'id="bulk-confirm"' in page
    assert f'data-candidate="{candidates[12].id}"' not in page      # outside the scope
    db_session.expire_all()
    assert db_session.get(Candidate, candidates[0].id).status == "open"   # nothing yet

    done = client.post("/officer/queue/bulk", data={"action": "approve", "ids": chosen,
                                                    "confirm": "yes"})
    assert done.status_code == 200
    assert 'data-changed="yes"' in done.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Candidate, candidates[0].id).status == "approved"
    assert db_session.get(Candidate, candidates[4].id).status == "approved"
    assert db_session.get(Candidate, candidates[12].id).status == "open"
    notices = db_session.scalars(select(PublicNotice.candidate_id)).all()
    assert sorted(notices) == sorted(chosen[:2])


def test_bulk_assign_only_to_officers_of_the_district(client, db_session, officer, other_officer,
                                                      registry):
    _firms, candidates = registry
    login(client, officer)
    data = {"action": "assign", "assignee": str(other_officer.id), "ids": [candidates[0].id],
            "confirm": "yes"}
    page = client.post("/officer/queue/bulk", data=data).get_data(as_text=True)
    assert 'data-changed="no"' in page
    db_session.expire_all()
    assert db_session.get(Candidate, candidates[0].id).assigned_to_id is None
    data["assignee"] = str(officer.id)
    client.post("/officer/queue/bulk", data=data)
    db_session.expire_all()
    assert db_session.get(Candidate, candidates[0].id).assigned_to_id == officer.id


@pytest.mark.postgres_only
def test_queue_plans_use_the_indexes(db_session, admin, registry):
    """The counts are an index-only scan of the facets index; the first page reads an index in
    order instead of sorting; name search uses the trigram index; a flag's outreach list reads
    the flags' list index (or the open flags' index, ordered by firm within a cycle too)."""
    from sqlalchemy.dialects import postgresql
    if db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("needs TEST_DATABASE_URL on PostgreSQL")

    def plan(query) -> str:
        compiled = query.compile(dialect=postgresql.dialect(),
                                 compile_kwargs={"literal_binds": True})
        db_session.execute(text("SET LOCAL enable_seqscan = off"))
        return "\n".join(db_session.execute(text(f"EXPLAIN {compiled}")).scalars())

    counts = plan(select(Candidate.status, Candidate.tier, Candidate.district,
                         Candidate.industry_code)
                  .where(Candidate.cycle == 2025).group_by(Candidate.status, Candidate.tier,
                                                           Candidate.district,
                                                           Candidate.industry_code))
    assert "ix_candidates_facets" in counts
    first = plan(select(Candidate.id).where(Candidate.status == "open", Candidate.tier == "hnte")
                 .order_by(Candidate.id.desc()).limit(50))
    assert "ix_candidates_queue" in first and "Sort" not in first
    search = plan(select(Firm.id).where(directory.firm_search("科技有限")))
    assert "ix_firms_name_trgm" in search
    flags = plan(select(FirmFlag.firm_id).where(FirmFlag.flag == "hnte_near_miss", FirmFlag.cycle == 2025,
                                                 FirmFlag.status == "open").order_by(FirmFlag.firm_id).limit(50))
    # Either flags index yields a cycle's firms in order; the planner picks by the flag's share.
    assert ("ix_firm_flags_list" in flags or "ix_firm_flags_open" in flags) and "Sort" not in flags


def test_bulk_ignores_ids_beyond_the_integer_range(client, db_session, officer, registry):
    _firms, candidates = registry
    login(client, officer)
    response = client.post("/officer/queue/bulk", data={"action": "approve",
                                                        "ids": ["9" * 30, candidates[0].id]})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and f'data-candidate="{candidates[0].id}"' in page
    response = client.post("/officer/queue/bulk", data={"action": "assign", "assignee": "9" * 30,
                                                        "ids": [candidates[0].id]})
    assert response.status_code == 400


def test_out_of_range_numbers_in_the_query_string_are_not_a_500(client, officer, registry):
    login(client, officer)
    huge = "9" * 30
    for path in (f"/officer/queue?scan={huge}", f"/officer/queue/counts?scan={huge}",
                 f"/officer/queue?cycle={huge}", f"/officer/not-filed?year={huge}",
                 f"/officer/outreach/hnte_near_miss?cycle={huge}"):
        assert client.get(path).status_code in (200, 404), path
