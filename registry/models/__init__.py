"""All models, imported here so that Alembic and the app see the whole metadata."""
from registry.models.audit import AuditEvent
from registry.models.base import Base
from registry.models.certificate import Certificate
from registry.models.filing import Filing, FilingRevision
from registry.models.firm import District, Firm, FirmFactChange
from registry.models.onboarding import Invitation, OutboxMail, PasswordResetToken
from registry.models.user import User, officer_districts

__all__ = ["AuditEvent", "Base", "Certificate", "District", "Filing", "FilingRevision", "Firm",
           "FirmFactChange", "Invitation", "OutboxMail", "PasswordResetToken", "User",
           "officer_districts"]
