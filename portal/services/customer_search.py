"""Customer search: the token index and the scoped, paged query of the customer list.

Tokens are kept current by a flush listener: whenever a customer or one of its contacts is
created, changed or deleted, that customer's tokens are rebuilt in the same transaction.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, event, exists, func, insert, intersect, or_, select
from sqlalchemy.orm import Session, aliased

from portal.extensions import db
from portal.models import Contact, Customer, CustomerGroup, Staff, customer_group_members
from portal.models.search import TOKEN_LENGTH, CustomerSearchToken
from portal.services.scoping import visible_filter

_SPLIT = re.compile(r"[^\w]+", re.UNICODE)
_HIGH = "\uffff"
#: The list's sort orders as (column, descending) pairs, ending in a unique column so that
#: paging is stable.
SORT_KEYS: dict[str, tuple[tuple[str, bool], ...]] = {
    "name": (("company_name", False), ("id", False)),
    "-name": (("company_name", True), ("id", True)),
    "number": (("number", False),),
    "-number": (("number", True),),
    "city": (("billing_city", False), ("company_name", False), ("id", False)),
    "-created": (("created_at", True), ("id", True)),
}


def _order_by(columns: Any, sort: str) -> list[Any]:
    """``ORDER BY`` terms for ``sort`` over ``columns`` (``Customer`` or a subquery's ``c``)."""
    keys = SORT_KEYS.get(sort, SORT_KEYS["name"])
    return [getattr(columns, n).desc() if desc else getattr(columns, n) for n, desc in keys]


SORTS = {sort: tuple(_order_by(Customer, sort)) for sort in SORT_KEYS}


def fold(text: str) -> str:
    """Lower-cases and strips accents: ``"García Søn"`` -> ``"garcia søn"`` (ø has no
    decomposition and stays)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokens_of(*values: str | None) -> set[str]:
    """Whole words (split on white space), their alphanumeric parts, each folded."""
    result: set[str] = set()
    for value in values:
        if not value:
            continue
        for word in fold(value).split():
            result.add(word[:TOKEN_LENGTH])
            result.update(part[:TOKEN_LENGTH] for part in _SPLIT.split(word) if part)
    return result


def customer_tokens(customer: Customer, contacts: Iterable[Contact]) -> set[str]:
    values: list[str | None] = [
        customer.company_name,
        customer.number,
        customer.vat_number,
        customer.billing_city,
        customer.billing_country,
        customer.shipping_city,
    ]
    for contact in contacts:
        values += [contact.first_name, contact.last_name, contact.email]
    return tokens_of(*values)


def rebuild(session: Session, customer_ids: Iterable[int]) -> None:
    """Rebuilds the tokens of these customers from the database (Core statements)."""
    ids = sorted(set(customer_ids))
    if not ids:
        return
    conn = session.connection()
    conn.execute(delete(CustomerSearchToken).where(CustomerSearchToken.customer_id.in_(ids)))
    customers = {
        row.id: row
        for row in conn.execute(
            select(
                Customer.id,
                Customer.company_name,
                Customer.number,
                Customer.vat_number,
                Customer.billing_city,
                Customer.billing_country,
                Customer.shipping_city,
            ).where(Customer.id.in_(ids))
        )
    }
    contact_values: dict[int, list[str | None]] = {}
    for row in conn.execute(
        select(Contact.customer_id, Contact.first_name, Contact.last_name, Contact.email).where(
            Contact.customer_id.in_(ids)
        )
    ):
        contact_values.setdefault(row.customer_id, []).extend(row[1:])
    rows = [
        {"customer_id": cid, "token": token}
        for cid, c in customers.items()
        for token in tokens_of(
            c.company_name,
            c.number,
            c.vat_number,
            c.billing_city,
            c.billing_country,
            c.shipping_city,
            *contact_values.get(cid, []),
        )
    ]
    if rows:
        conn.execute(insert(CustomerSearchToken), rows)


@event.listens_for(Session, "after_flush")
def _reindex(session: Session, _ctx: Any) -> None:
    touched: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Customer) and obj not in session.deleted and obj.id is not None:
            touched.add(obj.id)
        elif isinstance(obj, Contact) and obj.customer_id is not None:
            touched.add(obj.customer_id)
    deleted_customers = {o.id for o in session.deleted if isinstance(o, Customer)}
    touched -= deleted_customers
    if touched:
        rebuild(session, touched)


def rebuild_all(session: Session, chunk: int = 2000) -> int:
    """Rebuilds the whole index (after a bulk load); returns the number of customers."""
    ids = list(session.scalars(select(Customer.id).order_by(Customer.id)))
    for start in range(0, len(ids), chunk):
        rebuild(session, ids[start : start + chunk])
    return len(ids)


# -- the customer list ------------------------------------------------------------------------


@dataclass
class CustomerFilter:
    q: str = ""
    group_id: int | None = None
    active: bool | None = None  # None: all
    sort: str = "name"


#: Up to this many matches, a search first collects the matching ids from the token index and
#: then reads those customers; beyond it the matches are dense and walking the customers in
#: list order is the cheaper plan.
FEW_MATCHES = 1000


def _term_ids(term: str) -> Any:
    folded = fold(term)[:TOKEN_LENGTH]
    return select(CustomerSearchToken.customer_id).where(
        CustomerSearchToken.token >= folded, CustomerSearchToken.token < folded + _HIGH
    )


MAX_TERMS = 6

# Aliases built once: an ``aliased()`` per request costs more than running the query.
_PRIMARY = aliased(Contact, name="primary_contact")
_OTHER_TOKENS = [aliased(CustomerSearchToken, name=f"other_{i}") for i in range(MAX_TERMS)]


def _terms(flt: CustomerFilter) -> list[str]:
    return [t for t in flt.q.split() if fold(t)][:MAX_TERMS]


#: How often a word occurs only steers the plan (which word drives), never the answer, so an
#: estimate a few minutes old is good enough: a common word ("oy", "gmbh", "nordic") is counted
#: once per worker and :data:`ESTIMATE_TTL` seconds instead of on every search.
ESTIMATE_TTL = 300.0
_ESTIMATE_LIMIT = 4096
_estimates: dict[tuple[str, int, str], tuple[float, int]] = {}


def _capped_counts(terms: list[str]) -> list[int]:
    """How many tokens start with each word, counted up to ``FEW_MATCHES + 1`` (a common word
    costs no more than a short index scan); the words not estimated lately are counted in one
    statement."""
    database = str(db.session.get_bind().url)
    now = time.monotonic()
    known: dict[str, int] = {}
    for term in terms:
        hit = _estimates.get((database, FEW_MATCHES, fold(term)))
        if hit is not None and hit[0] > now:
            known[term] = hit[1]
    missing = [t for t in terms if t not in known]
    if missing:
        counts = [
            select(func.count())
            .select_from(_term_ids(term).limit(FEW_MATCHES + 1).subquery())
            .scalar_subquery()
            for term in missing
        ]
        row = db.session.execute(select(*counts)).one()
        if len(_estimates) > _ESTIMATE_LIMIT:
            _estimates.clear()
        for term, n in zip(missing, row, strict=True):
            known[term] = int(n or 0)
            _estimates[(database, FEW_MATCHES, fold(term))] = (now + ESTIMATE_TTL, known[term])
    return [known[t] for t in terms]


def matching_ids(flt: CustomerFilter) -> list[int] | None:
    """The ids of the customers matching every search word, when there are at most
    :data:`FEW_MATCHES` of them; ``None`` when there is no search or more matches.

    Doing this first keeps the plan right on every backend: PostgreSQL, asked for "the first
    rows by name among the matches" in one statement, may walk all customers by name probing
    the index for each, which for a rare word (a VAT number) reads 100,000 rows."""
    terms = _terms(flt)
    if not terms:
        return None
    if len(terms) == 1:
        stmt = _term_ids(terms[0]).distinct()
    else:
        counts = _capped_counts(terms)
        terms = [t for _n, t in sorted(zip(counts, terms, strict=True), key=lambda p: p[0])]
        if min(counts) <= FEW_MATCHES:
            # Drive with the rarest word ("5432" rather than "nordic") and check each candidate
            # for the other words with one seek into its own tokens (customer_id, token).
            stmt = _term_ids(terms[0])
            for other, term in zip(_OTHER_TOKENS, terms[1:], strict=False):
                folded = fold(term)[:TOKEN_LENGTH]
                stmt = stmt.where(
                    exists().where(
                        other.customer_id == CustomerSearchToken.customer_id,
                        other.token >= folded,
                        other.token < folded + _HIGH,
                    )
                )
            stmt = stmt.distinct()
        else:
            # Every word is common ("nordic pix"): intersect the sets, each one index range.
            stmt = intersect(*(_term_ids(t) for t in terms)).subquery().select()
    ids = list(db.session.scalars(stmt.limit(FEW_MATCHES + 1)))
    return ids if len(ids) <= FEW_MATCHES else None


def filtered(staff: Staff, flt: CustomerFilter, ids: list[int] | None = None) -> Any:
    """The select of customers ``staff`` may see that match ``flt`` (not yet ordered);
    ``ids`` from :func:`matching_ids` replaces the word conditions."""
    stmt = select(Customer).where(visible_filter(staff, "customers", Customer))
    terms = _terms(flt)
    if ids is not None:
        stmt = stmt.where(Customer.id.in_(ids))
    elif terms:
        stmt = stmt.where(and_(*(Customer.id.in_(_term_ids(t)) for t in terms)))
    if flt.group_id is not None:
        stmt = stmt.where(
            Customer.id.in_(
                select(customer_group_members.c.customer_id).where(
                    customer_group_members.c.group_id == flt.group_id
                )
            )
        )
    if flt.active is not None:
        stmt = stmt.where(Customer.is_active.is_(flt.active))
    return stmt


def ordered(stmt: Any, sort: str) -> Any:
    return stmt.order_by(*SORTS.get(sort, SORTS["name"]))


@dataclass(frozen=True, slots=True)
class CustomerRow:
    """One line of the customer list: what the page shows, read as plain rows (no ORM objects,
    no contacts beyond the primary one)."""

    id: int
    number: str
    company_name: str
    vat_number: str | None
    billing_city: str | None
    billing_country: str | None
    is_active: bool
    primary_name: str | None
    primary_email: str | None
    groups: tuple[str, ...] = ()


@dataclass
class Page:
    items: list[CustomerRow]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    def iter_pages(
        self, left_edge: int = 1, left_current: int = 2, right_current: int = 2, right_edge: int = 1
    ) -> Iterable[int | None]:
        last = 0
        for num in range(1, self.pages + 1):
            if (
                num <= left_edge
                or self.page - left_current <= num <= self.page + right_current
                or num > self.pages - right_edge
            ):
                if last + 1 != num:
                    yield None
                yield num
                last = num


def search(staff: Staff, flt: CustomerFilter, page: int = 1, per_page: int = 100) -> Page:
    """One page of the customer list in at most five queries whatever the page size: the
    matching ids (searches only; two for several words), the rows with their primary contact,
    their group names, and the total - which is skipped when the first page is not full (a
    typical search: the rows are the total)."""
    ids = matching_ids(flt)
    sees_all = staff.has_permission("customers.view")
    stmt = filtered(staff, flt, ids)
    if ids is None:
        chosen = ordered(stmt, flt.sort).limit(per_page).offset((page - 1) * per_page)
    else:
        # The matches (at most FEW_MATCHES) with their sort columns, sorted on their own, then
        # the page of them. Asked for "the first rows by name among these ids" directly,
        # PostgreSQL walks the name index hoping to meet them early; when they share a name
        # prefix it reads most of the table (30 ms instead of 1 ms for "nordic pix").
        columns = {n for n, _desc in SORT_KEYS.get(flt.sort, SORT_KEYS["name"])} | {"id"}
        matches = (
            stmt.with_only_columns(*(getattr(Customer, n) for n in sorted(columns)))
            .cte("matches")
            .prefix_with("MATERIALIZED", dialect="postgresql")
        )
        page_ids = (
            select(matches.c.id)
            .order_by(*_order_by(matches.c, flt.sort))
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        chosen = ordered(select(Customer).where(Customer.id.in_(page_ids)), flt.sort)
    primary = _PRIMARY
    rows = db.session.execute(
        chosen.with_only_columns(
            Customer.id,
            Customer.number,
            Customer.company_name,
            Customer.vat_number,
            Customer.billing_city,
            Customer.billing_country,
            Customer.is_active,
            primary.first_name,
            primary.last_name,
            primary.email,
        )
        .select_from(Customer)
        .outerjoin(primary, and_(primary.customer_id == Customer.id, primary.is_primary))
    ).all()
    names: dict[int, list[str]] = {}
    if rows:
        for customer_id, name in db.session.execute(
            select(customer_group_members.c.customer_id, CustomerGroup.name)
            .join(CustomerGroup, CustomerGroup.id == customer_group_members.c.group_id)
            .where(customer_group_members.c.customer_id.in_([r[0] for r in rows]))
            .order_by(CustomerGroup.name)
        ):
            names.setdefault(customer_id, []).append(name)
    items = [
        CustomerRow(
            id=r[0],
            number=r[1],
            company_name=r[2],
            vat_number=r[3],
            billing_city=r[4],
            billing_country=r[5],
            is_active=r[6],
            primary_name=f"{r[7]} {r[8]}".strip() if r[9] is not None else None,
            primary_email=r[9],
            groups=tuple(names.get(r[0], ())),
        )
        for r in rows
    ]
    if page == 1 and len(items) < per_page:
        total = len(items)
    elif ids is not None and flt.group_id is None and flt.active is None and sees_all:
        total = len(ids)  # the matching ids are the result: no second pass over them
    else:
        total = (
            db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
        )
    return Page(items, page, per_page, total)


def groups() -> list[CustomerGroup]:
    return list(db.session.scalars(select(CustomerGroup).order_by(CustomerGroup.name)))


__all__ = [
    "CustomerFilter",
    "CustomerRow",
    "Page",
    "fold",
    "or_",
    "rebuild_all",
    "search",
    "tokens_of",
]
