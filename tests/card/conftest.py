"""Fixtures of the customer card tests: signed-in staff clients, signed-in contacts, the API."""

from tests.admin.conftest import staff_client  # noqa: F401 (a fixture used here too)
from tests.api.conftest import api, make_token  # noqa: F401
from tests.clients.conftest import contact_client  # noqa: F401
