"""What the legal clinic's form fields are called and what they ask for, in
English (``services.api.form_texts`` takes them in; the Albanian is in the
``.po`` file).
"""

from __future__ import annotations

from collections.abc import Mapping

from services.api.labels import N_

_COMPANION_HELP = N_("Their user name; leave empty if nobody.")

CLINIC_FIELDS: Mapping[str, tuple[str, str]] = {
    "referral_source": (
        N_("Referred by"),
        N_("Who sent the person to the clinic."),
    ),
    "mode": (N_("How it took place"), N_("In person, by phone or online.")),
    "minutes": (N_("Length in minutes"), N_("How long the session lasted.")),
    "filed_with": (N_("Filed with"), N_("Where the complaint was filed.")),
    "prosecutor_reference": (
        N_("Prosecutor's reference"),
        N_("The number of the proceedings the prosecutor gave."),
    ),
    "court_name": (
        N_("Court, if not in the list"),
        N_("The court's name, only when it is not in the list above."),
    ),
    "hearing_at": (
        N_("Date and time of the hearing"),
        N_("Tirana time, e.g. 2026-12-20T09:30."),
    ),
    "lawyer_id": (N_("Lawyer who goes with the person"), _COMPANION_HELP),
    "psychologist_id": (N_("Psychologist who goes with the person"), _COMPANION_HELP),
    "hearing_id": (N_("Hearing"), N_("The scheduled hearing this step is about.")),
    "kind": (N_("Kind"), N_("A statement, or a testimony in court.")),
    "given_to": (N_("Given to"), N_("Who took the statement.")),
    "judgment_public": (
        N_("The judgment is public"),
        N_("Tick only if the judgment is public: only then is a sentence recorded."),
    ),
    "sentence_months": (
        N_("Sentence in months"),
        N_("Only for a public conviction; leave empty otherwise."),
    ),
    "appealed_by": (N_("Appealed by"), N_("Who appealed the decision.")),
    "order_kind": (N_("Kind of order"), N_("The order requested.")),
    "reported_to_police": (
        N_("Reported to the police"),
        N_("Tick if the violation was reported to the police."),
    ),
    "amount_lek": (N_("Amount in lek"), N_("Whole lek, without separators.")),
    "claimed_from": (N_("Claimed from"), N_("From whom the compensation is claimed.")),
    "provided_by": (N_("Provided by"), N_("Who provides the legal aid.")),
    "expires_on": (
        N_("Order ends on"),
        N_("The last day of the order, e.g. 2027-03-31; empty if it has no end."),
    ),
}

CLINIC_OVERRIDES: Mapping[tuple[str, str], tuple[str, str]] = {
    **{
        (command, "court"): (
            N_("Court"),
            N_("The court; if it is not in the list, type its name below."),
        )
        for command in (
            "schedule_hearing",
            "record_judgment",
            "file_appeal",
            "request_protection_order",
        )
    },
    ("open_at_clinic", "region"): (
        N_("Region"),
        N_("The region of the case."),
    ),
    ("open_at_clinic", "municipality"): (
        N_("Municipality"),
        N_("The municipality where the person lives."),
    ),
    ("postpone_hearing", "hearing_at"): (
        N_("New date and time"),
        N_("Tirana time, e.g. 2027-01-15T10:00; empty if not set yet."),
    ),
    ("postpone_hearing", "reason"): (
        N_("Reason"),
        N_("Why the hearing was postponed."),
    ),
    ("hold_hearing", "lawyer_id"): (N_("Lawyer who went"), _COMPANION_HELP),
    ("hold_hearing", "psychologist_id"): (
        N_("Psychologist who went"),
        _COMPANION_HELP,
    ),
    ("hold_counselling_session", "mode"): (
        N_("How it took place"),
        N_("Only how and how long: what was said is never recorded."),
    ),
}
