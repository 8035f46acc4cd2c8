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

from sqlalchemy import (
    String,
    and_,
    cast,
    delete,
    event,
    exists,
    func,
    insert,
    intersect,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from portal.extensions import db
from portal.models import Contact, Customer, CustomerGroup, Staff, customer_group_members
from portal.models.search import TOKEN_LENGTH, CustomerSearchToken
from portal.services.paging import Page
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


def _matches(terms: list[str]) -> tuple[Any, bool]:
    """A select of the ids of the customers having every word (possibly with repeats), and
    whether they are few - at most about :data:`FEW_MATCHES`, judged from the words' counts.

    With one word that is the word's range of the index. With several, the rarest word
    ("5432" rather than "nordic") drives and each candidate is checked for the other words with
    one seek into its own tokens (``customer_id, token``); when every word is common ("nordic
    pix") the sets are intersected, which is taken to be few (their intersection usually is)."""
    counts = _capped_counts(terms)
    if len(terms) == 1:
        return _term_ids(terms[0]), counts[0] <= FEW_MATCHES
    terms = [t for _n, t in sorted(zip(counts, terms, strict=True), key=lambda p: p[0])]
    if min(counts) > FEW_MATCHES:
        both = intersect(*(_term_ids(t) for t in terms)).subquery()
        return select(both.c.customer_id), True
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
    return stmt, True


def filtered(staff: Staff, flt: CustomerFilter, matches: Any = None) -> Any:
    """The select of customers ``staff`` may see that match ``flt`` (not yet ordered);
    ``matches`` (a select of ids from :func:`_matches`) replaces the word conditions."""
    stmt = select(Customer).where(visible_filter(staff, "customers", Customer))
    terms = _terms(flt)
    if matches is not None:
        stmt = stmt.where(Customer.id.in_(matches))
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


_ROW_COLUMNS = (
    Customer.id,
    Customer.number,
    Customer.company_name,
    Customer.vat_number,
    Customer.billing_city,
    Customer.billing_country,
    Customer.is_active,
    _PRIMARY.first_name,
    _PRIMARY.last_name,
    _PRIMARY.email,
)


def _rows(chosen: Any, *extra: Any) -> Any:
    """``chosen`` (a select of customers) as list rows: the columns shown, the primary contact,
    the ids of the customer's groups (``"3,7"``) and ``extra`` columns."""
    group_ids = (
        select(func.aggregate_strings(cast(customer_group_members.c.group_id, String), ","))
        .where(customer_group_members.c.customer_id == Customer.id)
        .scalar_subquery()
    )
    return (
        chosen.with_only_columns(*_ROW_COLUMNS, group_ids, *extra)
        .select_from(Customer)
        .outerjoin(_PRIMARY, and_(_PRIMARY.customer_id == Customer.id, _PRIMARY.is_primary))
    )


def search(
    staff: Staff,
    flt: CustomerFilter,
    page: int = 1,
    per_page: int = 100,
    group_names: dict[int, str] | None = None,
) -> Page[CustomerRow]:
    """One page of the customer list, the rows with their primary contact and groups.

    Few matches (a search for a name, a VAT number, an email): one statement takes the matches
    with their sort columns (a materialised set), sorts them, and reads the page and the total.
    Asked for "the first rows by name among these matches" directly, PostgreSQL would walk the
    name index hoping to meet them early, reading most of the table when they share a name.
    Many or all customers: the customers are walked in list order and counted separately when
    the page is full. ``group_names`` (id to name, in list order) saves reading the groups.
    """
    terms = _terms(flt)
    matches, few = _matches(terms) if terms else (None, False)
    stmt = filtered(staff, flt, matches)
    offset = (page - 1) * per_page
    total: int | None = None
    if few:
        columns = {n for n, _desc in SORT_KEYS.get(flt.sort, SORT_KEYS["name"])} | {"id"}
        found = (
            stmt.with_only_columns(*(getattr(Customer, n) for n in sorted(columns)))
            .cte("matches")
            .prefix_with("MATERIALIZED", dialect="postgresql")
        )
        page_ids = (
            select(found.c.id)
            .order_by(*_order_by(found.c, flt.sort))
            .limit(per_page)
            .offset(offset)
        )
        counted = select(func.count()).select_from(found).scalar_subquery()
        chosen = ordered(select(Customer).where(Customer.id.in_(page_ids)), flt.sort)
        rows = db.session.execute(_rows(chosen, counted)).all()
        if rows:
            total = rows[0][-1]
    else:
        chosen = ordered(stmt, flt.sort).limit(per_page).offset(offset)
        rows = db.session.execute(_rows(chosen)).all()
    if total is None:
        if page == 1 and len(rows) < per_page:
            total = len(rows)
        else:
            total = (
                db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
                or 0
            )
    if group_names is None and any(r[10] for r in rows):
        group_names = {g.id: g.name for g in groups()}
    names = group_names or {}
    position = {gid: i for i, gid in enumerate(names)}

    def group_list(raw: str | None) -> tuple[str, ...]:
        ids = {int(x) for x in raw.split(",")} if raw else set()
        return tuple(names[gid] for gid in sorted(ids & position.keys(), key=position.__getitem__))

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
            groups=group_list(r[10]),
        )
        for r in rows
    ]
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
