"""The two kinds of people who sign in to the HTML sides, and what differs between them for the
shared flows of :mod:`portal.web.flows`: staff use the admin (``/admin``), contacts the client
portal (``/clients``). Everything else about signing in, passwords and two-factor sign-in is
the same for both."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.auth import is_contact, is_staff
from portal.models import Contact, Staff
from portal.services.identity import contact_accounts
from portal.services.platform import settings


@dataclass(frozen=True)
class Audience:
    #: The blueprint: its endpoints are ``<blueprint>.login`` ..., its templates
    #: ``templates/<blueprint>/``, its layout ``<blueprint>/base.html``.
    blueprint: str
    model: type[Staff] | type[Contact]
    #: The path a ``?next=`` after sign-in must stay under.
    home: str
    #: The session key of a sign-in waiting for its second factor.
    pending_key: str
    #: The session key of the two-factor secret being set up.
    setup_secret_key: str
    #: The name the sign-in rate limits are counted under.
    limit_side: str
    #: True when the second sign-in step is shown in the account's own language.
    second_step_in_own_language: bool
    #: The status of a set-password or own-account page whose form was refused.
    refused_status: int
    #: The endpoint (in the blueprint) and title of the page of the account's own settings.
    account_page: str
    account_title: Any
    #: True when the page asking for a reset link offers a way back to sign-in.
    reset_links_back: bool
    #: Whether the visitor is signed in as this kind of account.
    signed_in: Callable[[], bool]
    #: Extra values for the sign-in page.
    login_context: Callable[[], dict[str, Any]]
    #: Whether two-factor sign-in is required (and so cannot be turned off).
    two_factor_required: Callable[[], bool]

    def endpoint(self, name: str) -> str:
        return f"{self.blueprint}.{name}"

    def template(self, name: str) -> str:
        return f"{self.blueprint}/{name}.html"

    @property
    def layout(self) -> str:
        return self.template("base")


STAFF = Audience(
    blueprint="admin",
    model=Staff,
    home="/admin/",
    pending_key="admin_2fa_pending",
    setup_secret_key="admin_2fa_setup_secret",  # noqa: S106 - a session key name
    limit_side="admin",
    second_step_in_own_language=False,
    refused_status=200,
    account_page="account",
    account_title=_l("Your account"),
    reset_links_back=True,
    signed_in=is_staff,
    login_context=dict,
    two_factor_required=lambda: bool(settings.get("require_staff_2fa")),
)

CONTACTS = Audience(
    blueprint="clients",
    model=Contact,
    home="/clients/",
    pending_key="portal_2fa_pending",
    setup_secret_key="portal_2fa_setup_secret",  # noqa: S106 - a session key name
    limit_side="portal",
    second_step_in_own_language=True,
    refused_status=422,
    account_page="profile",
    account_title=_l("My profile"),
    reset_links_back=False,
    signed_in=is_contact,
    login_context=lambda: {"registration": contact_accounts.registration_open()},
    two_factor_required=lambda: False,
)
