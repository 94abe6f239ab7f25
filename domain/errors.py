"""Domain errors: each message is written for the caseworker who caused it.

Besides its English ``message`` (what the API and the command line show), an
error carries what a page needs to word it in the worker's own language:
``kind`` (what went wrong, e.g. ``too_long``), ``field`` (the field it is
about, when there is one) and ``params`` (the figures and codes the wording
names, e.g. ``{"max": 100}``).
"""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """A rule of the case work was broken; nothing was recorded."""

    code = "rule_violated"

    def __init__(
        self,
        message: str,
        *,
        kind: str = "",
        field: str = "",
        params: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind or self.code
        self.field = field
        self.params: dict[str, object] = dict(params or {})

    def about(self, field: str) -> DomainError:
        """The error, said of ``field`` unless it already names one."""
        if not self.field:
            self.field = field
        return self


class UnknownCode(DomainError):
    """A region, service, authority or other code is not in the catalogue."""

    code = "unknown_code"


class InvalidValue(DomainError):
    """A field is too long, too short, of the wrong type or spans lines."""

    code = "invalid_value"


class InvalidTime(DomainError):
    """An ``occurred_at`` in the future, before the identification, or naive."""

    code = "invalid_time"


class ConsentRequired(DomainError):
    """A referral or data sharing needs the person's consent or a recorded reason."""

    code = "consent_required"


class CaseClosed(DomainError):
    """The case is closed: reopen it before recording more work."""

    code = "case_closed"


class ReferralError(DomainError):
    """A referral is unknown or was already answered."""

    code = "referral"


class NotPermitted(DomainError):
    """The actor's role may not record this step."""

    code = "not_permitted"


class DuplicateDeadlineEvent(DomainError):
    """A warning or breach was already recorded for this obligation."""

    code = "duplicate_deadline_event"


class CorrectionError(DomainError):
    """A correction names an entry or a field that cannot be corrected."""

    code = "correction"


class AlreadyAcknowledged(DomainError):
    """The authority already acknowledged its alert about the case."""

    code = "already_acknowledged"


class InconsistentFields(InvalidValue):
    """Fields of one entry contradict each other: a municipality of another
    region, a minor aged 30, an age the birth year rules out. ``fields`` names
    them, the one to change first."""

    code = "inconsistent_fields"

    def __init__(
        self,
        message: str,
        fields: tuple[str, ...],
        *,
        kind: str = "",
        params: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(message, kind=kind, field=fields[0], params=params)
        self.fields = fields
