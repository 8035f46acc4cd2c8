"""Command line of SPEC section 5 (``flask --app wsgi ...``)."""

from __future__ import annotations

import time

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import func, select

from portal.database import begin_write
from portal.extensions import db
from portal.models import Role, Staff
from portal.services import demo
from portal.services import staff as staff_service
from portal.services.audit import SYSTEM, acting_as
from portal.services.errors import DomainError

staff_cli = AppGroup("staff", help="Staff members.")


@staff_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", "role_name", required=True, help="Role name, e.g. Administrator.")
@click.option("--password", help="Prompted for (hidden) when absent.")
def staff_create(email: str, name: str, role_name: str, password: str | None) -> None:
    """Creates a staff member."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with acting_as(SYSTEM):
        begin_write()
        role = staff_service.role_by_name(role_name)
        if role is None and role_name == "Administrator":
            role = staff_service.administrator_role()
        if role is None:
            names = ", ".join(db.session.scalars(select(Role.name).order_by(Role.name))) or "-"
            raise click.ClickException(f"Unknown role {role_name!r}. Roles: {names}")
        try:
            staff = staff_service.create_staff({"email": email, "name": name}, role, password)
        except DomainError as exc:
            details = "; ".join(f"{k}: {v}" for k, v in exc.fields.items()) or exc.message
            raise click.ClickException(details) from None
        db.session.commit()
    click.echo(f"Created staff member {staff.email} ({role.name}).")


@click.command("seed-demo")
@click.option("--customers", "customers", type=click.IntRange(min=0), default=None,
              help="Grow the data set to this many customers (bulk inserts, for benchmarks).")
def seed_demo(customers: int | None) -> None:
    """Loads demo data; running it again changes nothing."""
    started = time.perf_counter()
    with acting_as(SYSTEM):
        begin_write()
        created = demo.seed_base()
        db.session.commit()
        if customers is not None:
            added = demo.seed_bulk(customers, progress=lambda m: click.echo(m, err=True))
            click.echo(f"Bulk data: {added} customers added.")
    total = db.session.scalar(select(func.count()).select_from(Staff))
    if created:
        click.echo("Demo data loaded.")
    else:
        click.echo("Demo data already present; nothing to do.")
    click.echo(f"Staff members: {total}. Took {time.perf_counter() - started:.1f}s.")
    click.echo(demo.LOGINS_TEXT)


def init_app(app: Flask) -> None:
    app.cli.add_command(staff_cli)
    app.cli.add_command(seed_demo)
