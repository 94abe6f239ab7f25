"""What the accounts' pages show: the account form's fields, the audit rows.

Codes are shown by their labels in the page's language: roles, regions,
agencies, the administrators' actions and the fields an edit changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from domain.catalogue import REGIONS
from domain.clock import TIRANE
from domain.fields import LINE_LENGTH
from services.accounts.accounts import Account
from services.accounts.audit import AuditEntry
from services.api.form_view import Choice, FormField
from services.api.labels import N_
from services.api.policy import ACCOUNT_ROLES
from services.api.wording import Wording

LANGUAGE_NAMES = {"sq": "Shqip", "en": "English"}
ACTION_LABELS: Mapping[str, str] = {
    "create": N_("created the account"),
    "edit": N_("changed the account"),
    "deactivate": N_("deactivated the account"),
    "reactivate": N_("reactivated the account"),
    "reset_password": N_("reset the password"),
    "reset_second_factor": N_("reset the second factor"),
    "unlock": N_("lifted the lock-out"),
}
# Who did it, when not a person: ``vatra user`` and ``vatra demo --serve``.
SYSTEM_ACTORS: Mapping[str, str] = {
    "command line": N_("the command line"),
    "vatra demo": N_("the demo"),
}
FIELD_NAMES: Mapping[str, str] = {
    "role": N_("role"),
    "regions": N_("regions"),
    "language": N_("language"),
    "unit": N_("unit"),
    "agency": N_("agency"),
}


def account_fields(
    w: Wording,
    values: Mapping[str, Any],
    *,
    new: bool,
    errors: Mapping[str, str] | None = None,
) -> list[FormField]:
    """The fields of the account form, filled with ``values``."""
    _ = w.t.gettext
    errors = errors or {}
    fields = []
    if new:
        fields.append(
            FormField(
                "username",
                "text",
                _("Username"),
                _("Letters, digits, '.', '_', '@' and '-'; it cannot be changed."),
                True,
                values.get("username", ""),
                max_length=100,
                error=errors.get("username", ""),
            )
        )
    roles = sorted(ACCOUNT_ROLES, key=w.role)
    fields += [
        FormField(
            "role",
            "select",
            _("Role"),
            "",
            True,
            values.get("role", ""),
            [Choice(role, w.role(role)) for role in roles],
        ),
        FormField(
            "regions",
            "checkboxes",
            _("Regions"),
            _("Needed for caseworkers, police and Child Protection Units."),
            False,
            list(values.get("regions", ())),
            [Choice(code, w.region(code)) for code in REGIONS],
        ),
        # By its name, as referrals name it (``services.api.users.check_user``).
        FormField(
            "agency",
            "text",
            _("Agency"),
            _("For caseworkers: the agency whose referrals they answer."),
            False,
            values.get("agency") or "",
            max_length=LINE_LENGTH,
        ),
        FormField(
            "unit",
            "text",
            _("Unit"),
            _(
                "For a Child Protection Unit: its entry in the directory. "
                "For shelter staff: their shelter."
            ),
            False,
            values.get("unit") or "",
            max_length=64,
        ),
        FormField(
            "language",
            "radio",
            _("Language of the pages"),
            "",
            True,
            values.get("language", "sq"),
            [Choice(code, name) for code, name in LANGUAGE_NAMES.items()],
        ),
    ]
    return fields


def account_values(account: Account) -> dict[str, Any]:
    return {
        "username": account.user_id,
        "role": account.role,
        "regions": account.regions,
        "agency": account.agency,
        "unit": account.unit,
        "language": account.language,
    }


def audit_rows(w: Wording, entries: Sequence[AuditEntry]) -> list[dict[str, str]]:
    """Each row of the audit trail as the page shows it."""
    _ = w.t.gettext
    rows = []
    for entry in entries:
        changed = ", ".join(_(FIELD_NAMES.get(name, name)) for name in entry.detail)
        rows.append(
            {
                "at": entry.at.astimezone(TIRANE).strftime("%Y-%m-%d %H:%M"),
                "actor": _(SYSTEM_ACTORS[entry.actor_id])
                if entry.actor_id in SYSTEM_ACTORS
                else entry.actor_id,
                "action": _(ACTION_LABELS.get(entry.action, entry.action)),
                "target": entry.target_id,
                "changed": changed if entry.action == "edit" else "",
            }
        )
    return rows
