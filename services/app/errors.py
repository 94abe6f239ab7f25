"""The application service's own errors: what callers (CLI, HTTP) translate."""

from __future__ import annotations


class ServiceError(Exception):
    """Base of the errors the application service raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CaseNotFound(ServiceError):
    """No case with that id exists (or the caller may not know of it)."""


class VersionConflict(ServiceError):
    """The case changed since the caller read it: reload and decide again."""

    def __init__(self, message: str, *, expected: int, actual: int | None) -> None:
        super().__init__(message)
        self.expected = expected
        self.actual = actual


class InvalidInput(ServiceError):
    """A value could not be read (a malformed id or time); names the field."""


class PersonalDataError(ServiceError):
    """Base of the personal-data store's errors. Their messages name settings
    and pseudonymous references, never the data."""


class PersonalDataUnavailable(PersonalDataError):
    """No master key is configured, or it is not the one the data was stored with."""


class PersonalDataNotFound(PersonalDataError):
    """Nothing is stored for this subject_ref."""


class SubjectErased(PersonalDataError):
    """The person's data was erased: it cannot be read, nor stored again."""


class ReadNotPermitted(PersonalDataError):
    """The actor's role may not see personal data (the attempt is in the access log)."""
