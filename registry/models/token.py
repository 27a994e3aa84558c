"""API tokens: a person's own tokens and the administrators' service tokens for integrations.

Only a SHA-256 digest of the secret is kept (the secret is random, 256 bits, so a slow hash adds
nothing); the secret itself is shown once, when the token is created. A token acts as its owner,
with the owner's role and districts or firm, limited further by its scopes.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.models.base import Base, UTCDateTime, utcnow

# read: every GET; file: a firm's drafts (create, update, submit); decide: officers' decisions.
TOKEN_SCOPES = ("read", "file", "decide")


class ApiToken(Base):
    __tablename__ = "api_tokens"
    __table_args__ = (
        CheckConstraint("scopes <> ''", name="has_scopes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    # The first characters of the secret, to recognise a token in a list (never enough to use it).
    prefix: Mapped[str] = mapped_column(String(16))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    # The scopes, space-separated in TOKEN_SCOPES order.
    scopes: Mapped[str] = mapped_column(String(32))
    # A service token belongs to an administrator and serves an integration, not a person.
    service: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User", foreign_keys=[user_id], lazy="joined")

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    def usable_at(self, now: dt.datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix} {self.scopes}>"
