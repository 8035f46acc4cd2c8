"""Registry look-up: business ids and the VAT check mark on customers, the shared cache of
registry answers and the reports of differences

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 01:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both backends (as in 0010): a batch rebuild of ``customers`` on SQLite
# would drop the table under its foreign keys. Existing rows keep their VAT numbers as they are.


def upgrade():
    op.add_column('customers', sa.Column('business_id', sa.String(length=32), nullable=True))
    op.add_column(
        'customers', sa.Column('vat_checked_at', sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column('customers', sa.Column('vat_valid', sa.Boolean(), nullable=True))
    op.create_index('ix_customers_business_id', 'customers', ['business_id'], unique=False)

    op.create_table(
        'registry_answers',
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('lookup_key', sa.String(length=64), nullable=False),
        sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('found', sa.Boolean(), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "source IN ('vies', 'prh', 'brreg')", name=op.f('ck_registry_answers_source')
        ),
        sa.PrimaryKeyConstraint('source', 'lookup_key', name=op.f('pk_registry_answers')),
    )
    op.create_table(
        'registry_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.Column('differences', sa.JSON(), nullable=False),
        sa.Column('findings', sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('same', 'differs', 'problem', 'unavailable', 'nothing')",
            name=op.f('ck_registry_reports_outcome'),
        ),
        sa.ForeignKeyConstraint(
            ['customer_id'],
            ['customers.id'],
            name=op.f('fk_registry_reports_customer_id_customers'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_reports')),
        sa.UniqueConstraint('customer_id', name=op.f('uq_registry_reports_customer_id')),
    )
    with op.batch_alter_table('registry_reports', schema=None) as batch_op:
        batch_op.create_index(
            'ix_registry_reports_outcome_checked', ['outcome', 'checked_at'], unique=False
        )


def downgrade():
    with op.batch_alter_table('registry_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_registry_reports_outcome_checked')
    op.drop_table('registry_reports')
    op.drop_table('registry_answers')
    op.drop_index('ix_customers_business_id', table_name='customers')
    for column in ('vat_valid', 'vat_checked_at', 'business_id'):
        op.drop_column('customers', column)
