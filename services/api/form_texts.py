"""What each form field is called and what it asks for, in English; the pages
show it in the worker's language (the Albanian is in the ``.po`` file).

One table keyed by field name, and overrides per command where the same name
asks for something else (the ``reason`` of a decline, of a closing, of a
correction). A test fails while a field of a declared command has no label or
no help, in either language.
"""

from __future__ import annotations

from collections.abc import Mapping

from services.api.clinic_form_texts import CLINIC_FIELDS, CLINIC_OVERRIDES
from services.api.labels import N_

# Field name -> (label, help).
FIELDS: Mapping[str, tuple[str, str]] = {
    "occurred_at": (
        N_("When it happened"),
        N_(
            "Tirana time. Leave it as it is if it happened just now; set it "
            "back if it happened earlier."
        ),
    ),
    "subject_ref": (
        N_("Reference of the person"),
        N_(
            "A reference that does not name the person, e.g. the number of the "
            "intake sheet: letters, digits and . _ / -"
        ),
    ),
    "region": (N_("Region"), N_("The region where the person was identified.")),
    "mobile_unit": (
        N_("Mobile unit"),
        N_("The mobile unit that identified the person."),
    ),
    "municipality": (
        N_("Municipality"),
        N_("The municipality where the person was identified."),
    ),
    "is_minor": (
        N_("The person is a minor (under 18)"),
        N_(
            "Tick if the person is or may be under 18: the child protection unit "
            "is alerted."
        ),
    ),
    "case_type": (N_("Type of case"), N_("What the case is about.")),
    "sex": (
        N_("Sex"),
        N_("As the person states it; kept encrypted with their personal data."),
    ),
    "age": (
        N_("Age"),
        N_("In years; an estimate if need be. Give the age or the birth year."),
    ),
    "birth_year": (N_("Birth year"), N_("If known, e.g. 2009.")),
    "owner": (
        N_("New owner"),
        N_("The caseworker who takes the case over: it is then theirs to follow."),
    ),
    "nationality": (N_("Nationality"), N_("The person's nationality, if known.")),
    "protection_requested": (
        N_("Protection requested"),
        N_("Tick if the person asked for a protection order."),
    ),
    "indicators": (
        N_("Indicators"),
        N_("The indicators of trafficking seen: tick each that applies."),
    ),
    "exploitation_types": (
        N_("Forms of exploitation"),
        N_("The forms of exploitation: tick each that applies."),
    ),
    "source": (
        N_("How the person was found"),
        N_("Where the first contact came from."),
    ),
    "authority": (N_("Authority"), N_("The authority told of the case.")),
    "channel": (N_("How they were told"), N_("The way the authority was told.")),
    "recipient": (
        N_("Who was told"),
        N_(
            "The office or officer told, e.g. their directory id; never a "
            "private address."
        ),
    ),
    "reference": (
        N_("Their reference"),
        N_("The reference number the authority gave, if any."),
    ),
    "scope": (N_("Consent to"), N_("What the consent covers.")),
    "given_by": (N_("Given by"), N_("A minor's consent is given by a guardian.")),
    "status": (N_("Status"), N_("The decision on the person's status.")),
    "level": (N_("Risk level"), N_("The risk the person faces, as assessed.")),
    "referral_id": (N_("Referral"), N_("The referral this step is about.")),
    "service": (N_("Service"), N_("A service of the reintegration programme.")),
    "agency": (N_("Agency"), N_("The agency that provides the service.")),
    "consent_override_reason": (
        N_("Reason for referring without consent"),
        N_(
            "Only if the person has not consented to services: why the referral "
            "cannot wait. Leave empty otherwise."
        ),
    ),
    "reason": (N_("Reason"), N_("Why; no names or contacts.")),
    "needs": (N_("Services needed"), N_("Tick every service the person needs.")),
    "services": (
        N_("Services in the plan"),
        N_("Tick every service agreed in the plan."),
    ),
    "court": (N_("Court"), N_("The court that issued the order.")),
    "method": (
        N_("How it took place"),
        N_("The way the follow-up contact took place."),
    ),
    "outcome": (N_("Outcome"), N_("What was found; no names or contacts.")),
    "country": (
        N_("Country"),
        N_("The country the person returned to."),
    ),
    "assisted": (N_("Assisted return"), N_("Tick if the return was assisted.")),
    "to_region": (N_("New region"), N_("The region the case moves to.")),
    "corrected_version": (N_("Entry"), N_("The entry to correct.")),
    "field_name": (N_("What to correct"), N_("The part of the entry that is wrong.")),
    "value": (N_("Right value"), N_("The value the entry should have had.")),
    **CLINIC_FIELDS,
}

# (command name, field name) -> (label, help), where the field asks for
# something else in that command.
OVERRIDES: Mapping[tuple[str, str], tuple[str, str]] = {
    ("issue_protection_order", "reference"): (
        N_("Order number"),
        N_("The court's reference for the order, if known."),
    ),
    ("withdraw_consent", "scope"): (
        N_("Consent withdrawn"),
        N_("Which consent the person withdrew."),
    ),
    ("refer", "service"): (
        N_("Service"),
        N_("The service the person is referred to."),
    ),
    ("accept_referral", "referral_id"): (
        N_("Referral"),
        N_("The open referral the agency accepted."),
    ),
    ("decline_referral", "referral_id"): (
        N_("Referral"),
        N_("The open referral the agency declined."),
    ),
    ("decline_referral", "reason"): (
        N_("Reason"),
        N_("Why the agency declined the referral."),
    ),
    ("complete_referral", "referral_id"): (
        N_("Referral"),
        N_("The accepted referral that was completed."),
    ),
    ("start_service", "service"): (N_("Service"), N_("The service that started.")),
    ("complete_service", "service"): (
        N_("Service"),
        N_("The running service that was completed."),
    ),
    ("discontinue_service", "service"): (
        N_("Service"),
        N_("The running service that was stopped."),
    ),
    ("discontinue_service", "reason"): (
        N_("Reason"),
        N_("Why the service was stopped."),
    ),
    ("miss_follow_up", "reason"): (
        N_("Reason"),
        N_("Why the follow-up did not take place."),
    ),
    ("transfer", "reason"): (N_("Reason"), N_("Why the case moves to another region.")),
    ("close", "reason"): (N_("Reason for closing"), N_("Why the case is closed.")),
    ("reopen", "reason"): (N_("Reason"), N_("Why the case is reopened.")),
    ("correct_entry", "reason"): (
        N_("Reason for the correction"),
        N_("What was wrong, and where the right value comes from."),
    ),
    **{
        (command, "referral_id"): (
            N_("Referral (if any)"),
            N_("The referral this service comes from, if any."),
        )
        for command in ("start_service", "complete_service", "discontinue_service")
    },
    **CLINIC_OVERRIDES,
}


def texts_of(command: str, field: str) -> tuple[str, str] | None:
    """The (label, help) of ``field`` in ``command``, in English; None if the
    table has none."""
    return OVERRIDES.get((command, field)) or FIELDS.get(field)


# Command name -> the sentence that confirms it was recorded.
DONE: Mapping[str, str] = {
    "identify": N_("The case is open: the identification is recorded."),
    "open_at_clinic": N_("The case is open at the legal clinic."),
}
DONE_DEFAULT = N_("Done: %(step)s.")
