"""Contact keywords and roles ("newsletter", "decision maker"): free tags stored once each,
normalised (trimmed, single spaces, lower case), and the contact list across customers that
filters by them, with its CSV export for a mailing tool.

The list is scoped like every customer list (``customers.view`` sees every contact,
``customers.view_own`` only the contacts of the customers the member is assigned to).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.i18n import locale_of
from portal.models import Contact, ContactKeyword, Customer, Staff, contact_keyword_links
from portal.services.access.staff import visible_filter
from portal.services.platform.paging import Page
from portal.services.platform.validation import Errors

MAX_LENGTH = 60
MAX_PER_CONTACT = 20
#: The columns of the mailing-list export, in order.
EXPORT_COLUMNS = ("name", "email", "customer", "keywords", "language")


def normalise(name: str) -> str:
    """``"  Decision   Maker "`` -> ``"decision maker"``."""
    return " ".join(str(name).split()).lower()


def parse(value: Any, errors: Errors, field: str = "keywords") -> list[str] | None:
    """The distinct normalised keywords of a list or a comma separated text, in their order;
    ``None`` (with a field error) when one is too long or there are too many."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        errors.add(field, _("Give the keywords as a list of words."))
        return None
    names = list(dict.fromkeys(n for n in (normalise(v) for v in value) if n))
    if any(len(n) > MAX_LENGTH for n in names):
        errors.add(field, _("A keyword can be at most %(num)d characters.", num=MAX_LENGTH))
        return None
    if len(names) > MAX_PER_CONTACT:
        errors.add(field, _("At most %(num)d keywords.", num=MAX_PER_CONTACT))
        return None
    return names


def resolve(names: list[str]) -> list[ContactKeyword]:
    """The keyword rows for ``names`` (normalised), created when new, in the order given."""
    if not names:
        return []
    found = {
        k.name: k
        for k in db.session.scalars(select(ContactKeyword).where(ContactKeyword.name.in_(names)))
    }
    for name in names:
        if name not in found:
            found[name] = ContactKeyword(name=name)
            db.session.add(found[name])
    return [found[n] for n in names]


def suggestions(limit: int = 200) -> list[str]:
    """The keywords in use, most used first: the form's suggestions."""
    uses = func.count(contact_keyword_links.c.contact_id)
    return list(
        db.session.scalars(
            select(ContactKeyword.name)
            .join(contact_keyword_links, contact_keyword_links.c.keyword_id == ContactKeyword.id)
            .group_by(ContactKeyword.id, ContactKeyword.name)
            .order_by(uses.desc(), ContactKeyword.name)
            .limit(limit)
        )
    )


# -- the contact list across customers ---------------------------------------------------------


@dataclass
class ContactFilter:
    q: str = ""  #: part of the name or the email
    keyword: str = ""  #: one keyword (normalised before use)
    active: bool | None = True  #: active contacts only by default; ``None`` for all


def filtered(staff: Staff, flt: ContactFilter) -> Select[tuple[Contact]]:
    """The contacts ``staff`` may see that match ``flt``, by name."""
    stmt = (
        select(Contact)
        .join(Customer, Customer.id == Contact.customer_id)
        .where(visible_filter(staff, "customers", Customer))
    )
    if flt.active is not None:
        stmt = stmt.where(Contact.is_active.is_(flt.active))
    if flt.q:
        like = "%" + flt.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like += "%"
        name = func.lower(Contact.first_name + " " + Contact.last_name)
        stmt = stmt.where(
            or_(name.like(like, escape="\\"), func.lower(Contact.email).like(like, escape="\\"))
        )
    keyword = normalise(flt.keyword)
    if keyword:
        stmt = stmt.where(
            Contact.id.in_(
                select(contact_keyword_links.c.contact_id)
                .join(ContactKeyword, ContactKeyword.id == contact_keyword_links.c.keyword_id)
                .where(ContactKeyword.name == keyword)
            )
        )
    return stmt.order_by(Contact.last_name, Contact.first_name, Contact.id)


def _with_parts(stmt: Select[tuple[Contact]]) -> Select[tuple[Contact]]:
    return stmt.options(selectinload(Contact.keywords), selectinload(Contact.customer))


def contact_page(staff: Staff, flt: ContactFilter, page: int, per_page: int) -> Page[Contact]:
    """One page of :func:`filtered` (a fixed number of queries whatever the page holds)."""
    stmt = filtered(staff, flt)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    page = min(max(page, 1), max(((total or 0) + per_page - 1) // per_page, 1))
    rows = db.session.scalars(_with_parts(stmt).limit(per_page).offset((page - 1) * per_page))
    return Page(list(rows), page, per_page, total or 0)


def export_rows(staff: Staff, flt: ContactFilter) -> Iterable[Contact]:
    """Every contact of :func:`filtered`, read in batches."""
    return db.session.scalars(_with_parts(filtered(staff, flt)).execution_options(yield_per=500))


def export_csv(contacts_iter: Iterable[Contact]) -> Iterator[str]:
    """CSV lines (UTF-8, commas, a header) for a mailing tool: name, email, customer,
    keywords (comma separated in their cell) and the contact's language code (its own, else
    its customer's, else the default). Cells starting like a formula get an apostrophe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: list[str]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(["'" + c if c[:1] in ("=", "+", "-", "@") else c for c in cells])
        return buffer.getvalue()

    yield "\ufeff" + line(list(EXPORT_COLUMNS))
    for contact in contacts_iter:
        yield line(
            [
                contact.full_name,
                contact.email,
                contact.customer.company_name,
                ", ".join(k.name for k in contact.keywords),
                locale_of(contact),
            ]
        )
