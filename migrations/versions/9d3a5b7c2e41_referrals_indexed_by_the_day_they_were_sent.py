"""referrals indexed by the day they were sent, so a window of days reads only its referrals

The repeat and counter-allegation windows, and the flagged cases, read the referrals inside
them instead of every referral of the install.

Revision ID: 9d3a5b7c2e41
Revises: 8c2f4e6a1b35
Create Date: 2026-12-05 05:00:00.000000
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "9d3a5b7c2e41"
down_revision = "8c2f4e6a1b35"
branch_labels = None
depends_on = None


def upgrade():
    # An index alone: no table is rebuilt, so no trigger needs making again.
    op.create_index("ix_referrals_referred_on", "referrals", ["referred_on"], unique=False)


def downgrade():
    op.drop_index("ix_referrals_referred_on", table_name="referrals")
