"""The legal clinic's intake form: ``GET/POST /clinic/new`` opens a case at
the clinic (``OpenClinicCase``, ``routes.opening``), offered to its lawyers
and psychologists in their regions; the timeline confirms it
(``/cases/{case_id}?done=clinic-intake#v2``)."""

from __future__ import annotations

from domain.clinic_commands import OpenClinicCase
from services.api.routes.opening import OpeningForm

__all__ = ["INTAKE", "router"]

INTAKE = "/clinic/new"
FORM = OpeningForm(OpenClinicCase, INTAKE, page_view="page:clinic_intake")
router = FORM.router("The intake form: open a case at the legal clinic.")
