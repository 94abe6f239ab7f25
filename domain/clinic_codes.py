"""The legal clinic's code lists: where a case came from, the courts, the
outcomes of a decision and the other choices its entries take.

Codes are stored in events and published, so they never change once used;
the English labels beside them are for people (Albanian in the pages'
catalogue). The courts are a default list to be kept up to date with the
judicial map; a court not in it is typed (and kept in the encrypted store).
"""

from __future__ import annotations

from collections.abc import Mapping

# Who sent the person to the clinic.
REFERRAL_SOURCES: Mapping[str, str] = {
    "police": "the police",
    "prosecutor": "a prosecutor's office",
    "court": "a court",
    "other_organisation": "another organisation",
    "self": "the person themselves",
}

COURTS: Mapping[str, str] = {
    "first_instance_tirane": "First Instance Court, Tirana",
    "first_instance_durres": "First Instance Court, Durrës",
    "first_instance_vlore": "First Instance Court, Vlorë",
    "first_instance_berat": "First Instance Court, Berat",
    "first_instance_diber": "First Instance Court, Dibër",
    "first_instance_lezhe": "First Instance Court, Lezhë",
    "special_court": "Special Court against Corruption and Organised Crime",
    "court_of_appeal": "Court of Appeal",
    "high_court": "High Court",
}

# Where a complaint went, and to whom a statement or a testimony was given.
AUTHORITIES_OF_JUSTICE: Mapping[str, str] = {
    "police": "the police",
    "prosecutor": "the prosecutor",
    "court": "the court",
}

STATEMENT_KINDS: Mapping[str, str] = {
    "statement": "statement",
    "testimony": "testimony in court",
}

OUTCOMES: Mapping[str, str] = {
    "conviction": "conviction",
    "acquittal": "acquittal",
    "dismissed": "case dismissed",
    "protection_granted": "protection granted",
    "protection_refused": "protection refused",
    "other": "another outcome",
}

APPELLANTS: Mapping[str, str] = {
    "injured_party": "the person (the injured party)",
    "defendant": "the defendant",
    "prosecutor": "the prosecutor",
}

POSTPONEMENT_REASONS: Mapping[str, str] = {
    "court": "the court's decision",
    "defence": "the defence asked",
    "absent_party": "a party was absent",
    "other": "another reason",
}

# The Albanian domestic-violence law's two orders: the immediate one (for
# days, until the hearing) and the protection order itself.
ORDER_KINDS: Mapping[str, str] = {
    "immediate": "immediate protection order",
    "ordinary": "protection order",
}

CLAIMED_FROM: Mapping[str, str] = {
    "perpetrator": "the perpetrator",
    "state": "the state compensation fund",
}

AID_PROVIDERS: Mapping[str, str] = {
    "clinic": "the legal clinic",
    "state_legal_aid": "the state free legal aid service",
}

# How a consultation or a counselling session took place.
SESSION_MODES: Mapping[str, str] = {
    "in_person": "in person",
    "phone": "by phone",
    "online": "online",
}
