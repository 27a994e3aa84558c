"""Firms' facts in the rules.md §7 input shape: exported set-based from the registry, and imported
(all-or-nothing, with a per-firm error report) into firms, accepted filings and certificates."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from registry.creditcode import is_valid_credit_code, normalise_credit_code
from registry.models import Certificate, District, Filing, FilingRevision, Firm, FirmFactChange
from registry.models.base import utcnow
from registry.models.filing import COUNTING_STATUSES, FIGURES
from registry.models.firm import DIRECT_ROUTES, active_on
from registry.rules.facts import FIRM_BOOLEANS, FactsError, FactsErrors, FirmFacts, parse_document
from registry.services import audit
from registry.services.firms import fact_json
from registry.services.official import official_facts

# Certificates never exported: they cannot count for any verdict.
NOT_EXPORTED_CERTIFICATES = ("public_notice", "revoked", "withdrawn")
UNASSIGNED_DISTRICT = "unassigned"
EXPORT_BATCH = 5000
LOOKUP_BATCH = 500


# ---- export -----------------------------------------------------------------------------------

def export_facts(session: Session, as_of: dt.date, identifiers: list[str] | None = None,
                 district: str | None = None) -> Iterator[dict]:
    """Yield each firm's §7 input entry (ordered by firm id), reading the registry in batches with
    three queries each. Years are the submitted or accepted filings before as_of's year.
    Firms deregistered on or before as_of are left out (`models.firm.active_on`).
    `identifiers` and `district` keep only those firms, or that district's."""
    last_id = 0
    while True:
        query = (select(Firm).where(Firm.id > last_id, active_on(as_of)).order_by(Firm.id)
                 .limit(EXPORT_BATCH))
        if identifiers is not None:
            query = query.where(_identified_by(identifiers))
        if district is not None:
            query = query.where(Firm.district == district)
        firms = session.scalars(query).all()
        if not firms:
            return
        first_id, last_id = firms[0].id, firms[-1].id
        filings, certificates = _counting_records(session, first_id, last_id, as_of)
        official = official_facts(session, first_id, last_id, as_of.year)
        for firm in firms:
            yield firm_entry(firm, filings.get(firm.id, []), certificates.get(firm.id, []),
                             official.get(firm.id))
        session.expunge_all()


def firm_facts(session: Session, firm: Firm, as_of: dt.date) -> dict:
    """One firm's §7 input entry on `as_of` (what `export_facts` writes for it)."""
    filings, certificates = _counting_records(session, firm.id, firm.id, as_of)
    official = official_facts(session, firm.id, firm.id, as_of.year)
    return firm_entry(firm, filings.get(firm.id, []), certificates.get(firm.id, []),
                      official.get(firm.id))


def _counting_records(session: Session, first_id: int, last_id: int, as_of: dt.date):
    """({firm id: filings}, {firm id: certificates}) of the firms first_id..last_id that the
    facts carry: submitted or accepted filings of years before as_of's, exportable certificates."""
    filings = _by_firm(session.scalars(select(Filing).where(
        Filing.firm_id.between(first_id, last_id), Filing.status.in_(COUNTING_STATUSES),
        Filing.fiscal_year < as_of.year).order_by(Filing.fiscal_year)))
    certificates = _by_firm(session.scalars(select(Certificate).where(
        Certificate.firm_id.between(first_id, last_id),
        Certificate.status.not_in(NOT_EXPORTED_CERTIFICATES)).order_by(Certificate.issued, Certificate.id)))
    return filings, certificates


def _identified_by(identifiers: list[str]):
    codes = [normalise_credit_code(value) for value in identifiers if is_valid_credit_code(value)]
    return or_(Firm.credit_code.in_(codes), Firm.external_ref.in_(identifiers))


def _by_firm(rows) -> dict[int, list]:
    grouped: dict[int, list] = {}
    for row in rows:
        grouped.setdefault(row.firm_id, []).append(row)
    return grouped


def firm_entry(firm: Firm, filings: list[Filing], certificates: list[Certificate],
               official: dict[int, dict] | None = None) -> dict:
    """One firm in the §7 input shape; `official` adds, per fiscal year, what official imports
    give (`services.official.official_facts`: the statistics R&D figure, the confirmed survey)."""
    years = {f.fiscal_year: f.figures() for f in filings}
    for year, facts in (official or {}).items():
        years.setdefault(year, {}).update(facts)
    return {
        "id": firm.identifier,
        "founded": firm.founded.isoformat(),
        **{name: getattr(firm, name) for name in FIRM_BOOLEANS},
        "tech_field": firm.tech_field,
        "ip": {"class1": firm.ip_class1, "class2": firm.ip_class2},
        "direct_routes": firm.direct_routes,
        "rd_staff_fulltime": firm.rd_staff_fulltime,
        "core_product_share": firm.core_product_share,
        "certificates": [{"tier": c.tier, "number": c.number, "issued": c.issued.isoformat(),
                          "expires": c.expires.isoformat(), "status": c.status} for c in certificates],
        "years": {str(year): years[year] for year in sorted(years)},
    }


# ---- import -----------------------------------------------------------------------------------

@dataclass
class ImportReport:
    firms: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    filings_written: int = 0
    certificates_written: int = 0
    errors: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        return {"ok": self.ok, "firms": self.firms, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "filings_written": self.filings_written,
                "certificates_written": self.certificates_written, "errors": self.errors}


def import_facts(session: Session, document, actor=None) -> ImportReport:
    """Create or update firms, accepted filings and certificates from a §7 input document.

    All-or-nothing: any bad firm leaves the registry untouched and the report lists every error
    (firm and field). Re-importing the same document changes nothing. Flushes, never commits."""
    report = ImportReport()
    try:
        _as_of, parsed = parse_document(document)
    except FactsErrors as bad:
        report.errors = [_error(error) for error in bad.errors]
        return report
    report.errors = [_error(FactsError(facts.id, "id", "longer than 64 characters"))
                     for facts in parsed if len(facts.id) > 64]
    if report.errors:
        return report
    report.firms = len(parsed)
    existing = _existing_firms(session, parsed)
    _ensure_unassigned_district(session, parsed, existing)
    new_firms = [_new_firm(facts) for facts in parsed if _key(facts) not in existing]
    session.add_all(new_firms)
    session.flush()
    existing.update({_key_of(firm): firm for firm in new_firms})
    firm_ids = [firm.id for firm in existing.values()]
    filings = _load(session, Filing, firm_ids, lambda f: (f.firm_id, f.fiscal_year))
    certificates = _load(session, Certificate, firm_ids, _certificate_key)
    created = {id(firm) for firm in new_firms}
    for facts in parsed:
        firm = existing[_key(facts)]
        changed = _update_firm(session, firm, facts, actor) if id(firm) not in created else True
        written_filings = _write_filings(session, firm, facts, filings, actor)
        written_certificates = _write_certificates(session, firm, facts, certificates)
        report.filings_written += written_filings
        report.certificates_written += written_certificates
        if id(firm) in created:
            report.created += 1
        elif changed or written_filings or written_certificates:
            report.updated += 1
        else:
            report.unchanged += 1
    session.flush()
    audit.record(session, actor, "facts.import", None, firms=report.firms, created=report.created,
                 updated=report.updated)
    return report


def _error(error: FactsError) -> dict:
    return {"firm": error.firm_id, "field": error.field, "message": error.message}


def _key(facts: FirmFacts) -> tuple[str, str]:
    """('credit_code', code) for a valid credit code, else ('external_ref', id)."""
    if is_valid_credit_code(facts.id):
        return "credit_code", normalise_credit_code(facts.id)
    return "external_ref", facts.id


def _key_of(firm: Firm) -> tuple[str, str]:
    return ("credit_code", firm.credit_code) if firm.credit_code else ("external_ref", firm.external_ref)


def _existing_firms(session: Session, parsed: list[FirmFacts]) -> dict[tuple[str, str], Firm]:
    keys = [_key(facts) for facts in parsed]
    found: dict[tuple[str, str], Firm] = {}
    for kind, column in (("credit_code", Firm.credit_code), ("external_ref", Firm.external_ref)):
        values = [value for key_kind, value in keys if key_kind == kind]
        for start in range(0, len(values), LOOKUP_BATCH):
            for firm in session.scalars(select(Firm).where(column.in_(values[start:start + LOOKUP_BATCH]))):
                found[_key_of(firm)] = firm
    return found


def _ensure_unassigned_district(session: Session, parsed, existing) -> None:
    if any(_key(facts) not in existing for facts in parsed) and session.get(District, UNASSIGNED_DISTRICT) is None:
        session.add(District(code=UNASSIGNED_DISTRICT, name_zh="未分配", name_en="Unassigned"))


def _firm_values(facts: FirmFacts) -> dict:
    return {
        "founded": facts.founded,
        **{name: getattr(facts, name) for name in FIRM_BOOLEANS},
        "tech_field": facts.tech_field,
        "ip_class1": facts.ip.class1,
        "ip_class2": facts.ip.class2,
        **{f"route_{route}": route in facts.direct_routes for route in DIRECT_ROUTES},
        "rd_staff_fulltime": facts.rd_staff_fulltime,
        "core_product_share": facts.core_product_share,
    }


def _new_firm(facts: FirmFacts) -> Firm:
    kind, value = _key(facts)
    return Firm(**{kind: value}, name=facts.id, district=UNASSIGNED_DISTRICT, status="active",
                **_firm_values(facts))


def _update_firm(session: Session, firm: Firm, facts: FirmFacts, actor) -> bool:
    changed = False
    for name, value in _firm_values(facts).items():
        old = getattr(firm, name)
        if old != value:
            setattr(firm, name, value)
            if not name.startswith("route_"):
                session.add(FirmFactChange(firm_id=firm.id, actor_id=getattr(actor, "id", None), field=name,
                                           old_value=fact_json(old), new_value=fact_json(value)))
            changed = True
    return changed


def _load(session: Session, model, firm_ids: list[int], key) -> dict:
    rows = {}
    for start in range(0, len(firm_ids), LOOKUP_BATCH):
        for row in session.scalars(select(model).where(model.firm_id.in_(firm_ids[start:start + LOOKUP_BATCH]))):
            rows[key(row)] = row
    return rows


def _write_filings(session: Session, firm: Firm, facts: FirmFacts, filings: dict, actor) -> int:
    written = 0
    for year, figures in facts.years.items():
        filing = filings.get((firm.id, year))
        values = {name: getattr(figures, name) for name in FIGURES}
        if filing is None:
            filing = Filing(firm_id=firm.id, fiscal_year=year, revision=0)
            session.add(filing)
            changes = {name: [None, fact_json(value)] for name, value in values.items() if value is not None}
        else:
            changes = {name: [fact_json(getattr(filing, name)), fact_json(value)] for name, value in values.items()
                       if getattr(filing, name) != value}
            if not changes and filing.status == "accepted":
                continue
        for name, value in values.items():
            setattr(filing, name, value)
        filing.status, filing.revision = "accepted", (filing.revision or 0) + 1
        filing.accepted_at = utcnow()
        session.add(FilingRevision(filing=filing, number=filing.revision, action="import",
                                   actor_id=getattr(actor, "id", None), status="accepted", changes=changes))
        written += 1
    return written


def _certificate_key(certificate) -> tuple:
    return (certificate.firm_id, certificate.tier, certificate.number or certificate.issued.isoformat())


def _write_certificates(session: Session, firm: Firm, facts: FirmFacts, certificates: dict) -> int:
    written = 0
    for cert in facts.certificates:
        key = (firm.id, cert.tier, cert.number or cert.issued.isoformat())
        values = {"issued": cert.issued, "expires": cert.expires, "status": cert.status or "valid",
                  "number": cert.number}
        row = certificates.get(key)
        if row is None:
            row = Certificate(firm_id=firm.id, tier=cert.tier)
            session.add(row)
            certificates[key] = row
        elif all(getattr(row, name) == value for name, value in values.items()):
            continue
        for name, value in values.items():
            setattr(row, name, value)
        written += 1
    return written
