"""The handlers' ``CaseAlerts`` port, answered by the application service.

Alert outcomes (``AuthorityNotified``, ``NotificationFailed``,
``AlertAcknowledged``) are written as commands of the case like any other;
the service's errors are translated into the port's, and stay service errors
too, so the HTTP API and the CLI answer them as before (a conflict is a 409).
"""

from __future__ import annotations

from datetime import datetime

from domain.command_declaration import CaseCommand
from domain.commands import AcknowledgeAlert, RecordNotification
from domain.events import AlertAcknowledged, AuthorityNotified, NotificationFailed
from domain.system_commands import RecordNotificationFailure
from handlers.ports import AlertFacts, CaseChanged, OutcomeRefused
from services.app.errors import ServiceError, VersionConflict
from services.app.service import CaseService

# Who records a delivery's outcome: the notifier itself, not a person.
NOTIFIER = {"actor_id": "vatra-notifier", "actor_role": "system"}


class AlertConflict(VersionConflict, CaseChanged):
    """The case changed while an alert outcome was being recorded."""

    def __init__(self, error: VersionConflict) -> None:
        VersionConflict.__init__(
            self, error.message, expected=error.expected, actual=error.actual
        )


class AlertOutcomeRefused(ServiceError, OutcomeRefused):
    """The application service refused an alert outcome."""

    def __init__(self, error: ServiceError) -> None:
        ServiceError.__init__(self, error.message)
        self.kind = type(error).__name__


class ServiceCaseAlerts:
    """``handlers.ports.CaseAlerts`` on the application service."""

    def __init__(self, service: CaseService) -> None:
        self.service = service

    def facts(self, case_id: str) -> AlertFacts:
        events = self.service.app.case_events(case_id)
        return AlertFacts(
            version=events[-1].originator_version,
            identified_at=events[0].occurred_at,
            notified=frozenset(
                e.correlation_id
                for e in events
                if isinstance(e, AuthorityNotified) and e.correlation_id
            ),
            failed=frozenset(
                e.correlation_id
                for e in events
                if isinstance(e, NotificationFailed) and e.correlation_id
            ),
            acknowledged=frozenset(
                e.reference for e in events if isinstance(e, AlertAcknowledged)
            ),
        )

    def record_notified(
        self,
        case_id: str,
        *,
        expected_version: int,
        occurred_at: datetime,
        delivery_id: str,
        authority: str,
        channel: str,
        recipient: str,
    ) -> None:
        self._run(
            RecordNotification(
                authority=authority,
                channel=channel,
                recipient=recipient,
                reference=delivery_id,
            ),
            case_id,
            expected_version=expected_version,
            occurred_at=occurred_at,
            correlation_id=delivery_id,
            **NOTIFIER,
        )

    def record_failed(
        self,
        case_id: str,
        *,
        expected_version: int,
        occurred_at: datetime,
        delivery_id: str,
        authority: str,
        channel: str,
        recipient: str,
        reason: str,
        attempts: int,
    ) -> None:
        self._run(
            RecordNotificationFailure(
                authority=authority,
                channel=channel,
                recipient=recipient,
                reason=reason,
                attempts=attempts,
            ),
            case_id,
            expected_version=expected_version,
            occurred_at=occurred_at,
            correlation_id=delivery_id,
            **NOTIFIER,
        )

    def record_acknowledged(
        self,
        case_id: str,
        *,
        expected_version: int,
        occurred_at: datetime,
        delivery_id: str,
        authority: str,
        acknowledged_by: str,
    ) -> None:
        self._run(
            AcknowledgeAlert(authority=authority, reference=delivery_id),
            case_id,
            expected_version=expected_version,
            occurred_at=occurred_at,
            correlation_id=delivery_id,
            actor_id=acknowledged_by,
            actor_role=authority,
        )

    def _run(
        self,
        command: CaseCommand,
        case_id: str,
        *,
        expected_version: int,
        occurred_at: datetime,
        correlation_id: str,
        actor_id: str,
        actor_role: str,
    ) -> None:
        try:
            self.service.run(
                command,
                case_id,
                expected_version=expected_version,
                actor_id=actor_id,
                actor_role=actor_role,
                occurred_at=occurred_at,
                correlation_id=correlation_id,
            )
        except VersionConflict as error:
            raise AlertConflict(error) from None
        except ServiceError as error:
            raise AlertOutcomeRefused(error) from None
