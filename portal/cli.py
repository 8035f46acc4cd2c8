"""Command line of SPEC section 5 (``flask --app wsgi ...``)."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Invoice, OutboxEmail, Role, Staff
from portal.models.database import begin_write
from portal.services.billing import recurring
from portal.services.errors import DomainError
from portal.services.identity import staff as staff_service
from portal.services.platform import demo, outbox
from portal.services.platform.audit import SYSTEM, acting_as

staff_cli = AppGroup("staff", help="Staff members.")
outbox_cli = AppGroup("outbox", help="The email outbox.")
api_token_cli = AppGroup("api-token", help="Integration API tokens.")
webhooks_cli = AppGroup("webhooks", help="Webhook deliveries of the integration API.")
invoices_cli = AppGroup("invoices", help="Recurring invoices and payment reminders (for cron).")
activities_cli = AppGroup("activities", help="Activities on customers (for cron).")
registry_cli = AppGroup("registry", help="Company details from the business registries.")


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
@click.option(
    "--customers",
    "customers",
    type=click.IntRange(min=0),
    default=None,
    help="Grow the data set to this many customers (bulk inserts, for benchmarks).",
)
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


@invoices_cli.command("recur")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Run as of this date (YYYY-MM-DD); default today.",
)
@click.option("--no-email", is_flag=True, help="Create and issue, but queue no emails.")
def invoices_recur(today: Any, no_email: bool) -> None:
    """Creates and issues the due recurring invoices; running it again the same day creates
    nothing new."""
    day: date = today.date() if today else date.today()
    with acting_as(SYSTEM):
        begin_write()
        try:
            result = recurring.run_recurring(day, send=not no_email)
        except DomainError as exc:
            db.session.rollback()
            raise click.ClickException(exc.message) from None
        numbers = [
            f"{child.number} (from {parent_number})"
            for child, parent_number in (
                (c, db.session.get(Invoice, c.recurring_parent_id).number)  # type: ignore[union-attr]
                for c in result.created
            )
        ]
        db.session.commit()
    if not numbers:
        click.echo(f"No recurring invoices due on {day.isoformat()}.")
        return
    for line in numbers:
        click.echo(f"Issued {line}")
    click.echo(f"Created {len(numbers)} invoice(s), queued {result.emailed} email(s).")


@invoices_cli.command("remind")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Run as of this date (YYYY-MM-DD); default today.",
)
def invoices_remind(today: Any) -> None:
    """Queues one payment reminder per overdue invoice and reminder interval."""
    day: date = today.date() if today else date.today()
    with acting_as(SYSTEM):
        begin_write()
        result = recurring.run_reminders(day)
        reminded = [
            f"{i.number} to {recurring._recipient(i.customer).email}"  # type: ignore[union-attr]
            for i in result.reminded
        ]
        skipped = [i.number for i in result.skipped]
        db.session.commit()
    for line in reminded:
        click.echo(f"Reminder queued: {line}")
    for number in skipped:
        click.echo(f"Skipped {number}: the customer has no active contact.", err=True)
    click.echo(f"Queued {len(reminded)} reminder(s).")


@activities_cli.command("remind")
@click.option(
    "--now",
    type=click.DateTime(formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]),
    default=None,
    help="Run as of this UTC time (YYYY-MM-DDTHH:MM); default now.",
)
def activities_remind(now: Any) -> None:
    """Queues one email to the assignee of each activity that has fallen due (once each)."""
    from portal.services.customers import activities

    with acting_as(SYSTEM):
        begin_write()
        reminded = activities.send_reminders(activities.as_utc(now) if now else None)
        lines = [f"{a.subject} to {a.assignee.email}" for a in reminded]  # type: ignore[union-attr]
        db.session.commit()
    for line in lines:
        click.echo(f"Reminder queued: {line}")
    click.echo(f"Queued {len(lines)} reminder(s).")


@api_token_cli.command("create")
@click.option("--name", required=True, help="Who uses the token, e.g. the finance system.")
@click.option(
    "--scopes", default="read write", show_default=True, help="read, write or both (quoted)."
)
def api_token_create(name: str, scopes: str) -> None:
    """Creates a token and prints it once, alone on the last line (only its hash is kept)."""
    from portal.services.integration import api_tokens

    with acting_as(SYSTEM):
        begin_write()
        try:
            token, raw = api_tokens.create_token(name, scopes.replace(",", " ").split())
        except DomainError as exc:
            details = "; ".join(f"{k}: {v}" for k, v in exc.fields.items()) or exc.message
            raise click.ClickException(details) from None
        db.session.commit()
    click.echo(f"Created API token #{token.id} {token.name!r} (scopes: {token.scopes}).")
    click.echo("Store it now: it is shown only once.")
    click.echo(raw)


@api_token_cli.command("list")
def api_token_list() -> None:
    """Lists tokens with their prefix, scopes, last use and state."""
    from portal.services.integration import api_tokens

    for token in api_tokens.all_tokens():
        used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
        state = "revoked" if token.revoked_at else "active"
        click.echo(
            f"#{token.id:<4} {token.prefix}... {state:<7} {token.scopes:<10} used {used} "
            f"{token.name}"
        )


@api_token_cli.command("revoke")
@click.argument("token_id", type=int)
def api_token_revoke(token_id: int) -> None:
    """Revokes a token: it stops working at once."""
    from portal.models import ApiToken
    from portal.services.integration import api_tokens

    with acting_as(SYSTEM):
        begin_write()
        token = db.session.get(ApiToken, token_id)
        if token is None:
            raise click.ClickException(f"No API token #{token_id}.")
        try:
            api_tokens.revoke(token)
        except DomainError as exc:
            raise click.ClickException(exc.message) from None
        db.session.commit()
    click.echo(f"Revoked API token #{token_id}.")


@webhooks_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep running as a worker.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between polls.")
@click.option("--max-loops", type=int, default=None, hidden=True)
def webhooks_send(loop: bool, interval: float, max_loops: int | None) -> None:
    """Delivers queued webhook events, with retries."""
    from portal.services.integration import webhooks

    rounds = 0
    while True:
        sent, failed = webhooks.deliver()
        if sent or failed or not loop:
            click.echo(f"delivered {sent}, failed {failed}")
        rounds += 1
        if not loop or (max_loops is not None and rounds >= max_loops):
            break
        db.session.remove()
        time.sleep(interval)


@webhooks_cli.command("show")
@click.option("--limit", default=50, show_default=True)
def webhooks_show(limit: int) -> None:
    """Lists the latest deliveries with their state."""
    from portal.services.integration import webhooks

    rows = webhooks.recent_deliveries(limit)
    if not rows:
        click.echo("No webhook deliveries.")
    for row in rows:
        line = f"#{row.id:<5} {row.status:<9} {row.event:<17} webhook #{row.webhook_id}"
        if row.last_error:
            line += f" | attempts {row.attempts}, last error: {row.last_error}"
        click.echo(line)


# -- registry look-up -------------------------------------------------------------------------


@registry_cli.command("refresh")
@click.option("--customer", "customer_id", type=int, help="Check this customer (its id).")
@click.option("--all", "every", is_flag=True, help="Every active customer with a number.")
@click.option(
    "--older-than", type=click.IntRange(min=0), help="With --all: not checked for DAYS days."
)
def registry_refresh(customer_id: int | None, every: bool, older_than: int | None) -> None:
    """Checks customers in VIES, PRH and Brønnøysund and writes a report of the differences
    for staff (shown on the card and under Customers > Registry checks); never changes a
    customer."""
    from portal.models import Customer
    from portal.services.customers.registry import checks, reports

    if (customer_id is None) == (not every) or (older_than is not None and not every):
        raise click.UsageError("Give --customer ID, or --all [--older-than DAYS].")
    ids = reports.due_customer_ids(customer_id, older_than)
    if customer_id is not None and not ids:
        raise click.ClickException(f"No customer #{customer_id}.")
    outcomes: dict[str, int] = {}
    for next_id in ids:
        db.session.rollback()  # no transaction is held while the registries answer
        customer = db.session.get(Customer, next_id)
        if customer is None:  # deleted meanwhile
            continue
        outcome = checks.check_customer(customer).outcome
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        click.echo(f"{customer.number} {customer.company_name}: {outcome}")
    db.session.rollback()
    summary = ", ".join(f"{name} {count}" for name, count in sorted(outcomes.items()))
    click.echo(f"Checked {len(ids)} customers" + (f": {summary}" if summary else "."))


# -- backup and restore -----------------------------------------------------------------------


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def backup_command(path: Path) -> None:
    """Writes the database and the upload folder to one archive (.tar.gz)."""
    from portal.services.platform import backup

    try:
        manifest = backup.create_backup(path)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    rows = sum(manifest.tables.values())
    click.echo(
        f"Backup written to {path}: {manifest.dialect}, {len(manifest.tables)} tables, "
        f"{rows} rows, {len(manifest.uploads)} uploaded files."
    )


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
def restore_command(path: Path, force: bool) -> None:
    """Restores an archive written by `flask backup` into this (empty) instance."""
    from portal.services.platform import backup

    try:
        manifest = backup.restore_backup(path, force=force)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"Restored {path} (taken {manifest.created_at}): {sum(manifest.tables.values())} rows "
        f"and {len(manifest.uploads)} files, checked against the manifest. Run `flask db "
        "upgrade` if this release is newer than the backup."
    )


def init_app(app: Flask) -> None:
    app.cli.add_command(staff_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(invoices_cli)
    app.cli.add_command(activities_cli)
    app.cli.add_command(seed_demo)
    app.cli.add_command(api_token_cli)
    app.cli.add_command(webhooks_cli)
    app.cli.add_command(registry_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
