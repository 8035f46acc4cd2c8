"""Issue 17 (finance API, ticket "about", registration modes): the API client and the staff
client of the neighbouring test packages."""

from __future__ import annotations

from tests.admin.conftest import staff_client  # noqa: F401
from tests.api.conftest import api, make_token  # noqa: F401
from tests.clients.conftest import contact_client  # noqa: F401
from tests.e2e.conftest import (  # noqa: F401
    browser,
    browser_page_factory,
    live_app,
    live_url,
)
