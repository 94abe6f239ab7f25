"""The HTTP side: ``vatra demo [--serve]``, ``vatra api``, ``vatra token``."""

from __future__ import annotations

import argparse

from domain.clock import ControlledClock, SystemClock
from services.api.context import api_context
from services.api.serve import (
    create_token,
    demo_banner,
    demo_tokens,
    revoke_tokens,
    serve,
)
from services.cli.demo import demo_case_id, record_scenario
from services.cli.reports import obligations_report, sop_report, timeline_report
from services.config.bootstrap import open_backbone
from services.config.development import with_development_key
from services.config.settings import load_settings


def cmd_demo(args: argparse.Namespace) -> int:
    """Record the demo scenario, project it, print a timeline and SOP compliance."""
    now = SystemClock().now()
    clock = ControlledClock(now)
    settings = load_settings(defaults={"VATRA_LOG_LEVEL": "WARNING"})
    settings, development_key = with_development_key(settings)
    if development_key is not None:
        print(
            "VATRA_PERSONAL_DATA_KEY is not set: personal data is encrypted with "
            f"the development key in {development_key} (for the demo only)."
        )
    with open_backbone(settings, clock=clock) as backbone:
        recorded = record_scenario(backbone.service, clock, now)
        backbone.follower.catch_up()
        case_id = demo_case_id()
        print(f"Vatra Backbone demo: {recorded} new events recorded.\n")
        with backbone.pool.connection() as conn:
            print(timeline_report(conn, case_id))
            print("\nIts SOP obligations\n")
            print(obligations_report(conn, case_id, now, backbone.rulebook))
            print()
            print(sop_report(conn, now, rulebook=backbone.rulebook))
        if args.serve:
            # New steps entered through the pages are recorded at the real time.
            context = api_context(backbone, SystemClock())
            host, port = settings.api_host, settings.api_port
            print()
            print(
                demo_banner(f"http://{host}:{port}", demo_tokens(context)), flush=True
            )
            serve(backbone, host=host, port=port, context=context)
    return 0


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
        )
    print(token)
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    """Revoke every token of a user."""
    with open_backbone() as backbone:
        print(f"revoked {revoke_tokens(backbone, user_id=args.user)} token(s)")
    return 0
