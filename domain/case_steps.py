"""How every step of a case is recorded: checked against its field rules, then
triggered as an event carrying the stamp's who, when and which request."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain.case_corrections import SYSTEM
from domain.case_state import CaseState
from domain.events import CaseEvent
from domain.fields import check_entry
from domain.stamp import Stamp


class CaseSteps(CaseState):
    """The state of a case, and the one way its commands record an event."""

    if TYPE_CHECKING:
        # Provided by eventsourcing's ``Aggregate``, which ``domain.case.Case``
        # also derives from.
        def trigger_event(self, event_class: Any, **kwargs: Any) -> None: ...

    def _trigger(
        self, event_class: type[CaseEvent], stamp: Stamp, **payload: Any
    ) -> None:
        # What the backbone records itself comes from the catalogue and the
        # channels; what people type is checked against the field rules.
        if stamp.actor_role != SYSTEM:
            check_entry(event_class.__name__, payload)
        self.trigger_event(event_class, **stamp.fields(), **payload)
