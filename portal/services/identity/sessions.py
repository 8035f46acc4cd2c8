"""Sessions per device: one :class:`~portal.models.UserSession` row per sign-in.

The browser keeps a random secret (in its signed session cookie); the row keeps the secret's
SHA-256. A session is active while its row is not ended and was seen within
:data:`IDLE_LIMIT`. Signing out ends the row of that browser; a password change, a two-factor
change or deactivation ends the others (or all). Rows live in the database, so every app host
sees the same sessions; ``last_seen_at`` is written at most once per :data:`TOUCH_INTERVAL`.

Services add and flush, never commit: :func:`touch` is a plain ``UPDATE`` the caller commits in
a short transaction of its own (see :func:`portal.auth.load_user`).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import Select, select, update

from portal.extensions import db
from portal.models import Contact, Staff, UserSession
from portal.models.base import utcnow

#: ``last_seen_at`` is written at most once per this interval per session.
TOUCH_INTERVAL = timedelta(minutes=1)
#: A session not seen for this long has ended (its browser was closed or forgotten).
IDLE_LIMIT = timedelta(days=30)
USER_AGENT_LENGTH = 255
DEVICE_LENGTH = 80
ADDRESS_LENGTH = 45

Account = Staff | Contact


# -- what the user agent tells ------------------------------------------------------------------


class Device(NamedTuple):
    """Browser and operating system read from a ``User-Agent`` (``None`` when unknown)."""

    browser: str | None
    system: str | None


# Order matters: Edge, Opera and the others also name Chrome and Safari; Android names Linux.
_BROWSERS = (
    (r"\bEdg(?:e|A|iOS)?/", "Edge"),
    (r"\bOPR/|\bOPiOS/|\bOpera\b", "Opera"),
    (r"\bSamsungBrowser/", "Samsung Internet"),
    (r"\bVivaldi/", "Vivaldi"),
    (r"\bYaBrowser/", "Yandex Browser"),
    (r"\bFirefox/|\bFxiOS/", "Firefox"),
    (r"\bCriOS/|\bChrome/|\bChromium/", "Chrome"),
    (r"\bMSIE |\bTrident/", "Internet Explorer"),
    (r"\bVersion/[\d.]+.*\bSafari/|\b(?:iPhone|iPad).*AppleWebKit/", "Safari"),
)
_SYSTEMS = (
    (r"\bWindows Phone\b", "Windows Phone"),
    (r"\bWindows\b", "Windows"),
    (r"\biPhone\b|\biPod\b", "iPhone"),
    (r"\biPad\b", "iPad"),
    (r"\bAndroid\b", "Android"),
    (r"\bCrOS\b", "ChromeOS"),
    (r"\bMacintosh\b|\bMac OS X\b", "macOS"),
    (r"\bLinux\b|\bX11\b", "Linux"),
)


def _first(patterns: tuple[tuple[str, str], ...], text: str) -> str | None:
    return next((name for pattern, name in patterns if re.search(pattern, text)), None)


def parse_device(user_agent: str | None) -> Device:
    """``Device("Firefox", "Windows")`` for a Firefox on Windows; a small table of the common
    browsers and systems, not a full user-agent database."""
    text = (user_agent or "")[:512]
    return Device(_first(_BROWSERS, text), _first(_SYSTEMS, text))


def device_name(user_agent: str | None) -> str:
    """The stored, language-neutral description: "Firefox on Windows", "Safari", "Unknown"."""
    browser, system = parse_device(user_agent)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown"


# -- the rows -----------------------------------------------------------------------------------


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def _kind(account: Account) -> str:
    return "staff" if isinstance(account, Staff) else "contact"


def _of(account: Account) -> Select[tuple[UserSession]]:
    return select(UserSession).where(
        UserSession.account_kind == _kind(account),
        UserSession.account_id == account.id,
        UserSession.ended_at.is_(None),
        UserSession.last_seen_at >= utcnow() - IDLE_LIMIT,
    )


def start(account: Account, user_agent: str | None, address: str | None) -> str:
    """Records a sign-in of ``account``; returns the secret for the browser (never stored)."""
    secret = secrets.token_urlsafe(32)
    agent = (user_agent or "").strip()[:USER_AGENT_LENGTH] or None
    now = utcnow()
    db.session.add(
        UserSession(
            token_hash=hash_secret(secret),
            account_kind=_kind(account),
            account_id=account.id,
            user_agent=agent,
            device=device_name(agent)[:DEVICE_LENGTH],
            ip_address=(address or "")[:ADDRESS_LENGTH] or None,
            created_at=now,
            last_seen_at=now,
        )
    )
    db.session.flush()
    return secret


def find_active(secret: str, *, touch: bool = False) -> UserSession | None:
    """The active session whose browser holds ``secret``, or ``None``. With ``touch``, its
    ``last_seen_at`` is updated in the caller's transaction when older than a minute."""
    if not secret:
        return None
    record = db.session.scalar(
        select(UserSession).where(
            UserSession.token_hash == hash_secret(secret),
            UserSession.ended_at.is_(None),
            UserSession.last_seen_at >= utcnow() - IDLE_LIMIT,
        )
    )
    if record is not None and touch and needs_touch(record):
        record.last_seen_at = utcnow()
        db.session.flush()
    return record


