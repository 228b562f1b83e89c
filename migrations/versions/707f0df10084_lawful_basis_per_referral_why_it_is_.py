"""lawful basis per referral: why it is shared without consent and who authorised it

Revision ID: 707f0df10084
Revises: 751d11144d17
Create Date: 2026-12-04 19:19:19.450617

Referrals sent before keep their answer about consent, which already says whether they were
shared with or without it; the reason and who authorised it stay empty ("not recorded").
"""

import sqlalchemy as sa
from alembic import op

from conference.db import control_character_ddl, drop_control_character_ddl

# revision identifiers, used by Alembic.
revision = "707f0df10084"
down_revision = "751d11144d17"
branch_labels = None
depends_on = None

#: The referrals table's text columns before and after, in the model's order: rebuilding the
#: table on SQLite drops its triggers, and the new columns need the trigger to name them.
TEXT_BEFORE = {
    "referrals": [
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
        "consent_reason",
        "narrative",
        "key_worker",
        "exploitation_notes",
        "reported_by",
    ],
}
_before = TEXT_BEFORE["referrals"]
_at = _before.index("consent_reason")
TEXT_AFTER = {
    "referrals": [
        *_before[:_at],
        "consent_authorised_by",
        "consent_authoriser_role",
        *_before[_at:],
    ],
}


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


def upgrade():
    _triggers(TEXT_BEFORE, drop=True)
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "without_consent_reason",
                sa.Enum(
                    "serious_harm",
                    "would_increase_risk",
                    "could_not_be_sought",
                    name="without_consent_reason",
                    native_enum=False,
                    create_constraint=True,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "consent_authorised_by", sa.String(length=120), server_default="", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column(
                "consent_authoriser_role", sa.String(length=120), server_default="", nullable=False
            )
        )
        # Added by hand: autogenerate does not compare CHECK constraints.
        batch_op.create_check_constraint(
            "consent_authorised_by_max", "length(consent_authorised_by) <= 120"
        )
        batch_op.create_check_constraint(
            "consent_authoriser_role_max", "length(consent_authoriser_role) <= 120"
        )
        batch_op.create_check_constraint(
            "consent_given_not_overridden",
            "consent IS NULL OR consent <> 'given' OR (without_consent_reason IS NULL "
            "AND consent_authorised_by = '' AND consent_authoriser_role = '')",
        )
    _triggers(TEXT_AFTER, drop=False)


def downgrade():
    _triggers(TEXT_AFTER, drop=True)
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("ck_referrals_consent_given_not_overridden"), type_="check"
        )
        batch_op.drop_constraint(
            batch_op.f("ck_referrals_consent_authoriser_role_max"), type_="check"
        )
        batch_op.drop_constraint(
            batch_op.f("ck_referrals_consent_authorised_by_max"), type_="check"
        )
        batch_op.drop_constraint(batch_op.f("ck_referrals_without_consent_reason"), type_="check")
        batch_op.drop_column("consent_authoriser_role")
        batch_op.drop_column("consent_authorised_by")
        batch_op.drop_column("without_consent_reason")
    _triggers(TEXT_BEFORE, drop=False)
