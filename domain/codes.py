"""The regions the mobile units serve and the roles of the people who work
cases: the codes a command line offers before anything else is loaded
(``domain.catalogue`` holds them with every other code list).
"""

from __future__ import annotations

from collections.abc import Mapping

REGIONS: Mapping[str, str] = {
    "vlora": "Vlorë",
    "diber": "Dibër",
    "berat": "Berat",
    "durres": "Durrës",
    "lezhe": "Lezhë",
}

ROLES: Mapping[str, str] = {
    "caseworker": "Caseworker",
    "mobile_unit": "Mobile-unit social worker",
    "shelter_staff": "Shelter staff",
    "lawyer": "Lawyer",
    "psychologist": "Psychologist",
    "police": "Police anti-trafficking officer",
    "responsible_authority": "Responsible Authority",
    "child_protection_unit": "Child Protection Unit",
    "coordinator": "Coordinator",
    "auditor": "Auditor",
    "system": "Vatra Backbone",
}
