"""MARACs, agencies, users and the roles they hold."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.db import TimestampMixin, UTCDateTime, enum_type, utcnow
from conference.extensions import Model, db


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    CHAIR = "chair"
    ADVOCATE = "advocate"
    AGENCY_REP = "agency_rep"
    #: Governance: sees the MARAC's figures (aggregates only), never a person's details.
    STEERING = "steering"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.ADMIN: "Administrator",
    Role.COORDINATOR: "Coordinator",
    Role.CHAIR: "Chair",
    Role.ADVOCATE: "Advocate (IDVA)",
    Role.AGENCY_REP: "Agency representative",
    Role.STEERING: "Steering group",
}


class RetentionAction(StrEnum):
    """What happens to a closed case once the MARAC's retention period has passed."""

    #: Names, dates of birth, contact details and free text go; the counts stay true.
    ANONYMISE = "anonymise"
    #: The case and every record under it are deleted (the audit trail is kept).
    DELETE = "delete"

    @property
    def label(self) -> str:
        return RETENTION_LABELS[self]


RETENTION_LABELS = {
    RetentionAction.ANONYMISE: "Anonymise: remove personal details, keep the figures",
    RetentionAction.DELETE: "Delete the case and everything recorded on it",
}


class AgencyKind(StrEnum):
    POLICE = "police"
    PROBATION = "probation"
    CHILDRENS_SERVICES = "childrens_services"
    ADULT_SAFEGUARDING = "adult_safeguarding"
    HEALTH = "health"
    MENTAL_HEALTH = "mental_health"
    HOUSING = "housing"
    EDUCATION = "education"
    SUBSTANCE_USE = "substance_use"
    IDVA_SERVICE = "idva_service"
    SPECIALIST_SERVICE = "specialist_service"
    OTHER = "other"

    @property
    def label(self) -> str:
        return AGENCY_KIND_LABELS[self]


AGENCY_KIND_LABELS = {
    AgencyKind.POLICE: "Police",
    AgencyKind.PROBATION: "Probation",
    AgencyKind.CHILDRENS_SERVICES: "Children's services",
    AgencyKind.ADULT_SAFEGUARDING: "Adult safeguarding",
    AgencyKind.HEALTH: "Health",
    AgencyKind.MENTAL_HEALTH: "Mental health",
    AgencyKind.HOUSING: "Housing",
    AgencyKind.EDUCATION: "Education",
    AgencyKind.SUBSTANCE_USE: "Substance use",
    AgencyKind.IDVA_SERVICE: "Domestic abuse advocacy service",
    AgencyKind.SPECIALIST_SERVICE: "Specialist service",
    AgencyKind.OTHER: "Other",
}


#: Expected at every meeting unless a MARAC says otherwise.
DEFAULT_CORE_KINDS = ",".join(
    kind.value
    for kind in (
        AgencyKind.POLICE,
        AgencyKind.IDVA_SERVICE,
        AgencyKind.CHILDRENS_SERVICES,
        AgencyKind.HEALTH,
        AgencyKind.HOUSING,
        AgencyKind.PROBATION,
    )
)

#: More adult women than any area could hold: a typo guard, not a fact.
MAX_POPULATION = 20_000_000

