"""Customer search tokens: index (customer_id, token) instead of (customer_id)

The multi-word search checks each candidate customer for the other words with one seek into
this index; the old single-column index needed a table lookup per token.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 04:45:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('customer_search_tokens', schema=None) as batch_op:
        batch_op.create_index(
            'ix_customer_search_tokens_customer_token', ['customer_id', 'token'], unique=False
        )
        batch_op.drop_index('ix_customer_search_tokens_customer_id')


def downgrade():
    with op.batch_alter_table('customer_search_tokens', schema=None) as batch_op:
        batch_op.create_index(
            'ix_customer_search_tokens_customer_id', ['customer_id'], unique=False
        )
        batch_op.drop_index('ix_customer_search_tokens_customer_token')
