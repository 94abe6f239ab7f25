"""Names for people of the codes that have no label in ``domain.catalogue``:
the fields of an entry (a correction names one), the roles the SOP rules and
the alerts name, and where a service stands.

Written in English and marked with ``N_``; the Albanian is in the catalog
(``locales/sq/LC_MESSAGES/messages.po``), as for every text of the pages.
"""

from __future__ import annotations

from collections.abc import Mapping


def N_(message: str) -> str:
    """Marks a text for the catalog; it is translated where it is shown."""
    return message


# Every field of an entry, as a correction or an error names it.
FIELD_LABELS: Mapping[str, str] = {
    "occurred_at": N_("when it happened"),
    "agency": N_("agency"),
    "assisted": N_("assisted return"),
    "authority": N_("authority"),
    "case_type": N_("type of case"),
    "channel": N_("channel"),
    "consent_override_reason": N_("reason for referring without consent"),
    "country": N_("country"),
    "court": N_("court"),
    "exploitation_types": N_("forms of exploitation"),
    "field": N_("field"),
    "given_by": N_("given by"),
    "indicators": N_("indicators"),
    "is_minor": N_("minor"),
    "level": N_("risk level"),
    "method": N_("method"),
    "mobile_unit": N_("mobile unit"),
    "municipality": N_("municipality"),
    "needs": N_("needs"),
    "outcome": N_("outcome"),
    "protection_requested": N_("protection requested"),
    "reason": N_("reason"),
    "recipient": N_("recipient"),
    "reference": N_("reference"),
    "referral_id": N_("referral"),
    "region": N_("region"),
    "scope": N_("scope of consent"),
    "service": N_("service"),
    "services": N_("services"),
    "source": N_("source"),
    "status": N_("status"),
    "subject_ref": N_("reference of the person"),
    "to_region": N_("new region"),
    "value": N_("value"),
    "worker_id": N_("worker"),
}

# Roles the SOP rules and the alerts name besides the users' roles.
MORE_ROLES: Mapping[str, str] = {
    "unit_supervisor": N_("Mobile-unit supervisor"),
    "case_manager": N_("Case manager"),
    "referring_worker": N_("The worker who referred"),
    "agency": N_("Receiving agency"),
    "administrator": N_("Administrator"),
}

SERVICE_STATES: Mapping[str, str] = {
    "started": N_("started"),
    "completed": N_("completed"),
    "discontinued": N_("discontinued"),
}
