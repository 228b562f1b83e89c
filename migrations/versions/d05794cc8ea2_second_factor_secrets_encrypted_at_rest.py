"""second-factor secrets encrypted at rest: each stored TOTP secret becomes a Fernet token
under TOTP_ENCRYPTION_KEY, in users.totp_secret_sealed instead of users.totp_secret

Revision ID: d05794cc8ea2
Revises: f92844f188fe
Create Date: 2026-12-03 18:20:00.000000

"""
import re

from alembic import op
import sqlalchemy as sa
from cryptography.fernet import Fernet, MultiFernet
from flask import current_app


# revision identifiers, used by Alembic.
revision = 'd05794cc8ea2'
down_revision = 'f92844f188fe'
branch_labels = None
depends_on = None

#: A secret as it was stored before this revision: base32, never a Fernet token (which
#: holds lower-case letters and starts "gAAAAA").
PLAIN = re.compile(r'[A-Z2-7]+=*')

users = sa.table(
    'users',
    sa.column('id', sa.Integer),
    sa.column('totp_secret', sa.String),
    sa.column('totp_secret_sealed', sa.String),
)


def cipher():
    """The configured keys, written out here (not the app's helper) so the migration means the
    same whenever it runs: comma-separated Fernet keys, the first one encrypts."""
    setting = current_app.config.get('TOTP_ENCRYPTION_KEY') or ''
    keys = [key.strip() for key in str(setting).split(',') if key.strip()]
    if not keys:
        raise RuntimeError('Set CONFERENCE_TOTP_ENCRYPTION_KEY before this migration.')
    return MultiFernet([Fernet(key) for key in keys])


def rows_with(bind, column):
    return bind.execute(sa.select(users.c.id, column).where(column.is_not(None))).all()


# A new column and a plain DROP COLUMN, not a batch "alter type": on SQLite a batch recreates
# the users table, and dropping the old one would cascade-delete every row that refers to a
# user (foreign keys are on).
def upgrade():
    op.add_column('users', sa.Column('totp_secret_sealed', sa.String(length=255), nullable=True))

    bind = op.get_bind()
    rows = rows_with(bind, users.c.totp_secret)
    fernet = cipher() if rows else None
    for user_id, secret in rows:
        sealed = secret
        if PLAIN.fullmatch(secret):
            sealed = fernet.encrypt(secret.encode()).decode('ascii')
        bind.execute(
            users.update().where(users.c.id == user_id).values(totp_secret_sealed=sealed)
        )

    op.drop_column('users', 'totp_secret')


def downgrade():
    op.add_column('users', sa.Column('totp_secret', sa.String(length=64), nullable=True))

    bind = op.get_bind()
    rows = rows_with(bind, users.c.totp_secret_sealed)
    fernet = cipher() if rows else None
    for user_id, stored in rows:
        secret = stored
        if not PLAIN.fullmatch(stored):
            # A wrong key raises here, before anything is lost: the upgrade's key is needed.
            secret = fernet.decrypt(stored.encode('ascii')).decode()
        bind.execute(users.update().where(users.c.id == user_id).values(totp_secret=secret))

    op.drop_column('users', 'totp_secret_sealed')
