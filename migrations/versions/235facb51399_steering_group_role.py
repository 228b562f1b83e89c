"""steering group role: role_grants.role may be 'steering' (a MARAC's governance, figures only)

Revision ID: 235facb51399
Revises: 634a35ba6dfd
Create Date: 2026-12-03 18:37:34.034151

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '235facb51399'
down_revision = '634a35ba6dfd'
branch_labels = None
depends_on = None

OLD = ('admin', 'coordinator', 'chair', 'advocate', 'agency_rep')
NEW = (*OLD, 'steering')


def _allow(roles):
    # Written by hand: autogenerate does not compare the CHECK constraint of a non-native enum.
    listed = ", ".join(f"'{role}'" for role in roles)
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_role_grants_role'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_role_grants_role'), f"role IN ({listed})")


def upgrade():
    _allow(NEW)


def downgrade():
    # The steering role cannot be kept without the value: its grants go with it.
    op.execute(sa.text("DELETE FROM role_grants WHERE role = 'steering'"))
    _allow(OLD)
