"""Customer search index: one row per (token, customer).

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None

TOKEN = sa.String(120).with_variant(sa.String(120, collation="C"), "postgresql")


def upgrade():
    op.create_table(
        "customer_search_tokens",
        sa.Column("token", TOKEN, nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_search_tokens_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token", "customer_id", name=op.f("pk_customer_search_tokens")),
    )
    with op.batch_alter_table("customer_search_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_search_tokens_customer_id"), ["customer_id"], unique=False
        )

    # Index the customers that exist already.
    from portal.services.customers.search_index import tokens_of

    conn = op.get_bind()
    contacts: dict[int, list] = {}
    for row in conn.execute(
        sa.text("SELECT customer_id, first_name, last_name, email FROM contacts")
    ):
        contacts.setdefault(row[0], []).extend(row[1:])
    table = sa.table("customer_search_tokens", sa.column("token"), sa.column("customer_id"))
    batch = []
    for row in conn.execute(
        sa.text(
            "SELECT id, company_name, number, vat_number, billing_city, billing_country, "
            "shipping_city FROM customers"
        )
    ):
        batch += [
            {"customer_id": row[0], "token": t}
            for t in tokens_of(*row[1:], *contacts.get(row[0], []))
        ]
        if len(batch) > 5000:
            op.bulk_insert(table, batch)
            batch = []
    if batch:
        op.bulk_insert(table, batch)
    if conn.dialect.name == "postgresql":
        op.execute("ANALYZE customer_search_tokens")


def downgrade():
    with op.batch_alter_table("customer_search_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_search_tokens_customer_id"))
    op.drop_table("customer_search_tokens")
