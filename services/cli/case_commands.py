"""What caseworkers and auditors read: ``vatra timeline``, ``sop``, ``history``."""

from __future__ import annotations

import argparse
import sys
import uuid
from datetime import datetime

from eventsourcing.persistence import MapperDeserialisationError

from services.app.plain import parse_case_id, parse_moment
from services.app.sop_views import check_region
from services.app.text_reading import Reader, revealer
from services.cli.exit_codes import TAMPERING_FOUND
from services.cli.reports import (
    history_obligations_report,
    history_report,
    obligations_report,
    sop_report,
    timeline_report,
)
from services.config.bootstrap import Backbone, open_backbone


def cmd_timeline(args: argparse.Namespace) -> int:
    """Print one case's timeline (exit 2 if there is no such case); the text
    people typed for ``--actor`` of ``--role``, if that role may see it."""
    case_id = parse_case_id(args.case_id)
    with open_backbone() as backbone:
        backbone.service.events(str(case_id))  # CaseNotFound: no such case
        _catch_up(backbone)
        reader = Reader(args.actor, args.role, uuid.uuid4().hex) if args.actor else None
        typed_text = revealer(
            backbone.service.texts,
            str(backbone.service.case(str(case_id))["subject_ref"]),
            str(case_id),
            reader,
        )
        with backbone.pool.connection() as conn:
            print(timeline_report(conn, case_id, typed_text))
            print("\nSOP obligations\n")
            now = backbone.clock.now()
            print(obligations_report(conn, case_id, now, backbone.rulebook))
    return 0


def cmd_sop(args: argparse.Namespace) -> int:
    """Print SOP compliance per rule and region, deadlines near, and the overdue."""
    region = check_region(args.region)
    with open_backbone() as backbone:
        _catch_up(backbone)
        with backbone.pool.connection() as conn:
            print(sop_report(conn, backbone.clock.now(), region, backbone.rulebook))
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    """Print a case as it stood at a moment or right after a version (for auditors)."""
    as_of = parse_moment("--as-of", args.as_of) if args.as_of else None
    with open_backbone() as backbone:
        try:
            history = backbone.service.history(
                args.case_id, as_of, version=args.version
            )
        except MapperDeserialisationError:
            # An event that no longer decodes was changed outside the backbone.
            print(
                f"vatra: case {args.case_id} has an event that cannot be read: "
                "the store may have been altered. Run `vatra verify` to see "
                "which events of which cases changed.",
                file=sys.stderr,
            )
            return TAMPERING_FOUND
        # The API's rule judge: imported here, as only this command needs it.
        from services.api.sop_view import facts_of_rows, judge  # noqa: PLC0415

        moment = datetime.fromisoformat(history["as_of"])
        facts = facts_of_rows(parse_case_id(args.case_id), history["events"])
        obligations = judge(facts, backbone.rulebook, backbone.calendar, moment)
        print(history_report(history))
        print("\nSOP obligations then\n")
        print(history_obligations_report(obligations, backbone.rulebook))
    return 0


def _catch_up(backbone: Backbone) -> None:
    # Embedded mode: the read models follow the log in-process, so bring them
    # up to date before reading. In the full mode the projector owns them.
    if backbone.settings.kafka is None:
        backbone.follower.catch_up()
