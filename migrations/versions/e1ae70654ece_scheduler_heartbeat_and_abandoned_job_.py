"""Scheduler heartbeat and abandoned job runs

Revision ID: e1ae70654ece
Revises: 6525e26559f2
Create Date: 2026-12-04 19:18:45.724069

"""

import sqlalchemy as sa
from alembic import op

from conference.db import control_character_ddl, drop_control_character_ddl

# revision identifiers, used by Alembic.
revision = "e1ae70654ece"
down_revision = "6525e26559f2"
branch_labels = None
depends_on = None

OLD = "outcome IN ('running', 'succeeded', 'partly_failed', 'failed', 'skipped')"
NEW = "outcome IN ('running', 'succeeded', 'partly_failed', 'failed', 'skipped', 'abandoned')"
#: Rebuilding job_runs on SQLite drops its control character triggers; written out as it stands.
JOB_RUNS_TEXT = {"job_runs": ["job", "error_id"]}
HEARTBEATS_TEXT = {"scheduler_heartbeats": ["host"]}


def _triggers(columns: dict[str, list[str]], *, drop: bool) -> None:
    dialect_name = op.get_bind().dialect.name
    if drop:
        statements = drop_control_character_ddl(dialect_name, list(columns))
    else:
        statements = control_character_ddl(dialect_name, columns)
        if dialect_name == "postgresql":
            statements = statements[1:]  # the shared function is there already
    for statement in statements:
        op.execute(statement)


def _outcomes(check: str) -> None:
    _triggers(JOB_RUNS_TEXT, drop=True)
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_job_runs_job_outcome"), type_="check")
        batch_op.create_check_constraint("job_outcome", check)
    _triggers(JOB_RUNS_TEXT, drop=False)


def upgrade():
    op.create_table(
        "scheduler_heartbeats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(host) <= 255", name=op.f("ck_scheduler_heartbeats_host_max")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduler_heartbeats")),
    )
    _triggers(HEARTBEATS_TEXT, drop=False)
    _outcomes(NEW)


def downgrade():
    op.execute("UPDATE job_runs SET outcome = 'failed' WHERE outcome = 'abandoned'")
    _outcomes(OLD)
    op.drop_table("scheduler_heartbeats")
