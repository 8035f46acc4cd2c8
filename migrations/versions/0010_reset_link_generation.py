"""Reset links: a per-account count of the links sent, so only the newest one works

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 02:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both backends (SQLite adds and, since 3.35, drops a column in place): a
# batch rebuild of ``contacts`` on SQLite would drop the table under its foreign keys.


def upgrade():
    for table in ('staff', 'contacts'):
        op.add_column(
            table, sa.Column('reset_generation', sa.Integer(), server_default='0', nullable=False)
        )


def downgrade():
    for table in ('contacts', 'staff'):
        op.drop_column(table, 'reset_generation')
