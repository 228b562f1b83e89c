"""Revisions of the case record and the minutes notes: every save, who, when, and each field
before and after, so nothing typed is lost when a merge or a later save replaces it.

The table holds no text column (the texts sit in JSON, which is stored escaped; the enums have
their CHECKs), so it needs no control character trigger.

Revision ID: 9aa2d07850d2
Revises: 70fdce7f7313
Create Date: 2026-12-04 19:21:41.005823

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9aa2d07850d2'
down_revision = '70fdce7f7313'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('revisions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('conference_id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=True),
    sa.Column('part', sa.Enum('record', 'notes', name='revision_of', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('saved_from', sa.Enum('console', 'minutes', name='saved_from', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('merged', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_revisions_actor_id_users')),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_items.id'], name=op.f('fk_revisions_agenda_item_id_agenda_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['conference_id'], ['conferences.id'], name=op.f('fk_revisions_conference_id_conferences'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revisions'))
    )
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_revisions_agenda_item_id'), ['agenda_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_revisions_conference_id'), ['conference_id'], unique=False)



def downgrade():
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_revisions_conference_id'))
        batch_op.drop_index(batch_op.f('ix_revisions_agenda_item_id'))

    op.drop_table('revisions')
