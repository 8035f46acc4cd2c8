"""The registries' HTTP client: JSON over ``requests`` with a connect and a read timeout, a
bounded number of retries when the registry answers 5xx or refuses the connection, and no
retry after a read timeout (the registry is slow: asking again would only double the wait).

It touches neither the database nor the Flask app: the look-ups run in worker threads
(:mod:`.checks`), with the settings read beforehand (:class:`Settings`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import requests

from portal.services.customers.registry import RegistryUnavailable

#: Attempts per request (the first and the retries) and the pause before each retry.
ATTEMPTS = 3
RETRY_PAUSES = (0.2, 0.5)
USER_AGENT = "client-portal-registry/1.0"


@dataclass(frozen=True)
class Settings:
    """``PORTAL_REGISTRY_*``: base URLs and the timeout in seconds."""

    vies_url: str
    prh_url: str
    brreg_url: str
    timeout: float

    @property
    def timeouts(self) -> tuple[float, float]:
        """(connect, read): connecting never needs more than a few seconds."""
        return (min(self.timeout, 3.0), self.timeout)


@dataclass(frozen=True)
class Answer:
    status: int
    data: Any


def request_json(
    settings: Settings,
    method: str,
    url: str,
    *,
    params: dict[str, str] | None = None,
    body: dict[str, Any] | None = None,
) -> Answer:
    """The registry's status and decoded JSON body (``None`` when it sent none); raises
    :class:`RegistryUnavailable` after the retries, on a timeout or on a non-JSON 200."""
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    for attempt in range(ATTEMPTS):
        if attempt:
            time.sleep(RETRY_PAUSES[min(attempt - 1, len(RETRY_PAUSES) - 1)])
        try:
            response = requests.request(
                method,
                url,
                params=params,
                json=body,
                headers=headers,
                timeout=settings.timeouts,
                allow_redirects=False,
            )
        except requests.ConnectionError as exc:
            if isinstance(exc, requests.ReadTimeout) or "timed out" in str(exc).lower():
                raise RegistryUnavailable("timeout") from None
            continue
        except requests.Timeout:
            raise RegistryUnavailable("timeout") from None
        except requests.RequestException as exc:
            raise RegistryUnavailable(type(exc).__name__) from None
        if response.status_code >= 500:
            continue
        return Answer(response.status_code, _json(response))
    raise RegistryUnavailable("no answer after retries")


def _json(response: requests.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        if response.status_code == 200:
            raise RegistryUnavailable("not JSON") from None
        return None
