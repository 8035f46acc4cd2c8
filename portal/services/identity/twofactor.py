"""Two-factor sign-in for staff and contacts: TOTP (RFC 6238, authenticator apps) plus
single-use recovery codes.

The TOTP secret is stored on the account (:class:`~portal.models.Staff` or
:class:`~portal.models.Contact`). Recovery codes are random, shown once, and stored only as
SHA-256 hashes (they carry 50 random bits each, so a fast hash is enough); each works once.
Only where the hashes live depends on the kind of account: a staff member keeps them in one
column, a contact one row each (:class:`~portal.models.contact_security.ContactRecoveryCode`,
spent with a conditional ``DELETE`` so that concurrent sign-ins cannot use a code twice).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pyotp
from sqlalchemy import delete, func, select

from portal.extensions import db
from portal.models import Contact, Staff, UserSession
from portal.models.contact_security import ContactRecoveryCode
from portal.services.identity import sessions

RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
ISSUER = "Client portal"

Account = Staff | Contact


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str, issuer: str = ISSUER) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def _normalise(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def verify_totp(secret: str, code: str) -> bool:
    code = _normalise(code)
    if not (code.isdigit() and len(code) == 6):
        return False
    return pyotp.TOTP(secret).verify(code, valid_window=1)


def hash_code(code: str) -> str:
    """The stored form of a recovery code (case, spaces and dashes do not matter)."""
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def new_recovery_codes() -> list[str]:
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


# -- where the recovery code hashes live -------------------------------------------------------


def _delete_contact_codes(contact: Contact) -> None:
    db.session.execute(
        delete(ContactRecoveryCode).where(ContactRecoveryCode.contact_id == contact.id)
    )


def _store_codes(account: Account) -> list[str]:
    """Replaces the account's recovery codes with new ones; returns them (plain, shown once)."""
    codes = new_recovery_codes()
    if isinstance(account, Staff):
        account.recovery_codes = " ".join(hash_code(c) for c in codes)
    else:
        _delete_contact_codes(account)
        db.session.add_all(
            ContactRecoveryCode(contact_id=account.id, code_hash=hash_code(c)) for c in codes
        )
    db.session.flush()
    return codes


def _clear_codes(account: Account) -> None:
    if isinstance(account, Staff):
        account.recovery_codes = None
    else:
        _delete_contact_codes(account)


def remaining_recovery_codes(account: Account) -> int:
    if isinstance(account, Staff):
        return len((account.recovery_codes or "").split())
    count = select(func.count()).where(ContactRecoveryCode.contact_id == account.id)
    return db.session.scalar(count) or 0


def use_recovery_code(account: Account, code: str) -> bool:
    """True (and the code is spent) when ``code`` is one of the account's unused codes."""
    wanted = hash_code(code)
    if isinstance(account, Contact):
        result = db.session.execute(
            delete(ContactRecoveryCode)
            .where(
                ContactRecoveryCode.contact_id == account.id,
                ContactRecoveryCode.code_hash == wanted,
            )
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
    hashes = (account.recovery_codes or "").split()
    match = next((h for h in hashes if hmac.compare_digest(h, wanted)), None)
    if match is None:
        return False
    hashes.remove(match)
    account.recovery_codes = " ".join(hashes) or None
    db.session.flush()
    return True


# -- turning it on and off, signing in ---------------------------------------------------------


def enable(account: Account, secret: str, keep: UserSession | None = None) -> list[str]:
    """Turns two-factor sign-in on with ``secret``; returns the new recovery codes (plain, to
    show once). Ends the account's sessions but ``keep`` (the browser the change was made in)."""
    account.totp_secret = secret
    account.session_version += 1
    sessions.end_all(account, except_record=keep)
    return _store_codes(account)


def regenerate_recovery_codes(account: Account, keep: UserSession | None = None) -> list[str]:
    """New recovery codes (the old ones stop working); ends the sessions but ``keep``."""
    sessions.end_all(account, except_record=keep)
    return _store_codes(account)


def disable(account: Account, keep: UserSession | None = None) -> None:
    """Turns two-factor sign-in off; ends the account's sessions but ``keep``."""
    account.totp_secret = None
    account.session_version += 1
    sessions.end_all(account, except_record=keep)
    _clear_codes(account)
    db.session.flush()


def verify_second_factor(account: Account, code: str) -> bool:
    """A current TOTP code or an unused recovery code."""
    if not account.totp_secret:
        return False
    if verify_totp(account.totp_secret, code):
        return True
    return len(_normalise(code)) == 10 and use_recovery_code(account, code)
