"""The codes a case may use: regions, services, authorities and the like.

Codes are stored in events and published to other agencies, so they never
change once used; the labels beside them are for people.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Mapping
from pathlib import Path

from domain.catalogue_files import EXPLOITATION_FORMS, INDICATORS, TERRITORY
from domain.codes import REGIONS as REGIONS  # noqa: PLC0414 (re-exported)
from domain.codes import ROLES as ROLES  # noqa: PLC0414 (re-exported)
from domain.errors import UnknownCode

# The 24 services of the reintegration programme (SOP.md).
SERVICES: Mapping[str, str] = {
    "shelter_accommodation": "Shelter accommodation and security",
    "assisted_return": "Assisted return",
    "needs_assessment": "Needs assessment and assistance plan",
    "psychological_counselling": "Counselling and psychological assistance",
    "medical_assistance": "Medical assistance and referral",
    "legal_assistance": "Legal assistance",
    "education_reenrolment": "Re-enrolment in education",
    "education_follow_up": "Following the educational process",
    "children_services": "Services for the beneficiaries' children",
    "life_skills": "Life-skills activities",
    "occupational_activities": "Occupational and socio-cultural activities",
    "family_mediation": "Family mediation and reunification",
    "employment_counselling": "Employment counselling",
    "vocational_training": "Vocational training registration and follow-up",
    "on_the_job_training": "On-the-job training",
    "employment_mediation": "Employment mediation",
    "rented_housing_support": "Rented housing support (3, 6 or 12 months)",
    "micro_business_support": "Micro-business support",
    "basic_needs": "Basic needs in the community",
    "civil_registration": "Civil registration and identity documents",
    "social_housing_mediation": "Social housing mediation",
    "services_map_information": "Information on the map of services",
    "family_counselling": "Counselling for family members",
    "long_term_monitoring": "Long-term monitoring and follow-up",
}

AUTHORITIES: Mapping[str, str] = {
    "police": "Police anti-trafficking officer",
    "responsible_authority": "Responsible Authority (National Coordinator's office)",
    "child_protection_unit": "Child Protection Unit",
    "state_social_service": "State Social Service",
}

# The agencies referrals go to (the notification directory's ``agencies`` name
# them by these labels); a shelter's staff answer the referrals to their own.
AGENCIES: Mapping[str, str] = {
    "national_shelter": "National Shelter",
    "legal_clinic": "Legal Clinic",
    "berat_regional_hospital": "Berat Regional Hospital",
    "peshkopi_vocational_centre": "Peshkopi Vocational Centre",
}


# Albania's 61 municipalities, code -> Albanian name (deploy/catalogues/).
MUNICIPALITIES: Mapping[str, str] = {
    code: municipality.name for code, municipality in TERRITORY.municipalities.items()
}
# Each region's seat: the first municipality its county lists.
REGION_SEATS: Mapping[str, str] = {
    region: TERRITORY.of_county(region)[0] for region in REGIONS
}
# Forms of exploitation and indicators of trafficking (deploy/catalogues/).
EXPLOITATION_TYPES = frozenset(EXPLOITATION_FORMS.labels)
INDICATOR_CODES = frozenset(INDICATORS.labels)
# Sex as national reporting counts it; "not_recorded" covers "other" too.
SEXES = frozenset({"female", "male", "not_recorded"})


# ISO 3166-1 alpha-2 codes, and XK: Kosovo, the user-assigned code the EU and
# Kosovo's own documents use (ISO 3166-1 has none for it).
# Read from pycountry's data file without importing the package, whose import
# (its version lookup) would double a command's start-up.
def _iso_countries() -> frozenset[str]:
    spec = importlib.util.find_spec("pycountry")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("pycountry is not installed (a dependency of the backbone)")
    package = Path(next(iter(spec.submodule_search_locations)))
    data = json.loads((package / "databases" / "iso3166-1.json").read_text("utf-8"))
    return frozenset(str(country["alpha_2"]) for country in data["3166-1"])


COUNTRIES = _iso_countries() | {"XK"}

CASE_TYPES = frozenset({"trafficking", "domestic_violence", "gender_based_violence"})
# "referral": sent by a prosecutor, a court or another organisation (a case
# opened at the legal clinic names which: ``ClinicIntakeRecorded``).
SOURCES = frozenset(
    {"outreach", "community_report", "hotline", "police", "self", "referral"}
)
# The reasons an erasure asked for on the pages gives (its four-eyes flow);
# ``vatra erase`` takes a reason typed on the command line instead.
ERASURE_REASONS = frozenset(
    {"person_asked", "retention_ended", "recorded_in_error", "ordered"}
)
CHANNELS = frozenset({"email", "webhook", "sms", "phone", "in_person"})
CONSENT_SCOPES = frozenset({"services", "data_sharing"})
STATUSES = frozenset({"potential_victim", "victim", "not_victim"})
RISK_LEVELS = frozenset({"low", "medium", "high"})
FOLLOW_UP_METHODS = frozenset({"visit", "phone", "office"})
CLOSE_REASONS = frozenset(
    {
        "reintegrated",
        "returned",
        "not_victim",
        "lost_contact",
        "transferred_out",
        "other",
    }
)


def check_code(
    kind: str,
    code: str,
    allowed: Mapping[str, str] | frozenset[str],
    *,
    field: str = "",
) -> str:
    """Return ``code`` if the catalogue knows it, else say which codes it knows
    (of ``field``, when the check is about one)."""
    if code not in allowed:
        known = ", ".join(sorted(allowed))
        raise UnknownCode(
            f"unknown {kind} {code!r}; known {kind}s: {known}", field=field
        )
    return code
