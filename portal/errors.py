"""One hierarchy of expected errors, shown to users as form errors or messages."""

from __future__ import annotations


class ApplicationError(Exception):
    """An expected failure of a service: the message is shown to the user as is."""

    def __init__(self, message: str, *, field: str | None = None, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra or {}


class ValidationFailed(ApplicationError):
    pass


class ConcurrentEdit(ApplicationError):
    """Somebody else saved the same record since it was loaded."""


class NotAllowed(ApplicationError):
    """A permission check inside a service or task failed."""
