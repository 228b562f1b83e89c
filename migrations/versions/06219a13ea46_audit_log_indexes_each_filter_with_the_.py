"""Audit log indexes: each filter with the time, newest first

Revision ID: 06219a13ea46
Revises: 9aa2d07850d2
Create Date: 2026-12-04 20:09:18.986016

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '06219a13ea46'
down_revision = '9aa2d07850d2'
branch_labels = None
depends_on = None


# Plain index operations, never a batch: rebuilding audit_events on SQLite would drop the
# triggers that keep it append-only.
NEW = {
    "ix_audit_events_marac_at": ["marac_id", "at"],
    "ix_audit_events_user_at": ["user_id", "at"],
    "ix_audit_events_verb_at": ["verb", "at"],
}
OLD = {
    "ix_audit_events_marac_id": ["marac_id"],
    "ix_audit_events_user_id": ["user_id"],
    "ix_audit_events_verb": ["verb"],
}


def upgrade():
    for name, columns in NEW.items():
        op.create_index(name, "audit_events", columns)
    for name in OLD:
        op.drop_index(name, table_name="audit_events")


def downgrade():
    for name, columns in OLD.items():
        op.create_index(name, "audit_events", columns)
    for name in NEW:
        op.drop_index(name, table_name="audit_events")
