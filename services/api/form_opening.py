"""Opening a case from a page's form (the identification, the clinic's
intake): once per rendered form, whatever the taps and retries.

The form's key names the case: the same key opens the same case, once, as
the API's ``Idempotency-Key`` does, and a resent form gets the first answer.
"""

from __future__ import annotations

import uuid

from starlette.datastructures import FormData

from domain.command_declaration import OpeningCommand
from services.api.context import ApiContext
from services.api.form_model import Submitted
from services.api.form_submit import form_key
from services.api.idempotency import Answer, correlation_id_for, request_fingerprint
from services.api.policy import Principal
from services.api.routes.commands import CASE_ID_NAMESPACE, recorded_with
from services.app.errors import VersionConflict


def open_from_form(
    ctx: ApiContext,
    viewer: Principal,
    form: FormData,
    command: OpeningCommand,
    submitted: Submitted,
    route: str,
) -> Answer:
    """Open the case ``command`` describes, or return the answer its form's
    key got before; a refused command raises its ``DomainError``."""
    key = form_key(form)
    correlation = correlation_id_for(viewer.user_id, key)
    occurred_at = submitted.occurred_at or ctx.clock.now()

    def action() -> Answer:
        case_id = uuid.uuid5(CASE_ID_NAMESPACE, correlation)
        try:
            result = ctx.service.open_case(
                command,
                actor_id=viewer.user_id,
                actor_role=viewer.role,
                occurred_at=occurred_at,
                case_id=case_id,
                correlation_id=correlation,
            )
        except VersionConflict:
            earlier = recorded_with(ctx, case_id, correlation)
            if earlier is None:
                raise
            result = earlier
        return Answer(201, result)

    fingerprint = request_fingerprint("POST", route, submitted.raw)
    return ctx.idempotency.run(viewer.user_id, key, fingerprint, action)