agency_maracs = sa.Table(
    "agency_maracs",
    db.metadata,
    sa.Column("agency_id", sa.ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("marac_id", sa.ForeignKey("maracs.id", ondelete="CASCADE"), primary_key=True),
)


class Marac(TimestampMixin, Model):
    """One local MARAC (an area) of this install."""

    __tablename__ = "maracs"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Display name, e.g. "Northbridge MARAC".
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    #: Short code used in case references, e.g. "NB".
    code: Mapped[str] = mapped_column(sa.String(6), unique=True)
    #: IANA time zone the meetings are held in.
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/London")
    #: Every user with a role here must use a second factor.
    requires_two_factor: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    #: The risk checklist referrals here use: the id of a tool file in config/risk_tools/.
    risk_tool_id: Mapped[str] = mapped_column(sa.String(40), default="dash-24")
    #: The practice profile its pages speak with (a file id in config/profiles/); empty means
    #: the install's (PRACTICE_PROFILE).
    profile_id: Mapped[str | None] = mapped_column(sa.String(40))
    #: The MARAC's own screening thresholds; empty means the tool's default.
    high_risk_threshold: Mapped[int | None] = mapped_column()
    escalation_incidents: Mapped[int | None] = mapped_column()
    escalation_window_days: Mapped[int | None] = mapped_column()
    repeat_window_days: Mapped[int | None] = mapped_column()
    #: Read out at the start of every meeting; empty means the app's standard wording.
    confidentiality_statement: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    #: AgencyKind values, comma-separated: agencies expected at every meeting.
    core_agency_kinds: Mapped[str] = mapped_column(
        sa.String(300), default=DEFAULT_CORE_KINDS, server_default=DEFAULT_CORE_KINDS
    )
    #: Women aged 16 and over living in the area (the national dataset's adult women): the data
    #: return measures volume against it (SafeLives recommends 40 cases a year per 10,000).
    #: Empty until someone enters it. The column keeps its first name.
    adult_female_population: Mapped[int | None] = mapped_column()
    #: A perpetrator linked to this many different victims within serial_window_years is
    #: flagged as a serial perpetrator on this MARAC's pages.
    serial_victims: Mapped[int] = mapped_column(default=2, server_default="2")
    serial_window_years: Mapped[int] = mapped_column(default=3, server_default="3")
    #: Days after a conference's minutes are final that the agencies invited to it still read
    #: its cases' details (research, agenda); after that only their own actions.
    agency_access_days: Mapped[int] = mapped_column(default=28, server_default="28")
    #: Screening warns when accepting a referral would list its case further away than this
    #: many days, and offers a nearer conference or interim actions instead.
    listing_wait_days: Mapped[int] = mapped_column(default=21, server_default="21")
    #: An action this many days overdue is put to its owner agency's named point of contact.
    contact_after_days: Mapped[int] = mapped_column(default=14, server_default="14")
    #: An action this many days overdue enters the escalation register.
    register_after_days: Mapped[int] = mapped_column(default=28, server_default="28")
    #: Each save of the settings: a save made on an older copy is refused, both shown.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    #: Whether the agencies of the MARAC's coordinators are invited to research its cases.
    #: Off by default: the coordinator's own agency (often the partnership that runs the
    #: MARAC) holds no records of its own on the cases.
    coordinators_research: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: Years a case is kept after it closes, then what happens to it (conference/retention).
    retention_years: Mapped[int] = mapped_column(default=6, server_default="6")
    retention_action: Mapped[RetentionAction] = mapped_column(
        enum_type(RetentionAction, "retention_action"),
        default=RetentionAction.ANONYMISE,
        server_default=RetentionAction.ANONYMISE.value,
    )

    agencies: Mapped[list[Agency]] = relationship(
        secondary=agency_maracs, back_populates="maracs", order_by="Agency.name"
    )

    __mapper_args__ = {"version_id_col": version}

    __table_args__ = (
        sa.CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
        sa.CheckConstraint("length(code) >= 2", name="code_length"),
        sa.CheckConstraint("high_risk_threshold > 0", name="high_risk_threshold_positive"),
        sa.CheckConstraint("escalation_incidents > 0", name="escalation_incidents_positive"),
        sa.CheckConstraint(
            "escalation_window_days BETWEEN 1 AND 3660", name="escalation_window_days_range"
        ),
        sa.CheckConstraint(
            "repeat_window_days BETWEEN 1 AND 3660", name="repeat_window_days_range"
        ),
        sa.CheckConstraint("serial_victims BETWEEN 2 AND 20", name="serial_victims_range"),
        sa.CheckConstraint(
            "serial_window_years BETWEEN 1 AND 20", name="serial_window_years_range"
        ),
        sa.CheckConstraint("retention_years BETWEEN 1 AND 50", name="retention_years_range"),
        sa.CheckConstraint(
            f"adult_female_population BETWEEN 1 AND {MAX_POPULATION}",
            name="adult_female_population_range",
        ),
        sa.CheckConstraint("agency_access_days BETWEEN 0 AND 365", name="agency_access_days_range"),
        sa.CheckConstraint("listing_wait_days BETWEEN 1 AND 365", name="listing_wait_days_range"),
        # After the seven-day escalation to the coordinators, and the register after the contact.
        sa.CheckConstraint("contact_after_days BETWEEN 8 AND 365", name="contact_after_days_range"),
        sa.CheckConstraint(
            "register_after_days BETWEEN 9 AND 366 AND register_after_days > contact_after_days",
            name="register_after_days_range",
        ),
    )

    def __repr__(self) -> str:
        return f"<Marac {self.id}>"

    @property
    def core_kinds(self) -> list[AgencyKind]:
        return [AgencyKind(kind) for kind in self.core_agency_kinds.split(",") if kind]


class Agency(TimestampMixin, Model):
    """An organisation whose practitioners use the app (police, health, an IDVA service...)."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(160), unique=True)
    kind: Mapped[AgencyKind] = mapped_column(enum_type(AgencyKind, "agency_kind"))
    #: The named point of contact, senior enough to commit the agency's resources.
    contact_name: Mapped[str] = mapped_column(sa.String(120), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    #: Each save of the details: a save made on an older copy is refused, both shown.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    maracs: Mapped[list[Marac]] = relationship(
        secondary=agency_maracs, back_populates="agencies", order_by="Marac.name"
    )

    __table_args__ = (sa.CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),)
    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Agency {self.id}>"


class User(UserMixin, TimestampMixin, Model):
    """A practitioner who signs in. Belongs to one agency; roles are granted per MARAC."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-case; the sign-in name.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    #: Job title shown beside the name, e.g. "Detective Sergeant".
    job_title: Mapped[str] = mapped_column(sa.String(120), default="")
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    #: Argon2id hash; empty until the user sets a password through a one-time link.
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_active_account: Mapped[bool] = mapped_column("is_active", default=True)
    failed_login_count: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The base32 TOTP secret once enrolment is confirmed, encrypted (two_factor.seal): a Fernet
    #: token under TOTP_ENCRYPTION_KEY, never the secret itself.
    totp_secret: Mapped[str | None] = mapped_column("totp_secret_sealed", sa.String(255))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The last accepted TOTP time step: a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    agency: Mapped[Agency] = relationship(lazy="joined")
    role_grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user",
        foreign_keys="RoleGrant.user_id",
        cascade="all, delete-orphan",
        # Loaded where they are needed: with the signed-in user (accounts.routes.load_user)
        # and by the lists that show them, not with every batch of people shown by name.
        lazy="select",
    )

    __table_args__ = (
        sa.CheckConstraint("email = lower(email)", name="email_lower_case"),
        sa.CheckConstraint("failed_login_count >= 0", name="failed_login_count_positive"),
    )

    def __repr__(self) -> str:
        return f"<User {self.id} active={self.is_active_account}>"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.is_active_account

    @property
    def has_two_factor(self) -> bool:
        return self.totp_secret is not None

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now


