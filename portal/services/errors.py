"""Errors that services raise and the edges (forms, API, CLI) translate."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused the operation; ``message`` is translated and safe to show.

    ``fields`` maps field names to messages where the problem is about specific input; the
    forms show them next to the field and the API answers 422 with them. ``code`` is a stable
    machine-readable name for the API.
    """

    status = 422

    def __init__(
        self, message: str, *, fields: dict[str, str] | None = None, code: str = "invalid"
    ) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.code = code


class ValidationError(DomainError):
    """Input that breaks a rule (422)."""


class ConflictError(DomainError):
    """The operation conflicts with the current state (409): e.g. delete while in use."""

    status = 409

    def __init__(self, message: str, *, code: str = "conflict", **kw: object) -> None:
        super().__init__(message, code=code, **kw)  # type: ignore[arg-type]


class NotFound(DomainError):
    status = 404

    def __init__(self, message: str, *, code: str = "not_found") -> None:
        super().__init__(message, code=code)


class Forbidden(DomainError):
    """The actor may not do this (403): e.g. give rights beyond its own."""

    status = 403

    def __init__(self, message: str, *, code: str = "forbidden") -> None:
        super().__init__(message, code=code)
