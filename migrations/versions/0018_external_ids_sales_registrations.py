"""Finance API and registration approval: the customers' external id (the finance system's
key), the sales a finance system reported, and the registrations waiting for approval

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 06:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


# The new column is a plain ALTER TABLE on both backends (as in 0010): a batch rebuild of
# ``customers`` on SQLite would drop the table under its foreign keys. Its uniqueness is a
# unique index, which both backends create on an existing table.

_STAMPS = (
    ('created_at', sa.DateTime(timezone=True), False),
    ('updated_at', sa.DateTime(timezone=True), False),
    ('created_by', sa.String(length=64), True),
    ('updated_by', sa.String(length=64), True),
)


def _stamps():
    return [sa.Column(name, kind, nullable=nullable) for name, kind, nullable in _STAMPS]


def _sales():
    op.create_table(
        'sales',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('invoice_id', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=120), nullable=False),
        sa.Column('amount', sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=True),
        sa.Column('paid_at', sa.Date(), nullable=True),
        sa.Column('payment_id', sa.Integer(), nullable=True),
        *_stamps(),
        sa.CheckConstraint("status IN ('paid', 'unpaid')", name=op.f('ck_sales_status')),
        sa.ForeignKeyConstraint(
            ['invoice_id'], ['invoices.id'],
            name=op.f('fk_sales_invoice_id_invoices'), ondelete='RESTRICT',
        ),
        sa.ForeignKeyConstraint(
            ['payment_id'], ['payments.id'],
            name=op.f('fk_sales_payment_id_payments'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sales')),
        sa.UniqueConstraint('invoice_id', 'reference', name=op.f('uq_sales_invoice_id_reference')),
    )
    op.create_index(op.f('ix_sales_status'), 'sales', ['status'], unique=False)
    op.create_index(op.f('ix_sales_payment_id'), 'sales', ['payment_id'], unique=False)


def _registrations():
    op.create_table(
        'registration_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=True),
        sa.Column('contact_id', sa.Integer(), nullable=True),
        sa.Column('company_name', sa.String(length=255), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        *_stamps(),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'refused')",
            name=op.f('ck_registration_requests_status'),
        ),
        sa.ForeignKeyConstraint(
            ['customer_id'], ['customers.id'],
            name=op.f('fk_registration_requests_customer_id_customers'), ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['contact_id'], ['contacts.id'],
            name=op.f('fk_registration_requests_contact_id_contacts'), ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['decided_by_id'], ['staff.id'],
            name=op.f('fk_registration_requests_decided_by_id_staff'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_requests')),
    )
    for column in ('customer_id', 'contact_id', 'status', 'decided_by_id'):
        op.create_index(
            op.f(f'ix_registration_requests_{column}'), 'registration_requests', [column],
            unique=False,
        )


def upgrade():
    op.add_column('customers', sa.Column('external_id', sa.String(length=64), nullable=True))
    op.create_index(op.f('ix_customers_external_id'), 'customers', ['external_id'], unique=True)
    _sales()
    _registrations()


def downgrade():
    for column in ('decided_by_id', 'status', 'contact_id', 'customer_id'):
        op.drop_index(op.f(f'ix_registration_requests_{column}'), table_name='registration_requests')
    op.drop_table('registration_requests')
    op.drop_index(op.f('ix_sales_payment_id'), table_name='sales')
    op.drop_index(op.f('ix_sales_status'), table_name='sales')
    op.drop_table('sales')
    op.drop_index(op.f('ix_customers_external_id'), table_name='customers')
    op.drop_column('customers', 'external_id')