class RoleGrant(Model):
    """A role held by a user: in one MARAC, or install-wide for administrators."""

    __tablename__ = "role_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: Empty only for the install-wide administrator role.
    marac_id: Mapped[int | None] = mapped_column(sa.ForeignKey("maracs.id"), index=True)
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    user: Mapped[User] = relationship(back_populates="role_grants", foreign_keys=[user_id])
    marac: Mapped[Marac | None] = relationship(lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("user_id", "marac_id", "role"),
        sa.CheckConstraint(
            "(role = 'admin' AND marac_id IS NULL) OR (role <> 'admin' AND marac_id IS NOT NULL)",
            name="admin_is_install_wide",
        ),
    )

    def __repr__(self) -> str:
        return f"<RoleGrant {self.id} {self.role}>"


class PasswordSetLink(Model):
    """A one-time link an administrator issues so a user can set their password."""

    __tablename__ = "password_set_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the token; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<PasswordSetLink {self.id}>"


class WebSession(Model):
    """Server-side session data. The browser holds only an opaque id whose hash keys this row."""

    __tablename__ = "web_sessions"

    #: SHA-256 of the cookie value, so a copy of this table cannot be replayed as cookies.
    id_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    data: Mapped[str] = mapped_column(sa.Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Idle expiry, pushed forward as the user works.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    def __repr__(self) -> str:
        return "<WebSession>"
