"""dates of birth exact, approximate or unknown, with other possible dates

Revision ID: 5e1b7d20a4c3
Revises: c705d5485e60
Create Date: 2026-12-04 22:50:00.000000

Victims and perpetrators gain the kind of date of birth known (the date, only a year, only an
age on a day, or not known and why), the span of days they may have been born on (what
matching searches by) and other possible dates. Every existing exact date is kept as an exact
date; a perpetrator's existing approximate age becomes an age on the day of his referral.
"""

from datetime import date, timedelta

import sqlalchemy as sa
from alembic import op

from conference.db import control_character_ddl, drop_control_character_ddl

# revision identifiers, used by Alembic.
revision = "5e1b7d20a4c3"
down_revision = "c705d5485e60"
branch_labels = None
depends_on = None

_REFERRALS_BEFORE = [
    "risk_tool_id",
    "referrer_reference",
    "victim_given_name",
    "victim_family_name",
    "victim_aliases",
    "victim_language",
    "victim_address",
    "victim_phone",
    "contact_notes",
    "who_she_fears",
    "safe_contacts",
    "unsafe_contacts",
    "judgement_reasons",
    "consent_authorised_by",
    "consent_authoriser_role",
    "consent_reason",
    "narrative",
    "key_worker",
    "exploitation_notes",
    "reported_by",
]
_at = _REFERRALS_BEFORE.index("victim_language")
TEXT_BEFORE = {
    "referrals": _REFERRALS_BEFORE,
    "referral_perpetrators": ["aliases", "address", "given_name", "family_name"],
}
TEXT_AFTER = {
    "referrals": [
        *_REFERRALS_BEFORE[:_at],
        "victim_dob_reason",
        "victim_other_dobs",
        *_REFERRALS_BEFORE[_at:],
    ],
    "referral_perpetrators": [
        "aliases",
        "address",
        "dob_reason",
        "other_dobs",
        "given_name",
        "family_name",
    ],
}
KINDS = ("exact", "year", "age", "unknown")
#: As conference/referrals/births.py had it when this revision was written.
AGE_TOLERANCE_YEARS = 1


def _triggers(columns: dict[str, list[str]], *, drop: bool) -> None:
    dialect_name = op.get_bind().dialect.name
    if drop:
        statements = drop_control_character_ddl(dialect_name, list(columns))
    else:
        # The shared PostgreSQL function is there already: only the triggers are made.
        statements = control_character_ddl(dialect_name, columns)
        if dialect_name == "postgresql":
            statements = statements[1:]
    for statement in statements:
        op.execute(statement)


def _kind(name: str) -> sa.Enum:
    return sa.Enum(*KINDS, name=name, native_enum=False, create_constraint=True, length=7)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


#: On SQLite each column is added with its own CHECK, never by rebuilding the table: a rebuild
#: drops the old referrals table, and with foreign keys on that deletes every row that hangs
#: off a referral (its perpetrators, children, answers...). Kinds are checked as enums are.
_KIND_CHECK = "IN ('exact', 'year', 'age', 'unknown')"
SQLITE_COLUMNS = {
    "referrals": [
        ("victim_dob_kind", f"VARCHAR(7) CHECK (victim_dob_kind {_KIND_CHECK})"),
        ("victim_born_from", "DATE"),
        (
            "victim_born_to",
            "DATE CONSTRAINT ck_referrals_victim_born_in_order "
            "CHECK (victim_born_from <= victim_born_to)",
        ),
        (
            "victim_age",
            "INTEGER CONSTRAINT ck_referrals_victim_age_range "
            "CHECK (victim_age BETWEEN 0 AND 120)",
        ),
        ("victim_age_on", "DATE"),
        (
            "victim_dob_reason",
            "VARCHAR(200) DEFAULT '' NOT NULL CONSTRAINT ck_referrals_victim_dob_reason_max "
            "CHECK (length(victim_dob_reason) <= 200)",
        ),
        (
            "victim_other_dobs",
            "VARCHAR(30) DEFAULT '' NOT NULL CONSTRAINT ck_referrals_victim_other_dobs_max "
            "CHECK (length(victim_other_dobs) <= 30)",
        ),
    ],
    "referral_perpetrators": [
        ("dob_kind", f"VARCHAR(7) CHECK (dob_kind {_KIND_CHECK})"),
        ("born_from", "DATE"),
        (
            "born_to",
            "DATE CONSTRAINT ck_referral_perpetrators_born_in_order "
            "CHECK (born_from <= born_to)",
        ),
        ("age_on", "DATE"),
        (
            "dob_reason",
            "VARCHAR(200) DEFAULT '' NOT NULL CONSTRAINT "
            "ck_referral_perpetrators_dob_reason_max CHECK (length(dob_reason) <= 200)",
        ),
        (
            "other_dobs",
            "VARCHAR(30) DEFAULT '' NOT NULL CONSTRAINT "
            "ck_referral_perpetrators_other_dobs_max CHECK (length(other_dobs) <= 30)",
        ),
    ],
}
INDEXES = {
    "referrals": ("ix_referrals_victim_born_from", "victim_born_from"),
    "referral_perpetrators": ("ix_referral_perpetrators_born_from", "born_from"),
}


def _sqlite_upgrade() -> None:
    for table, columns in SQLITE_COLUMNS.items():
        for name, definition in columns:
            op.execute(f'ALTER TABLE "{table}" ADD COLUMN "{name}" {definition}')
        index, column = INDEXES[table]
        op.create_index(index, table, [column], unique=False)


