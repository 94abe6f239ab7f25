"""A form that opens a case: ``GET`` shows it, ``POST`` opens the case.

The identification (``routes.identify``) and the legal clinic's intake
(``routes.clinic_intake``) are each one ``OpeningForm``: the command it
records, its path and the name its page has in the access log. The form is
built from the command table like every form (``routes.forms``), offered in
the regions the viewer may open a case in with that command; a resent form
opens the case once (``form_opening``), and the timeline confirms it
(``/cases/{case_id}?done=<the command's path, or new>``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from domain.commands import OpeningCommand
from domain.errors import DomainError
from services.api.auth import Context, CorrelationId, Viewer
from services.api.context import ApiContext
from services.api.csrf import check_form
from services.api.form_model import FieldSpec, read_form, specs_of
from services.api.form_opening import open_from_form
from services.api.form_submit import redirect_to
from services.api.policy import Principal
from services.api.routes.forms import prefilled
from services.api.step_offers import opening_regions
from services.api.step_page import StepPage, render_step
from services.api.step_views import OPENED

# The field of a command that opens a case naming the region it opens in:
# offered among the regions the viewer may open a case in.
REGION = "region"


@dataclass(frozen=True)
class OpeningForm:
    """The form of ``command``, an opening command, at ``path``."""

    command: type[OpeningCommand]
    path: str
    # The page's name in the access log (``page:identify``); the command's is
    # ``command:<its name>``.
    page_view: str

    @property
    def name(self) -> str:
        return self.command.declaration.name

    def specs(self) -> list[FieldSpec]:
        """The command's fields, the region offered as the case's."""
        return [
            dataclasses.replace(spec, from_case=True) if spec.name == REGION else spec
            for spec in specs_of(self.command)
        ]

    def regions(self, viewer: Principal) -> list[str]:
        return opening_regions(viewer, self.name)

    def router(self, about: str) -> APIRouter:
        """The form's two routes; ``about`` describes the page."""
        router = APIRouter(include_in_schema=False)

        async def submit(
            request: Request,
            ctx: Context,
            viewer: Viewer,
            correlation_id: CorrelationId,
        ) -> Response:
            form = await request.form()
            return await run_in_threadpool(
                self.submit, request, ctx, viewer, correlation_id, form
            )

        router.add_api_route(
            self.path,
            self.show,
            methods=["GET"],
            response_class=HTMLResponse,
            name=f"{self.name}_form",
            description=about,
        )
        router.add_api_route(
            self.path, submit, methods=["POST"], name=self.name, description=about
        )
        return router

    def show(
        self,
        request: Request,
        ctx: Context,
        viewer: Viewer,
        correlation_id: CorrelationId,
    ) -> HTMLResponse:
        """The empty form (or filled from the query: a link may prefill it)."""
        regions = self.regions(viewer)
        ctx.check(viewer, self.page_view, bool(regions), correlation_id=correlation_id)
        values = prefilled(self.specs(), request.query_params, {REGION: regions})
        if len(regions) == 1:
            values.setdefault(REGION, regions[0])
        return self.page(request, ctx, viewer, values=values)

    def submit(
        self,
        request: Request,
        ctx: ApiContext,
        viewer: Principal,
        correlation_id: str,
        form: FormData,
    ) -> Response:
        """Open the case; a resent form opens it once."""
        check_form(request, str(form.get("csrf") or ""))
        regions = self.regions(viewer)
        view = f"command:{self.name}"
        ctx.check(viewer, view, bool(regions), correlation_id=correlation_id)
        now = ctx.clock.now()
        submitted = read_form(self.specs(), form, {REGION: regions}, now=now)
        if submitted.errors:
            return self.page(
                request,
                ctx,
                viewer,
                values=submitted.raw,
                errors=submitted.errors,
                status_code=422,
            )
        command = self.command(**submitted.values)
        try:
            answer = open_from_form(ctx, viewer, form, command, submitted, self.path)
        except DomainError as error:
            return self.page(
                request,
                ctx,
                viewer,
                values=submitted.raw,
                errors={error.field or "": error},
                status_code=422,
            )
        return redirect_to(answer.body, self.command.declaration.path or OPENED)

    def page(
        self, request: Request, ctx: ApiContext, viewer: Principal, **page: Any
    ) -> HTMLResponse:
        regions = self.regions(viewer)
        offered = {"choices": {REGION: [{"value": r, "about": {}} for r in regions]}}
        status = page.pop("status_code", 200)
        return render_step(
            request,
            viewer,
            StepPage(
                self.command, self.path, offered=offered, specs=self.specs(), **page
            ),
            now=ctx.clock.now(),
            status_code=status,
        )
