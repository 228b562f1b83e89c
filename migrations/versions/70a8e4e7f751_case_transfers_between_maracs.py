"""Case transfers between MARACs: the transfer, the sending coordinator's decision on each
open action, and the MARAC a case last came from (the agenda says so)

Revision ID: 70a8e4e7f751
Revises: e0daa5ee213f
Create Date: 2026-12-03 14:29:10.217403

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '70a8e4e7f751'
down_revision = 'e0daa5ee213f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_transfers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('from_marac_id', sa.Integer(), nullable=False),
    sa.Column('to_marac_id', sa.Integer(), nullable=False),
    sa.Column('from_reference', sa.String(length=24), nullable=False),
    sa.Column('status', sa.Enum('requested', 'accepted', 'declined', 'withdrawn', name='transfer_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decline_reason', sa.Text(), server_default='', nullable=False),
    sa.CheckConstraint('from_marac_id <> to_marac_id', name=op.f('ck_case_transfers_to_another_marac')),
    sa.CheckConstraint('length(decline_reason) <= 2000', name=op.f('ck_case_transfers_decline_reason_max')),
    sa.CheckConstraint('length(reason) <= 2000', name=op.f('ck_case_transfers_reason_max')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_transfers_case_id_cases')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_case_transfers_decided_by_id_users')),
    sa.ForeignKeyConstraint(['from_marac_id'], ['maracs.id'], name=op.f('fk_case_transfers_from_marac_id_maracs')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_case_transfers_requested_by_id_users')),
    sa.ForeignKeyConstraint(['to_marac_id'], ['maracs.id'], name=op.f('fk_case_transfers_to_marac_id_maracs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_transfers'))
    )
    with op.batch_alter_table('case_transfers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_transfers_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_transfers_from_marac_id'), ['from_marac_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_transfers_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_transfers_to_marac_id'), ['to_marac_id'], unique=False)

    op.create_table('transfer_action_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('transfer_id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('fate', sa.Enum('carry_over', 'close', name='action_fate', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('new_owner_agency_id', sa.Integer(), nullable=True),
    sa.Column('close_reason', sa.Text(), server_default='', nullable=False),
    sa.CheckConstraint("(fate = 'carry_over' AND new_owner_agency_id IS NOT NULL) OR (fate = 'close' AND length(close_reason) > 0)", name=op.f('ck_transfer_action_decisions_decided_in_full')),
    sa.CheckConstraint('length(close_reason) <= 2000', name=op.f('ck_transfer_action_decisions_close_reason_max')),
    sa.ForeignKeyConstraint(['action_id'], ['actions.id'], name=op.f('fk_transfer_action_decisions_action_id_actions')),
    sa.ForeignKeyConstraint(['new_owner_agency_id'], ['agencies.id'], name=op.f('fk_transfer_action_decisions_new_owner_agency_id_agencies')),
    sa.ForeignKeyConstraint(['transfer_id'], ['case_transfers.id'], name=op.f('fk_transfer_action_decisions_transfer_id_case_transfers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfer_action_decisions')),
    sa.UniqueConstraint('transfer_id', 'action_id', name=op.f('uq_transfer_action_decisions_transfer_id_action_id'))
    )
    with op.batch_alter_table('transfer_action_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transfer_action_decisions_action_id'), ['action_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfer_action_decisions_transfer_id'), ['transfer_id'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('transferred_from_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_cases_transferred_from_id_maracs'), 'maracs', ['transferred_from_id'], ['id'])



def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_cases_transferred_from_id_maracs'), type_='foreignkey')
        batch_op.drop_column('transferred_from_id')

    with op.batch_alter_table('transfer_action_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transfer_action_decisions_transfer_id'))
        batch_op.drop_index(batch_op.f('ix_transfer_action_decisions_action_id'))

    op.drop_table('transfer_action_decisions')
    with op.batch_alter_table('case_transfers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_transfers_to_marac_id'))
        batch_op.drop_index(batch_op.f('ix_case_transfers_status'))
        batch_op.drop_index(batch_op.f('ix_case_transfers_from_marac_id'))
        batch_op.drop_index(batch_op.f('ix_case_transfers_case_id'))

    op.drop_table('case_transfers')
