"""Perpetrator risk at the meeting: the meeting's view of each perpetrator's risk to others,
and an action's perpetrator and onward referral (MATAC, offender management, a programme)

Revision ID: 39eb3607b810
Revises: 70a8e4e7f751
Create Date: 2026-12-03 14:53:45.411570

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '39eb3607b810'
down_revision = '70a8e4e7f751'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('perpetrator_risks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=False),
    sa.Column('perpetrator_id', sa.Integer(), nullable=False),
    sa.Column('risk_to_new_partner', sa.Text(), nullable=False),
    sa.Column('risk_to_children', sa.Text(), nullable=False),
    sa.Column('risk_to_family', sa.Text(), nullable=False),
    sa.Column('risk_to_public', sa.Text(), nullable=False),
    sa.Column('risk_to_staff', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('length(risk_to_children) <= 4000', name=op.f('ck_perpetrator_risks_risk_to_children_max')),
    sa.CheckConstraint('length(risk_to_family) <= 4000', name=op.f('ck_perpetrator_risks_risk_to_family_max')),
    sa.CheckConstraint('length(risk_to_new_partner) <= 4000', name=op.f('ck_perpetrator_risks_risk_to_new_partner_max')),
    sa.CheckConstraint('length(risk_to_public) <= 4000', name=op.f('ck_perpetrator_risks_risk_to_public_max')),
    sa.CheckConstraint('length(risk_to_staff) <= 4000', name=op.f('ck_perpetrator_risks_risk_to_staff_max')),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_items.id'], name=op.f('fk_perpetrator_risks_agenda_item_id_agenda_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['perpetrator_id'], ['referral_perpetrators.id'], name=op.f('fk_perpetrator_risks_perpetrator_id_referral_perpetrators'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_perpetrator_risks_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_perpetrator_risks')),
    sa.UniqueConstraint('agenda_item_id', 'perpetrator_id', name=op.f('uq_perpetrator_risks_agenda_item_id_perpetrator_id'))
    )
    with op.batch_alter_table('perpetrator_risks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_perpetrator_risks_agenda_item_id'), ['agenda_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_perpetrator_risks_perpetrator_id'), ['perpetrator_id'], unique=False)

    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('perpetrator_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('onward_to', sa.Enum('matac', 'offender_management', 'perpetrator_programme', 'other', name='onward_referral', native_enum=False, create_constraint=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_actions_perpetrator_id'), ['perpetrator_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_actions_perpetrator_id_referral_perpetrators'), 'referral_perpetrators', ['perpetrator_id'], ['id'])
        batch_op.create_check_constraint('onward_names_perpetrator', 'onward_to IS NULL OR perpetrator_id IS NOT NULL')



def downgrade():
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_actions_onward_names_perpetrator'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_actions_onward_referral'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_actions_perpetrator_id_referral_perpetrators'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_actions_perpetrator_id'))
        batch_op.drop_column('onward_to')
        batch_op.drop_column('perpetrator_id')

    with op.batch_alter_table('perpetrator_risks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_perpetrator_risks_perpetrator_id'))
        batch_op.drop_index(batch_op.f('ix_perpetrator_risks_agenda_item_id'))

    op.drop_table('perpetrator_risks')
