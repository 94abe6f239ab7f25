"""The browsable API document at ``/docs`` (with ``VATRA_API_DOCS=on``),
served whole from this server: Swagger UI's files come from the
``swagger-ui-bundle-v2`` package, the page starts it with a script of its own
rather than an inline one, and its content security policy (``DOCS_CSP`` in
``services.api.edge``) lets it load nothing from anywhere else. So the
document opens on a machine without internet, and nothing from a CDN runs
beside a token typed into "Authorize".
"""

from __future__ import annotations

import functools
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, Response
from swagger_ui_bundle import swagger_ui_path

router = APIRouter(include_in_schema=False)

ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
}
PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Vatra Backbone: HTTP API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="icon" href="/docs/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/start.js"></script>
</body>
</html>
"""
START = """window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
};
"""


@router.get("/docs", response_class=HTMLResponse)
def docs_page() -> HTMLResponse:
    """Swagger UI over ``/openapi.json``."""
    return HTMLResponse(PAGE)


@router.get("/docs/start.js")
def docs_start() -> Response:
    return Response(START, media_type="text/javascript; charset=utf-8")


@router.get("/docs/{name}")
def docs_asset(name: str) -> Response:
    """One of Swagger UI's own files, from the installed package."""
    if name not in ASSETS:
        raise HTTPException(404, "no such file")
    return Response(_asset(name), media_type=ASSETS[name])


@functools.cache
def _asset(name: str) -> bytes:
    folder: Path = swagger_ui_path
    return (folder / name).read_bytes()
