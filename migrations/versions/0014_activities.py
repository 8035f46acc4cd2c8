"""Activities on customers (tasks, calls, meetings, emails, notes) and staff calendar tokens

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'activities',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=True),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('assigned_to', sa.Integer(), nullable=True),
        sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=True),
        sa.Column('updated_by', sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "kind IN ('task', 'call', 'meeting', 'email', 'note')",
            name=op.f('ck_activities_kind'),
        ),
        sa.ForeignKeyConstraint(
            ['assigned_to'], ['staff.id'],
            name=op.f('fk_activities_assigned_to_staff'), ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['contact_id'], ['contacts.id'],
            name=op.f('fk_activities_contact_id_contacts'), ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['customer_id'], ['customers.id'],
            name=op.f('fk_activities_customer_id_customers'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_activities')),
    )
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.create_index(
            'ix_activities_customer_due', ['customer_id', 'due_at'], unique=False
        )
        batch_op.create_index(
            'ix_activities_assignee_due', ['assigned_to', 'due_at'], unique=False
        )
        batch_op.create_index('ix_activities_due_at', ['due_at'], unique=False)
        batch_op.create_index(
            batch_op.f('ix_activities_contact_id'), ['contact_id'], unique=False
        )

    op.create_table(
        'calendar_tokens',
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['staff_id'], ['staff.id'],
            name=op.f('fk_calendar_tokens_staff_id_staff'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('staff_id', name=op.f('pk_calendar_tokens')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_tokens_token_hash')),
    )


def downgrade():
    op.drop_table('calendar_tokens')
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activities_contact_id'))
        batch_op.drop_index('ix_activities_due_at')
        batch_op.drop_index('ix_activities_assignee_due')
        batch_op.drop_index('ix_activities_customer_due')
    op.drop_table('activities')
