"""The alert steps of a case: authorities notified, alerts failed, alerts
acknowledged."""

from __future__ import annotations

from domain import events as ev
from domain.case_steps import CaseSteps
from domain.catalogue import AUTHORITIES, CHANNELS, check_code
from domain.errors import AlreadyAcknowledged, DomainError
from domain.stamp import Stamp


class AlertSteps(CaseSteps):
    """Commands about the alerts sent to the authorities."""

    def record_notification(
        self,
        stamp: Stamp,
        *,
        authority: str,
        channel: str,
        recipient: str,
        reference: str,
    ) -> None:
        """Record that an authority was told of the case."""
        self._check_time(stamp)
        check_code("authority", authority, AUTHORITIES, field="authority")
        check_code("channel", channel, CHANNELS, field="channel")
        self._trigger(
            ev.AuthorityNotified,
            stamp,
            authority=authority,
            channel=channel,
            recipient=recipient,
            reference=reference,
        )

    def record_notification_failure(
        self,
        stamp: Stamp,
        *,
        authority: str,
        channel: str,
        recipient: str,
        reason: str,
        attempts: int,
    ) -> None:
        """Record that an alert could not be delivered after every attempt."""
        self._check_time(stamp)
        check_code("channel", channel, CHANNELS)
        self._trigger(
            ev.NotificationFailed,
            stamp,
            authority=authority,
            channel=channel,
            recipient=recipient,
            reason=reason,
            attempts=attempts,
        )

    def acknowledge_alert(
        self, stamp: Stamp, *, authority: str, reference: str
    ) -> None:
        """Record that a notified authority acknowledged the alert."""
        self._check_time(stamp)
        check_code("authority", authority, AUTHORITIES, field="authority")
        if authority not in self.notified:
            raise DomainError(
                f"the {AUTHORITIES[authority]} has not been notified of this case yet",
                kind="authority_not_notified",
                field="authority",
                params={"authority": authority},
            )
        if any(
            entry.type == "AlertAcknowledged"
            and entry.payload.get("authority") == authority
            for entry in self.entries.values()
        ):
            raise AlreadyAcknowledged(
                f"already acknowledged: the {AUTHORITIES[authority]} acknowledged "
                "this alert before",
                field="authority",
                params={"authority": authority},
            )
        self._trigger(
            ev.AlertAcknowledged, stamp, authority=authority, reference=reference
        )
