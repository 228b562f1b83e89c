"""Research per perpetrator: what an agency's records show on each perpetrator of the case,
as part of its return

Revision ID: 545aaf4e6a88
Revises: 39eb3607b810
Create Date: 2026-12-03 15:03:56.599057

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '545aaf4e6a88'
down_revision = '39eb3607b810'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('research_perpetrator_findings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('return_id', sa.Integer(), nullable=False),
    sa.Column('perpetrator_id', sa.Integer(), nullable=False),
    sa.Column('summary', sa.String(length=4000), nullable=False),
    sa.CheckConstraint('length(summary) <= 4000', name=op.f('ck_research_perpetrator_findings_summary_max')),
    sa.CheckConstraint('length(trim(summary)) > 0', name=op.f('ck_research_perpetrator_findings_summary_not_blank')),
    sa.ForeignKeyConstraint(['perpetrator_id'], ['referral_perpetrators.id'], name=op.f('fk_research_perpetrator_findings_perpetrator_id_referral_perpetrators'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['return_id'], ['research_returns.id'], name=op.f('fk_research_perpetrator_findings_return_id_research_returns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_research_perpetrator_findings')),
    sa.UniqueConstraint('return_id', 'perpetrator_id', name=op.f('uq_research_perpetrator_findings_return_id_perpetrator_id'))
    )
    with op.batch_alter_table('research_perpetrator_findings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_research_perpetrator_findings_perpetrator_id'), ['perpetrator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_research_perpetrator_findings_return_id'), ['return_id'], unique=False)



def downgrade():
    with op.batch_alter_table('research_perpetrator_findings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_research_perpetrator_findings_return_id'))
        batch_op.drop_index(batch_op.f('ix_research_perpetrator_findings_perpetrator_id'))

    op.drop_table('research_perpetrator_findings')
