"""What the application service needs from the rest of the backbone, in its
own words.

The application service never reaches a store directly for these: the
composition root passes in adapters on the encrypted personal-data store
(``services.store.person_attributes``, ``services.store.personal_texts``);
unit tests pass fakes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol


class PersonalAttributes(Protocol):
    """Keeps and reads the person's attributes (sex, age or birth year,
    nationality), by ``subject_ref``, outside the events.

    Every call names who does it and why (the case, the correlation id), and
    is recorded in the access log. ``keep`` sets the attributes and leaves the
    rest of the person's record as it was; doing it again with the same values
    changes nothing. Refusals are ``services.app.errors`` errors:
    ``PersonalDataUnavailable`` (no key configured), ``SubjectErased`` (the
    person's data was erased), ``ReadNotPermitted`` (the role may not),
    ``PersonalDataNotFound`` (nothing is held, on reading).
    """

    def may_read(self, actor_role: str) -> bool:
        """Whether people of ``actor_role`` may see the person's attributes."""
        ...

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
        """Store the person's ``attributes`` (by field name)."""
        ...

    def read(
        self,
        subject_ref: str,
        *,
        actor_id: str,
        actor_role: str,
        case_id: str,
        correlation_id: str,
    ) -> dict[str, Any]:
        """The person's attributes, by field name (``""`` or None: not given)."""
        ...


class TypedTexts(Protocol):
    """Keeps and reads text people typed about the person of a case (reasons,
    outcomes, references), by ``subject_ref``, outside the events; an event
    carries only each text's reference.

    Every call names who does it and why and is recorded in the access log.
    ``keep`` returns one reference per text, in order (``SubjectErased`` once
    the person's data was erased); ``read`` gives the texts by reference,
    ``None`` for one erased, and is refused (``ReadNotPermitted``) to a role
    that may not see personal data.
    """

    def may_read(self, actor_role: str) -> bool:
        """Whether people of ``actor_role`` may read the texts."""
        ...

    def keep(
        self,
        subject_ref: str,
        texts: Sequence[str],
        *,
        actor_id: str,
        actor_role: str,
        case_id: str,
        correlation_id: str,
    ) -> list[str]:
        """Keep ``texts``; their references."""
        ...

    def read(
        self,
        subject_ref: str,
        refs: Sequence[str],
        *,
        actor_id: str,
        actor_role: str,
        case_id: str,
        correlation_id: str,
    ) -> Mapping[str, str | None]:
        """The texts of ``refs`` (``None``: erased)."""
        ...

    def moved(self, case_id: str) -> Mapping[int, Mapping[str, str]]:
        """The fields of the case's old events, recorded with their text
        inline, whose text was since moved to the store: version -> field ->
        reference."""
        ...
