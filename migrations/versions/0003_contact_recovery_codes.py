"""Two-factor recovery codes for portal contacts

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-22 02:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'contact_recovery_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['contact_id'], ['contacts.id'],
            name=op.f('fk_contact_recovery_codes_contact_id_contacts'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_recovery_codes')),
    )
    with op.batch_alter_table('contact_recovery_codes', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_contact_recovery_codes_contact_id'), ['contact_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('contact_recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_recovery_codes_contact_id'))
    op.drop_table('contact_recovery_codes')
