"""Document links: one row per link to an invoice or estimate sent in an email

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 04:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'document_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_kind', sa.String(length=16), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('document_number', sa.String(length=32), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=True),
        sa.Column('recipient_email', sa.String(length=254), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_by_id', sa.Integer(), nullable=True),
        sa.Column('last_opened_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('open_count', sa.Integer(), server_default='0', nullable=False),
        sa.CheckConstraint(
            "document_kind IN ('invoice', 'estimate')",
            name=op.f('ck_document_links_document_kind'),
        ),
        sa.ForeignKeyConstraint(
            ['contact_id'], ['contacts.id'],
            name=op.f('fk_document_links_contact_id_contacts'), ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['customer_id'], ['customers.id'],
            name=op.f('fk_document_links_customer_id_customers'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['revoked_by_id'], ['staff.id'],
            name=op.f('fk_document_links_revoked_by_id_staff'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_document_links')),
        # Ids are never used again on SQLite either (a token of a deleted row names no newer one).
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('document_links', schema=None) as batch_op:
        batch_op.create_index(
            'ix_document_links_document', ['document_kind', 'document_id'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_document_links_customer_id'), ['customer_id'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_document_links_contact_id'), ['contact_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('document_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_links_contact_id'))
        batch_op.drop_index(batch_op.f('ix_document_links_customer_id'))
        batch_op.drop_index('ix_document_links_document')
    op.drop_table('document_links')
