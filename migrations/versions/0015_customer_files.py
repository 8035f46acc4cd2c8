"""Files and links on a customer, and the contacts' ``documents`` portal permission

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


# ``can_documents`` is a plain ALTER TABLE on both backends (as in 0010): a batch rebuild of
# ``contacts`` on SQLite would drop the table under its foreign keys. Existing contacts get the
# permission, as new ones do: what they see is only what staff mark "visible to contacts".


def upgrade():
    op.add_column(
        'contacts',
        sa.Column('can_documents', sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    op.create_table(
        'customer_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('visible_to_contacts', sa.Boolean(), nullable=False),
        sa.Column('url', sa.String(length=2000), nullable=True),
        sa.Column('original_name', sa.String(length=255), nullable=True),
        sa.Column('stored_name', sa.String(length=64), nullable=True),
        sa.Column('content_type', sa.String(length=120), nullable=True),
        sa.Column('size', sa.Integer(), nullable=True),
        sa.Column('staff_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=True),
        sa.Column('updated_by', sa.String(length=64), nullable=True),
        sa.CheckConstraint("kind IN ('file', 'link')", name=op.f('ck_customer_files_kind')),
        sa.CheckConstraint(
            "(kind = 'file' AND stored_name IS NOT NULL AND url IS NULL)"
            " OR (kind = 'link' AND url IS NOT NULL AND stored_name IS NULL)",
            name=op.f('ck_customer_files_file_or_link'),
        ),
        sa.ForeignKeyConstraint(
            ['customer_id'], ['customers.id'],
            name=op.f('fk_customer_files_customer_id_customers'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['staff_id'], ['staff.id'],
            name=op.f('fk_customer_files_staff_id_staff'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_files')),
        sa.UniqueConstraint('stored_name', name=op.f('uq_customer_files_stored_name')),
        # Ids are never used again on SQLite either (an old download link opens nothing).
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('customer_files', schema=None) as batch_op:
        batch_op.create_index(
            'ix_customer_files_customer_created', ['customer_id', 'created_at'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_customer_files_staff_id'), ['staff_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('customer_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_files_staff_id'))
        batch_op.drop_index('ix_customer_files_customer_created')
    op.drop_table('customer_files')
    op.drop_column('contacts', 'can_documents')
