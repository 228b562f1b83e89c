"""Flask extensions, created unbound and attached in create_app."""

from typing import TYPE_CHECKING, Any

import click
from flask import Flask
from flask_htmx import HTMX
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from conference.db import Base

# Routes commit and then render what they changed; expiring everything on commit would make
# the template reload each object one query at a time.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = HTMX()

MIGRATION_OPTIONS = {"render_as_batch": True, "compare_type": True}


def attach_migrations(app: Flask, directory: str) -> None:
    """The `flask db` commands (Flask-Migrate), loaded only when the command line asks for
    them: they bring Alembic and Mako, about 11 MB that a web worker would carry unused."""
    app.extensions["migrations_directory"] = directory
    app.cli.add_command(_MigrationCommands(app), name="db")


def migrations(app: Flask) -> Any:
    """Flask-Migrate's settings for the app (app.extensions["migrate"]), attached on first use,
    for the `flask db` commands and for code that upgrades a database itself."""
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        Migrate(**MIGRATION_OPTIONS).init_app(
            app, db, directory=app.extensions["migrations_directory"]
        )
    return app.extensions["migrate"]


class _MigrationCommands(click.Group):
    """Stands for Flask-Migrate's `db` group until a command of it is asked for."""

    def __init__(self, app: Flask) -> None:
        super().__init__(
            name="db",
            help="Perform database migrations (Flask-Migrate and Alembic).",
            # The real group's own options, passed on to its callback (which keeps them on g).
            params=[
                click.Option(["-d", "--directory"], default=None, help="Migration directory"),
                click.Option(["-x", "--x-arg"], multiple=True, help="Arguments for env.py"),
            ],
            callback=self._as_the_real_group,
        )
        self.app = app

    def _as_the_real_group(self, **options: Any) -> Any:
        callback = self._commands().callback
        assert callback is not None
        return click.get_current_context().invoke(callback, **options)

    def _commands(self) -> click.Group:
        migrations(self.app)  # puts Flask-Migrate's own group on app.cli in this one's place
        group = self.app.cli.commands["db"]
        assert isinstance(group, click.Group) and group is not self
        return group

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._commands().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._commands().get_command(ctx, cmd_name)


if TYPE_CHECKING:
    from flask_sqlalchemy.model import Model as _FlaskModel

    class Model(_FlaskModel, Base):
        """db.Model as a type checker sees it: it cannot take an attribute as a base class."""

else:
    Model = db.Model
