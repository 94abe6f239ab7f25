"""Erasing a person from the pages and the API: four eyes.

The roles that may erase are those ``vatra erase`` records for
(``domain.case.ERASERS``: the coordinator and the Responsible Authority).
One of them asks, with a reason from ``ERASURE_REASONS``; a different user
with one of those roles confirms, and only then is ``PersonalDataErased``
recorded and the person's data key destroyed
(``services.app.erasure.erase_personal_data``): the person record, the
notes and the documents become unreadable, the blind index forgets them,
and the case still replays with "[erased]" where the text was. Either of
them, or another eraser, may withdraw a request instead. Every step is in
the access log.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from domain.case import ERASERS
from services.api.context import ApiContext
from services.api.labels import N_
from services.api.policy import Principal, may_read_case
from services.api.wording import CODE_LABELS
from services.app.erasure import erase_personal_data
from services.app.errors import InvalidInput, PersonalDataUnavailable
from services.store.erasure_requests import (
    ErasureRefused,
    ErasureRequest,
    ErasureRequests,
)

# Why a person's data is erased: the code the case records (never free text,
# which could name the person), and its label.
ERASURE_REASONS: Mapping[str, str] = CODE_LABELS["erasure_reason"]

# Why an erasure step was refused, as the page says it.
ERASURE_REFUSALS: Mapping[str, str] = {
    "erasure_pending": N_(
        "An erasure of this person is already waiting for a second person."
    ),
    "erasure_decided": N_("This request was already confirmed or withdrawn."),
    "erasure_same_person": N_(
        "A second person confirms an erasure, not the one who asked for it."
    ),
    "erasure_reason": N_("Choose the reason for the erasure."),
    "already_erased": N_("The person's personal data was already erased."),
}


def may_erase(viewer: Principal, case: Mapping[str, Any]) -> bool:
    """Whether ``viewer`` may ask for or confirm the erasure of the case's person."""
    return viewer.role in ERASERS and may_read_case(viewer, str(case["region"]))


def requests_of(ctx: ApiContext) -> ErasureRequests:
    if ctx.erasure_requests is None or ctx.personal_data is None:
        raise PersonalDataUnavailable("erasure is not set up on this server")
    return ctx.erasure_requests


def _allowed(
    ctx: ApiContext, viewer: Principal, case_id: UUID, view: str, correlation_id: str
) -> dict[str, Any]:
    case = ctx.service.case(str(case_id))
    ctx.check(
        viewer,
        view,
        may_erase(viewer, case),
        correlation_id=correlation_id,
        case_id=case_id,
    )
    ctx.record(viewer, view, correlation_id, case_id=case_id)
    return case


def pending(
    ctx: ApiContext, viewer: Principal, case_id: UUID, correlation_id: str
) -> tuple[dict[str, Any], ErasureRequest | None]:
    """The case and its request waiting for a second person, if any."""
    case = _allowed(ctx, viewer, case_id, "erasure", correlation_id)
    return case, requests_of(ctx).pending(str(case_id))


def ask(
    ctx: ApiContext, viewer: Principal, case_id: UUID, reason: str, correlation_id: str
) -> str:
    """Ask for the erasure of the case's person; returns the request id."""
    requests = requests_of(ctx)
    case = _allowed(ctx, viewer, case_id, "erasure_request", correlation_id)
    if reason not in ERASURE_REASONS:
        raise ErasureRefused(
            "give the reason: one of " + ", ".join(ERASURE_REASONS),
            kind="erasure_reason",
        )
    if case["personal_data_erased"]:
        raise ErasureRefused(
            "the person's personal data was already erased", kind="already_erased"
        )
    return requests.ask(
        str(case_id), reason, actor_id=viewer.user_id, actor_role=viewer.role
    )


def confirm(
    ctx: ApiContext,
    viewer: Principal,
    case_id: UUID,
    request_id: str,
    correlation_id: str,
) -> dict[str, Any]:
    """Confirm someone else's request: the erasure is recorded and done."""
    requests = requests_of(ctx)
    store = ctx.personal_data
    assert store is not None
    _allowed(ctx, viewer, case_id, "erasure_confirm", correlation_id)
    done: dict[str, Any] = {}

    def erase(request: ErasureRequest) -> None:
        if request.case_id != str(case_id):
            raise InvalidInput("this erasure request is of another case")
        case = ctx.service.case(str(case_id))
        done.update(
            erase_personal_data(
                ctx.service,
                store,
                str(case_id),
                expected_version=int(case["version"]),
                actor_id=viewer.user_id,
                actor_role=viewer.role,
                reason=request.reason,
                correlation_id=correlation_id,
            )
        )

    requests.decide(
        request_id,
        "confirmed",
        actor_id=viewer.user_id,
        actor_role=viewer.role,
        effect=erase,
    )
    return done


def withdraw(
    ctx: ApiContext,
    viewer: Principal,
    case_id: UUID,
    request_id: str,
    correlation_id: str,
) -> None:
    """Withdraw a request: nothing is erased."""
    requests = requests_of(ctx)
    _allowed(ctx, viewer, case_id, "erasure_withdraw", correlation_id)

    def of_this_case(request: ErasureRequest) -> None:
        if request.case_id != str(case_id):
            raise InvalidInput("this erasure request is of another case")

    requests.decide(
        request_id,
        "withdrawn",
        actor_id=viewer.user_id,
        actor_role=viewer.role,
        effect=of_this_case,
    )
