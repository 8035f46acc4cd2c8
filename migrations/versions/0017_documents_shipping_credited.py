"""Invoices and estimates: the shipping address snapshot; the invoice status ``credited``

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 06:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


# New columns are plain ALTER TABLE on both backends (as in 0010). ``invoices`` is referenced by
# lines, payments, checkouts, links and itself, so SQLite cannot rebuild it to change its CHECK
# constraint (the DROP TABLE would cascade into the lines under ``foreign_keys=ON``). A CHECK
# constraint does not change how rows are stored, so on SQLite its text in ``sqlite_master`` is
# edited in place, the procedure SQLite documents for such changes (lang_altertable.html,
# "making other kinds of table schema changes"); PostgreSQL drops and creates the constraint.

OLD = "status IN ('draft', 'unpaid', 'partially_paid', 'paid', 'cancelled')"
NEW = "status IN ('draft', 'unpaid', 'partially_paid', 'paid', 'cancelled', 'credited')"


def _sqlite_check(old, new):
    conn = op.get_bind()
    sql = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'invoices'"
    ).scalar()
    if old not in sql:
        raise RuntimeError('unexpected CHECK constraint on invoices.status')
    version = conn.exec_driver_sql('PRAGMA schema_version').scalar()
    conn.exec_driver_sql('PRAGMA writable_schema = ON')
    conn.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'invoices'",
        (sql.replace(old, new),),
    )
    conn.exec_driver_sql(f'PRAGMA schema_version = {int(version) + 1}')
    conn.exec_driver_sql('PRAGMA writable_schema = OFF')


def _status_check(old, new):
    if op.get_bind().dialect.name == 'sqlite':
        _sqlite_check(old, new)
        return
    op.drop_constraint(op.f('ck_invoices_status'), 'invoices', type_='check')
    op.create_check_constraint(op.f('ck_invoices_status'), 'invoices', new)


def upgrade():
    for table in ('invoices', 'estimates'):
        op.add_column(
            table,
            sa.Column('shipping_address', sa.JSON(), server_default=sa.text("'{}'"), nullable=False),
        )
    _status_check(OLD, NEW)


def downgrade():
    op.execute("UPDATE invoices SET status = 'paid' WHERE status = 'credited'")
    _status_check(NEW, OLD)
    for table in ('estimates', 'invoices'):
        op.drop_column(table, 'shipping_address')
