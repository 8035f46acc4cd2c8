"""Customer search: the scoped, paged query of the customer list, read through the token index
of :mod:`portal.services.customers.search_index`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    and_,
    bindparam,
    cast,
    exists,
    func,
    intersect,
    select,
    true,
)
from sqlalchemy.orm import aliased

from portal.extensions import db
from portal.models import Contact, Customer, CustomerGroup, Staff, customer_group_members
from portal.models.search import TOKEN_LENGTH, CustomerSearchToken, TokenType
from portal.services.access.staff import visible_filter
from portal.services.customers.search_index import fold
from portal.services.platform.paging import Page

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


@dataclass(frozen=True)
class _Shape:
    """What a customer list statement looks like apart from its values, which are bound
    parameters (``lo0``/``hi0``... for the words, ``group_id``, ``limit``, ``offset``): each shape
    is built once per process, as building a statement costs more than running it.

    ``plan``: ``walk`` (the customers in list order, counted apart: no search, or one common
    word), ``one`` (one word), ``drive`` (several words, the rarest first, the others checked
    per candidate) or ``intersect`` (several words, all common)."""

    words: int
    plan: str
    sort: str
    group: bool
    active: bool | None


def _word_ids(table: Any, i: int) -> Any:
    """The ids of the customers with a token starting with word ``i`` (``lo{i}``, ``hi{i}``)."""
    return select(table.customer_id).where(
        table.token >= bindparam(f"lo{i}", type_=TokenType),
        table.token < bindparam(f"hi{i}", type_=TokenType),
    )


def _match_select(shape: _Shape) -> Any:
    if shape.words == 0:
        return None
    if shape.plan == "intersect":
        every = intersect(*(_word_ids(_OTHER_TOKENS[i], i) for i in range(shape.words)))
        return select(every.subquery().c.customer_id)
    stmt = _word_ids(CustomerSearchToken, 0)
    for i in range(1, shape.words):
        other = _OTHER_TOKENS[i]
        stmt = stmt.where(
            exists().where(
                other.customer_id == CustomerSearchToken.customer_id,
                other.token >= bindparam(f"lo{i}", type_=TokenType),
                other.token < bindparam(f"hi{i}", type_=TokenType),
            )
        )
    return stmt


def _plan(terms: list[str]) -> tuple[str, list[str]]:
    """The plan for these words and the words in the order the plan binds them: the rarest
    first (``"5432"`` before ``"nordic"``), judged from the words' estimated counts."""
    if not terms:
        return "walk", []
    counts = _capped_counts(terms)
    if len(terms) == 1:
        return ("one" if counts[0] <= FEW_MATCHES else "walk"), terms
    ranked = [t for _n, t in sorted(zip(counts, terms, strict=True), key=lambda p: p[0])]
    return ("intersect" if min(counts) > FEW_MATCHES else "drive"), ranked


def _conditions(visible: Any, match: Any, group_id: Any, active: bool | None) -> list[Any]:
    conditions = [visible]
    if match is not None:
        conditions.append(Customer.id.in_(match))
    if group_id is not None:
        members = customer_group_members.c
        conditions.append(
            Customer.id.in_(select(members.customer_id).where(members.group_id == group_id))
        )
    if active is not None:
        conditions.append(Customer.is_active.is_(active))
    return conditions


def matching_ids(q: str) -> Any | None:
    """The select of the ids of every customer matching all words of ``q``, as the list's search
    matches them (no staff scope: the API's way in), or ``None`` when ``q`` has no word."""
    terms = _terms(CustomerFilter(q=q))
    if not terms:
        return None
    return select(Customer.id).where(and_(*(Customer.id.in_(_term_ids(t)) for t in terms)))


def filtered(staff: Staff, flt: CustomerFilter) -> Any:
    """The select of customers ``staff`` may see that match ``flt`` (not yet ordered): the
    export's and the tests' way in."""
    terms = _terms(flt)
    match = None
    if terms:
        match = select(Customer.id).where(and_(*(Customer.id.in_(_term_ids(t)) for t in terms)))
    visible = visible_filter(staff, "customers", Customer)
    return select(Customer).where(*_conditions(visible, match, flt.group_id, flt.active))


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


