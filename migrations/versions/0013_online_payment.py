"""Online payment: checkout attempts, provider references on payments, refunds as negative payments

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 06:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


# ``payments`` is referenced by no other table, so the batch rebuild SQLite needs to change its
# CHECK constraint (``amount > 0`` becomes ``amount <> 0``) drops nothing under a foreign key.
# On PostgreSQL batch mode runs plain ALTER TABLE statements.


def _payments_batch():
    # ``resolve_fks=False``: reflect ``payments`` alone, not the tables it refers to (SQLite
    # cannot reflect the expression index of ``customers`` and would warn).
    return op.batch_alter_table(
        'payments', schema=None, recreate='auto', reflect_kwargs={'resolve_fks': False}
    )


def upgrade():
    with _payments_batch() as batch_op:
        batch_op.add_column(sa.Column('provider', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('provider_reference', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=True))
        batch_op.drop_constraint(batch_op.f('ck_payments_amount_positive'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_payments_amount_nonzero'), 'amount <> 0')
        batch_op.create_unique_constraint(
            batch_op.f('uq_payments_provider_provider_reference'),
            ['provider', 'provider_reference'],
        )

    op.create_table('payment_checkouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('provider', sa.String(length=32), nullable=False),
    sa.Column('idempotency_key', sa.String(length=80), nullable=False),
    sa.Column('amount', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('currency_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.String(length=255), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('updated_by', sa.String(length=64), nullable=True),
    sa.CheckConstraint("status IN ('open', 'paid')", name=op.f('ck_payment_checkouts_status')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_payment_checkouts_amount_positive')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_payment_checkouts_contact_id_contacts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['currency_id'], ['currencies.id'], name=op.f('fk_payment_checkouts_currency_id_currencies'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_payment_checkouts_invoice_id_invoices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_payment_checkouts_payment_id_payments'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_checkouts')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_payment_checkouts_idempotency_key')),
    sa.UniqueConstraint('provider', 'session_id', name=op.f('uq_payment_checkouts_provider_session_id'))
    )
    with op.batch_alter_table('payment_checkouts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_checkouts_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_checkouts_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_checkouts_payment_id'), ['payment_id'], unique=False)


def downgrade():
    with op.batch_alter_table('payment_checkouts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_checkouts_payment_id'))
        batch_op.drop_index(batch_op.f('ix_payment_checkouts_invoice_id'))
        batch_op.drop_index(batch_op.f('ix_payment_checkouts_contact_id'))
    op.drop_table('payment_checkouts')

    # Refunds (negative payments) cannot stay under ``amount > 0``.
    op.execute('DELETE FROM payments WHERE amount < 0')
    with _payments_batch() as batch_op:
        batch_op.drop_constraint(
            batch_op.f('uq_payments_provider_provider_reference'), type_='unique'
        )
        batch_op.drop_constraint(batch_op.f('ck_payments_amount_nonzero'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_payments_amount_positive'), 'amount > 0')
        batch_op.drop_column('note')
        batch_op.drop_column('provider_reference')
        batch_op.drop_column('provider')