def _sqlite_downgrade() -> None:
    for table, columns in SQLITE_COLUMNS.items():
        op.drop_index(INDEXES[table][0], table_name=table)
        for name, _ in reversed(columns):  # born_to (whose CHECK names born_from) first
            op.execute(f'ALTER TABLE "{table}" DROP COLUMN "{name}"')


def upgrade():
    _triggers(TEXT_BEFORE, drop=True)
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_upgrade()
    else:
        _other_upgrade()
    _triggers(TEXT_AFTER, drop=False)
    _data()


def _other_upgrade() -> None:
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("victim_dob_kind", _kind("victim_dob_kind"), nullable=True))
        batch_op.add_column(sa.Column("victim_born_from", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("victim_born_to", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("victim_age", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("victim_age_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("victim_dob_reason", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("victim_other_dobs", sa.String(length=30), server_default="", nullable=False)
        )
        batch_op.create_index(
            batch_op.f("ix_referrals_victim_born_from"), ["victim_born_from"], unique=False
        )
        # Added by hand: autogenerate does not compare CHECK constraints.
        batch_op.create_check_constraint(
            "victim_dob_reason_max", "length(victim_dob_reason) <= 200"
        )
        batch_op.create_check_constraint("victim_other_dobs_max", "length(victim_other_dobs) <= 30")
        batch_op.create_check_constraint(
            "victim_born_in_order", "victim_born_from <= victim_born_to"
        )
        batch_op.create_check_constraint("victim_age_range", "victim_age BETWEEN 0 AND 120")

    with op.batch_alter_table("referral_perpetrators", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dob_kind", _kind("perpetrator_dob_kind"), nullable=True))
        batch_op.add_column(sa.Column("born_from", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("born_to", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("age_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("dob_reason", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("other_dobs", sa.String(length=30), server_default="", nullable=False)
        )
        batch_op.create_index(
            batch_op.f("ix_referral_perpetrators_born_from"), ["born_from"], unique=False
        )
        batch_op.create_check_constraint("dob_reason_max", "length(dob_reason) <= 200")
        batch_op.create_check_constraint("other_dobs_max", "length(other_dobs) <= 30")
        batch_op.create_check_constraint("born_in_order", "born_from <= born_to")


def _data() -> None:
    # The data: every exact date stays exact; an approximate age is an age on the referral's day.
    op.execute(
        "UPDATE referrals SET victim_dob_kind = 'exact', victim_born_from = victim_dob, "
        "victim_born_to = victim_dob WHERE victim_dob IS NOT NULL"
    )
    op.execute(
        "UPDATE referral_perpetrators SET dob_kind = 'exact', born_from = dob, born_to = dob "
        "WHERE dob IS NOT NULL"
    )
    bind = op.get_bind()
    perpetrators = sa.table(
        "referral_perpetrators",
        sa.column("id", sa.Integer),
        sa.column("referral_id", sa.Integer),
        sa.column("dob", sa.Date),
        sa.column("approximate_age", sa.Integer),
        sa.column("dob_kind", sa.String),
        sa.column("born_from", sa.Date),
        sa.column("born_to", sa.Date),
        sa.column("age_on", sa.Date),
    )
    referrals = sa.table(
        "referrals", sa.column("id", sa.Integer), sa.column("referred_on", sa.Date)
    )
    rows = bind.execute(
        sa.select(perpetrators.c.id, perpetrators.c.approximate_age, referrals.c.referred_on)
        .join(referrals, referrals.c.id == perpetrators.c.referral_id)
        .where(perpetrators.c.dob.is_(None), perpetrators.c.approximate_age.is_not(None))
    ).all()
    for row_id, age, on in rows:
        values: dict[str, object] = {"dob_kind": "age", "age_on": on}
        if on is not None:
            values["born_from"] = _years_before(on, age + 1 + AGE_TOLERANCE_YEARS) + timedelta(
                days=1
            )
            values["born_to"] = _years_before(on, max(age - AGE_TOLERANCE_YEARS, 0))
        bind.execute(sa.update(perpetrators).where(perpetrators.c.id == row_id).values(**values))


def downgrade():
    _triggers(TEXT_AFTER, drop=True)
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_downgrade()
    else:
        _other_downgrade()
    _triggers(TEXT_BEFORE, drop=False)


def _other_downgrade() -> None:
    with op.batch_alter_table("referral_perpetrators", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("ck_referral_perpetrators_born_in_order"), type_="check"
        )
        batch_op.drop_constraint(
            batch_op.f("ck_referral_perpetrators_other_dobs_max"), type_="check"
        )
        batch_op.drop_constraint(
            batch_op.f("ck_referral_perpetrators_dob_reason_max"), type_="check"
        )
        batch_op.drop_constraint(
            batch_op.f("ck_referral_perpetrators_perpetrator_dob_kind"), type_="check"
        )
        batch_op.drop_index(batch_op.f("ix_referral_perpetrators_born_from"))
        batch_op.drop_column("other_dobs")
        batch_op.drop_column("dob_reason")
        batch_op.drop_column("age_on")
        batch_op.drop_column("born_to")
        batch_op.drop_column("born_from")
        batch_op.drop_column("dob_kind")

    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_referrals_victim_age_range"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_referrals_victim_born_in_order"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_referrals_victim_other_dobs_max"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_referrals_victim_dob_reason_max"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_referrals_victim_dob_kind"), type_="check")
        batch_op.drop_index(batch_op.f("ix_referrals_victim_born_from"))
        batch_op.drop_column("victim_other_dobs")
        batch_op.drop_column("victim_dob_reason")
        batch_op.drop_column("victim_age_on")
        batch_op.drop_column("victim_age")
        batch_op.drop_column("victim_born_to")
        batch_op.drop_column("victim_born_from")
        batch_op.drop_column("victim_dob_kind")
