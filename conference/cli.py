"""Operator commands: demo data and creating the first accounts."""

from __future__ import annotations

import time

import click
import sqlalchemy as sa
from flask import Flask

from conference.accounts import services
from conference.accounts.management import grant_role, save_user
from conference.accounts.models import Agency, AgencyKind, Role, User
from conference.audit import context as audit_context
from conference.db import utcnow
from conference.demo import scale
from conference.demo.seed import DEMO_PASSWORD, demo_logins, seed_demo
from conference.errors import ValidationFailed
from conference.extensions import db


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_scale_command)


@click.command("seed-demo")
@click.option(
    "--if-empty",
    is_flag=True,
    help="Load nothing if the database already has users (used by `make run`).",
)
def seed_demo_command(if_empty: bool) -> None:
    """Load the synthetic demo data (idempotent) and print the demo logins."""
    with audit_context.bound(audit_context.Origin(source="cli")):
        has_users = (
            db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar_one() > 0
        )
        if if_empty and has_users:
            logins = demo_logins()
        else:
            logins = seed_demo(now=utcnow())
            db.session.commit()
            click.echo("Demo data loaded.")
    if not logins:
        return
    click.echo(f"\nDemo logins (every password: {DEMO_PASSWORD})")
    width = max(len(login.email) for login in logins)
    for login in logins:
        click.echo(f"  {login.email:<{width}}  {login.roles:<34} {login.name}, {login.agency}")
    click.echo("")


@click.command("seed-scale")
@click.option("--maracs", default=20, show_default=True, type=click.IntRange(1, 99))
@click.option("--years", default=10, show_default=True, type=click.IntRange(1, 30))
@click.option("--seed", default=20, show_default=True, help="The same seed writes the same data.")
@click.option("--force", is_flag=True, help="Write even though the database holds data.")
def seed_scale_command(maracs: int, years: int, seed: int, force: bool) -> None:
    """Fill a dedicated benchmark database with a county: MARACs meeting monthly for years."""
    if scale.has_data() and not force:
        raise click.ClickException(
            "This database already holds data: seed-scale is for an empty benchmark database "
            "(add --force to write anyway)."
        )
    started = time.perf_counter()
    with audit_context.bound(audit_context.Origin(source="cli")):
        counts = scale.seed_scale(
            maracs=maracs, months=12 * years, seed=seed, now=utcnow(), progress=click.echo
        )
        db.session.commit()
    scale.gather_statistics()
    elapsed = time.perf_counter() - started
    for table, rows in sorted(counts.rows.items()):
        click.echo(f"  {table:<28} {rows:>10,}")
    click.echo(f"Written {sum(counts.rows.values()):,} rows in {elapsed:.0f} s.")
    click.echo(f"Every seeded user's password: {scale.BENCH_PASSWORD}")


@click.command("create-user")
@click.argument("email")
@click.option("--name", required=True, help="The person's full name.")
@click.option(
    "--agency",
    "agency_name",
    required=True,
    help="Their agency's name; created (kind 'other') if it does not exist yet.",
)
@click.option("--admin", is_flag=True, help="Make them an install-wide administrator.")
def create_user_command(email: str, name: str, agency_name: str, admin: bool) -> None:
    """Create a user and print a one-time link to set their password."""
    now = utcnow()
    with audit_context.bound(audit_context.Origin(source="cli")):
        agency = db.session.scalar(sa.select(Agency).where(Agency.name == agency_name))
        if agency is None:
            agency = Agency(name=agency_name, kind=AgencyKind.OTHER)
            db.session.add(agency)
            db.session.flush()
        try:
            user = save_user(None, None, now=now, email=email, name=name, agency_id=agency.id)
            if admin:
                db.session.refresh(user)
                grant_role(None, user, Role.ADMIN, None, now=now)
        except ValidationFailed as problem:
            db.session.rollback()
            raise click.ClickException(str(problem)) from problem
        token = services.issue_password_link(user, actor=None, now=now)
        db.session.commit()
    click.echo(
        f"Created {user.email}. Send them this one-time link to set a password "
        f"(prefix it with this service's address):\n  /set-password/{token}"
    )
