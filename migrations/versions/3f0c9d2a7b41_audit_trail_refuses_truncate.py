"""The audit trail refuses TRUNCATE too (PostgreSQL; SQLite has no TRUNCATE)

Revision ID: 3f0c9d2a7b41
Revises: e1ae70654ece
Create Date: 2026-12-04 19:40:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "3f0c9d2a7b41"
down_revision = "e1ae70654ece"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # Written out as it stands today (conference/audit/models.py may change later).
        op.execute(
            "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_events_no_truncate ON audit_events")
