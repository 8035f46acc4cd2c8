"""Two-factor sign-in for staff: TOTP (RFC 6238, authenticator apps) plus recovery codes.

The TOTP secret is stored on :class:`~portal.models.Staff`; recovery codes are random, shown
once, and stored only as SHA-256 hashes (they carry 50 random bits each, so a fast hash is
enough); each works once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pyotp

from portal.extensions import db
from portal.models import Staff

RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
ISSUER = "Client portal"


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


def enable(staff: Staff, secret: str) -> list[str]:
    """Turns two-factor sign-in on with ``secret``; returns the new recovery codes (plain, to
    show once). Ends the member's other sessions."""
    codes = new_recovery_codes()
    staff.totp_secret = secret
    staff.recovery_codes = " ".join(hash_code(c) for c in codes)
    staff.session_version += 1
    db.session.flush()
    return codes


def regenerate_recovery_codes(staff: Staff) -> list[str]:
    codes = new_recovery_codes()
    staff.recovery_codes = " ".join(hash_code(c) for c in codes)
    db.session.flush()
    return codes


def disable(staff: Staff) -> None:
    staff.totp_secret = None
    staff.recovery_codes = None
    staff.session_version += 1
    db.session.flush()


def remaining_recovery_codes(staff: Staff) -> int:
    return len((staff.recovery_codes or "").split())


def use_recovery_code(staff: Staff, code: str) -> bool:
    """True (and the code is spent) when ``code`` is one of the unused recovery codes."""
    wanted = hash_code(code)
    hashes = (staff.recovery_codes or "").split()
    match = next((h for h in hashes if hmac.compare_digest(h, wanted)), None)
    if match is None:
        return False
    hashes.remove(match)
    staff.recovery_codes = " ".join(hashes) or None
    db.session.flush()
    return True


def verify_second_factor(staff: Staff, code: str) -> bool:
    """A current TOTP code or an unused recovery code."""
    if not staff.totp_secret:
        return False
    if verify_totp(staff.totp_secret, code):
        return True
    return len(_normalise(code)) == 10 and use_recovery_code(staff, code)
