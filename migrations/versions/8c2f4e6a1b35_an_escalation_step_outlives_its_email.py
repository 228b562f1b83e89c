"""an escalation step outlives the outbox email it sent: the email may be forgotten after 90 days

Revision ID: 8c2f4e6a1b35
Revises: 5b1e7c3a9d20
Create Date: 2026-12-05 04:30:00.000000

The step keeps that the agency's contact was told and when; only its link to the email, once
the outbox forgets it, is emptied. escalation_steps has no text triggers to remake.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "8c2f4e6a1b35"
down_revision = "5b1e7c3a9d20"
branch_labels = None
depends_on = None

FK = "fk_escalation_steps_email_id_outbound_emails"


def upgrade():
    with op.batch_alter_table("escalation_steps", schema=None) as batch_op:
        batch_op.drop_constraint(FK, type_="foreignkey")
        batch_op.create_foreign_key(
            FK, "outbound_emails", ["email_id"], ["id"], ondelete="SET NULL"
        )


def downgrade():
    with op.batch_alter_table("escalation_steps", schema=None) as batch_op:
        batch_op.drop_constraint(FK, type_="foreignkey")
        batch_op.create_foreign_key(FK, "outbound_emails", ["email_id"], ["id"])
