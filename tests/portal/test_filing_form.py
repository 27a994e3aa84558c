"""The filing form through the Flask client: errors beside fields, values kept, submit, receipt."""
from __future__ import annotations

from decimal import Decimal

from registry.models import Filing, FilingRevision
from tests.portal.conftest import LAST_YEAR, field_errors, figures


def _page(response) -> str:
    return response.get_data(as_text=True)


def test_a_new_year_opens_an_empty_form_with_units_and_definitions(logged_in):
    page = _page(logged_in.get(f"/portal/filings/{LAST_YEAR}"))
    assert 'name="revenue"' in page and 'name="st_staff"' in page
    assert "万元" in page
    assert "183" in page  # the S&T staff definition is shown with the field


def test_save_a_draft_creates_revision_one(logged_in, db_session, firm):
    response = logged_in.post(f"/portal/filings/{LAST_YEAR}",
                              data={**figures(), "revision": "0", "action": "save"})
    assert response.status_code == 302
    filing = db_session.query(Filing).filter_by(firm_id=firm.id, fiscal_year=LAST_YEAR).one()
    assert filing.status == "draft" and filing.revision == 1
    assert filing.revenue == Decimal(950) and filing.input_vat is None
    revision = db_session.query(FilingRevision).filter_by(filing_id=filing.id).one()
    assert revision.action == "save" and revision.changes["revenue"] == [None, "950"]


def test_a_bad_field_comes_back_beside_the_field_with_every_value_kept(logged_in, db_session):
    data = {**figures(rd_expense="12.34567", employees="abc"), "revision": "0", "action": "save"}
    response = logged_in.post(f"/portal/filings/{LAST_YEAR}", data=data)
    page = _page(response)
    assert response.status_code == 200
    assert "rd_expense" in field_errors(page) and ("4 decimal" in page or "4位小数" in page)
    assert "employees" in field_errors(page)
    for value in ("12.34567", "abc", "950", "700", "1500"):
        assert f'value="{value}"' in page
    assert db_session.query(Filing).count() == 0


def test_cross_field_errors_name_the_whole(logged_in, db_session):
    data = {**figures(rd_domestic="70", st_staff="60", hightech_income="1200"), "revision": "0"}
    page = _page(logged_in.post(f"/portal/filings/{LAST_YEAR}", data=data))
    assert set(field_errors(page)) == {"rd_domestic", "st_staff", "hightech_income"}
    assert db_session.query(Filing).count() == 0


def test_taxable_income_and_net_assets_may_be_negative_but_revenue_not(logged_in, db_session):
    data = {**figures(taxable_income="-35.5", net_assets="-1,200", revenue="-1"), "revision": "0"}
    page = _page(logged_in.post(f"/portal/filings/{LAST_YEAR}", data=data))
    assert "revenue" in field_errors(page)
    assert "taxable_income" not in field_errors(page) and "net_assets" not in field_errors(page)
    data["revenue"] = "950"
    assert logged_in.post(f"/portal/filings/{LAST_YEAR}", data=data).status_code == 302
    filing = db_session.query(Filing).one()
    assert filing.taxable_income == Decimal("-35.5") and filing.net_assets == Decimal(-1200)


def test_garbage_and_huge_numbers_never_give_a_500(logged_in, db_session):
    for bad in ("1e400", "NaN", "Infinity", "１２,３４", "99999999999", "1" * 500, "--5", "5..2",
                "\x00", "١٢٣"):
        response = logged_in.post(f"/portal/filings/{LAST_YEAR}",
                                  data={**figures(revenue=bad), "revision": "0"})
        assert response.status_code == 200, bad
        assert "revenue" in field_errors(_page(response)), bad
    assert db_session.query(Filing).count() == 0


def test_thousands_separators_and_full_width_digits_are_read_exactly(logged_in, db_session):
    data = {**figures(revenue="1,234.5", total_cost="９００．２５"), "revision": "0"}
    assert logged_in.post(f"/portal/filings/{LAST_YEAR}", data=data).status_code == 302
    filing = db_session.query(Filing).one()
    assert filing.revenue == Decimal("1234.5") and filing.total_cost == Decimal("900.25")


def test_years_outside_founding_to_last_year_are_not_found(logged_in, firm):
    assert logged_in.get(f"/portal/filings/{firm.founded.year - 1}").status_code == 404
    assert logged_in.get(f"/portal/filings/{LAST_YEAR + 1}").status_code == 404
    assert logged_in.get(f"/portal/filings/{firm.founded.year}").status_code == 200


def test_submit_requires_every_figure_but_input_vat(logged_in, db_session):
    data = {**figures(total_cost=""), "revision": "0", "action": "submit"}
    page = _page(logged_in.post(f"/portal/filings/{LAST_YEAR}", data=data))
    assert "total_cost" in field_errors(page) and "input_vat" not in field_errors(page)
    assert db_session.query(Filing).count() == 0


