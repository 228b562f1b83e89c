"""notification links as endpoints: an endpoint and its ids instead of a written path

Revision ID: bd982bf0d46a
Revises: cdfcd286e395
Create Date: 2026-12-03 13:34:27.003996

"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'bd982bf0d46a'
down_revision = 'cdfcd286e395'
branch_labels = None
depends_on = None

#: Every path a notification was stored with before this revision, and its endpoint. Written
#: out here, not read from the app's URL map, so the migration means the same whenever it runs.
PATHS = (
    ("/referrals/{}", "referrals.detail", "referral_id"),
    ("/cases/{}", "referrals.case", "case_id"),
    ("/conferences/{}/minutes", "minutes.page", "conference_id"),
    ("/conferences/{}", "conferences.agenda_page", "conference_id"),
    ("/research/{}", "research.conference", "conference_id"),
    ("/actions/", "actions.index", None),
    ("/voice/", "voice.index", None),
    ("/notifications/", "notifications.index", None),
    ("/", "dashboard.index", None),
)
#: Where a path nobody wrote above leads: the recipient's list of notifications.
FALLBACK = ("/notifications/", "notifications.index")

notifications = sa.table(
    'notifications',
    sa.column('id', sa.Integer),
    sa.column('link', sa.String),
    sa.column('endpoint', sa.String),
    sa.column('endpoint_args', sa.JSON),
)


def endpoint_of(link):
    """(endpoint, args) for a stored path."""
    for template, endpoint, arg in PATHS:
        match = re.fullmatch(re.escape(template).replace(r'\{\}', r'([0-9]+)'), link)
        if match:
            return endpoint, ({arg: int(match.group(1))} if arg else {})
    return FALLBACK[1], {}


def path_of(endpoint, args):
    """The stored path for (endpoint, args), for a downgrade."""
    for template, known, arg in PATHS:
        if known == endpoint and (arg is None or arg in (args or {})):
            return template.format(args[arg]) if arg else template
    return FALLBACK[0]


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('endpoint', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('endpoint_args', sa.JSON(), nullable=True))

    # Data migration, by hand: each stored path becomes its endpoint and ids.
    bind = op.get_bind()
    rows = bind.execute(sa.select(notifications.c.id, notifications.c.link)).all()
    for row_id, link in rows:
        endpoint, args = endpoint_of(link)
        bind.execute(
            notifications.update()
            .where(notifications.c.id == row_id)
            .values(endpoint=endpoint, endpoint_args=args)
        )

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('endpoint', existing_type=sa.String(length=80), nullable=False)
        batch_op.alter_column('endpoint_args', existing_type=sa.JSON(), nullable=False)
        batch_op.drop_constraint(batch_op.f('ck_notifications_link_is_local'), type_='check')
        batch_op.drop_column('link')
        # Added by hand: autogenerate does not compare CHECK constraints.
        batch_op.create_check_constraint(
            batch_op.f('ck_notifications_endpoint_is_a_name'),
            "endpoint <> '' AND endpoint NOT LIKE '%/%' AND endpoint NOT LIKE '%:%'",
        )


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('link', sa.VARCHAR(length=200), nullable=True))

    bind = op.get_bind()
    rows = bind.execute(
        sa.select(notifications.c.id, notifications.c.endpoint, notifications.c.endpoint_args)
    ).all()
    for row_id, endpoint, args in rows:
        bind.execute(
            notifications.update()
            .where(notifications.c.id == row_id)
            .values(link=path_of(endpoint, args))
        )

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('link', existing_type=sa.VARCHAR(length=200), nullable=False)
        batch_op.drop_constraint(
            batch_op.f('ck_notifications_endpoint_is_a_name'), type_='check'
        )
        batch_op.drop_column('endpoint_args')
        batch_op.drop_column('endpoint')
        batch_op.create_check_constraint(
            batch_op.f('ck_notifications_link_is_local'), "link LIKE '/%'"
        )
