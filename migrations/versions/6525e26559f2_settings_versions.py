"""A version on each MARAC and agency, so a save of their settings made on an older copy is
refused with both shown.

Revision ID: 6525e26559f2
Revises: c5cd48cffb99
Create Date: 2026-12-04 18:23:17.275608

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6525e26559f2'
down_revision = 'c5cd48cffb99'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))

    with op.batch_alter_table('maracs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    # A plain DROP COLUMN on both databases: rebuilding these tables on SQLite (batch mode)
    # would trip the foreign keys that point at them and drop their triggers.
    op.execute("ALTER TABLE maracs DROP COLUMN version")
    op.execute("ALTER TABLE agencies DROP COLUMN version")