def test_submit_gives_a_receipt_and_the_filing_becomes_read_only(logged_in, db_session, app):
    data = {**figures(), "revision": "0", "action": "submit"}
    response = logged_in.post(f"/portal/filings/{LAST_YEAR}", data=data)
    assert response.status_code == 302 and "/portal/receipts/" in response.headers["Location"]
    receipt = _page(logged_in.get(response.headers["Location"]))
    assert 'id="receipt-revision">1<' in receipt and "甬江科技有限公司" in receipt
    filing = db_session.query(Filing).one()
    assert filing.status == "submitted" and filing.submitted_at is not None
    # Read-only: the page shows values without inputs, and a POST changes nothing.
    view = _page(logged_in.get(f"/portal/filings/{LAST_YEAR}"))
    assert 'name="revenue"' not in view and "950" in view
    again = logged_in.post(f"/portal/filings/{LAST_YEAR}",
                           data={**figures(revenue="1"), "revision": "1", "action": "submit"})
    assert again.status_code == 302
    db_session.expire_all()
    assert db_session.query(Filing).one().revenue == Decimal(950)
    assert db_session.query(FilingRevision).count() == 1


def test_plausibility_warnings_must_be_confirmed_to_submit(logged_in, db_session):
    data = {**figures(rd_expense="600", rd_domestic="500"), "revision": "0", "action": "submit"}
    page = _page(logged_in.post(f"/portal/filings/{LAST_YEAR}", data=data))
    assert 'data-warning="rd_above_half_revenue"' in page
    assert 'value="600"' in page
    assert db_session.query(Filing).filter_by(status="submitted").count() == 0
    data["confirm"] = "rd_above_half_revenue"
    assert logged_in.post(f"/portal/filings/{LAST_YEAR}", data=data).status_code == 302
    revision = db_session.query(FilingRevision).one()
    assert [w["id"] for w in revision.warnings] == ["rd_above_half_revenue"]
    assert db_session.query(Filing).one().confirmed_warnings == ["rd_above_half_revenue"]


def test_revisions_page_shows_each_change_old_to_new(logged_in, db_session):
    year = f"/portal/filings/{LAST_YEAR}"
    logged_in.post(year, data={**figures(), "revision": "0"})
    logged_in.post(year, data={**figures(revenue="990"), "revision": "1"})
    page = _page(logged_in.get(f"{year}/revisions"))
    assert 'id="revision-2"' in page and 'id="revision-1"' in page
    assert "<del>950.00</del>" in page and "990.00" in page  # 万元, two decimals


def test_a_stale_revision_is_refused_and_the_values_kept(logged_in, db_session):
    year = f"/portal/filings/{LAST_YEAR}"
    logged_in.post(year, data={**figures(), "revision": "0"})
    page = _page(logged_in.post(year, data={**figures(revenue="777"), "revision": "0"}))
    assert 'id="form-problem"' in page and 'value="777"' in page
    assert db_session.query(Filing).one().revenue == Decimal(950)


def test_headcounts_are_prefilled_from_last_year_but_money_is_not(logged_in, db_session, firm):
    from tests.factories import FilingFactory
    FilingFactory(firm=firm, fiscal_year=LAST_YEAR - 1, employees=Decimal("42.5"),
                  revenue=Decimal(321))
    page = _page(logged_in.get(f"/portal/filings/{LAST_YEAR}"))
    assert 'value="42.5"' in page
    assert 'name="revenue" type="text" value=""' in page or 'value="321"' not in page


def test_autosave_saves_the_draft_and_answers_json(logged_in, db_session):
    url = f"/portal/filings/{LAST_YEAR}/autosave"
    response = logged_in.post(url, data={**figures(), "revision": "0"},
                              headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.json["ok"] and response.json["revision"] == 1
    again = logged_in.post(url, data={**figures(), "revision": "1"},
                           headers={"Accept": "application/json"})
    assert again.json["saved"] is False  # nothing changed: no new revision
    bad = logged_in.post(url, data={**figures(revenue="x"), "revision": "1"},
                         headers={"Accept": "application/json"})
    assert bad.status_code == 422 and "revenue" in bad.json["errors"]
    stale = logged_in.post(url, data={**figures(revenue="1"), "revision": "0"},
                           headers={"Accept": "application/json"})
    assert stale.status_code == 409
    assert db_session.query(FilingRevision).one().action == "autosave"


def test_autosave_never_submits(logged_in, db_session):
    logged_in.post(f"/portal/filings/{LAST_YEAR}/autosave",
                   data={**figures(), "revision": "0", "action": "submit"})
    assert db_session.query(Filing).one().status == "draft"


def test_the_filing_list_shows_every_year_with_its_status(logged_in, db_session, firm):
    logged_in.post(f"/portal/filings/{LAST_YEAR}", data={**figures(), "revision": "0"})
    page = _page(logged_in.get("/portal/filings"))
    for year in range(firm.founded.year, LAST_YEAR + 1):
        assert f'data-year="{year}"' in page
    assert 'data-status="draft"' in page and 'data-status="none"' in page
