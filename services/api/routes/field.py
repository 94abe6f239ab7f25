"""Field capture without a connection: an installable web app under ``/field/``.

- ``GET /field/``: the page (the app's start): the forms of the first steps
  of a case, the queue of steps this phone holds, and while offline, that
  the police have not been alerted yet, with the officer's number;
- ``GET /field/sw.js``, ``/field/app.js``, ``/field/vault.js``,
  ``/field/manifest.webmanifest``, ``/field/icon.svg``: the service worker,
  the page's scripts and the manifest, plain files (no build step);
- ``GET /field/data/bundle``: what the phone keeps for offline work (the version
  of the forms, the worker's open cases), refreshed whenever it is online;
- ``GET /field/data/session``: the token the sync sends (it changes with the
  session, so it is never kept on the phone);
- ``POST /field/data/sync``: the queued steps, in order (``services.api.field_sync``).

All of them take the session the pages use; ``/field/data/sync`` also the pages'
form token (header ``X-CSRF-Token``) and this site's origin.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from domain.errors import InvalidValue
from services.api.auth import Context, CorrelationId, Viewer
from services.api.context import ApiContext
from services.api.csrf import check_form, page_token
from services.api.field_sync import MAX_BATCH, QueuedStep, Syncer
from services.api.field_view import (
    STATIC,
    field_forms,
    field_version,
    open_cases,
    police_phones,
)
from services.api.form_model import local_minute
from services.api.policy import Principal
from services.api.routes.pages import render
from services.api.step_offers import opening_regions
from services.api.wording import Wording
from services.app.errors import InvalidInput

router = APIRouter(include_in_schema=False)

PREFIX = "/field/"
# The app's own files, served as they are.
FILES = {
    "sw.js": "text/javascript",
    "app.js": "text/javascript",
    "vault.js": "text/javascript",
    "manifest.webmanifest": "application/manifest+json",
    "icon.svg": "image/svg+xml",
}
CSRF_HEADER = "x-csrf-token"


def may_capture(viewer: Principal) -> bool:
    """Whether ``viewer`` may open cases, and so record the field steps."""
    return bool(opening_regions(viewer))


@router.get("/field", include_in_schema=False)
def field_root() -> Response:
    return Response(status_code=308, headers={"Location": PREFIX})


@router.get(PREFIX, response_class=HTMLResponse)
def field_page(
    request: Request, ctx: Context, viewer: Viewer, correlation_id: CorrelationId
) -> HTMLResponse:
    """The field-capture page: works offline once opened online."""
    ctx.check(viewer, "page:field", may_capture(viewer), correlation_id=correlation_id)
    w = Wording.of(viewer.language, ctx.rulebook)
    now = local_minute(ctx.clock.now())
    return render(
        request,
        viewer.language,
        "field.html",
        viewer=viewer,
        forms=field_forms(w, viewer),
        phones=police_phones(ctx, w, list(viewer.regions) or opening_regions(viewer)),
        version=field_version(ctx.rulebook),
        occurred_shown=now,
        now_input=now,
    )


@router.get(PREFIX + "{name}")
def field_file(name: str) -> FileResponse:
    """The app's scripts, manifest and icon."""
    if name not in FILES:
        raise HTTPException(404, "no such file")
    return FileResponse(STATIC / name, media_type=FILES[name])


@router.get("/field/data/bundle")
def bundle(ctx: Context, viewer: Viewer, correlation_id: CorrelationId) -> JSONResponse:
    """The version of the forms and the worker's open cases, for offline use."""
    ctx.read(viewer, "page:field", may_capture(viewer), correlation_id=correlation_id)
    body = {
        "version": field_version(ctx.rulebook),
        "user_id": viewer.user_id,
        "cases": open_cases(ctx, viewer),
    }
    return JSONResponse(body)


@router.get("/field/data/session")
def session(request: Request, viewer: Viewer) -> JSONResponse:
    """The session's form token and whose session it is (never cached)."""
    return JSONResponse({"csrf": page_token(request), "user_id": viewer.user_id})


@router.post("/field/data/sync")
async def sync(
    request: Request, ctx: Context, viewer: Viewer, correlation_id: CorrelationId
) -> JSONResponse:
    """Record queued steps in order, each once; stop at the first not recorded."""
    check_form(request, request.headers.get(CSRF_HEADER, ""))
    try:
        body: Any = json.loads(await request.body())
    except ValueError:
        raise InvalidInput("the queued steps are not JSON") from None
    raw = body.get("steps") if isinstance(body, dict) else None
    try:
        if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_BATCH:
            raise InvalidValue(f"send 1 to {MAX_BATCH} steps")
        steps = [QueuedStep.parse(item) for item in raw]
    except InvalidValue as error:
        raise InvalidInput(
            f"the queued steps cannot be read: {error.message}"
        ) from None
    answers = await run_in_threadpool(_sync, ctx, viewer, correlation_id, steps)
    return JSONResponse({"answers": answers})


def _sync(
    ctx: ApiContext, viewer: Principal, correlation_id: str, steps: list[QueuedStep]
) -> list[dict[str, Any]]:
    ctx.check(
        viewer, "command:field_sync", may_capture(viewer), correlation_id=correlation_id
    )
    return Syncer(ctx, viewer, correlation_id).run(steps)
