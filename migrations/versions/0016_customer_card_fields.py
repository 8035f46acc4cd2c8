"""Customer card fields: contacts' mobile, fax and keywords; the customer's account owner,
industry, market segment and company email; the industry and market segment lists

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 05:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


# New columns are plain ALTER TABLE on both backends (as in 0010 and 0015): a batch rebuild of
# ``customers`` or ``contacts`` on SQLite would drop the table under its foreign keys. SQLite
# cannot add a foreign key to an existing table either, so the account owner, industry and
# market segment live in ``customer_profiles`` (one row per customer), with real constraints.


def _named_list(table):
    op.create_table(
        table,
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=True),
        sa.Column('updated_by', sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
        sa.UniqueConstraint('name', name=op.f(f'uq_{table}_name')),
    )


def _profiles():
    op.create_table(
        'customer_profiles',
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('account_owner_id', sa.Integer(), nullable=True),
        sa.Column('industry_id', sa.Integer(), nullable=True),
        sa.Column('market_segment_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=True),
        sa.Column('updated_by', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ['customer_id'], ['customers.id'],
            name=op.f('fk_customer_profiles_customer_id_customers'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['account_owner_id'], ['staff.id'],
            name=op.f('fk_customer_profiles_account_owner_id_staff'), ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['industry_id'], ['industries.id'],
            name=op.f('fk_customer_profiles_industry_id_industries'), ondelete='RESTRICT',
        ),
        sa.ForeignKeyConstraint(
            ['market_segment_id'], ['market_segments.id'],
            name=op.f('fk_customer_profiles_market_segment_id_market_segments'),
            ondelete='RESTRICT',
        ),
        sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_customer_profiles')),
    )
    for column in ('account_owner_id', 'industry_id', 'market_segment_id'):
        op.create_index(
            f'ix_customer_profiles_{column}', 'customer_profiles', [column], unique=False
        )


def upgrade():
    _named_list('industries')
    _named_list('market_segments')
    op.create_table(
        'contact_keywords',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_keywords')),
        sa.UniqueConstraint('name', name=op.f('uq_contact_keywords_name')),
    )
    op.create_table(
        'contact_keyword_links',
        sa.Column('contact_id', sa.Integer(), nullable=False),
        sa.Column('keyword_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['contact_id'], ['contacts.id'],
            name=op.f('fk_contact_keyword_links_contact_id_contacts'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['keyword_id'], ['contact_keywords.id'],
            name=op.f('fk_contact_keyword_links_keyword_id_contact_keywords'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('contact_id', 'keyword_id', name=op.f('pk_contact_keyword_links')),
    )
    op.create_index(
        'ix_contact_keyword_links_keyword_id', 'contact_keyword_links', ['keyword_id'], unique=False
    )
    op.add_column('contacts', sa.Column('mobile', sa.String(length=64), nullable=True))
    op.add_column('contacts', sa.Column('fax', sa.String(length=64), nullable=True))
    op.add_column('customers', sa.Column('email', sa.String(length=254), nullable=True))
    _profiles()


def downgrade():
    for column in ('market_segment_id', 'industry_id', 'account_owner_id'):
        op.drop_index(f'ix_customer_profiles_{column}', table_name='customer_profiles')
    op.drop_table('customer_profiles')
    op.drop_column('customers', 'email')
    op.drop_column('contacts', 'fax')
    op.drop_column('contacts', 'mobile')
    op.drop_index('ix_contact_keyword_links_keyword_id', table_name='contact_keyword_links')
    op.drop_table('contact_keyword_links')
    op.drop_table('contact_keywords')
    op.drop_table('market_segments')
    op.drop_table('industries')
