"""The identification form: ``GET/POST /cases/new`` opens a case for a
person a mobile unit found (``routes.opening``); the timeline confirms it
(``/cases/{case_id}?done=new#v1``)."""

from __future__ import annotations

from domain.commands import Identify
from services.api.form_model import FieldSpec
from services.api.routes.opening import REGION, OpeningForm

__all__ = ["NEW", "REGION", "identify_specs", "router"]

NEW = "/cases/new"
FORM = OpeningForm(Identify, NEW, page_view="page:identify")
router = FORM.router("The identification form: open a case for a person found.")


def identify_specs() -> list[FieldSpec]:
    return FORM.specs()
