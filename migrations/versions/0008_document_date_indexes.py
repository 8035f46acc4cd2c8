"""Invoices and estimates: index (customer_id, issue_date, id) for a customer's list, newest first

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 05:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index(
            'ix_invoices_customer_issue_date', ['customer_id', 'issue_date', 'id'], unique=False
        )
    with op.batch_alter_table('estimates', schema=None) as batch_op:
        batch_op.create_index(
            'ix_estimates_customer_issue_date', ['customer_id', 'issue_date', 'id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('estimates', schema=None) as batch_op:
        batch_op.drop_index('ix_estimates_customer_issue_date')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index('ix_invoices_customer_issue_date')
