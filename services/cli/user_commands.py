"""``vatra user``: create, list, unlock, deactivate, reactivate accounts and
reset a password, from the server's command line (the first administrator
comes from here; the pages do the rest). Each change is in the accounts'
audit trail, done by ``command line``."""

from __future__ import annotations

import argparse
from datetime import datetime

from domain.clock import TIRANE
from services.accounts.accounts import Account, Accounts
from services.api.context import api_context
from services.api.serve import check_unit
from services.config.bootstrap import Backbone, open_backbone

ACTOR = "command line"


def _accounts(backbone: Backbone) -> Accounts:
    return api_context(backbone).accounts


def cmd_user_create(args: argparse.Namespace) -> int:
    """Create an account; print its one-time password, once."""
    role = "administrator" if args.admin else args.role
    with open_backbone() as backbone:
        if args.unit and role == "child_protection_unit":
            check_unit(backbone, args.unit)
        password = _accounts(backbone).create(
            ACTOR,
            args.user,
            role,
            args.region,
            args.language,
            args.unit,
            args.agency,
        )
    print(f"{args.user}: one-time password (shown only now; changed at first log-in)")
    print(password)
    return 0


def cmd_user_list(_args: argparse.Namespace) -> int:
    """Every account: never a password or a second-factor secret."""
    with open_backbone() as backbone:
        accounts = _accounts(backbone).all()
    print(account_table(accounts))
    return 0


def cmd_user_change(args: argparse.Namespace) -> int:
    """Unlock, deactivate, reactivate, or reset the password of an account."""
    with open_backbone() as backbone:
        accounts = _accounts(backbone)
        if args.change == "reset-password":
            password = accounts.reset_password(ACTOR, args.user)
            print(f"{args.user}: one-time password (shown only now)")
            print(password)
            return 0
        if args.change == "unlock":
            accounts.unlock(ACTOR, args.user)
        else:
            accounts.set_status(ACTOR, args.user, args.change == "reactivate")
    print(f"{args.user}: {args.change.replace('-', ' ')} done")
    return 0


def account_table(accounts: list[Account]) -> str:
    if not accounts:
        return "no accounts"

    def moment(value: datetime | None) -> str:
        return value.astimezone(TIRANE).strftime("%Y-%m-%d %H:%M") if value else "-"

    def state(a: Account) -> str:
        if a.status != "active":
            return "deactivated"
        if a.locked:
            return "locked"
        return "first log-in due" if a.must_change_password else "active"

    rows = [("USER", "ROLE", "REGIONS", "STATE", "LAST LOG-IN")]
    rows += [
        (
            a.user_id,
            a.role,
            ",".join(a.regions) or "-",
            state(a),
            moment(a.last_login_at),
        )
        for a in accounts
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )
