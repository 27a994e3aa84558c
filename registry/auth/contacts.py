"""Personal data of firms' contact persons (name, phone, e-mail): who sees it in full.

The one rule: a reader holding `Permission.CONTACTS_VIEW` (officers, within the districts they
see anyway, and administrators; `registry/auth/permissions.py`) sees a firm's contact as the
firm gave it; anyone else reading a firm (a manager) sees it masked: the family name, the
phone's first three and last four digits, the e-mail's first character and domain. Pages read
it through the template global `firm_contact(firm)`, exports through `contact_cells`; an export
with contacts in full is audited (`services.export.record_contact_export`).
"""
from __future__ import annotations

from dataclasses import dataclass

from registry.auth.permissions import Permission, has_permission

MASK = "*"


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str
    email: str
    masked: bool


def sees_contacts(user) -> bool:
    return has_permission(user, Permission.CONTACTS_VIEW)


def mask_name(name: str) -> str:
    """王小明 -> 王**; Jane Smith -> J*********."""
    name = (name or "").strip()
    return name[:1] + MASK * (len(name) - 1) if name else ""


def mask_phone(phone: str) -> str:
    """13812345678 -> 138****5678; a short number keeps only its last two digits."""
    phone = (phone or "").strip()
    if len(phone) >= 9:
        return phone[:3] + MASK * (len(phone) - 7) + phone[-4:]
    return MASK * max(len(phone) - 2, 0) + phone[-2:] if phone else ""


def mask_email(email: str) -> str:
    """zhang.wei@firm.cn -> z***@firm.cn."""
    email = (email or "").strip()
    local, at, domain = email.partition("@")
    if not email:
        return ""
    return (local[:1] + MASK * 3 + at + domain) if at else local[:1] + MASK * 3


def contact_of(user, firm) -> Contact:
    """`firm`'s contact as `user` may see it."""
    name, phone, email = firm.contact_name or "", firm.contact_phone or "", firm.contact_email or ""
    if sees_contacts(user):
        return Contact(name, phone, email, masked=False)
    return Contact(mask_name(name), mask_phone(phone), mask_email(email), masked=True)


def contact_cells(user, firm) -> list[str]:
    """[name, phone, e-mail] of an export row."""
    contact = contact_of(user, firm)
    return [contact.name, contact.phone, contact.email]


def person_label(viewer, person, *, email: bool = False) -> str:
    """How `viewer` sees a person named on a page (an audit trail's actor): by name (or
    e-mail); a firm's user, who is a firm's contact too, masked for a reader without
    `Permission.CONTACTS_VIEW`."""
    if person is None:
        return ""
    if person.role != "firm" or sees_contacts(viewer):
        return person.email if email else person.name or person.email
    return mask_email(person.email) if email or not person.name else mask_name(person.name)
