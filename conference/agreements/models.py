"""The information-sharing agreement's versions and each person's acceptance of one."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.accounts.models import Agency, User
from conference.db import UTCDateTime, max_lengths, utcnow
from conference.extensions import Model

#: The most an agreement's text may hold.
TEXT_LIMIT = 20_000


class SharingAgreement(Model):
    """One version of a MARAC's information-sharing agreement, in its own words.

    Never changed once saved: an edit adds the next version, so what each person accepted
    stays readable. The newest version of a MARAC is its current agreement.
    """

    __tablename__ = "sharing_agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    marac_id: Mapped[int] = mapped_column(sa.ForeignKey("maracs.id"), index=True)
    #: 1, 2, 3... within the MARAC; two saves of the same next version cannot both succeed.
    version: Mapped[int] = mapped_column()
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    created_by: Mapped[User | None] = relationship(lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("marac_id", "version"),
        *max_lengths({"text": TEXT_LIMIT}),
    )


class AgreementAcceptance(Model):
    """A person's acceptance of one version, with the roles and agency they held then."""

    __tablename__ = "agreement_acceptances"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("sharing_agreements.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The role labels the person held in the MARAC when accepting, e.g. "Chair".
    roles: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agencies.id"))

    agreement: Mapped[SharingAgreement] = relationship(lazy="joined", innerjoin=True)
    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    agency: Mapped[Agency | None] = relationship(lazy="joined")

    __table_args__ = (sa.UniqueConstraint("agreement_id", "user_id"),)
