"""An error as the API answers it: ``{"error": code, "message": text}``, with
``errors`` (one per field: the field, the rule it broke, the message) for a
request that failed validation (``services.api.app`` installs the handlers).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi.responses import JSONResponse


def problem(
    status: int,
    error: str,
    message: str,
    *,
    errors: list[dict[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {"error": error, "message": message, **extra}
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, headers=headers)


def field_error(error: Any) -> dict[str, str]:
    location = [str(part) for part in error.get("loc", ())]
    if location and location[0] in ("body", "query", "path", "header", "cookie"):
        location = location[1:] or [location[0]]
    message = str(error.get("msg", "is not valid"))
    message = message.removeprefix("Value error, ")
    return {
        "field": ".".join(location) or "request",
        "rule": str(error.get("type", "invalid")),
        "message": message,
    }
