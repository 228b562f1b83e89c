"""Emails: a Message-ID kept across tries, "may have been sent" and "failed"; and a job run
that "partly failed".

Revision ID: a2367e38feab
Revises: be9634a351b2
Create Date: 2026-12-04 17:27:30.028715

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a2367e38feab'
down_revision = 'be9634a351b2'
branch_labels = None
depends_on = None


OLD = "outcome IN ('running', 'succeeded', 'failed', 'skipped')"
NEW = "outcome IN ('running', 'succeeded', 'partly_failed', 'failed', 'skipped')"


def upgrade():
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_job_runs_job_outcome'), type_='check')
        batch_op.alter_column('outcome', existing_type=sa.String(length=9),
                              type_=sa.String(length=13), existing_nullable=False)
        batch_op.create_check_constraint('job_outcome', NEW)

    with op.batch_alter_table('outbound_emails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_id', sa.String(length=250), nullable=True))
        batch_op.add_column(sa.Column('maybe_sent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('outbound_emails', schema=None) as batch_op:
        batch_op.drop_column('failed_at')
        batch_op.drop_column('maybe_sent_at')
        batch_op.drop_column('message_id')

    op.execute("UPDATE job_runs SET outcome = 'succeeded' WHERE outcome = 'partly_failed'")
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_job_runs_job_outcome'), type_='check')
        batch_op.alter_column('outcome', existing_type=sa.String(length=13),
                              type_=sa.String(length=9), existing_nullable=False)
        batch_op.create_check_constraint('job_outcome', OLD)
