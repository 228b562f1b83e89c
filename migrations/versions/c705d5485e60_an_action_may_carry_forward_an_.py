"""an action may carry forward an unfinished one of an earlier plan (which ends 'carried forward') and name the risks it addresses; an overdue-actions standing item knows its case has children

Revision ID: c705d5485e60
Revises: 0cf5f0698932
Create Date: 2026-12-04 22:43:49.505787

"""

import sqlalchemy as sa
from alembic import op

from conference.db import control_character_ddl, drop_control_character_ddl


# revision identifiers, used by Alembic.
revision = "c705d5485e60"
down_revision = "0cf5f0698932"
branch_labels = None
depends_on = None

#: The text columns of the tables rebuilt here, in the models' order: rebuilding a table on
#: SQLite drops its triggers, so each table gets its control-character triggers again.
TEXT = {"actions": ["description", "owner_name"], "action_updates": ["note"]}
#: Dropping the standing item's flag rebuilds agenda_items too, on the way down.
TEXT_DOWN = {**TEXT, "agenda_items": ["over_capacity_reason", "defer_reason"]}

OLD = ("open", "in_progress", "done", "not_done_circumstances", "not_done_agency")
NEW = (*OLD, "carried_forward")


def _rebuilding(*, done: bool = False) -> None:
    """On SQLite, rebuilding actions drops and renames a table other rows point at: foreign
    keys are off while it is rebuilt (no statement of this revision deletes a row), then on
    again and checked."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    op.execute(f"PRAGMA foreign_keys = {'ON' if done else 'OFF'}")
    if done and (broken := bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()):
        raise RuntimeError(f"rows point at rows that are gone: {broken[:5]}")


def _triggers(*, drop: bool, tables: dict[str, list[str]] = TEXT) -> None:
    dialect_name = op.get_bind().dialect.name
    if drop:
        statements = drop_control_character_ddl(dialect_name, list(tables))
    else:
        # The shared PostgreSQL function is there already: only the triggers are made.
        statements = control_character_ddl(dialect_name, tables)
        if dialect_name == "postgresql":
            statements = statements[1:]
    for statement in statements:
        op.execute(statement)


def _allow(statuses, batches) -> None:
    # Written by hand: autogenerate does not compare the CHECK constraint of a non-native enum.
    listed = ", ".join(f"'{status}'" for status in statuses)
    for table, name, batch_op in batches:
        batch_op.drop_constraint(batch_op.f(f"ck_{table}_{name}"), type_="check")
        batch_op.create_check_constraint(batch_op.f(f"ck_{table}_{name}"), f"status IN ({listed})")


def upgrade():
    _rebuilding()
    _triggers(drop=True)
    with (
        op.batch_alter_table("actions", schema=None) as actions,
        op.batch_alter_table("action_updates", schema=None) as updates,
    ):
        actions.add_column(sa.Column("carried_from_id", sa.Integer(), nullable=True))
        actions.add_column(sa.Column("risks", sa.JSON(), server_default="[]", nullable=False))
        actions.create_index(
            actions.f("ix_actions_carried_from_id"), ["carried_from_id"], unique=True
        )
        actions.create_foreign_key(
            actions.f("fk_actions_carried_from_id_actions"), "actions", ["carried_from_id"], ["id"]
        )
        _allow(
            NEW,
            [
                ("actions", "action_status", actions),
                ("action_updates", "action_update_status", updates),
            ],
        )
    _triggers(drop=False)
    _rebuilding(done=True)
    # Added in place (no rebuild): the table keeps its triggers.
    op.add_column(
        "agenda_items",
        sa.Column("with_children", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade():
    # An action carried forward has no older status to go back to: refuse rather than guess.
    carried = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM actions WHERE status = 'carried_forward'")
    )
    if carried:
        raise RuntimeError(f"{carried} actions carried forward would lose how they ended")
    _rebuilding()
    _triggers(drop=True, tables=TEXT_DOWN)
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.drop_column("with_children")
    with (
        op.batch_alter_table("actions", schema=None) as actions,
        op.batch_alter_table("action_updates", schema=None) as updates,
    ):
        _allow(
            OLD,
            [
                ("actions", "action_status", actions),
                ("action_updates", "action_update_status", updates),
            ],
        )
        actions.drop_constraint(actions.f("fk_actions_carried_from_id_actions"), type_="foreignkey")
        actions.drop_index(actions.f("ix_actions_carried_from_id"))
        actions.drop_column("risks")
        actions.drop_column("carried_from_id")
    _triggers(drop=False, tables=TEXT_DOWN)
    _rebuilding(done=True)
