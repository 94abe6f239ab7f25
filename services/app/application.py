"""The event store of cases: eventsourcing's application, with what the
services that record commands on it share."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import Mapper
from eventsourcing.utils import EnvType

from domain.events import CaseEvent
from services.app.case_cache import CaseCache
from services.app.errors import CaseNotFound
from services.app.group_commit import GroupCommit
from services.app.parsing import parse_case_id
from services.store.outbox import OutboxMapper


class CaseApplication(Application[UUID]):
    """The event store of cases (eventsourcing), table ``cases_events``.

    Commands are saved through ``group_commit``, which hands ``save()`` the
    events rather than the aggregates, and load their cases through
    ``cases`` (``services.app.case_cache``), which the services keep: no
    aggregate cache of eventsourcing is configured.
    """

    name = "Cases"

    def __init__(self, env: EnvType | None = None) -> None:
        super().__init__(env)
        # Shared by every service on this application, so that all their
        # concurrent commands can be saved together.
        self.group_commit = GroupCommit(self)
        # The cases their commands saved last, shared by those services too.
        self.cases = CaseCache()

    def construct_mapper(self) -> Mapper[UUID]:
        """eventsourcing's mapper, storing each event's Kafka envelope with it
        (``services.store.outbox``)."""
        return self.factory.mapper(
            transcoder=self.construct_transcoder(), mapper_class=OutboxMapper
        )

    def case_events(self, case_id: str | UUID) -> list[CaseEvent]:
        """Every stored event of a case, in order (for the store's own users:
        the relay, the projections, the tests); ``CaseNotFound`` if none."""
        found: list[CaseEvent] = list(
            self.events.get(parse_case_id(case_id))  # type: ignore[arg-type]
        )
        if not found:
            raise CaseNotFound(f"no case {case_id}")
        return found
