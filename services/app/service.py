"""The application service: commands and queries that take and return primitives.

Every command names the case version it expects. If the case moved on since
the caller read it, or another writer saves first, the caller gets a
``VersionConflict`` and nothing is recorded: no update is ever lost.
One transaction is the unit of work; the changes of commands running at the
same time share one (``services.app.group_commit``), each caller still
getting its own result or its own error.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Collection, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import structlog
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from domain.case import Case
from domain.clock import Clock
from domain.events import CaseEvent
from domain.stamp import Stamp
from domain.typed_text import Known
from services.app.application import CaseApplication
from services.app.case_views import CaseViews
from services.app.errors import CaseNotFound, InvalidInput, VersionConflict
from services.app.parsing import parse_case_id, parse_moment
from services.app.people import keep_attributes, person_facts
from services.app.plain import RecordedEvent, case_summary, recorded
from services.app.ports import PersonalAttributes, TypedTexts
from services.app.texts import keep_typed_text

__all__ = ["CaseApplication", "CaseService"]

if TYPE_CHECKING:
    # The command classes and the metrics are loaded by what records commands
    # (the API, the workers, the writing commands), not by a command that
    # only reads (``vatra timeline``): see ``_save`` and ``_parsed_times``.
    from domain.commands import CaseCommand, OpeningCommand

log = structlog.get_logger("vatra.service")

Action = Callable[[Case, Stamp], None]


class CaseService:
    """Commands and queries on cases, for the CLI, the HTTP API and the workers."""

    def __init__(
        self,
        app: CaseApplication,
        clock: Clock,
        *,
        people: PersonalAttributes | None = None,
        texts: TypedTexts | None = None,
    ) -> None:
        self.app = app
        self.clock = clock
        # Where the person's attributes an identification takes are kept;
        # without it, an identification carrying them is refused.
        self.people = people
        # Where the text people type goes, the events keeping its reference
        # (``services.app.texts``); without it, the text stays in the event.
        self.texts = texts
        # Whether a typed value is an id of the running backbone, kept as it
        # is (``domain.typed_text.Known``): set by the composition root.
        self.known_ids: Known | None = None
        self.views = CaseViews(lambda case_id: self._load(str(case_id)), self._newer)

    # -- commands -------------------------------------------------------------

    def open_case(
        self,
        command: OpeningCommand,
        *,
        actor_id: str,
        actor_role: str,
        occurred_at: str | datetime,
        case_id: str | UUID | None = None,
        correlation_id: str | None = None,
    ) -> dict[str, Any]:
        """Run ``command`` (one of ``domain.commands.OPENING_COMMANDS``, such as
        the identification), which opens a case. Returns its id and version.

        ``case_id`` is the id made on a device, or from an idempotency key;
        without one the case gets a new id. An id already taken is a
        ``VersionConflict``: nothing is recorded.

        The person's attributes the command carries (sex, age or birth year,
        nationality) go to the personal-data store first, never into the
        event; if the store refuses (``PersonalDataUnavailable``: no key;
        ``SubjectErased``), nothing is recorded. A retry with the same
        ``case_id`` stores the same values again and then meets the
        ``VersionConflict`` of the case it opened.
        """
        stamp = self._stamp(actor_id, actor_role, occurred_at, correlation_id)
        new_id = parse_case_id(case_id) if case_id else uuid.uuid4()
        case = command.open(stamp, new_id)
        keep_attributes(self.people, command, case, stamp)
        self._save_and_keep(case, stamp, expected=0)
        return self._result(case)

    def run(
        self,
        command: CaseCommand,
        case_id: str,
        *,
        expected_version: int,
        actor_id: str,
        actor_role: str,
        occurred_at: str | datetime,
        correlation_id: str | None = None,
    ) -> dict[str, Any]:
        """Run ``command`` (one of ``domain.commands``) on a case at the version
        the caller read. Returns the case id and its new version.

        A broken rule of the case is a domain error; a command that does not
        fit its ``Case`` method is a bug, and stays one (a ``TypeError``).
        """
        arguments = _parsed_times(command)
        return self._change(
            case_id,
            expected_version=expected_version,
            stamp=self._stamp(actor_id, actor_role, occurred_at, correlation_id),
            action=lambda case, stamp: command.run(case, stamp, **arguments),
        )

    def _change(
        self, case_id: str, *, expected_version: int, stamp: Stamp, action: Action
    ) -> dict[str, Any]:
        # Taken out of the cache: kept again only once its change is saved.
        # Without asking the store (``services.app.case_cache``): only at the
        # version the caller read, and its events are stored only right
        # behind that version.
        kept = self.app.cases.take(parse_case_id(case_id))
        if kept is not None and kept.version == expected_version:
            try:
                action(kept, stamp)
            except Exception:
                # Refused on the kept case: the refusal must stand on the
                # store's latest version, which another process may have moved.
                pass
            else:
                self._save_and_keep(kept, stamp, expected=expected_version)
                return self._result(kept)
        case = self._load(case_id)
        if case.version != expected_version:
            # Unchanged and as the store has it: still good for the next command.
            self.app.cases.keep(case)
            raise VersionConflict(
                f"the case changed since it was read (expected version "
                f"{expected_version}, it is at {case.version}): reload and try again",
                expected=expected_version,
                actual=case.version,
            )
        action(case, stamp)
        self._save_and_keep(case, stamp, expected=expected_version)
        return self._result(case)

    # -- queries --------------------------------------------------------------

    def case(self, case_id: str) -> dict[str, Any]:
        """The current state of a case (``services.app.case_views``: no full replay
        when the case was read before, never stale)."""
        summary: dict[str, Any] = self.views.read(parse_case_id(case_id), case_summary)
        return summary

    def kept_case(self, case_id: str) -> tuple[int, dict[str, Any]] | None:
        """The version of a case as last read here, and what a reader's right
        to it turns on (its id, region and subject reference), without a
        round trip to the store (``CaseViews.kept``): current only if no
        event was recorded after that version since, which the caller must
        check. None if the case is not kept."""
        kept: tuple[int, dict[str, Any]] | None = self.views.kept(
            parse_case_id(case_id), _whose
        )
        return kept

    def offers(
        self,
        case_id: str,
        *,
        role: str,
        unit: str | None = None,
        awaited: Collection[str] = (),
    ) -> dict[str, Any]:
        """The steps the case offers someone of ``role`` now, with the values
        each field may take (``services.app.offers``); ``awaited``: the event
        types the case's unmet SOP obligations wait for."""
        # With the command table: loaded by what offers steps (the API), not
        # by a command that only reads a case.
        from services.app.offers import offers_of  # noqa: PLC0415

        offers: dict[str, Any] = self.views.read(
            parse_case_id(case_id),
            lambda case: offers_of(case, role=role, unit=unit, awaited=awaited),
        )
        return offers

    def person(
        self, case_id: str, *, actor_id: str, actor_role: str, correlation_id: str
    ) -> dict[str, Any]:
        """The person's attributes of a case as the viewer may see them
        (``services.app.people.person_facts``); each read is access-logged."""
        return person_facts(
            self.people,
            self.case(case_id),
            actor_id=actor_id,
            actor_role=actor_role,
            correlation_id=correlation_id,
        )

    def events(self, case_id: str) -> list[RecordedEvent]:
        """Every event of a case, in order, as plain values."""
        return [recorded(event) for event in self.app.case_events(case_id)]

    def history(
        self,
        case_id: str,
        as_of: str | datetime | None = None,
        *,
        version: int | None = None,
    ) -> dict[str, Any]:
        """The case as it stood at ``as_of``, or at ``version``: state and events.

        Give one of the two. ``as_of`` is judged by when the store recorded each
        event, so an auditor sees exactly what anyone could have seen at that
        moment; ``version`` replays the case up to and including that event.
        """
        if (as_of is None) == (version is None):
            raise InvalidInput("give either as_of (a time) or version, not both")
        events = self.app.case_events(case_id)
        if version is not None:
            if not 1 <= version <= events[-1].originator_version:
                raise InvalidInput(
                    f"case {case_id} has versions 1 to "
                    f"{events[-1].originator_version}, not {version}"
                )
            events_then = [e for e in events if e.originator_version <= version]
            moment = events_then[-1].timestamp
        else:
            assert as_of is not None
            moment = parse_moment("as_of", as_of)
            events_then = list(
                itertools.takewhile(lambda e: e.timestamp <= moment, events)
            )
        if not events_then:
            raise CaseNotFound(
                f"case {case_id} did not exist yet at {moment.isoformat()}"
            )
        case: Case = self.app.repository.get(
            parse_case_id(case_id), version=events_then[-1].originator_version
        )
        return {
            "as_of": moment.isoformat(),
            "version": case.version,
            "case": case_summary(case),
            "events": [recorded(event).summary() for event in events_then],
        }

    # -- plumbing -------------------------------------------------------------

    def _stamp(
        self,
        actor_id: str,
        actor_role: str,
        occurred_at: str | datetime,
        correlation_id: str | None,
    ) -> Stamp:
        return Stamp(
            actor_id=actor_id,
            actor_role=actor_role,
            occurred_at=parse_moment("occurred_at", occurred_at),
            recorded_at=self.clock.now(),
            correlation_id=correlation_id or uuid.uuid4().hex,
        )

    def _current_version(self, case_id: UUID) -> int:
        """The version of the case's last stored event (0: none yet)."""
        last = list(self.app.events.get(case_id, desc=True, limit=1))
        return last[0].originator_version if last else 0

    def _newer(self, case_id: UUID, version: int) -> list[CaseEvent]:
        """A case's events after ``version``, in order."""
        return [
            e
            for e in self.app.events.get(case_id, gt=version)
            if isinstance(e, CaseEvent)
        ]

    def _load(self, case_id: str) -> Case:
        try:
            case: Case = self.app.repository.get(
                parse_case_id(case_id), projector_func=_project
            )
        except AggregateNotFoundError:
            raise CaseNotFound(f"no case {case_id}") from None
        return case

    def _save_and_keep(self, case: Case, stamp: Stamp, *, expected: int) -> None:
        """Save the case's new events (their typed text kept apart first), then
        keep the case for the next command if it is as its events replay it."""
        applied = list(case.pending_events)
        keep_typed_text(self.texts, case, stamp, self.known_ids)
        # An event whose text was kept apart is stored without it, while the
        # case applied it with it: such a case is replayed on its next command.
        as_stored = all(
            a is b for a, b in zip(applied, case.pending_events, strict=True)
        )
        self._save(case, expected=expected)
        if as_stored:
            self.app.cases.keep(case)

    def _save(self, case: Case, *, expected: int) -> None:
        try:
            recorded = self.app.group_commit.save(case)
        except IntegrityError:
            actual = self._current_version(case.id)
            raise VersionConflict(
                f"another change to case {case.id} was saved first "
                f"(you had version {expected}, it is at {actual}): "
                "reload and try again",
                expected=expected,
                actual=actual,
            ) from None
        # Imported once the first change is saved (then a lookup in sys.modules).
        from services.observability.metrics import EVENTS_RECORDED  # noqa: PLC0415

        for event in recorded:
            EVENTS_RECORDED.labels(type(event).__name__).inc()
            log.info(
                "event_recorded",
                event_type=type(event).__name__,
                case_id=str(event.originator_id),
                version=event.originator_version,
                correlation_id=getattr(event, "correlation_id", ""),
                actor_role=getattr(event, "actor_role", ""),
            )

    @staticmethod
    def _result(case: Case) -> dict[str, Any]:
        return {"case_id": str(case.id), "version": case.version}


def _whose(case: Case) -> dict[str, Any]:
    return {
        "case_id": str(case.id),
        "region": case.region,
        "subject_ref": case.subject_ref,
    }


def _project(case: Case | None, events: Iterable[CaseEvent]) -> Case | None:
    """eventsourcing's ``project_aggregate`` without its per-event assertion.

    That assertion is a runtime ``Protocol`` check, which on Python 3.11 costs
    more than applying the event does (the figure is in bench/RESULTS.md).
    """
    for event in events:
        case = event.mutate(case)
    return case


def _parsed_times(command: CaseCommand) -> dict[str, Any]:
    """The command's times given as ISO 8601 text, as times: the deadline
    commands' ``due_at``, and a corrected ``occurred_at``."""
    from domain.commands import CorrectEntry  # noqa: PLC0415  (see the imports)

    arguments = command.arguments()
    if isinstance(arguments.get("due_at"), str):
        arguments["due_at"] = parse_moment("due_at", arguments["due_at"])
    if (
        isinstance(command, CorrectEntry)
        and command.field_name == "occurred_at"
        and isinstance(command.value, str)
    ):
        arguments["value"] = parse_moment("value", command.value)
    return arguments
