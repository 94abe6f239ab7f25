"""The HTTP side: ``vatra demo [--serve]``, ``vatra api``, ``vatra token``
(create, list, revoke)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from domain.clock import TIRANE, ControlledClock, SystemClock
from services.api.context import api_context
from services.api.serve import (
    create_token,
    demo_banner,
    demo_logins,
    demo_tokens,
    list_tokens,
    revoke_tokens,
    serve,
)
from services.api.token_terms import TokenInfo
from services.app.text_reading import Reader, revealer
from services.cli.demo import demo_case_id, record_scenario
from services.cli.reports import obligations_report, sop_report, timeline_report
from services.config.bootstrap import open_backbone
from services.config.development import with_development_key
from services.config.production import PRODUCTION_SWITCH, missing_keys
from services.config.settings import Settings, load_settings


def cmd_demo(args: argparse.Namespace) -> int:
    """Record the demo scenario, project it, print a timeline and SOP compliance."""
    now = SystemClock().now()
    clock = ControlledClock(now)
    settings = load_settings(defaults={"VATRA_LOG_LEVEL": "WARNING"})
    settings, development_key = with_development_key(settings)
    warning = keys_warning(settings, development_key)
    if warning:
        print(warning)
    with open_backbone(settings, clock=clock, warn_without_keys=False) as backbone:
        recorded = record_scenario(backbone.service, clock, now)
        backbone.follower.catch_up()
        case_id = demo_case_id()
        print(f"Vatra Backbone demo: {recorded} new events recorded.\n")
        # Whoever runs the demo reads its timeline as its coordinator would,
        # typed text included (the read is in the access log).
        typed_text = revealer(
            backbone.service.texts,
            str(backbone.service.case(str(case_id))["subject_ref"]),
            str(case_id),
            Reader("demo-coordinator", "coordinator", "vatra-demo"),
        )
        with backbone.pool.connection() as conn:
            print(timeline_report(conn, case_id, typed_text))
            print("\nIts SOP obligations\n")
            print(obligations_report(conn, case_id, now, backbone.rulebook))
            print()
            print(sop_report(conn, now, rulebook=backbone.rulebook))
        if args.serve:
            # New steps entered through the pages are recorded at the real time.
            context = api_context(backbone, SystemClock())
            host, port = settings.api_host, settings.api_port
            print()
            banner = demo_banner(
                f"http://{host}:{port}", demo_tokens(context), demo_logins(context)
            )
            print(banner, flush=True)
            serve(backbone, host=host, port=port, context=context)
    return 0


def keys_warning(settings: Settings, development_key: Path | None) -> str:
    """The demo's one line on the keys it runs without (none if it has all)."""
    missing = missing_keys(settings)
    if not missing and development_key is None:
        return ""
    parts = [f"without {', '.join(missing)}"] if missing else []
    if development_key is not None:
        parts.append(
            f"with personal data under the development key in {development_key}"
        )
    return (
        f"Warning: this demo runs {' and '.join(parts)}: not for real cases "
        f"({PRODUCTION_SWITCH}=on refuses to start without every key)."
    )


def cmd_api(_args: argparse.Namespace) -> int:
    """Serve the HTTP API and pages on VATRA_API_HOST:VATRA_API_PORT until SIGTERM."""
    with open_backbone() as backbone:
        settings = backbone.settings
        serve(backbone, host=settings.api_host, port=settings.api_port)
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    """Create an API token for a user; it is printed once, only its hash is kept."""
    with open_backbone() as backbone:
        token = create_token(
            backbone,
            user_id=args.user,
            role=args.role,
            regions=args.region,
            language=args.language,
            unit=args.unit,
            agency=args.agency,
            name=args.name,
            expires_in=args.expires_in,
            expires_on=args.expires_at,
        )
        others = [
            t
            for t in list_tokens(backbone, user_id=args.user)
            if t.revoked_at is None
            and (t.role, set(t.regions)) != (args.role, set(args.region))
        ]
    print(token)
    if others:
        # Older tokens keep their own scope: say so, in case the role changed.
        names = ", ".join(f"{t.name} ({t.role})" for t in others)
        print(
            f"note: {args.user} has other tokens with another scope, which they "
            f"keep: {names}; `vatra token revoke --user {args.user} --name NAME` "
            "ends one",
            file=sys.stderr,
        )
    return 0


def cmd_token_list(args: argparse.Namespace) -> int:
    """List the API tokens (of one user): never the token or its hash."""
    with open_backbone() as backbone:
        tokens = list_tokens(backbone, user_id=args.user)
    print(token_table(tokens))
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    """Revoke one token of a user (``--name``), or all of them (``--all``)."""
    with open_backbone() as backbone:
        count = revoke_tokens(backbone, user_id=args.user, name=args.name)
    if args.name is not None and count == 0:
        print(f"{args.user} has no live token named {args.name!r}", file=sys.stderr)
        return 2
    print(f"revoked {count} token(s)")
    return 0


def token_table(tokens: Sequence[TokenInfo]) -> str:
    """The tokens as ``vatra token list`` prints them (times in Europe/Tirane)."""
    if not tokens:
        return "no tokens"

    def moment(value: datetime | None) -> str:
        return value.astimezone(TIRANE).strftime("%Y-%m-%d %H:%M") if value else "-"

    rows = [
        (
            "NAME",
            "USER",
            "ROLE",
            "REGIONS",
            "CREATED",
            "EXPIRES",
            "LAST USED",
            "REVOKED",
        )
    ]
    rows += [
        (
            t.name,
            t.user_id,
            t.role,
            ",".join(t.regions) or "all",
            moment(t.created_at),
            moment(t.expires_at),
            moment(t.last_used_at),
            moment(t.revoked_at),
        )
        for t in tokens
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            cell.ljust(width) for cell, width in zip(row, widths, strict=True)
        ).rstrip()
        for row in rows
    )
