"""`flask backup create` and `flask backup restore`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from conference.db import utcnow
from conference.extensions import db
from conference.operations.backup import (
    BackupError,
    check_restored,
    create_backup,
    manifest_path,
    restore_backup,
)
from conference.operations.roles import grant_app_role

backup_cli = AppGroup("backup", help="Back up the database, or restore a backup into an empty one.")


def init_app(app: Flask) -> None:
    app.cli.add_command(backup_cli)


@backup_cli.command("create")
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
def create_command(destination: Path) -> None:
    """Write a backup of the database to DESTINATION, with a manifest beside it."""
    try:
        manifest = create_backup(db.engine, destination, utcnow())
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Backed up to {destination} (revision {manifest.revision}, "
        f"{manifest.audit_events} audit events); manifest {manifest_path(destination).name}. "
        "Keep it as safe as the database: it holds every case."
    )


@backup_cli.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(source: Path) -> None:
    """Restore SOURCE into the configured database (which must be empty), then check it."""
    try:
        manifest = restore_backup(db.engine, source)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    app_role = current_app.config.get("APP_DATABASE_ROLE")
    if app_role:
        with db.engine.begin() as connection:
            grant_app_role(connection, app_role)
    problems = check_restored(db.engine, manifest)
    if problems:
        raise click.ClickException("Restored, but it is not whole: " + "; ".join(problems))
    click.echo(
        f"Restored {source} (revision {manifest.revision}, {manifest.audit_events} audit events); "
        "the audit trail and its triggers are intact."
    )
