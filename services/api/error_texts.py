"""Errors as the pages word them, in the worker's language.

A domain error says what went wrong (``kind``), of which field, with which
figures (``domain.errors``); the pages word it here, never showing the
English message, a code or a field name on an Albanian page. A kind without
a wording of its own is worded by its class (``code``), then by a general
sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from domain.errors import DomainError
from services.api.labels import N_
from services.api.wording import Wording

ERRORS: Mapping[str, str] = {
    # A value against its field's rule.
    "wrong_type": N_("This value is not of the right kind."),
    "item_count": N_("Choose between %(min)s and %(max)s."),
    "unknown_code": N_("Choose one of the options."),
    "choose": N_("Choose one of the options."),
    "not_a_choice": N_("This choice is not open on this case now."),
    "too_long": N_("At most %(max)s characters."),
    "number_range": N_("Give a number from %(min)s to %(max)s."),
    "required": N_("Fill this in."),
    "control_characters": N_("Remove the special characters."),
    "line_breaks": N_("Keep this on one line."),
    "pattern": N_("This is not in the expected form: see the hint above."),
    "not_unicode": N_("This text has characters that cannot be stored."),
    "bad_time": N_("Give a date and a time."),
    "time_without_offset": N_("Give a date and a time."),
    "time_out_of_range": N_("Give a time between 1990 and now."),
    "time_in_future": N_(
        "This time is in the future: a step is recorded once it has happened."
    ),
    # The identification's fields against each other.
    "municipality_of_other_region": N_(
        "This municipality is not in %(region)s: choose one of its municipalities."
    ),
    "age_missing": N_(
        "Give the person's age or birth year (an estimate if not known)."
    ),
    "birth_year_after": N_("This birth year is after the identification."),
    "age_and_birth_year": N_(
        "The age and the birth year do not agree: by the birth year the person "
        "was %(youngest)s or %(oldest)s."
    ),
    "not_a_minor": N_("A person aged %(age)s is not a minor: untick minor."),
    "a_minor": N_("A person aged %(age)s is a minor: tick minor."),
    # The rules of the case work.
    "before_identification": N_(
        "This is before the identification: a step cannot happen before the case began."
    ),
    "case_closed": N_("The case is closed: reopen it before recording more work."),
    "case_closed_follow_up": N_(
        "The case is closed: follow-ups continue only after closing it as reintegrated."
    ),
    "case_open": N_("The case is open: only a closed case can be reopened."),
    "service_not_started": N_("%(service)s has not started on this case."),
    "service_already_started": N_("%(service)s has already started."),
    "referral_unknown": N_("There is no such referral on this case."),
    "referral_answered": N_("This referral has already been answered."),
    "referral_not_accepted": N_("Only an accepted referral can be completed."),
    "referral_exists": N_("This referral already exists on this case."),
    "consent_required": N_(
        "The person has not consented to services: record their consent "
        "first, or give the reason for referring without it."
    ),
    "minor_consent_by_guardian": N_("A minor's consent is given by a guardian."),
    "no_consent_to_withdraw": N_("There is no such consent to withdraw."),
    "only_responsible_authority": N_(
        "Only the Responsible Authority determines status."
    ),
    "same_region": N_("The case is already in this region."),
    "plan_needs_service": N_("A plan names at least one service."),
    "authority_not_notified": N_("%(authority)s has not been told of this case yet."),
    "already_acknowledged": N_("%(authority)s has already acknowledged the alert."),
    # Corrections.
    "recorded_by_system": N_(
        "This entry was recorded by the system itself and is never corrected by hand."
    ),
    "never_corrected": N_("This kind of entry is never corrected."),
    "other_side": N_("This entry was recorded by: %(role)s. Only they correct it."),
    "not_correctable": N_("This part of the entry cannot be corrected."),
    "no_such_entry": N_("There is no such entry to correct."),
    "identification_after_step": N_(
        "The identification would then be after a later step of the case."
    ),
    # The kinds of every domain error, for those without a wording of their own.
    "invalid_value": N_("This value is not valid."),
    "invalid_time": N_("This time is not valid."),
    "not_permitted": N_("You may not record this step."),
    "correction": N_("This correction is not possible."),
    "referral": N_("This referral cannot be answered now."),
    "rule_violated": N_("This step is not possible on this case now."),
}
GENERAL = "rule_violated"

# Pages refused before any step is tried, by what went wrong.
PAGE_ERRORS: Mapping[str, str] = {
    "forbidden": N_("You may not do this: it is outside your role or your regions."),
    "form_expired": N_(
        "This form has expired or did not come from this site: open it again "
        "and send it once more."
    ),
    "not_found": N_("There is no such page or case."),
    "bad_request": N_("This address, or a value in it, is not valid."),
    "not_offered": N_("This step is not possible on this case now."),
    "key_reused": N_(
        "This form was already sent with other values: open it again to record "
        "another step."
    ),
    "unavailable": N_("The service is busy or unavailable: try again in a moment."),
    "version_conflict": N_(
        "The case changed since you opened it: open it again and decide again."
    ),
    "moment": N_("That is not a date and time: write it as 2026-03-01 14:30."),
}

# A parameter that is a code, worded by the page's own labels.
_CODES: Mapping[str, Callable[[Wording, object], str]] = {
    "service": Wording.service,
    "authority": Wording.authority,
    "role": Wording.role,
}


def word_error(w: Wording, error: DomainError) -> str:
    """The error in the page's language."""
    kind = error.kind if error.kind in ERRORS else error.code
    text = ERRORS.get(kind, ERRORS[GENERAL])
    params: dict[str, Any] = {
        name: _CODES[name](w, value) if name in _CODES else value
        for name, value in error.params.items()
    }
    try:
        worded = w._(text, **params)
    except (KeyError, TypeError, ValueError):
        return w._(ERRORS[GENERAL])
    # A wording that names a figure the error does not give is not shown half.
    return w._(ERRORS[GENERAL]) if "%(" in worded else worded


def word_page_error(w: Wording, kind: str) -> str:
    """A page refused before any step was tried, in the page's language."""
    return w._(PAGE_ERRORS.get(kind, PAGE_ERRORS["bad_request"]))
