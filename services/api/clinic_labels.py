"""The labels of the legal clinic's code lists, in English (the Albanian is
in the pages' catalogue): ``services.api.wording.CODE_LABELS`` takes them in,
so forms, timelines and statistics name every code in the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping

from domain import clinic_codes
from services.api.labels import N_

CLINIC_CODE_LABELS: Mapping[str, Mapping[str, str]] = {
    "referral_source": {
        "police": N_("the police"),
        "prosecutor": N_("a prosecutor's office"),
        "court": N_("a court"),
        "other_organisation": N_("another organisation"),
        "self": N_("the person themselves"),
    },
    "court": {
        "first_instance_tirane": N_("First Instance Court, Tirana"),
        "first_instance_durres": N_("First Instance Court, Durrës"),
        "first_instance_vlore": N_("First Instance Court, Vlorë"),
        "first_instance_berat": N_("First Instance Court, Berat"),
        "first_instance_diber": N_("First Instance Court, Dibër"),
        "first_instance_lezhe": N_("First Instance Court, Lezhë"),
        "special_court": N_("Special Court against Corruption and Organised Crime"),
        "court_of_appeal": N_("Court of Appeal"),
        "high_court": N_("High Court"),
    },
    "justice_authority": {
        "police": N_("the police"),
        "prosecutor": N_("the prosecutor"),
        "court": N_("the court"),
    },
    "statement_kind": {
        "statement": N_("statement"),
        "testimony": N_("testimony in court"),
    },
    "outcome": {
        "conviction": N_("conviction"),
        "acquittal": N_("acquittal"),
        "dismissed": N_("case dismissed"),
        "protection_granted": N_("protection granted"),
        "protection_refused": N_("protection refused"),
        "other": N_("another outcome"),
    },
    "appellant": {
        "injured_party": N_("the person (the injured party)"),
        "defendant": N_("the defendant"),
        "prosecutor": N_("the prosecutor"),
    },
    "postponement_reason": {
        "court": N_("the court's decision"),
        "defence": N_("the defence asked"),
        "absent_party": N_("a party was absent"),
        "other": N_("another reason"),
    },
    "order_kind": {
        "immediate": N_("immediate protection order"),
        "ordinary": N_("protection order"),
    },
    "claimed_from": {
        "perpetrator": N_("the perpetrator"),
        "state": N_("the state compensation fund"),
    },
    "aid_provider": {
        "clinic": N_("the legal clinic"),
        "state_legal_aid": N_("the state free legal aid service"),
    },
    "session_mode": {
        "in_person": N_("in person"),
        "phone": N_("by phone"),
        "online": N_("online"),
    },
}

# Each list has exactly the codes of its catalogue (``domain.clinic_codes``).
assert CLINIC_CODE_LABELS["referral_source"].keys() == (
    clinic_codes.REFERRAL_SOURCES.keys()
)
assert CLINIC_CODE_LABELS["court"].keys() == clinic_codes.COURTS.keys()
assert CLINIC_CODE_LABELS["outcome"].keys() == clinic_codes.OUTCOMES.keys()
