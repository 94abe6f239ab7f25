"""The parser of ``vatra user``: people's accounts for the pages.

Kept apart from ``services.cli.main`` (which calls ``add_user_parsers``) and
as light: building it loads nothing but argparse and the region codes.
"""

from __future__ import annotations

import argparse

from domain.codes import REGIONS

HELP_USER = "People's accounts for the pages: create, list, unlock, deactivate..."
HELP_USER_CREATE = (
    "Create an account (--admin: an administrator); its one-time password is "
    "printed once, and its owner chooses their own at the first log-in."
)


def add_user_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("user", help=HELP_USER)
    users = p.add_subparsers(dest="user_command", required=True)
    p = users.add_parser("create", help=HELP_USER_CREATE)
    p.add_argument("--user", required=True, help="the username, e.g. mu-vlora-1")
    kind = p.add_mutually_exclusive_group(required=True)
    kind.add_argument(
        "--admin",
        action="store_true",
        help="an administrator: manages accounts, reads no case",
    )
    kind.add_argument(
        "--role", metavar="ROLE", help="the person's role (an invalid one lists them)"
    )
    p.add_argument(
        "--region",
        action="append",
        default=[],
        choices=sorted(REGIONS),
        help="a region the person works in (repeat for several)",
    )
    p.add_argument(
        "--language", default="sq", metavar="LANGUAGE", help="sq (default) or en"
    )
    p.add_argument(
        "--unit",
        help="child_protection_unit: its directory entry; shelter_staff: its agency",
    )
    p.add_argument(
        "--agency", metavar="NAME", help="a caseworker's agency, as referrals name it"
    )
    p.set_defaults(command_at="user:cmd_user_create")
    p = users.add_parser(
        "list", help="Every account: role, regions, state, last log-in."
    )
    p.set_defaults(command_at="user:cmd_user_list")
    for name, text in (
        ("unlock", "Lift the lock-out that failed log-ins set on an account."),
        ("deactivate", "Deactivate an account; every session of it ends."),
        ("reactivate", "Let a deactivated account log in again."),
        (
            "reset-password",
            "Print a new one-time password for an account (shown once); "
            "every session of it ends.",
        ),
    ):
        p = users.add_parser(name, help=text)
        p.add_argument("user", help="the username")
        p.set_defaults(command_at="user:cmd_user_change", change=name)
