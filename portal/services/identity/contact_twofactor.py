"""Optional two-factor sign-in for portal contacts: TOTP (authenticator apps) plus single-use
recovery codes stored hashed, one row each (:class:`~portal.models.contact_security.
ContactRecoveryCode`). Shares the TOTP and code format with the staff side
(:mod:`portal.services.identity.staff_twofactor`)."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from portal.extensions import db
from portal.models import Contact
from portal.models.contact_security import ContactRecoveryCode
from portal.services.identity import staff_twofactor as twofactor

new_secret = twofactor.new_secret
provisioning_uri = twofactor.provisioning_uri
verify_totp = twofactor.verify_totp


_hash = twofactor.hash_code


def _store_codes(contact: Contact) -> list[str]:
    db.session.execute(
        delete(ContactRecoveryCode).where(ContactRecoveryCode.contact_id == contact.id)
    )
    codes = twofactor.new_recovery_codes()
    db.session.add_all(
        ContactRecoveryCode(contact_id=contact.id, code_hash=_hash(code)) for code in codes
    )
    db.session.flush()
    return codes


def enable(contact: Contact, secret: str) -> list[str]:
    """Turns two-factor sign-in on; returns the recovery codes (plain, shown once). Ends the
    contact's other sessions."""
    contact.totp_secret = secret
    contact.session_version += 1
    return _store_codes(contact)


def regenerate_recovery_codes(contact: Contact) -> list[str]:
    return _store_codes(contact)


def disable(contact: Contact) -> None:
    contact.totp_secret = None
    contact.session_version += 1
    db.session.execute(
        delete(ContactRecoveryCode).where(ContactRecoveryCode.contact_id == contact.id)
    )
    db.session.flush()


def remaining_recovery_codes(contact: Contact) -> int:
    return (
        db.session.scalar(select(func.count()).where(ContactRecoveryCode.contact_id == contact.id))
        or 0
    )


def use_recovery_code(contact: Contact, code: str) -> bool:
    """True (and the code is spent) when ``code`` is one of the contact's unused codes. The
    conditional ``DELETE`` makes a code usable once even by concurrent sign-ins."""
    result = db.session.execute(
        delete(ContactRecoveryCode)
        .where(
            ContactRecoveryCode.contact_id == contact.id,
            ContactRecoveryCode.code_hash == _hash(code),
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def verify_second_factor(contact: Contact, code: str) -> bool:
    """A current TOTP code or an unused recovery code."""
    if not contact.totp_secret:
        return False
    if verify_totp(contact.totp_secret, code):
        return True
    normalised = "".join(ch for ch in code if ch.isalnum())
    return len(normalised) == 10 and use_recovery_code(contact, code)
