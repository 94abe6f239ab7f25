"""What caseworkers and coordinators read: ``vatra timeline`` and ``vatra sop``,
from the read models (``services.config.read_models``)."""

from __future__ import annotations

import argparse
import uuid
from uuid import UUID

from services.app.errors import CaseNotFound
from services.app.parsing import parse_case_id
from services.app.sop_views import check_region
from services.app.text_reading import Reader, revealer
from services.cli.reports import (
    obligations_report,
    sop_report,
    timeline_report,
)
from services.config.read_models import ReadModels, read_models

# The read models each command reads (their position names): the timeline and
# the SOP obligations (``projections.timeline``, ``projections.obligations``).
TIMELINE_READ_MODELS = ("case_timeline", "sop_obligations")
SOP_READ_MODELS = ("sop_obligations",)


def cmd_timeline(args: argparse.Namespace) -> int:
    """Print one case's timeline (exit 2 if there is no such case); the text
    people typed for ``--actor`` of ``--role``, if that role may see it."""
    case_id = parse_case_id(args.case_id)
    with read_models(TIMELINE_READ_MODELS) as models:
        conn = models.up_to_date()
        if not models.case_recorded(case_id):
            raise CaseNotFound(f"no case {case_id}")
        if args.actor:
            print(_timeline_read_by(models, case_id, args.actor, args.role))
        else:
            # Nobody who may see the typed text: each is shown as withheld.
            print(timeline_report(conn, case_id, revealer(None, "", "", None)))
        print("\nSOP obligations\n")
        print(obligations_report(conn, case_id, models.now(), models.rulebook()))
    return 0


def _timeline_read_by(models: ReadModels, case_id: UUID, actor: str, role: str) -> str:
    """The timeline with the typed text ``actor`` may see, read (and
    access-logged) through the personal-data store of the backbone."""
    with models.backbone() as backbone:
        reader = Reader(actor, role, uuid.uuid4().hex)
        typed_text = revealer(
            backbone.service.texts,
            str(backbone.service.case(str(case_id))["subject_ref"]),
            str(case_id),
            reader,
        )
        return timeline_report(models.conn, case_id, typed_text)


def cmd_sop(args: argparse.Namespace) -> int:
    """Print SOP compliance per rule and region, deadlines near, and the overdue."""
    region = check_region(args.region)
    with read_models(SOP_READ_MODELS) as models:
        conn = models.up_to_date()
        print(sop_report(conn, models.now(), region, models.rulebook()))
    return 0
