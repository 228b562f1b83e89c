"""each MARAC may choose a practice profile (its words, default tool and date format)

Revision ID: 5b1e7c3a9d20
Revises: 5e1b7d20a4c3
Create Date: 2026-12-04 22:55:00.000000

Existing MARACs choose none: they keep the install's profile, so nothing they show changes.
"""

import sqlalchemy as sa
from alembic import op

from conference.db import control_character_ddl, drop_control_character_ddl

# revision identifiers, used by Alembic.
revision = "5b1e7c3a9d20"
down_revision = "5e1b7d20a4c3"
branch_labels = None
depends_on = None

#: The maracs table's text columns before and after, in the model's order: the new column
#: needs the trigger to name it.
TEXT_BEFORE = {
    "maracs": [
        "name",
        "code",
        "timezone",
        "risk_tool_id",
        "confidentiality_statement",
        "core_agency_kinds",
    ]
}
TEXT_AFTER = {
    "maracs": [
        "name",
        "code",
        "timezone",
        "risk_tool_id",
        "profile_id",
        "confidentiality_statement",
        "core_agency_kinds",
    ]
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
    op.add_column("maracs", sa.Column("profile_id", sa.String(length=40), nullable=True))
    _triggers(TEXT_AFTER, drop=False)


def downgrade():
    _triggers(TEXT_AFTER, drop=True)
    # Dropped in place: a batch rebuild would remake the table and its constraints.
    op.execute("ALTER TABLE maracs DROP COLUMN profile_id")
    _triggers(TEXT_BEFORE, drop=False)
