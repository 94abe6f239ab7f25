"""What an error page says, in the viewer's language.

The API's error messages are English and name fields and codes, for the
programs that call it; a page says what went wrong in words of the viewer's
language instead, chosen by the kind of error. An English-speaking viewer
also sees the API's own message, which says exactly what was wrong.
"""

from __future__ import annotations

from collections.abc import Mapping

from services.api.labels import N_

ERROR_TEXTS: Mapping[str, str] = {
    "forbidden": N_("You may not open this page or take this step."),
    "not_found": N_("There is no such page or case."),
    "invalid_input": N_("Something typed, or in the address, could not be read."),
    "moment": N_("That is not a date and time: write it as 2026-03-01 14:30."),
    "version_conflict": N_(
        "The case changed since you opened it: open it again and decide again."
    ),
    "idempotency_key_reused": N_("This form was already sent with other values."),
    "unknown_code": N_("A choice is not in the list."),
    "invalid_value": N_(
        "A value is not valid: too long, too short or of the wrong kind."
    ),
    "invalid_time": N_(
        "The time is not possible: in the future, or before the case began."
    ),
    "consent_required": N_(
        "This step needs the person's consent, or a recorded reason to go "
        "ahead without it."
    ),
    "case_closed": N_("The case is closed: reopen it before recording more work."),
    "referral": N_("That referral is unknown or was already answered."),
    "not_permitted": N_("Your role may not record this step."),
    "duplicate_deadline_event": N_("This was already recorded."),
    "correction": N_("That entry or field cannot be corrected."),
    "already_acknowledged": N_("This alert was already acknowledged."),
    "rule_violated": N_("This step is not possible now."),
}
FALLBACK = {403: "forbidden", 404: "not_found", 409: "rule_violated"}


def error_text(kind: str | None, status: int) -> str:
    """The English text (a catalog entry) of an error of ``kind``."""
    if kind is not None and kind in ERROR_TEXTS:
        return ERROR_TEXTS[kind]
    return ERROR_TEXTS[FALLBACK.get(status, "invalid_input")]
