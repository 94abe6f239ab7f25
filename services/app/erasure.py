"""Erasing a person: the decision is a case event, the effect is a destroyed key.

``erase_personal_data`` records ``PersonalDataErased`` on the case (who, when,
why: the case history keeps the fact of the erasure) and then destroys the
person's data key in the personal-data store. ``ErasureProjection`` runs with
the read models and destroys the key for every ``PersonalDataErased`` it sees,
so an erasure recorded any other way (the generic command, a crash between the
two steps, a restored backup of the store) still takes effect, and a rebuild
applies every erasure again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Connection, Cursor

from domain.commands import ErasePersonalData
from domain.events import PersonalDataErased
from projections.feed import Delivered
from projections.schema import run_ddl
from services.app.service import CaseService
from services.store import personal_data
from services.store.personal_data import PersonalDataStore


def erase_personal_data(
    service: CaseService,
    store: PersonalDataStore,
    case_id: str,
    *,
    expected_version: int,
    actor_id: str,
    actor_role: str,
    reason: str,
    correlation_id: str | None = None,
) -> dict[str, Any]:
    """Erase the personal data of the person a case is about.

    Records ``PersonalDataErased`` on the case at ``expected_version`` (refused
    for a role that may not erase, or without a reason), then destroys the data
    key. Calling it again after a failure between the two completes the
    erasure without recording it twice. Returns the case id and version.
    """
    case = service.case(case_id)
    if case["personal_data_erased"]:
        result = {"case_id": case["case_id"], "version": case["version"]}
    else:
        result = service.run(
            ErasePersonalData(reason=reason),
            case_id,
            expected_version=expected_version,
            actor_id=actor_id,
            actor_role=actor_role,
            occurred_at=service.clock.now(),
            correlation_id=correlation_id,
        )
    store.erase(
        case["subject_ref"],
        actor_id=actor_id,
        actor_role=actor_role,
        case_id=case["case_id"],
        correlation_id=correlation_id or "",
    )
    return result


class ErasureProjection:
    """Destroys the data key of every person a ``PersonalDataErased`` names.

    Owns no read model (``tables`` is empty, so a rebuild drops nothing of the
    personal-data store); idempotent, as a projection must be.
    """

    name = "personal_data_erasure"
    tables: tuple[str, ...] = ()

    def create(self, conn: Connection[Any]) -> None:
        run_ddl(conn, personal_data.DDL)

    def apply(self, cur: Cursor[Any], batch: Sequence[Delivered]) -> None:
        for item in batch:
            event = item.event
            if isinstance(event, PersonalDataErased):
                personal_data.shred(cur, [event.subject_ref], event.timestamp)
