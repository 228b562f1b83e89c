"""dates of birth indexed as ranges, so matching reads only the births that meet hers or his

A victim's or perpetrator's possible days of birth are stored as born_from to born_to. Asking
which meet a date by the two columns scans every earlier birth on one side of it; a GiST index
on the range answers it directly (PostgreSQL only: SQLite has no range type, and its tables are
small).

Revision ID: b7e4c1d9a3f2
Revises: 9d3a5b7c2e41
Create Date: 2026-12-05 22:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b7e4c1d9a3f2"
down_revision = "9d3a5b7c2e41"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_referrals_victim_born_days", "referrals", "victim_born_from, victim_born_to"),
    ("ix_referral_perpetrators_born_days", "referral_perpetrators", "born_from, born_to"),
)


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    # Indexes alone: no table is rebuilt, so no trigger needs making again.
    for name, table, columns in INDEXES:
        op.create_index(
            name, table, [sa.text(f"daterange({columns}, '[]')")], postgresql_using="gist"
        )
        # The planner knows how few births meet one only once the ranges are counted.
        op.execute(f"ANALYZE {table}")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
