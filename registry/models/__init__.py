"""All models, imported here so that Alembic and the app see the whole metadata."""
from registry.models.audit import AuditChain, AuditEvent
from registry.models.base import Base
from registry.models.candidate import Candidate, FirmFlag, IncentiveOpportunity
from registry.models.certificate import Certificate
from registry.models.filing import Filing, FilingCorrection, FilingReminder, FilingRevision
from registry.models.firm import District, Firm, FirmFactChange
from registry.models.monitoring import IndicatorSnapshot, IndicatorSnapshotScope, Target
from registry.models.official import OfficialFigure, OfficialImport
from registry.models.onboarding import Invitation, OutboxMail, PasswordResetToken
from registry.models.program import ProgramEntry, ProgramList
from registry.models.review import (
                                    CertificateImport,
                                    Inspector,
                                    NoticeBatch,
                                    Notification,
                                    Objection,
                                    OutreachEntry,
                                    PublicNotice,
                                    SpotCheck,
                                    SpotCheckItem,
)
from registry.models.scan import FirmVerdict, Scan, ScanChunk, ScheduleRun
from registry.models.settings import Setting, SettingChange
from registry.models.token import ApiToken
from registry.models.user import RecoveryCode, User, officer_districts
from registry.models.whatif import (
                                    Scenario,
                                    WhatifChange,
                                    WhatifChunk,
                                    WhatifDistrictTotal,
                                    WhatifIncentiveTotal,
                                    WhatifRun,
                                    WhatifTierCount,
)

__all__ = ["AuditChain", "AuditEvent", "Base", "Candidate", "Certificate", "District", "Filing",
           "FilingCorrection", "FilingReminder", "FilingRevision",
           "Firm", "FirmFactChange", "FirmFlag", "FirmVerdict", "IncentiveOpportunity",
           "IndicatorSnapshot", "IndicatorSnapshotScope", "Invitation", "OutboxMail",
           "PasswordResetToken", "Scan", "ScanChunk", "ScheduleRun", "Target",
           "User", "officer_districts"]
__all__ += ["CertificateImport", "Inspector", "NoticeBatch", "Notification", "Objection",
            "OutreachEntry", "PublicNotice", "SpotCheck", "SpotCheckItem"]
__all__ += ["Setting", "SettingChange"]
__all__ += ["Scenario", "WhatifChange", "WhatifChunk", "WhatifDistrictTotal", "WhatifIncentiveTotal", "WhatifRun", "WhatifTierCount"]
__all__ += ["ProgramEntry", "ProgramList"]
__all__ += ["ApiToken"]
__all__ += ["RecoveryCode"]
__all__ += ["OfficialFigure", "OfficialImport"]
