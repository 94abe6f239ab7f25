"""Erasing a person: the decision is a case event, the effect is a destroyed key.

``erase_personal_data`` records ``PersonalDataErased`` on the case (who, when,
why: the case history keeps the fact of the erasure) and then destroys the
person's data key in the personal-data store. The handler
``handlers.erasure.KeyDestruction`` follows the events and destroys the key for
every ``PersonalDataErased`` it sees, so an erasure recorded any other way
still takes effect.
"""

from __future__ import annotations

from typing import Any

from domain.commands import ErasePersonalData
from services.app.service import CaseService
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
