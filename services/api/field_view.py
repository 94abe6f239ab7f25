"""What the field-capture page (``/field/``) shows: the forms a phone fills in
without a connection, the police officers' numbers, the worker's open cases
and the version of the catalogues the forms were drawn with.

The forms are the command table's, like every form; a field the case would
choose for is offered every value it can take on a new case (the case checks
the value when the step is sent). Each form is drawn inside a ``<template>``,
so only the one in use is on the page.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import structlog
from psycopg.rows import dict_row

from domain.case_state import CaseState
from domain.catalogue_files import CATALOGUE_DIR
from domain.command_declaration import Command
from domain.commands import COMMANDS, Identify
from domain.offering import Situation
from domain.sop import RuleBook
from handlers.directory import DirectoryError, load_directory
from projections.cases import short_id
from services.api.context import ApiContext
from services.api.field_sync import FIELD_STEPS, IDENTIFY
from services.api.form_model import specs_of
from services.api.form_view import FormField, form_fields
from services.api.policy import Principal
from services.api.routes.identify import REGION, identify_specs
from services.api.step_offers import BY_PATH, opening_regions
from services.api.wording import Wording
from services.api.work_view import case_ref

log = structlog.get_logger("vatra.api")

STATIC = Path(__file__).resolve().parent / "static" / "field"
TEMPLATE = Path(__file__).resolve().parent / "templates" / "field.html"
# How many of the worker's open cases a phone keeps for offline steps.
OPEN_CASES = 50


@functools.cache
def field_version(rulebook: RuleBook) -> str:
    """A short hash of what the offline forms were drawn from: the catalogues,
    the rule sets, the page and its scripts. A phone whose cached forms carry
    another version is told to reload them."""
    digest = hashlib.sha256()
    for path in [*sorted(CATALOGUE_DIR.glob("*.toml")), TEMPLATE]:
        digest.update(path.read_bytes())
    for path in sorted(STATIC.iterdir()):
        digest.update(path.read_bytes())
    for ruleset in rulebook.rulesets:
        digest.update(ruleset.version.encode())
    return digest.hexdigest()[:12]


def field_forms(w: Wording, viewer: Principal) -> list[dict[str, Any]]:
    """The forms of the steps a phone may record offline, in the order of a
    case's first days: each with its step, title and fields."""
    regions = opening_regions(viewer)
    forms = [
        {
            "step": IDENTIFY,
            "title": w.t.gettext(Identify.declaration.summary),
            "fields": _fields(w, Identify, identify_specs(), {REGION: regions}, viewer),
        }
    ]
    for path in FIELD_STEPS:
        command = COMMANDS[BY_PATH[path]]
        forms.append(
            {
                "step": path,
                "title": w.t.gettext(command.declaration.summary),
                "fields": _fields(w, command, specs_of(command), {}, viewer),
            }
        )
    return forms


def _fields(
    w: Wording,
    command: type[Command],
    specs: Any,
    fixed: Mapping[str, list[str]],
    viewer: Principal,
) -> list[FormField]:
    # A new adult's case: every value the case may allow for a field.
    situation = Situation(CaseState(), viewer.role, viewer.unit or viewer.agency)
    offered: dict[str, list[dict[str, Any]]] = {
        name: [{"value": o.value, "about": {}} for o in choices(situation)]
        for name, choices in command.choices().items()
    }
    for name, allowed in fixed.items():
        offered[name] = [{"value": v, "about": {}} for v in allowed]
    values = {REGION: fixed[REGION][0]} if len(fixed.get(REGION, [])) == 1 else {}
    return form_fields(
        w,
        command.declaration.name,
        specs,
        offered=offered,
        values=values,
        errors={},
    )


def police_phones(
    ctx: ApiContext, w: Wording, regions: list[str]
) -> list[dict[str, str]]:
    """The police officers' numbers in ``regions``, from the directory."""
    if ctx.directory_file is None:
        return []
    try:
        directory = load_directory(ctx.directory_file)
    except DirectoryError:
        log.warning("field_directory_unreadable")
        return []
    return [
        {"region": w.region(region), "label": contact.label, "phone": contact.phone}
        for region in regions
        for contact in directory.police(region)
        if contact.phone
    ]


def open_cases(ctx: ApiContext, viewer: Principal) -> list[dict[str, Any]]:
    """The open cases ``viewer`` holds, latest work first: what a phone needs to
    record a step on one offline (its id, references, region and version)."""
    with ctx.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            "SELECT case_id, subject_ref, region, version FROM case_list "
            "WHERE owner = %s AND subject_ref IS NOT NULL "
            "AND NOT coalesce(closed, false) "
            "ORDER BY last_activity_at DESC, case_id LIMIT %s",
            (viewer.user_id, OPEN_CASES),
        )
        rows = cur.fetchall()
    return [
        {
            "case_id": str(row["case_id"]),
            "ref": case_ref(short_id(row["case_id"])),
            "subject_ref": row["subject_ref"],
            "region": row["region"],
            "version": int(row["version"]),
        }
        for row in rows
    ]