def _build(shape: _Shape, visible: Any) -> tuple[Any, Any]:
    """The statements of one list page for ``shape``: the rows (with the total when the
    matches are few) and the total alone."""
    group = bindparam("group_id", type_=Integer) if shape.group else None
    stmt = select(Customer).where(*_conditions(visible, _match_select(shape), group, shape.active))
    limit, offset = bindparam("limit", type_=Integer), bindparam("offset", type_=Integer)
    counting = select(func.count()).select_from(stmt.order_by(None).subquery())
    if shape.plan == "walk":
        return _rows(ordered(stmt, shape.sort).limit(limit).offset(offset)), counting
    # The matches with their sort columns (a materialised set), sorted on their own, then the
    # page of them. Asked for "the first rows by name among these matches" directly, PostgreSQL
    # walks the name index hoping to meet them early, and reads most of the table when they
    # share a name ("nordic pix": 30 ms instead of 1 ms).
    columns = {n for n, _desc in SORT_KEYS.get(shape.sort, SORT_KEYS["name"])} | {"id"}
    found = (
        stmt.with_only_columns(*(getattr(Customer, n) for n in sorted(columns)))
        .cte("matches")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    page_ids = (
        select(found.c.id).order_by(*_order_by(found.c, shape.sort)).limit(limit).offset(offset)
    )
    total = select(func.count()).select_from(found).scalar_subquery()
    chosen = ordered(select(Customer).where(Customer.id.in_(page_ids)), shape.sort)
    return _rows(chosen, total), counting


@lru_cache(maxsize=512)
def _built(shape: _Shape) -> tuple[Any, Any]:
    """:func:`_build` for staff who see every customer (the statements depend on the shape
    only); a ``view_own`` member's own customers are part of the statement, built each time."""
    return _build(shape, true())


def search(
    staff: Staff,
    flt: CustomerFilter,
    page: int = 1,
    per_page: int = 100,
    group_names: dict[int, str] | None = None,
) -> Page[CustomerRow]:
    """One page of the customer list, the rows with their primary contact and groups.

    Few matches (a search for a name, a VAT number, an email): one statement takes the matches,
    sorts them and reads the page and the total. Many or all customers: the customers are
    walked in list order and counted apart when the page is full. ``group_names`` (id to name,
    in list order) saves reading the groups."""
    plan, words = _plan(_terms(flt))
    shape = _Shape(len(words), plan, flt.sort, flt.group_id is not None, flt.active)
    if staff.has_permission("customers.view"):
        rows_stmt, count_stmt = _built(shape)
    else:
        rows_stmt, count_stmt = _build(shape, visible_filter(staff, "customers", Customer))
    params = _params(words, flt)
    page_params = {**params, "limit": per_page, "offset": (page - 1) * per_page}
    rows = db.session.execute(rows_stmt, page_params).all()
    total: int | None = rows[0][-1] if rows and plan != "walk" else None
    if total is None:
        if page == 1 and len(rows) < per_page:
            total = len(rows)
        else:
            total = db.session.scalar(count_stmt, params) or 0
    if group_names is None and any(r[10] for r in rows):
        group_names = {g.id: g.name for g in groups()}
    return Page(_customer_rows(rows, group_names or {}), page, per_page, total)


def _params(words: list[str], flt: CustomerFilter) -> dict[str, Any]:
    """The values bound to a statement of :func:`_build`, but the page's limit and offset."""
    params: dict[str, Any] = {}
    for i, word in enumerate(words):
        folded = fold(word)[:TOKEN_LENGTH]
        params[f"lo{i}"], params[f"hi{i}"] = folded, folded + _HIGH
    if flt.group_id is not None:
        params["group_id"] = flt.group_id
    return params


def _customer_rows(rows: Any, names: dict[int, str]) -> list[CustomerRow]:
    """The rows read by :func:`_rows` as list lines; ``names`` (group id to name, in list order)
    names and orders each customer's groups."""
    position = {gid: i for i, gid in enumerate(names)}

    def group_list(raw: str | None) -> tuple[str, ...]:
        ids = {int(x) for x in raw.split(",")} if raw else set()
        return tuple(names[gid] for gid in sorted(ids & position.keys(), key=position.__getitem__))

    return [
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


def groups() -> list[CustomerGroup]:
    return list(db.session.scalars(select(CustomerGroup).order_by(CustomerGroup.name)))
