"""The customer search index: lower-cased, accent-folded words of a customer and its contacts.

A query term matches a customer when it is a prefix of one of its tokens, found with a plain
B-tree range scan (``token >= term AND token < term || U+FFFF``) that works the same way on SQLite
and PostgreSQL (the column uses the byte-ordered "C" collation there), so a search over 100,000
customers does not scan them. See :mod:`portal.services.customers.search`.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db

TOKEN_LENGTH = 120
TokenType = String(TOKEN_LENGTH).with_variant(String(TOKEN_LENGTH, collation="C"), "postgresql")


class CustomerSearchToken(db.Model):
    __tablename__ = "customer_search_tokens"

    token: Mapped[str] = mapped_column(TokenType, primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (
        # The other direction of the primary key: a customer's own tokens, in order, so that
        # "does this candidate also have a word starting with ..." is one index seek (and the
        # rebuild of one customer's tokens finds them).
        Index("ix_customer_search_tokens_customer_token", "customer_id", "token"),
    )
