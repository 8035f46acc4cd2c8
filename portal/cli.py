"""Command line of SPEC section 5 (``flask --app wsgi ...``)."""

from __future__ import annotations

import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from portal.database import begin_write
from portal.extensions import db
from portal.models import OutboxEmail, Role, Staff
from portal.services import demo, outbox
from portal.services import staff as staff_service
from portal.services.audit import SYSTEM, acting_as
from portal.services.errors import DomainError

staff_cli = AppGroup("staff", help="Staff members.")
outbox_cli = AppGroup("outbox", help="The email outbox.")


@outbox_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep running as a worker.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between polls.")
@click.option("--max-loops", type=int, default=None, hidden=True)
def outbox_send(loop: bool, interval: float, max_loops: int | None) -> None:
    """Delivers queued emails over SMTP, with retries."""
    if not outbox.mail_configured():
        raise click.ClickException(
            "PORTAL_MAIL_SERVER is not set: emails stay in the outbox (see `flask outbox show`)."
        )
    rounds = 0
    while True:
        sent, failed = outbox.deliver()
        if sent or failed or not loop:
            click.echo(f"sent {sent}, failed {failed}")
        rounds += 1
        if not loop or (max_loops is not None and rounds >= max_loops):
            break
        db.session.remove()
        time.sleep(interval)


@outbox_cli.command("show")
@click.option("--status", type=click.Choice(["queued", "sending", "sent", "failed"]))
@click.option("--limit", default=50, show_default=True)
@click.option("--body", is_flag=True, help="Print the plain-text bodies too.")
def outbox_show(status: str | None, limit: int, body: bool) -> None:
    """Lists emails with their status, recipient and subject."""
    stmt = select(OutboxEmail).order_by(OutboxEmail.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(OutboxEmail.status == status)
    rows = list(db.session.scalars(stmt))
    if not rows:
        click.echo("The outbox is empty.")
    for email in rows:
        line = (
            f"#{email.id:<5} {email.status:<8} {email.created_at:%Y-%m-%d %H:%M} "
            f"{email.language} {email.recipient} | {email.subject}"
        )
        if email.last_error:
            line += f" | attempts {email.attempts}, last error: {email.last_error}"
        click.echo(line)
        if body:
            click.echo(email.body_text)
            click.echo("-" * 72)


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
    click.echo(demo.logins_text(current_app.config["BASE_URL"]))


def init_app(app: Flask) -> None:
    app.cli.add_command(staff_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(seed_demo)