def needs_touch(record: UserSession, now: datetime | None = None) -> bool:
    return (now or utcnow()) - record.last_seen_at >= TOUCH_INTERVAL


def touch(record_id: int) -> None:
    """Notes that the session was used now (a plain ``UPDATE`` of one row)."""
    db.session.execute(
        update(UserSession)
        .where(UserSession.id == record_id, UserSession.ended_at.is_(None))
        .values(last_seen_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def account_of(record: UserSession) -> Account | None:
    """The account a session belongs to; ``None`` when it was deleted (a later account that got
    the same id was created after the session started and is not its owner)."""
    model = Staff if record.account_kind == "staff" else Contact
    account = db.session.get(model, record.account_id)
    if account is None or account.created_at > record.created_at:
        return None
    return account


def belongs_to(record: UserSession, account: Account) -> bool:
    return record.account_kind == _kind(account) and record.account_id == account.id


def renew(record: UserSession) -> str:
    """Gives a session a new secret (the browser keeps its sign-in, a copy of the old cookie
    stops working); returns the new secret."""
    secret = secrets.token_urlsafe(32)
    record.token_hash = hash_secret(secret)
    db.session.flush()
    return secret


def end(record: UserSession) -> None:
    if record.ended_at is None:
        record.ended_at = utcnow()
        db.session.flush()


def end_all(account: Account, except_record: UserSession | None = None) -> int:
    """Ends every active session of ``account`` but ``except_record``; returns how many."""
    ended = 0
    now = utcnow()
    for record in db.session.scalars(_of(account)):
        if except_record is not None and record.id == except_record.id:
            continue
        record.ended_at = now
        ended += 1
    db.session.flush()
    return ended


def end_all_of_customer(customer_id: int) -> None:
    """Ends every active session of the customer's contacts (the customer was deactivated)."""
    contact_ids = select(Contact.id).where(Contact.customer_id == customer_id)
    db.session.execute(
        update(UserSession)
        .where(
            UserSession.account_kind == "contact",
            UserSession.account_id.in_(contact_ids),
            UserSession.ended_at.is_(None),
        )
        .values(ended_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def list_active(account: Account) -> list[UserSession]:
    """The account's active sessions, the most recently seen first."""
    stmt = _of(account).order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    return list(db.session.scalars(stmt))


def get_active(account: Account, session_id: int) -> UserSession | None:
    """One of the account's own active sessions by id; ``None`` for another account's."""
    return db.session.scalar(_of(account).where(UserSession.id == session_id))
