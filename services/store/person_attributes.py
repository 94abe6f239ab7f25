"""The person's attributes in the encrypted personal-data store: the
application service's ``services.app.ports.PersonalAttributes``.

An identification takes the person's sex, age or birth year and nationality;
the application service keeps them here, in the person's record, before it
saves the case's first event, which does not carry them. Statistics by sex,
age or nationality read them here too, never from the events: as the
attributes are kept, their coded and banded values (sex, age band,
nationality) are written beside the case id for the statistics
(``projections.stats_person``), and nothing more.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from projections.stats_person import keep_bands
from services.store.outages import refused_as_events_are
from services.store.personal_data import PersonalDataStore


class StoredAttributes:
    """The person's attributes in their record of ``store`` (access-logged)."""

    def __init__(self, store: PersonalDataStore) -> None:
        self.store = store

    def may_read(self, actor_role: str) -> bool:
        return actor_role in self.store.readers

    def keep(
        self,
        subject_ref: str,
        attributes: Mapping[str, Any],
        *,
        actor_id: str,
        actor_role: str,
        case_id: str,
        correlation_id: str,
    ) -> None:
        # PostgreSQL unable to take the write: refused as a refused event is.
        with refused_as_events_are():
            self.store.keep_attributes(
                subject_ref,
                attributes,
                actor_id=actor_id,
                actor_role=actor_role,
                case_id=case_id,
                correlation_id=correlation_id,
                # The bands commit with the record they are taken from.
                then=lambda conn: keep_bands(
                    conn, UUID(case_id), attributes, self.store.clock.now().year
                ),
            )

    def read(
        self,
        subject_ref: str,
        *,
        actor_id: str,
        actor_role: str,
        case_id: str,
        correlation_id: str,
    ) -> dict[str, Any]:
        return self.store.read(
            subject_ref,
            actor_id=actor_id,
            actor_role=actor_role,
            case_id=case_id,
            correlation_id=correlation_id,
        ).attributes()
